using System.Collections.Immutable;

namespace ParallelDlra.Deck;

// The typed, immutable image of a YAML deck. Each deck key maps onto exactly one property here;
// numerical code receives these records and never looks anything up by string.
// The keys, their meaning, defaults and allowed values are documented in docs/deck.md.

/// <summary>Boundary condition on one face of the box.</summary>
public enum BoundaryKind { Vacuum, Periodic, Reflective, Inflow }

/// <summary>Numerical flux of the finite-volume discretisation.</summary>
public enum FluxKind { Roe, Rusanov }

/// <summary>Slope limiter of the limited second-order scheme (<c>solver.limiter</c>, full rank): none (Fromm's linear
/// scheme), minmod, or the monotonised central limiter (van Leer 1977).</summary>
public enum SlopeLimiter { None, Minmod, Mc }

/// <summary>Explicit time stepper: forward Euler or a strong-stability-preserving Runge–Kutta method
/// (SSP-RK2, SSP-RK3; Gottlieb and Shu 1998), each a convex combination of forward-Euler steps
/// (<c>ParallelDlra.Solvers.ShuOsher</c>). The low-rank integrators compose whole forward-Euler DLRA steps the same way.</summary>
public enum TimeStepperKind { ForwardEuler, SspRk2, SspRk3 }

/// <summary>Which solver evolves the discrete solution.</summary>
public enum SolverKind { FullRank, FixedRankBug, AugmentedBug, ParallelBug }

/// <summary>Whether the truncation tolerance θ is absolute or relative to ‖S‖.</summary>
public enum ToleranceKind { Relative, Absolute }

/// <summary>What the truncation tolerance θ is measured against in time: per unit time (ϑ = θ·Δt per
/// truncation, so n steps discard at most θ·t: the same meaning on every grid and step size; Ceruti, Kusch
/// and Lubich, BIT 2022, bound the error by the truncations' sum n·ϑ) or per step (ϑ = θ, the setting of
/// earlier versions).</summary>
public enum TruncationScaling { UnitTime, Step }

/// <summary>What a relative tolerance is relative to: the whole solution (‖Ŝ‖_F = ‖u‖, the norm of every
/// coefficient, angular detail included) or its density (‖Ŝ V̂ᵀd‖ = ‖u d‖, d the mass direction: the part that
/// is the scalar flux φ). ‖u‖ grows with the angular resolution where ψ is peaked in angle (the uncollided flux
/// of a pulse), so θ relative to it loosens as N is refined; the density's norm does not depend on N.</summary>
public enum RelativeScale { Solution, Density }

/// <summary>How a tall-skinny block is orthonormalised (<c>ParallelDlra.Parallel.TallSkinnyQr</c>):
/// Householder TSQR (never breaks down), CholeskyQR2 (two Gram passes, κ up to about u^(-1/2)) or
/// shifted CholeskyQR3 (a shifted pass first, κ up to about u^(-1)). The Cholesky variants fall back
/// to shifted CholeskyQR3 and then TSQR when a Gram matrix is not numerically positive definite.</summary>
public enum QrMethod { Tsqr, CholeskyQr2, ShiftedCholeskyQr3 }

/// <summary>Which compute backend runs the n_cells-long work (deck key <c>compute.backend</c>).</summary>
public enum BackendKind { Cpu, Gpu, Auto }

/// <summary>What the GPU backend runs on: a CUDA device, or ILGPU's CPU accelerator (correctness tests only).</summary>
public enum AcceleratorKind { Cuda, Cpu }

/// <summary>Shape of the initial condition.</summary>
public enum InitialKind { Zero, Gaussian, Constant }

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

/// <summary>deck key <c>reaction</c>: the nonlinear loss −κ |ψ| ψ added to the transport equation, evaluated by a
/// velocity quadrature with <see cref="QuadraturePoints"/> points per polar direction (<c>reaction.kappa</c>,
/// <c>reaction.quadrature_points</c>).</summary>
public sealed record ReactionOptions(double Kappa, int QuadraturePoints);

