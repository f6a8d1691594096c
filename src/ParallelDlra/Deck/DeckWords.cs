using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

/// <summary>The deck's words for the option enums, shared by <see cref="DeckReader"/> and <see cref="DeckWriter"/>.</summary>
internal static class DeckWords
{
    public static readonly (string Word, BoundaryKind Value)[] Boundary =
        [("vacuum", BoundaryKind.Vacuum), ("periodic", BoundaryKind.Periodic), ("reflective", BoundaryKind.Reflective), ("inflow", BoundaryKind.Inflow)];

    public static readonly (string Word, AngularMethod Value)[] Angular = [("pn", AngularMethod.Pn), ("sn", AngularMethod.Sn)];

    public static readonly (string Word, QuadratureKind Value)[] Quadrature =
        [("product_gauss_legendre", QuadratureKind.ProductGaussLegendre), ("level_symmetric", QuadratureKind.LevelSymmetric), ("lebedev", QuadratureKind.Lebedev)];

    public static readonly (string Word, FilterKind Value)[] Filter =
        [("exponential", FilterKind.Exponential), ("spherical_spline", FilterKind.SphericalSpline), ("lanczos", FilterKind.Lanczos)];

    public static readonly (string Word, RotationAngle Value)[] Rotation = [("fixed", RotationAngle.Fixed), ("random", RotationAngle.Random)];

    public static readonly (string Word, FluxKind Value)[] Flux = [("roe", FluxKind.Roe), ("rusanov", FluxKind.Rusanov)];

    public static readonly (string Word, SlopeLimiter Value)[] Limiter = [("none", SlopeLimiter.None), ("minmod", SlopeLimiter.Minmod), ("mc", SlopeLimiter.Mc), ("density_mc", SlopeLimiter.DensityMc), ("density_minmod", SlopeLimiter.DensityMinmod), ("density_vanalbada", SlopeLimiter.DensityVanAlbada)];

    public static readonly (string Word, TimeStepperKind Value)[] Stepper =
        [("euler", TimeStepperKind.ForwardEuler), ("ssprk2", TimeStepperKind.SspRk2), ("ssprk3", TimeStepperKind.SspRk3)];

    public static readonly (string Word, SolverKind Value)[] Solver =
    [
        ("full_rank", SolverKind.FullRank), ("fixed_rank_bug", SolverKind.FixedRankBug),
        ("augmented_bug", SolverKind.AugmentedBug), ("parallel_bug", SolverKind.ParallelBug),
        ("midpoint_bug", SolverKind.MidpointBug), ("parallel_bug2", SolverKind.ParallelBug2),
    ];

    public static readonly (string Word, QrMethod Value)[] Qr =
        [("tsqr", QrMethod.Tsqr), ("cholqr2", QrMethod.CholeskyQr2), ("scholqr3", QrMethod.ShiftedCholeskyQr3)];

    public static readonly (string Word, ToleranceKind Value)[] Tolerance =
        [("relative", ToleranceKind.Relative), ("absolute", ToleranceKind.Absolute)];

    public static readonly (string Word, TruncationScaling Value)[] TruncationPer =
        [("unit_time", TruncationScaling.UnitTime), ("step", TruncationScaling.Step)];

    public static readonly (string Word, RelativeScale Value)[] RelativeTo =
        [("solution", RelativeScale.Solution), ("density", RelativeScale.Density)];

    public static readonly (string Word, InitialKind Value)[] Initial =
        [("zero", InitialKind.Zero), ("gaussian", InitialKind.Gaussian), ("constant", InitialKind.Constant), ("beam", InitialKind.Beam)];

    public static readonly (string Word, BackendKind Value)[] Backend =
        [("cpu", BackendKind.Cpu), ("gpu", BackendKind.Gpu), ("auto", BackendKind.Auto)];

    public static readonly (string Word, AcceleratorKind Value)[] Accelerator = [("cuda", AcceleratorKind.Cuda), ("cpu", AcceleratorKind.Cpu)];

    public static readonly (string Word, ProblemModel Value)[] Model = [("kinetic", ProblemModel.Kinetic), ("thermal", ProblemModel.Thermal), ("burgers", ProblemModel.Burgers)];

    /// <summary>Face names in the order of <see cref="GridOptions.Faces"/>.</summary>
    public static readonly string[] Faces = ["x_min", "x_max", "y_min", "y_max", "z_min", "z_max"];

    public static string Of<T>((string Word, T Value)[] words, T value) where T : struct, Enum
        => words.First(w => EqualityComparer<T>.Default.Equals(w.Value, value)).Word;
}

/// <summary>Option records described in the deck's words, for messages.</summary>
public static class OptionDescriptions
{
    /// <summary>"P_N" or "S_N (quadrature)".</summary>
    public static string Describe(this AngularOptions angular) =>
        angular.Method == AngularMethod.Pn ? $"P_{angular.Order}" : $"S_{angular.Order} ({DeckWords.Of(DeckWords.Quadrature, angular.Quadrature)})";
}

/// <summary>The deck's words of the <c>uncertainty</c> section.</summary>
internal static class UncertaintyWords
{
    public static readonly (string Word, UncertaintyMethod Value)[] Method =
        [("stochastic_galerkin", UncertaintyMethod.StochasticGalerkin), ("collocation", UncertaintyMethod.Collocation), ("monte_carlo", UncertaintyMethod.MonteCarlo)];

    public static readonly (string Word, ParameterDistribution Value)[] Distribution =
        [("uniform", ParameterDistribution.Uniform), ("normal", ParameterDistribution.Normal)];

    public static readonly (string Word, ChaosIndexSet Value)[] IndexSet = [("tensor", ChaosIndexSet.Tensor), ("total_degree", ChaosIndexSet.TotalDegree)];

    public static readonly (string Key, UncertainTarget Value)[] Targets =
        [("sigma_s", UncertainTarget.SigmaS), ("sigma_a", UncertainTarget.SigmaA), ("source", UncertainTarget.Source), ("initial", UncertainTarget.InitialAmplitude),
         ("inflow", UncertainTarget.Inflow), ("initial_center", UncertainTarget.InitialCenter), ("initial_width", UncertainTarget.InitialWidth)];

    /// <summary>The uncertain Riemann data of <c>problem.model: burgers</c>.</summary>
    public static readonly (string Key, UncertainTarget Value)[] RiemannTargets =
        [("shock", UncertainTarget.Shock), ("left_state", UncertainTarget.LeftState), ("right_state", UncertainTarget.RightState)];
}
