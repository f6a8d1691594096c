using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The full-rank P_N solver against the published plane-source and line-source solutions
/// (Ganapol; Garrett and Hauck 2013), σ_s = σ_t = 1, t = 1.</summary>
[Trait("Category", "Slow")]   // a refinement study: left out of `make mutate` and of quick runs (--filter Category!=Slow)
public sealed class BenchmarkProblemTests(ITestOutputHelper output)
{
    /// <summary>A finished benchmark run: φ, the error against the reference, the window's computed and reference values,
    /// the final time and ‖u‖ at t = 0 and at the end (for the truncation budget of DLRA, LowRank/ProblemTests).</summary>
    public sealed record BenchmarkRun(double[] Phi, double Error, double[] Computed, double[] Reference, double Time, double InitialNorm, double FinalNorm)
    {
        /// <summary>Σ|computed − other computed| / Σ|reference| on the window: by the triangle inequality the two runs'
        /// relative L1 errors differ by at most this.</summary>
        public double WindowDifferenceTo(BenchmarkRun other) =>
            Computed.Zip(other.Computed).Sum(p => Math.Abs(p.First - p.Second)) / Reference.Sum(Math.Abs);
    }

    private static (Simulation Sim, double InitialNorm) RunWithInitialNorm(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        double initial = Math.Sqrt(sim.Solver.Moments().Sum(v => v * v));
        sim.Run();
        return (sim, initial);
    }

    /// <summary>Relative L1 error of φ on 0 ≤ x ≤ 0.8 for the plane source on n cells with P_N.</summary>
    public static double PlaneSourceError(int cells, int order, SolverKind solver = SolverKind.FullRank) => PlaneSource(cells, order, solver).Error;

    /// <summary>The plane source on n cells with P_N, its relative L1 error of φ on 0 ≤ x ≤ 0.8.</summary>
    public static BenchmarkRun PlaneSource(int cells, int order, SolverKind solver = SolverKind.FullRank)
    {
        var o = TestDecks.Uniform([cells], [[-1.5, 1.5]], order, 1.0, 0.0, BoundaryKind.Vacuum,
            TestDecks.Gaussian(1, 0.02), 1.0, cfl: 0.9, solver: solver);
        var (sim, initial) = RunWithInitialNorm(o);
        var phi = sim.Solver.ScalarFlux();
        var reference = ReferenceProfile.Load(TestDecks.Data("planesource_t1.csv"), "phi").Window(0.0, 0.8);
        var computed = reference.Abscissa.Select(x => ProfileComparison.Interpolate1D(phi, -1.5, 3.0 / cells, x)).ToArray();
        return new(phi, ProfileComparison.RelativeL1(computed, reference.Value), computed, reference.Value, sim.History[^1].Time, initial,
            Math.Sqrt(sim.Solver.Moments().Sum(v => v * v)));
    }

    /// <summary>Relative L2 error of the radial profile of φ on r ≤ 0.9 for the line source.</summary>
    public static double LineSourceError(int cells, int order, SolverKind solver = SolverKind.FullRank) => LineSourceErrors(cells, order, solver).Wide;

    /// <summary>Relative L2 errors of the radial profile of φ on r ≤ 0.9 (up to the uncollided front at r = 1) and on
    /// r ≤ 0.6 (away from it, where φ is dominated by its smooth collided part), from one run.</summary>
    public static (double Wide, double Inner) LineSourceErrors(int cells, int order, SolverKind solver = SolverKind.FullRank)
    {
        var run = LineSource(cells, order, solver);
        return (run.Wide, run.Inner);
    }

    /// <summary>A line-source run: φ, its errors on r ≤ 0.9 and r ≤ 0.6, the final time and ‖u‖ at t = 0 and at the end.</summary>
    public sealed record LineSourceRun(double[] Phi, double Wide, double Inner, double Time, double InitialNorm, double FinalNorm);

    public static LineSourceRun LineSource(int cells, int order, SolverKind solver = SolverKind.FullRank, double sigmaS = 1.0, double sigmaA = 0.0)
    {
        var o = TestDecks.Uniform([cells, cells], [[-1.5, 1.5], [-1.5, 1.5]], order, sigmaS, sigmaA, BoundaryKind.Vacuum,
            TestDecks.Gaussian(2, 0.03), 1.0, cfl: 0.9, solver: solver);
        var (sim, initial) = RunWithInitialNorm(o);
        var phi = sim.Solver.ScalarFlux();
        return new(phi, LineSourceProfileError(phi, cells, "phi_total", 0.9), LineSourceProfileError(phi, cells, "phi_total", 0.6),
            sim.History[^1].Time, initial, Math.Sqrt(sim.Solver.Moments().Sum(v => v * v)));
    }

