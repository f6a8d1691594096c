using System.Globalization;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

// Limits that depend on several keys at once (issue #18), checked when the deck is read — so by <c>pdlra check</c> as
// well as <c>pdlra run</c> — and reported like every other deck error (one line, file:line:column, the key):
// the number of entries n_cells × n_moments (64-bit indices, exact in float64), extents and spacings that overflow or underflow, P_0 with a low-rank solver,
// r_min and an explicit solver.rank above n_moments, output.moments beyond n_moments.
public static partial class DeckReader
{
    /// <summary>Most entries n_cells × n_moments a deck may ask for: 2^53. Cell and entry counts, offsets and indices are
    /// 64-bit throughout and are exact in a float64 up to 2^53 (they travel as float64 in collectives and checksums; the
    /// byte counts of the memory estimate, a few times 8 × 2^53, stay below 2^63). Not a memory limit — the memory
    /// estimate (<c>Solvers.ResourceEstimate</c>) refuses far smaller runs on any machine of today — only the point at
    /// which an index would overflow.</summary>
    public const long MaxEntries = 1L << 53;

    /// <summary>Largest |coordinate| and box length allowed; the smallest cell width.</summary>
    public const double MaxCoordinate = 1e100, MinSpacing = 1e-100;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>n_moments of P_N: N + 1 (1D), (N + 1)(N + 2)/2 (2D), (N + 1)² (3D) — as <c>Angular.PnBasis</c> builds them.</summary>
    public static int MomentCount(int dimension, int order) => dimension switch
    {
        1 => order + 1,
        2 => (order + 1) * (order + 2) / 2,
        _ => (order + 1) * (order + 1),
    };

    /// <summary>The number of coefficients per cell of the angular discretisation: n_moments of P_N, or n_q of S_N
    /// (product Gauss–Legendre of order N: N (1D), N² (2D, the upper hemisphere), 2N² (3D); level-symmetric LQ_N:
    /// N(N + 2)/2 (2D), N(N + 2) (3D); Lebedev: the points of the rule, those with Ω_z ≥ 0 in 2D).</summary>
    public static int AngularCount(int dimension, AngularOptions angular) => angular.Method switch
    {
        AngularMethod.Sn => angular.Quadrature switch
        {
            QuadratureKind.LevelSymmetric => Angular.Quadratures.LevelSymmetric.Count(dimension, angular.Order),
            QuadratureKind.Lebedev => Angular.Quadratures.Lebedev.Count(dimension, angular.Order),
            _ => dimension switch { 1 => angular.Order, 2 => angular.Order * angular.Order, _ => 2 * angular.Order * angular.Order },
        },
        _ => MomentCount(dimension, angular.Order),
    };

    /// <summary>The number of coefficients per cell of the velocity space a deck builds: <see cref="AngularCount"/>, times
    /// the number of chaos modes for stochastic Galerkin.</summary>
    public static int CoefficientCount(RunOptions o)
    {
        int m = AngularCount(o.Grid.Dimension, o.Angular);
        if (o.Uncertainty is not { Method: UncertaintyMethod.StochasticGalerkin } u) return m;
        long modes = u.IndexSet == ChaosIndexSet.Tensor ? (long)Math.Pow(u.Degree + 1, u.Parameters.Length) : Binomial(u.Degree + u.Parameters.Length, u.Parameters.Length);
        return (int)Math.Min(int.MaxValue, m * modes);
    }

