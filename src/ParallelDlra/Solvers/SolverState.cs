using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;

namespace ParallelDlra.Solvers;

/// <summary>Where a block's storage lives.</summary>
public enum StorageLocation { Host, Device }

/// <summary>The live low-rank state u ≈ X S Vᵀ (Ensign's {X, S, V}): X n_cells × r (rank-local rows, orthonormal in
/// the cell-volume inner product, a backend <see cref="Block"/>), S r × r and V n_moments × r (replicated host
/// matrices). The integrators step it; <see cref="ISolver.Save"/> copies it to a <see cref="FactorsState"/>.</summary>
public sealed class LowRankFactors(Block x, Matrix<double> s, Matrix<double> v) : IDisposable
{
    public Block X { get; set; } = x;
    public Matrix<double> S { get; set; } = s;
    public Matrix<double> V { get; set; } = v;

    /// <summary>r: the number of columns of X and V.</summary>
    public int Rank => S.RowCount;

    /// <summary>Where X lives (S and V are always on the host).</summary>
    public StorageLocation Location => X is HostBlock ? StorageLocation.Host : StorageLocation.Device;

    public void Dispose() => X.Dispose();
}

/// <summary>What a solver's state is made of (the layout of its checkpoint).</summary>
public enum SolverStateKind { Moments, Factors }

/// <summary>A host copy of a solver's rank-local state, as a value: what checkpoints write and restore.</summary>
public abstract record SolverState;

/// <summary>The dense coefficients u (rank-local n_cells × n_moments, column-major).</summary>
public sealed record MomentsState(double[] U) : SolverState;

/// <summary>Low-rank factors on the host: X rank-local n_cells × r column-major, S r × r, V n_moments × r.</summary>
public sealed record FactorsState(double[] X, Matrix<double> S, Matrix<double> V) : SolverState
{
    public int Rank => S.RowCount;
}

/// <summary>The state of a model with more than one field (e.g. radiation factors and a spatial material field),
/// each part by name.</summary>
public sealed record CompositeState(IReadOnlyList<(string Name, SolverState Part)> Parts) : SolverState;