/// <summary>What a deck models (deck key <c>problem.model</c>): linear kinetics (the default), or thermal radiative
/// transfer — radiation coupled to a material energy field by absorption and emission (<see cref="ThermalOptions"/>).</summary>
public enum ProblemModel { Kinetic, Thermal }

/// <summary>deck key <c>problem</c>.</summary>
public sealed record ProblemOptions(string Name, string Description, ProblemModel Model = ProblemModel.Kinetic);

/// <summary>A closed interval [Min, Max] of one coordinate.</summary>
public readonly record struct Interval(double Min, double Max)
{
    public double Length => Max - Min;
}

/// <summary>Condition on one face: the kind, and for <see cref="BoundaryKind.Inflow"/> the isotropic
/// incoming scalar flux φ_in (the angular flux is φ_in / |S|).</summary>
public readonly record struct BoundaryFace(BoundaryKind Kind, double InflowScalarFlux = 0.0);

/// <summary>deck key <c>grid</c>: uniform Cartesian cells on a box; the dimension is the length of
/// <see cref="Cells"/>. Faces are ordered x_min, x_max, y_min, y_max, z_min, z_max.</summary>
public sealed record GridOptions(ImmutableArray<int> Cells, ImmutableArray<Interval> Extent, ImmutableArray<BoundaryFace> Faces)
{
    public int Dimension => Cells.Length;

    public bool Equals(GridOptions? other)
        => other is not null && ValueEquality.Same(Cells, other.Cells) && ValueEquality.Same(Extent, other.Extent) && ValueEquality.Same(Faces, other.Faces);

    public override int GetHashCode() => HashCode.Combine(ValueEquality.Hash(Cells), ValueEquality.Hash(Extent), ValueEquality.Hash(Faces));
}

/// <summary>The angular discretisation (deck key <c>angular.method</c>): spherical harmonics or discrete ordinates.</summary>
public enum AngularMethod { Pn, Sn }

/// <summary>The filter function f(η) of filtered P_N (deck key <c>angular.filter.type</c>).</summary>
public enum FilterKind { Exponential, SphericalSpline, Lanczos }

/// <summary>deck key <c>angular.filter</c> (P_N only): moment ℓ ≥ 2 is damped at the rate
/// Strength · g(ℓ/(N+1)) / g(N/(N+1)) with g = −log f (Radice et al. 2013), so <paramref name="Strength"/> is the
/// damping rate of the highest degree N, independent of Δt and Δx.</summary>
public sealed record FilterOptions(FilterKind Type, double Strength, int Order);

/// <summary>How rS_N picks the rotation angle of each step (deck key <c>angular.rotation.angle</c>).</summary>
public enum RotationAngle { Fixed, Random }

/// <summary>deck key <c>angular.rotation</c> (S_N on a ring quadrature, 2D/3D): after every step the ordinates turn
/// about z by α = <paramref name="Fraction"/>·Δφ (fixed) or by α uniform in [0, Δφ) drawn from the step number and
/// <paramref name="Seed"/> (random; the same on every rank and in every run), Δφ the azimuthal spacing.</summary>
public sealed record RotationOptions(RotationAngle Angle, double Fraction, long Seed);

/// <summary>The ordinate set of S_N (deck key <c>angular.quadrature</c>).</summary>
public enum QuadratureKind { ProductGaussLegendre }

/// <summary>deck key <c>angular</c>: P_N with order N, or S_N with the quadrature <paramref name="Quadrature"/> of
/// order N (for the product Gauss–Legendre set: N Gauss–Legendre nodes in μ, 2N azimuths).</summary>
public sealed record AngularOptions(int Order, AngularMethod Method = AngularMethod.Pn, QuadratureKind Quadrature = QuadratureKind.ProductGaussLegendre,
    FilterOptions? Filter = null, RotationOptions? Rotation = null)
{
    /// <summary>"P_N" or "S_N (quadrature)", for messages.</summary>
    public string Describe() => Method == AngularMethod.Pn ? $"P_{Order}" : $"S_{Order} ({DeckWords.Of(DeckWords.Quadrature, Quadrature)})";
}

/// <summary>Cross sections and isotropic source of one material: σ_s, σ_a (σ_t = σ_s + σ_a) and
/// the total emission density Q (per unit volume, integrated over directions).</summary>
public readonly record struct Material(double SigmaS, double SigmaA, double Source)
{
    public double SigmaT => SigmaS + SigmaA;
}

