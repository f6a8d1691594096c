using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Kinetic;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The job decks' problems solved with DLRA beside the full-rank reference.</summary>
public sealed class ProblemTests(ITestOutputHelper output)
{
    private static double RelativeDifference(double[] a, double[] b) =>
        Math.Sqrt(a.Zip(b).Sum(p => (p.First - p.Second) * (p.First - p.Second)) / b.Sum(v => v * v));

    /// <summary>Lattice (jobs/lattice.yaml with its material map from meshes/) on a coarser grid and a shorter
    /// time: augmented and parallel BUG at relative θ = 1e-2 against full rank, ranks within [r_min, r_max].</summary>
    [Theory]
    // Stored bounds: measured 1.8e-3 (augmented) and 3.7e-3 (parallel) with r_min = 10 on 2026-11-23.
    [InlineData("augmented_bug", 0.005)]
    [InlineData("parallel_bug", 0.008)]
    public void LatticeAgreesWithFullRank(string solver, double bound)
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "lattice.yaml");
        string[] common = ["grid.cells=[56,56]", "angular.order=5", "time.end=1.0", "solver.truncation.r_min=10", "solver.truncation.r_max=16"];
        var full = new Simulation(DeckReader.Load(deck, [.. common, "solver.type=full_rank"]), RunContext.Serial());
        full.Run();
        var o = DeckReader.Load(deck, [.. common, $"solver.type={solver}", "solver.truncation.theta=1e-2"]);
        var low = new Simulation(o, RunContext.Serial());
        low.Run();
        double diff = RelativeDifference(low.Solver.ScalarFlux(), full.Solver.ScalarFlux());
        output.WriteLine($"lattice {solver}: relative L2 difference of φ to full rank {diff:E3}, ranks {low.History.Skip(1).Min(h => h.Rank)}..{low.History.Max(h => h.Rank)} (full rank {full.Solver.Rank})");
        Assert.True(diff <= bound, $"difference {diff:E3} above the stored bound {bound}");
        Assert.All(low.History.Skip(1), h => Assert.InRange(h.Rank, o.Solver.Truncation.RMin, o.Solver.Truncation.RMax));
    }

    /// <summary>Plane and line source with DLRA: errors against the published references beside the full-rank ones.</summary>
    [Fact]
    public void BenchmarkErrorsWithDlraBesideFullRank()
    {
        double planeFull = BenchmarkProblemTests.PlaneSourceError(600, 31);
        double planeDlra = BenchmarkProblemTests.PlaneSourceError(600, 31, SolverKind.AugmentedBug);
        double lineFull = BenchmarkProblemTests.LineSourceError(60, 7);
        double lineAug = BenchmarkProblemTests.LineSourceError(60, 7, SolverKind.AugmentedBug);
        double linePar = BenchmarkProblemTests.LineSourceError(60, 7, SolverKind.ParallelBug);
        output.WriteLine($"plane source 600 cells P31: relative L1 error full rank {planeFull:P2}, augmented BUG θ=1e-2 {planeDlra:P2}");
        output.WriteLine($"line source 60² P7: relative L2 error full rank {lineFull:P2}, augmented BUG {lineAug:P2}, parallel BUG {linePar:P2}");
        // DLRA approximates the full-rank solution of the same discretisation, so its benchmark error is the full-rank
        // one up to the DLRA difference (θ = 1e-2 per unit time: about 1 % of φ, docs/design.md): within 2 points.
        // (Measured 2026-12-01: plane 2.7x % vs full rank; line 89.0 % / 90.9 % vs 90.5 % — P_7 rings.)
        Assert.True(Math.Abs(planeDlra - planeFull) <= 0.02, $"plane source: DLRA {planeDlra:P2}, full rank {planeFull:P2}");
        Assert.True(Math.Abs(lineAug - lineFull) <= 0.02 && Math.Abs(linePar - lineFull) <= 0.02, "line source DLRA error not beside the full-rank one");
    }
}
