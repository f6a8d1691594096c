using System.Collections.Immutable;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

// The typed, immutable image of a YAML deck: RunOptions composes the option records of the layers that use them
// (Mesh/GridOptions.cs, Angular/AngularOptions.cs, Problems/MaterialMap.cs, Problems/InitialConditionOptions.cs,
// Compute/ComputeOptions.cs, Parallel/QrMethod.cs, Kinetic/KineticOptions.cs, Solvers/TimeOptions.cs,
// LowRank/TruncationOptions.cs, Uncertainty/UncertaintyOptions.cs); the deck layer maps YAML onto them from above.
// Each deck key maps onto exactly one property; numerical code receives these records and never looks anything up
// by string. The keys, their meaning, defaults and allowed values are documented in docs/deck.md.

/// <summary>A complete, validated run description.</summary>
public sealed record RunOptions(
    ProblemOptions Problem,
    GridOptions Grid,
    AngularOptions Angular,
    MaterialOptions Material,
    InitialConditionOptions Initial,
    TimeOptions Time,
    SolverOptions Solver,
    OutputOptions Output,
    ComputeOptions Compute = null!)
{
    /// <summary>deck key <c>compute</c> (defaults when the deck has none).</summary>
    public ComputeOptions Compute { get; init; } = Compute ?? ComputeOptions.Default;

    /// <summary>deck key <c>reaction</c>: a nonlinear reaction term; null (a linear problem) when the deck has none.</summary>
    public ReactionOptions? Reaction { get; init; }

    /// <summary>deck key <c>uncertainty</c>: random parameters and the uncertain inputs; null for a deterministic run.</summary>
    public UncertaintyOptions? Uncertainty { get; init; }
}

/// <summary>What a deck models (deck key <c>problem.model</c>): linear kinetics (the default), or thermal radiative
/// transfer — radiation coupled to a material energy field by absorption and emission (<see cref="ThermalOptions"/>).</summary>
public enum ProblemModel { Kinetic, Thermal, Burgers }

/// <summary>deck key <c>problem</c>.</summary>
public sealed record ProblemOptions(string Name, string Description, ProblemModel Model = ProblemModel.Kinetic);

/// <summary>deck key <c>output</c>. Directory resolved against the working directory.
/// Snapshots (HDF5 + one XDMF index) are written every <see cref="SnapshotEvery"/> steps (0: never) and at
/// the first step reaching each of <see cref="SnapshotTimes"/>; they hold φ, the moments listed in
/// <see cref="Moments"/> and, with <see cref="StoreFactors"/>, the low-rank factors X, S, V. Checkpoints of
/// the whole state every <see cref="CheckpointEvery"/> steps (0: never), the last <see cref="CheckpointKeep"/> kept.</summary>
public sealed record OutputOptions(string Directory, int ProgressEvery, bool WriteField,
    int SnapshotEvery = 0, ImmutableArray<double> SnapshotTimes = default, ImmutableArray<int> Moments = default,
    bool StoreFactors = false, int CheckpointEvery = 0, int CheckpointKeep = 2)
{
    public ImmutableArray<double> SnapshotTimes { get; init; } = SnapshotTimes.IsDefault ? [] : SnapshotTimes;
    public ImmutableArray<int> Moments { get; init; } = Moments.IsDefault ? [] : Moments;

    /// <summary>Whether any snapshot is asked for.</summary>
    public bool Snapshots => SnapshotEvery > 0 || SnapshotTimes.Length > 0;

    public bool Equals(OutputOptions? other)
        => other is not null && Directory == other.Directory && ProgressEvery == other.ProgressEvery && WriteField == other.WriteField
           && SnapshotEvery == other.SnapshotEvery && ValueEquality.Same(SnapshotTimes, other.SnapshotTimes)
           && ValueEquality.Same(Moments, other.Moments) && StoreFactors == other.StoreFactors
           && CheckpointEvery == other.CheckpointEvery && CheckpointKeep == other.CheckpointKeep;

    public override int GetHashCode()
        => HashCode.Combine(Directory, ProgressEvery, WriteField, SnapshotEvery, ValueEquality.Hash(SnapshotTimes), ValueEquality.Hash(Moments),
            HashCode.Combine(StoreFactors, CheckpointEvery, CheckpointKeep));
}
