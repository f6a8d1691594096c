using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit;
using Xunit.Abstractions;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The full-rank P_N solver against the published plane-source and line-source solutions
/// (Ganapol; Garrett and Hauck 2013), σ_s = σ_t = 1, t = 1.</summary>
[Trait("Category", "Slow")]   // a refinement study: left out of `make mutate` and of quick runs (--filter Category!=Slow)
public sealed class BenchmarkProblemTests(ITestOutputHelper output)
{
    /// <summary>Relative L1 error of φ on 0 ≤ x ≤ 0.8 for the plane source on n cells with P_N.</summary>
    public static double PlaneSourceError(int cells, int order, SolverKind solver = SolverKind.FullRank)
    {
        var o = TestDecks.Uniform([cells], [[-1.5, 1.5]], order, 1.0, 0.0, BoundaryKind.Vacuum,
            TestDecks.Gaussian(1, 0.02), 1.0, cfl: 0.9, solver: solver);
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var phi = sim.Solver.ScalarFlux();
        var reference = ReferenceProfile.Load(TestDecks.Data("planesource_t1.csv"), "phi").Window(0.0, 0.8);
        var computed = reference.Abscissa.Select(x => ProfileComparison.Interpolate1D(phi, -1.5, 3.0 / cells, x)).ToArray();
        return ProfileComparison.RelativeL1(computed, reference.Value);
    }

    /// <summary>Relative L2 error of the radial profile of φ on r ≤ 0.9 for the line source.</summary>
    public static double LineSourceError(int cells, int order, SolverKind solver = SolverKind.FullRank) => LineSourceErrors(cells, order, solver).Wide;

    /// <summary>Relative L2 errors of the radial profile of φ on r ≤ 0.9 (up to the uncollided front at r = 1) and on
    /// r ≤ 0.6 (away from it, where φ is dominated by its smooth collided part), from one run.</summary>
    public static (double Wide, double Inner) LineSourceErrors(int cells, int order, SolverKind solver = SolverKind.FullRank)
    {
        var o = TestDecks.Uniform([cells, cells], [[-1.5, 1.5], [-1.5, 1.5]], order, 1.0, 0.0, BoundaryKind.Vacuum,
            TestDecks.Gaussian(2, 0.03), 1.0, cfl: 0.9, solver: solver);
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var phi = sim.Solver.ScalarFlux();
        double h = 3.0 / cells;
        double Error(double rMax)
        {
            var reference = ReferenceProfile.Load(TestDecks.Data("linesource_t1.csv"), "phi_total").Window(0.0, rMax);
            var computed = reference.Abscissa.Select(r => ProfileComparison.Radial(phi, cells, cells, -1.5, -1.5, h, h, 0, 0, r)).ToArray();
            return ProfileComparison.RelativeL2(computed, reference.Value);
        }
        return (Error(0.9), Error(0.6));
    }

    [Fact]
    public void PlaneSourceWithinTwoPercentAndImprovesWithResolution()
    {
        var settings = new[] { (300, 15), (600, 31), (1200, 63) };
        var errors = settings.Select(s => PlaneSourceError(s.Item1, s.Item2)).ToArray();
        for (int i = 0; i < settings.Length; i++) output.WriteLine($"plane source {settings[i].Item1} cells P{settings[i].Item2}: relative L1 error {errors[i]:P3}");
        Assert.True(errors[^1] <= 0.02, $"finest plane-source error {errors[^1]:P3} > 2%");
        for (int i = 1; i < errors.Length; i++) Assert.True(errors[i] < errors[i - 1], "error does not decrease with resolution");
    }

    [Fact]
    public void LineSourceErrorDecreasesAndFinestIsWithinStoredBound()
    {
        var settings = new[] { (50, 7), (100, 15), (150, 21) };
        var errors = settings.Select(s => LineSourceError(s.Item1, s.Item2)).ToArray();
        for (int i = 0; i < settings.Length; i++) output.WriteLine($"line source {settings[i].Item1}² cells P{settings[i].Item2}: relative L2 error {errors[i]:P3}");
        for (int i = 1; i < errors.Length; i++) Assert.True(errors[i] < errors[i - 1], "error does not decrease with resolution");
        Assert.True(errors[^1] <= 0.36, $"regression (measured 33.9 %): finest line-source error {errors[^1]:P3} above the stored bound");
    }
}
