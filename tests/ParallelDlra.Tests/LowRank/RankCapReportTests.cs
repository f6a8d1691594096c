using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Tests.Support;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>Where r_max, not θ, sets the rank (the tail left above ϑ), the solver counts it and the run log warns at the end
/// (nothing silent): a user asking for θ must learn that r_max overrode it.</summary>
public sealed class RankCapReportTests
{
    private static LowRankSolver Run(params string[] overrides)
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "planesource.yaml");
        var sim = new Simulation(DeckReader.Load(deck, ["grid.cells=[200]", "angular.order=15", "time.end=0.3",
                                                        "solver.type=augmented_bug", "output.snapshot_every=0", .. overrides]), RunContext.Serial());
        sim.Run();
        return (LowRankSolver)sim.Solver;
    }

    [Fact]
    public void A_binding_r_max_is_counted_with_its_excess_over_the_tolerance()
    {
        var capped = Run("solver.truncation.r_max=3");
        Assert.True(capped.Context.CappedTruncations > 0, "r_max = 3 on P_15 did not bind");
        Assert.True(capped.Context.CappedExcess > 1, $"excess {capped.Context.CappedExcess} not above the tolerance");

        var free = Run("solver.truncation.r_max=16");   // r_max = n_moments: nothing is held back
        Assert.Equal(0, free.Context.CappedTruncations);
    }
}