/// <summary>An axis-aligned box, one interval per dimension.</summary>
public sealed record Box(ImmutableArray<Interval> Sides)
{
    public bool Contains(ReadOnlySpan<double> point)
    {
        for (int d = 0; d < Sides.Length; d++)
            if (point[d] < Sides[d].Min || point[d] > Sides[d].Max) return false;
        return true;
    }

    public bool Equals(Box? other) => other is not null && ValueEquality.Same(Sides, other.Sides);

    public override int GetHashCode() => ValueEquality.Hash(Sides);
}

/// <summary>A named region of a material map: a union of boxes carrying one material.</summary>
public sealed record MaterialRegion(string Name, Material Material, ImmutableArray<Box> Boxes)
{
    public bool Equals(MaterialRegion? other)
        => other is not null && Name == other.Name && Material == other.Material && ValueEquality.Same(Boxes, other.Boxes);

    public override int GetHashCode() => HashCode.Combine(Name, Material, ValueEquality.Hash(Boxes));
}

/// <summary>A material map (file format in docs/deck.md, files in <c>meshes/</c>): a background
/// material and regions; a cell takes the material of the last region containing its centre.</summary>
public sealed record MaterialMap(string Name, int Dimension, Material Background, ImmutableArray<MaterialRegion> Regions)
{
    /// <summary>The name of the region whose material <see cref="At"/> gives at the point, "background" outside every region.</summary>
    public string RegionAt(ReadOnlySpan<double> point)
    {
        for (int i = Regions.Length - 1; i >= 0; i--)
            foreach (var box in Regions[i].Boxes)
                if (box.Contains(point)) return Regions[i].Name;
        return "background";
    }

    public Material At(ReadOnlySpan<double> point)
    {
        for (int i = Regions.Length - 1; i >= 0; i--)
            foreach (var box in Regions[i].Boxes)
                if (box.Contains(point)) return Regions[i].Material;
        return Background;
    }

    public bool Equals(MaterialMap? other)
        => other is not null && Name == other.Name && Dimension == other.Dimension && Background == other.Background
           && ValueEquality.Same(Regions, other.Regions);

    public override int GetHashCode() => HashCode.Combine(Name, Dimension, Background, ValueEquality.Hash(Regions));
}

/// <summary>deck key <c>material</c>: either a material map file from <c>meshes/</c> (path resolved
/// against the deck's folder, stored here absolute) or uniform values, both resolved into <see cref="Map"/>.</summary>
public sealed record MaterialOptions(string? MapFile, MaterialMap Map)
{
    /// <summary>deck key <c>material.thermal</c>: the material energy law of <c>problem.model: thermal</c> (null otherwise).</summary>
    public ThermalOptions? Thermal { get; init; }
}

/// <summary>deck key <c>material.thermal</c> (with <c>problem.model: thermal</c>): the material energy e(x, t) exchanges
/// energy with the radiation by absorption and emission, ∂e/∂t = σ_a (φ − B), and emits σ_a B isotropically, with the
/// linear (Su–Olson) closure e = C·B: a heat capacity c_v ∝ T³ makes e ∝ T⁴ ∝ B. <see cref="HeatCapacity"/> is C (> 0;
/// the Su–Olson benchmark in its dimensionless form has C = 1, e = V). σ_a and the external source Q (emission density
/// integrated over directions) are the material map's <c>sigma_a</c> and <c>source</c>; the source is on while
/// t ≤ <see cref="SourceUntil"/>. <see cref="InitialEnergy"/>: e at t = 0, uniform.</summary>
public sealed record ThermalOptions(double HeatCapacity, double InitialEnergy = 0.0, double SourceUntil = double.PositiveInfinity);

/// <summary>deck key <c>initial</c>. Gaussian: φ(x) = mass · N(center, σ² I) (unit integral times mass);
/// Constant: φ = value everywhere. The initial angular flux is isotropic: ψ = φ / |S|.</summary>
public sealed record InitialConditionOptions(InitialKind Kind, ImmutableArray<double> Center, double Sigma, double Mass, double Value)
{
    public bool Equals(InitialConditionOptions? other)
        => other is not null && Kind == other.Kind && ValueEquality.Same(Center, other.Center)
           && Sigma.Equals(other.Sigma) && Mass.Equals(other.Mass) && Value.Equals(other.Value);