    /// <summary>Relative L2 error of the radial profile of a cell field against a column of linesource_t1.csv on r ≤ rMax.</summary>
    private static double LineSourceProfileError(double[] field, int cells, string column, double rMax)
    {
        double h = 3.0 / cells;
        var reference = ReferenceProfile.Load(TestDecks.Data("linesource_t1.csv"), column).Window(0.0, rMax);
        var computed = reference.Abscissa.Select(r => ProfileComparison.Radial(field, cells, cells, -1.5, -1.5, h, h, 0, 0, r)).ToArray();
        return ProfileComparison.RelativeL2(computed, reference.Value);
    }

    /// <summary>The collided part of the line source on r ≤ 0.6 against the reference's phi_collided column: the
    /// discretisation's own uncollided part (σ_s = 0, σ_a = 1: the same σ_t, no scattering; its P_N ringing is the
    /// same as the full run's) subtracted from φ. The collided part is smooth inside the front, so the first-order
    /// upwind scheme must converge on it at order about 1 as Δx halves (with N doubled so the angular error does not
    /// stall it): an observed order of at least 0.8, as for the slab (SlabInflowTests), from 50²/P_7 to 100²/P_15.
    /// (Measured 2026-12-01: 17.3 % → 6.4 %, order 1.43.)</summary>
    [Fact]
    public void LineSourceCollidedPartConvergesOnTheInnerDisc()
    {
        double Collided(int cells, int order)
        {
            var total = LineSource(cells, order).Phi;
            var uncollided = LineSource(cells, order, sigmaS: 0.0, sigmaA: 1.0).Phi;
            return LineSourceProfileError([.. total.Zip(uncollided, (a, b) => a - b)], cells, "phi_collided", 0.6);
        }
        double coarse = Collided(50, 7), fine = Collided(100, 15);
        double order = Math.Log2(coarse / fine);
        output.WriteLine($"line source collided part on r ≤ 0.6: relative L2 error 50² P7 {coarse:P2}, 100² P15 {fine:P2}, observed order {order:F2}");
        Assert.True(order >= 0.8, $"collided part: observed order {order:F2} below 0.8 ({coarse:P2} → {fine:P2})"); // theory: first-order upwind, 0.2 margin (see summary); reference: tests/data/linesource_t1.csv (Ganapol; Garrett & Hauck 2013), 6 digits
    }

    /// <summary>The plane source refined in cells and N together: the first-order upwind scheme must converge at an
    /// observed order of at least 0.8 per doubling (order 1 less a margin for the δ-front, as for the slab,
    /// SlabInflowTests); measured 9.95 % → 2.74 % → 0.35 % (orders 1.9 and 3.0, README).</summary>
    [Fact]
    public void PlaneSourceConvergesAtFirstOrder()
    {
        var settings = new[] { (300, 15), (600, 31), (1200, 63) };
        var errors = settings.Select(s => PlaneSourceError(s.Item1, s.Item2)).ToArray();
        for (int i = 0; i < settings.Length; i++) output.WriteLine($"plane source {settings[i].Item1} cells P{settings[i].Item2}: relative L1 error {errors[i]:P3}");
        for (int i = 1; i < errors.Length; i++)
        {
            double order = Math.Log2(errors[i - 1] / errors[i]);
            Assert.True(order >= 0.8, $"observed order {order:F2} from {settings[i - 1]} to {settings[i]} below 0.8"); // theory: first order less 0.2 for the δ-front; reference: tests/data/planesource_t1.csv (Ganapol), 6 digits
        }
    }

    [Fact]
    public void LineSourceErrorDecreasesAndFinestIsWithinStoredBound()
    {
        var settings = new[] { (50, 7), (100, 15), (150, 21) };
        var errors = settings.Select(s => LineSourceError(s.Item1, s.Item2)).ToArray();
        for (int i = 0; i < settings.Length; i++) output.WriteLine($"line source {settings[i].Item1}² cells P{settings[i].Item2}: relative L2 error {errors[i]:P3}");
        // The total φ on r ≤ 0.9 holds the uncollided front's P_N ringing (Garrett and Hauck 2013, Fig. 5), which converges
        // slowly and without a rate one could state: only the decrease is asserted here; the accuracy bound is the collided
        // part's rate (LineSourceCollidedPartConvergesOnTheInnerDisc).
        for (int i = 1; i < errors.Length; i++) Assert.True(errors[i] < errors[i - 1], "error does not decrease with resolution"); // verification: monotone decrease only, see above
    }
}
