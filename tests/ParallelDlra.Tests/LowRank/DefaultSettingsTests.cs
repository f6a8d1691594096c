using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The rank-adaptive integrators at the settings users get (the decks of jobs/ and the defaults),
/// against the full-rank solution of the same discretisation (issue #12).</summary>
public sealed class DefaultSettingsTests(ITestOutputHelper output)
{
    private static string Job(string name) => Path.Combine(TestDecks.RepositoryRoot(), "jobs", name + ".yaml");

    private static Simulation Run(string deck, params string[] overrides)
    {
        var sim = new Simulation(DeckReader.Load(Job(deck), overrides), RunContext.Serial());
        sim.Run();
        return sim;
    }

    private static double RelativeDifference(double[] a, double[] b) => PhiFiles.RelativeDifference(a, b);

    /// <summary>jobs/linesource.yaml (θ = 1e-2 relative per unit time, r_min 20) on 100² cells, P_15, t = 1: both
    /// adaptive integrators within 2 % of full rank (the bound of issue #12; measured 2026-12-01 in the output), and
    /// the parallel BUG's rank adapts: it leaves r_min, and θ changes the answer.</summary>
    [Fact]
    public void Both_adaptive_integrators_are_within_two_percent_of_full_rank_on_the_line_source()
    {
        string[] grid = ["grid.cells=[100,100]", "output.snapshot_every=0"];
        var full = Run("linesource", [.. grid, "solver.type=full_rank"]).Solver.ScalarFlux();
        double parallelDiff = double.NaN;
        foreach (var solver in new[] { "augmented_bug", "parallel_bug" })
        {
            var sim = Run("linesource", [.. grid, $"solver.type={solver}"]);
            double diff = RelativeDifference(sim.Solver.ScalarFlux(), full);
            int lo = sim.History.Skip(1).Min(h => h.Rank), hi = sim.History.Max(h => h.Rank);
            output.WriteLine($"{solver}: relative L2 difference of φ to full rank {diff:P3}, ranks {lo}..{hi}");
            Assert.True(diff <= 0.02, $"{solver}: {diff:P3} off full rank"); // issue #12 acceptance (2 %); the truncation budget θ·t is 1 %; measured 0.14 % / 0.16 % (2026-12-01)
            Assert.True(hi > 20, $"{solver}: the rank never left r_min = 20"); // precondition: the rank adapts
            if (solver == "parallel_bug") parallelDiff = diff;
        }
        // θ changes the parallel BUG's answer: θ = 1 (a budget θ·t of 100 %) against the deck's 1e-2, where the rank stays
        // below r_max = 100 at θ = 1 (with the step rejection both θ = 1e-1 and 1e-3 reach r_max, and r_max then decides).
        var coarse = Run("linesource", [.. grid, "solver.type=parallel_bug", "solver.truncation.theta=1"]);
        double dCoarse = RelativeDifference(coarse.Solver.ScalarFlux(), full);
        int coarseRank = coarse.History.Max(h => h.Rank);
        output.WriteLine($"parallel_bug: θ = 1 {dCoarse:P3} (ranks up to {coarseRank}), θ = 1e-2 {parallelDiff:P3}");
        Assert.True(coarseRank < 100, $"θ = 1 reached r_max"); // precondition: θ, not r_max, sets the rank
        Assert.True(parallelDiff < dCoarse, "θ does not change the parallel BUG's answer"); // verification: budgets θ·t 100 % vs 1 % (measured 0.50 % → 0.16 %, 2026-12-02)
    }

    /// <summary>The plane source (jobs/planesource.yaml) at t = 1 with the default DLRA settings (augmented BUG, θ = 1e-2
    /// relative to the density per unit time, r_min 2), cells and N doubled twice (issue #12). Grids from 500 cells/P_31 on:
    /// below that the rank reaches n_moments and DLRA is nearly exact (250/P_15: 3.4e-6), which is not the regime the
    /// criterion is about.
    /// Bounds: (1) the budget of θ per unit time, θ·t = 1e-2 relative (Ceruti, Kusch and Lubich: the error of the
    /// rank-adaptive BUG is bounded by the sum of the truncation tolerances); (2) "does not grow": at most 25 % above the
    /// coarser grid's difference at each doubling. The 25 % is a chosen tolerance, not derived: the truncation is a
    /// discrete choice of singular values that differs from grid to grid, so the difference fluctuates about a level; the
    /// defect of issue #12 was a growth of 36 % (θ per step) and of 25–40 % (θ relative to ‖u‖) per doubling, which it
    /// rejects. Figures for orientation, not the source of the bound (2026-12-01: 7.3e-6, 7.0e-6, 8.4e-6; θ
    /// relative to the whole solution ‖u‖, whose norm grows with N where ψ is peaked in angle, gave 1.0e-5, 1.3e-5, 1.8e-5,
    /// and θ per step 8 % → 38 % → 96 % at 1000–4000 cells); (3) the difference scales with θ (θ = 1e-3: 6.8e-7, 5.7e-7),
    /// so it is the truncation's and not a floor of the integrator.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void Plane_source_difference_to_full_rank_does_not_grow_with_refinement()
    {
        var settings = new[] { (500, 31), (1000, 63), (2000, 127) };
        var diffs = new List<double>();
        foreach (var (cells, order) in settings)
        {
            string[] common = [$"grid.cells=[{cells}]", $"angular.order={order}"];
            var full = Run("planesource", common).Solver.ScalarFlux();
            var sim = Run("planesource", [.. common, "solver.type=augmented_bug"]);
            diffs.Add(RelativeDifference(sim.Solver.ScalarFlux(), full));
            output.WriteLine($"{cells} cells, P_{order}: augmented BUG at the defaults {diffs[^1]:E3} off full rank (φ); " +
                             $"ranks {sim.History.Skip(1).Min(h => h.Rank)}..{sim.History.Max(h => h.Rank)}");
        }
        Assert.All(diffs, d => Assert.True(d <= 1e-2, $"difference {d:E3} above the budget θ·t")); // theory: the budget θ·t (see summary)
        for (int i = 1; i < diffs.Count; i++)
            Assert.True(diffs[i] <= 1.25 * diffs[i - 1], $"difference grew from {diffs[i - 1]:E3} to {diffs[i]:E3} on refinement");
    }
}
