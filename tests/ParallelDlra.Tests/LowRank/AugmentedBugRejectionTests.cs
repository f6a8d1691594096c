using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The augmented BUG's step rejection (<c>solver.step_rejection</c>, on by default; <c>AugmentedBug.SaturationGrowth</c>,
/// docs/design.md "The augmented BUG's step rejection"): from a low rank floor the rank can at most double per step while the
/// full-rank solution's rank grows faster, and the part of F(Y0) outside both augmented bases is lost in those steps —
/// an error no θ removes (issue #12: the difference to full rank levelled off at 4.4e-2 from θ = 1e-3 on). A step is
/// repeated from the lifted factors when its truncation would keep every new direction or when the normal block
/// Δt·X̃ᵀF(Y0)Ṽ of its Ŝ exceeds c_η·ϑ.</summary>
public sealed class AugmentedBugRejectionTests(ITestOutputHelper output)
{
    /// <summary>Line source 40², P_9, t = 0.5 with the given solver.</summary>
    private static RunOptions LineSource(SolverKind kind) => TestDecks.Uniform([40, 40], [[-1.5, 1.5], [-1.5, 1.5]], 9, 1.0, 0.0,
        Mesh.BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.1), 0.5, solver: kind);

    private static Simulation Run(bool rejection, double theta)
    {
        var o = LineSource(SolverKind.AugmentedBug);
        o = o with { Solver = o.Solver with { Truncation = new TruncationOptions(theta, ToleranceKind.Relative, 2, 55), InitialRank = 10, StepRejection = rejection } };
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return sim;
    }

    /// <summary>Line source 40², P_9 (55 moments), t = 0.5, r_min 2, initial rank 10, not conservative: the setup of
    /// <c>IntegratorTests.DifferenceToFullRankDecreasesWithTheTolerance</c>. Bounds: (1) with the rejection the difference
    /// falls with θ to the level θ·t sets (at most θ·t at θ = 1e-3 and 1e-4: the budget of the rank-adaptive BUG's error
    /// bound once the rank is not limited by its growth); (2) without it the floor is there, above θ·t at θ = 1e-4
    /// (precondition: the test can tell the two apart; the bounds are θ·t from the theory above, the figures measured
    /// 2026-12-02, 4.43e-2 without and 4.1e-8 with, are for orientation only; with rule (a) alone the run stays at 7.3e-3,
    /// above θ·t, so a missing normal-block rule fails this test); (3) steps were
    /// repeated with it, none without; (4) X and V orthonormal to 1e-12 at every step (the lift keeps the bases).</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void With_step_rejection_a_low_rank_floor_leaves_no_plateau()
    {
        var fullSim = new Simulation(LineSource(SolverKind.FullRank), RunContext.Serial());
        fullSim.Run();
        var full = fullSim.Solver.ScalarFlux();
        double t = fullSim.History[^1].Time;
        foreach (double theta in new[] { 1e-3, 1e-4 })
        {
            var sim = Run(true, theta);
            double d = PhiFiles.RelativeDifference(sim.Solver.ScalarFlux(), full);
            long repeated = ((LowRankSolver)sim.Solver).Context.Rejections;
            output.WriteLine($"θ = {theta:E0}, step rejection: {d:E3} off full rank, {repeated} steps repeated, ranks up to {sim.History.Max(h => h.Rank)}");
            Assert.True(d <= theta * t, $"θ = {theta:E0}: {d:E3} above θ·t = {theta * t:E3}"); // theory: the budget θ·t (summary (1))
            Assert.True(repeated > 0, "no step was repeated"); // summary (3)
            Assert.All(sim.History.Skip(1), h => Assert.True(h.OrthonormalityDefect <= 1e-12, $"step {h.Step}: defect {h.OrthonormalityDefect:E2}"));
        }
        var off = Run(false, 1e-4);
        double dOff = PhiFiles.RelativeDifference(off.Solver.ScalarFlux(), full);
        output.WriteLine($"θ = 1e-4, no step rejection: {dOff:E3} off full rank");
        Assert.True(dOff > 1e-4 * t, $"without the rejection {dOff:E3} is within θ·t: the floor is gone, the test cannot tell"); // precondition (2)
        Assert.Equal(0, ((LowRankSolver)off.Solver).Context.Rejections);
    }

    /// <summary>The deck: <c>solver.step_rejection</c> is accepted with the augmented BUG (both values) and still refused with
    /// an integrator that has none (the fixed-rank BUG keeps its rank), exit 2 naming the key.</summary>
    [Fact]
    public void The_deck_accepts_step_rejection_with_the_augmented_bug_and_refuses_it_with_the_fixed_rank_bug()
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "linesource.yaml");
        Assert.True(DeckReader.Load(deck, ["solver.type=augmented_bug", "solver.step_rejection=true"]).Solver.StepRejection);
        Assert.False(DeckReader.Load(deck, ["solver.type=augmented_bug", "solver.step_rejection=false"]).Solver.StepRejection);
        var e = Assert.Throws<InputException>(() => DeckReader.Load(deck, ["solver.type=fixed_rank_bug", "solver.conservative=false", "solver.step_rejection=true"]));
        Assert.Contains("solver.step_rejection", e.Message);
    }
}