    private static void CheckLimits(Section root, RunOptions o)
    {
        var grid = root.Sub("grid", GridKeys);
        var cellsValue = grid.Optional("cells")!;
        Int128 entries = o.Grid.Cells.Aggregate((Int128)1, (a, n) => a * n) * CoefficientCount(o);   // cannot overflow: < 2^93 · 2^31
        if (entries > MaxEntries)
            throw cellsValue.Error($"makes {o.Grid.Cells.Aggregate((Int128)1, (a, n) => a * n).ToString("N0", Inv)} cells × {CoefficientCount(o)} moments " +
                                   $"= {entries.ToString("N0", Inv)} entries, more than 2^53 (where 64-bit indices stop being exact in float64)",
                "n_cells × n_moments at most 2^53 = 9,007,199,254,740,992; coarsen grid.cells or lower angular.order");
        long cells = o.Grid.Cells.Aggregate(1L, (a, n) => a * n);   // exact: below 2^53 now
        if (o.Uncertainty is { Method: not UncertaintyMethod.StochasticGalerkin } && cells > Array.MaxLength)
            throw cellsValue.Error($"makes {cells.ToString("N0", Inv)} cells, but an ensemble (uncertainty.method: collocation | monte_carlo) gathers each member's φ " +
                                   $"whole on rank 0, at most {Array.MaxLength.ToString("N0", Inv)} values in one array",
                "fewer grid.cells with an ensemble, or uncertainty.method: stochastic_galerkin");

        var extentItems = grid.Optional("extent")!.List("one [min, max] per dimension");
        for (int d = 0; d < o.Grid.Dimension; d++)
        {
            var e = o.Grid.Extent[d];
            const string allowed = "|min|, |max| and max − min at most 1e100, and (max − min)/cells at least 1e-100";
            if (Math.Abs(e.Min) > MaxCoordinate || Math.Abs(e.Max) > MaxCoordinate || !(e.Length <= MaxCoordinate))
                throw extentItems[d].Error("is too large (the cell width and Δt would overflow)", allowed);
            double h = e.Length / o.Grid.Cells[d];
            if (!(h >= MinSpacing))
                throw extentItems[d].Error($"gives a cell width of {h.ToString("G3", Inv)} (with {o.Grid.Cells[d]} cells), which underflows", allowed);
        }

        int m = CoefficientCount(o);
        var angularOrder = root.Sub("angular", AngularKeys).Optional("order")!;
        var solver = root.Sub("solver", SolverKeys);
        if (o.Solver.Kind != SolverKind.FullRank)
        {
            string solverWord = DeckWords.Of(DeckWords.Solver, o.Solver.Kind);
            if (m < 2)
                throw angularOrder.Error($"gives {m} moment, too few for the low-rank solver {solverWord}",
                    "angular.order >= 1 with a low-rank solver, or solver.type: full_rank for P_0");
            var truncation = solver.Sub("truncation", TruncationKeys);
            if (o.Solver.Truncation.RMin > m)
            {
                string problem = $"is larger than n_moments = {m} of {o.Angular.Describe()} in {o.Grid.Dimension}D";
                string allowed = $"1 <= r_min <= {m} (n_moments), or a higher angular.order";
                throw truncation.Optional("r_min") is { } rMin
                    ? rMin.Error(problem, allowed)
                    : angularOrder.Error($"gives n_moments = {m}, below solver.truncation.r_min = {o.Solver.Truncation.RMin} (its default)", allowed);
            }
            if (solver.Optional("rank") is { } rank && o.Solver.InitialRank > m)
                throw rank.Error($"is larger than n_moments = {m} of {o.Angular.Describe()} in {o.Grid.Dimension}D", $"1 <= rank <= {m}");
        }

        if (o.Angular.Rotation is not null)
        {
            var rotation = root.Sub("angular", AngularKeys).Optional("rotation")!;
            if (o.Grid.Faces.Any(f => f.Kind == BoundaryKind.Reflective))
                throw rotation.Error("is set with a reflective face (the mirror image of a rotated ordinate is not an ordinate)", "vacuum, periodic or inflow faces with angular.rotation");
            if (o.Uncertainty is not null)
                throw rotation.Error("is set with uncertainty (the stochastic Galerkin space is not a ring quadrature)", "no uncertainty section with angular.rotation");
        }

        if (o.Angular.Filter is not null && o.Uncertainty is not null)
            throw root.Sub("angular", AngularKeys).Optional("filter")!.Error("is set with uncertainty (filtered stochastic Galerkin has its own uncertainty.filter)",
                "no angular.filter with an uncertainty section");

        var output = root.Sub("output", OutputKeys);
        if (output.Optional("moments") is { } moments)
        {
            var items = moments.List("moment indices");
            for (int i = 0; i < o.Output.Moments.Length && i < items.Count; i++)
                if (o.Output.Moments[i] >= m)
                    throw items.First(v => v.Int("moment indices") == o.Output.Moments[i])
                        .Error($"is not below n_moments = {m} of {o.Angular.Describe()} in {o.Grid.Dimension}D", $"0 <= i < {m}");
        }
    }
}
