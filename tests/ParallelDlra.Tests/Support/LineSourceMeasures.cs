using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Verification;

namespace ParallelDlra.Tests.Support;

/// <summary>The line source (σ_s = 1, t = 1, vacuum, [−1.5, 1.5]², a Gaussian pulse of σ = 0.03, as in
/// <c>jobs/linesource.yaml</c>) and its figures: the relative L2 error of the ring-averaged φ on r ≤ 0.9 against
/// tests/data/linesource_t1.csv (as <c>BenchmarkProblemTests.LineSourceErrors</c>), min φ / max φ, and the ray-effect
/// index: the relative standard deviation of φ along the circle r = 0.5 (256 bilinear samples); the figures themselves
/// are <see cref="LineSourceFigures"/>, shared with <c>pdlra bench linesource</c>.</summary>
public static class LineSourceMeasures
{
    public sealed record Figures(double Error, double MinOverMax, double RayIndex, int Steps, int MaxRank, double Seconds);

    public static RunOptions Options(int cells, AngularOptions angular, SolverKind solver = SolverKind.FullRank, double end = 1.0) =>
        TestDecks.Uniform([cells, cells], [[-1.5, 1.5], [-1.5, 1.5]], angular.Order, 1.0, 0.0, BoundaryKind.Vacuum,
            TestDecks.Gaussian(2, 0.03), end, cfl: 0.9, solver: solver) with { Angular = angular };

    public static Figures Measure(RunOptions o) => Measure(o, out _);

    public static Figures Measure(RunOptions o, out double[] phi)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var field = sim.Solver.ScalarFlux();
        phi = field;
        int cells = o.Grid.Cells[0];
        var reference = ReferenceProfile.Load(TestDecks.Data("linesource_t1.csv"), "phi_total");
        double error = LineSourceFigures.RingError(field, cells, reference);
        return new Figures(error, LineSourceFigures.MinOverMax(field), RayIndex(field, cells, 0.5), sim.History.Count - 1, sim.History.Max(d => d.Rank), clock.Elapsed.TotalSeconds);
    }

    /// <summary>Standard deviation / mean of φ at 256 equally spaced points of the circle of radius r about the origin.</summary>
    public static double RayIndex(double[] phi, int cells, double r) => LineSourceFigures.RayIndex(phi, cells, r);
}