    public override int GetHashCode() => HashCode.Combine(Kind, ValueEquality.Hash(Center), Sigma, Mass, Value);
}

/// <summary>deck key <c>time</c>. Δt = cfl · (Σ_d ρ(A_d)/Δx_d)^-1, shortened for the last step to hit <see cref="End"/>.
/// <see cref="MaxMassGrowth"/> (<c>time.max_mass_growth</c>): the run is stopped as diverged when |mass| exceeds this
/// factor times the most mass the problem can hold (<c>Solvers.DivergenceGuard</c>).</summary>
public sealed record TimeOptions(double End, double Cfl, TimeStepperKind Stepper, int MaxSteps, double MaxMassGrowth = TimeOptions.DefaultMaxMassGrowth)
{
    /// <summary>Default of <c>time.max_mass_growth</c>.</summary>
    public const double DefaultMaxMassGrowth = 1e3;
}

/// <summary>deck key <c>solver.truncation</c>: discard the singular-value tail whose ℓ2 norm is ≤ ϑ with
/// ϑ = θ·Δt (<see cref="TruncationScaling.UnitTime"/>, the default) or θ (<see cref="TruncationScaling.Step"/>),
/// times ‖Ŝ‖_F (or the density's norm, <see cref="RelativeScale"/>) when relative, keeping a rank in [RMin, RMax].</summary>
public sealed record TruncationOptions(double Theta, ToleranceKind Kind, int RMin, int RMax, TruncationScaling Per = TruncationScaling.UnitTime,
    RelativeScale RelativeTo = RelativeScale.Density)
{
    /// <summary>The tolerance ϑ on the ℓ2 norm of the discarded singular values of one truncation in a step of
    /// length <paramref name="dt"/>, for a matrix of Frobenius norm <paramref name="norm"/>.</summary>
    public double Tolerance(double dt, double norm) =>
        Theta * (Per == TruncationScaling.UnitTime ? dt : 1.0) * (Kind == ToleranceKind.Relative ? norm : 1.0);
}

/// <summary>deck key <c>solver</c>. <see cref="SpaceOrder"/> (<c>solver.space_order</c>): 1, first-order upwind, or 2,
/// Fromm's linear second-order upwind scheme (five-point stencils, two ghost layers; SSP-RK2 or SSP-RK3 in time).
/// <see cref="Limiter"/> (<c>solver.limiter</c>): with space order 2 and full rank, MUSCL with limited slopes on the
/// characteristic variables instead.</summary>
public sealed record SolverOptions(
    SolverKind Kind,
    FluxKind Flux,
    int InitialRank,
    TruncationOptions Truncation,
    bool Conservative,
    QrMethod Qr = QrMethod.Tsqr,
    int SpaceOrder = 1,
    SlopeLimiter Limiter = SlopeLimiter.None);

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

/// <summary>deck key <c>compute</c>: the backend (<c>auto</c>: the GPU backend when a CUDA device is present,
/// else the CPU backend), whether several ranks of a node may share one GPU, and what the GPU backend runs on.</summary>
public sealed record ComputeOptions(BackendKind Backend = BackendKind.Cpu, bool ShareGpus = false, AcceleratorKind Accelerator = AcceleratorKind.Cuda)
{
    public static ComputeOptions Default { get; } = new();
}

/// <summary>Element-wise equality for the <see cref="ImmutableArray{T}"/> members of the option
/// records (ImmutableArray itself compares by reference), so equal decks give equal options.</summary>
internal static class ValueEquality
{
    public static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b)
        => a.IsDefault || b.IsDefault ? a.IsDefault == b.IsDefault : a.SequenceEqual(b);

    public static int Hash<T>(ImmutableArray<T> a)
    {
        var h = new HashCode();
        if (!a.IsDefault)
            foreach (var x in a) h.Add(x);
        return h.ToHashCode();
    }
}
