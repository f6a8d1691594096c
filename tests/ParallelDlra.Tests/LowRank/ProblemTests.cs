using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Kinetic;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The job decks' problems solved with DLRA beside the full-rank reference. The bounds come from the
/// truncation budget, not from measured values: with θ per unit time (relative, the default) every truncation of a
/// step discards at most θ·Δt·‖Ŝ‖_F, so over [0, t] the discarded parts sum to at most θ·Σ Δt‖u_k‖ — the n·ϑ term of
/// the rank-adaptive BUG's error bound (Ceruti, Kusch and Lubich, BIT 2022; the parallel integrator, SISC 2024), which
/// the upwind step propagates without amplification (it is non-expansive under its CFL limit). docs/design.md
/// "Truncation per unit time".</summary>
[Trait("Category", "Slow")]   // a refinement study: left out of `make mutate` and of quick runs (--filter Category!=Slow)
public sealed class ProblemTests(ITestOutputHelper output)
{
    private static readonly string[] LatticeCommon =
        ["grid.cells=[56,56]", "angular.order=5", "time.end=1.0", "solver.truncation.r_min=10", "solver.truncation.r_max=21"];

    private static string LatticeDeck => Path.Combine(TestDecks.RepositoryRoot(), "jobs", "lattice.yaml");

    private static readonly Lazy<Simulation> LatticeFull = new(() =>
    {
        var sim = new Simulation(DeckReader.Load(LatticeDeck, [.. LatticeCommon, "solver.type=full_rank"]), RunContext.Serial());
        sim.Run();
        return sim;
    });

    private static Simulation Lattice(string solver, double theta)
    {
        var sim = new Simulation(DeckReader.Load(LatticeDeck, [.. LatticeCommon, $"solver.type={solver}", $"solver.truncation.theta={theta}"]), RunContext.Serial());
        sim.Run();
        return sim;
    }

    /// <summary>Lattice (jobs/lattice.yaml with its material map from meshes/) on 56², P_5 (21 moments), t = 1, r_max =
    /// n_moments so no rank cap adds an error θ does not control. The lattice starts empty and its source fills it, so
    /// ‖u_k‖ ≤ ‖u(t)‖ (the mass rises monotonically) and the budget relative to the final ‖u‖ is θ·t: the augmented BUG
    /// (exact at full rank, its only error beyond the truncations is the modelling term that vanishes when the rank may
    /// grow) must stay within c·θ·t of full rank with c = 1, at θ = 1e-2 and at θ = 1e-4. The parallel BUG's bound adds a
    /// step-size term c₂Δt that θ does not control: it is measured by the same run at θ = 1e-10 (its floor), and the
    /// difference at θ = 1e-4 may exceed that floor by at most the budget θ·t. At θ = 1e-2 the parallel BUG keeps its
    /// rank at 10–13 and its bound's modelling term (the part of F normal to the rank it keeps, which only the rank
    /// growth removes) is not controlled by θ: u is then 2.8e-2 off full rank (2026-12-01), so for it only φ is asserted
    /// there, against the budget θ·t that docs/design.md states as what θ per unit time means (a target, not a theorem).</summary>
    [Theory]
    [InlineData("augmented_bug", 1e-2)]
    [InlineData("augmented_bug", 1e-4)]
    [InlineData("parallel_bug", 1e-2)]
    [InlineData("parallel_bug", 1e-4)]
    public void LatticeAgreesWithFullRankWithinTheTruncationBudget(string solver, double theta)
    {
        var full = LatticeFull.Value;
        var low = Lattice(solver, theta);
        double t = low.History[^1].Time;
        double du = PhiFiles.RelativeDifference(low.Solver.Moments(), full.Solver.Moments());
        double dphi = PhiFiles.RelativeDifference(low.Solver.ScalarFlux(), full.Solver.ScalarFlux());
        double floor = 0;
        if (solver == "parallel_bug")
            floor = PhiFiles.RelativeDifference(Lattice(solver, 1e-10).Solver.Moments(), full.Solver.Moments());
        output.WriteLine($"lattice {solver} θ = {theta:E0}: relative difference to full rank of u {du:E3} (budget θ·t = {theta * t:E1}" +
                         (floor > 0 ? $", step-size floor at θ = 1e-10 {floor:E3}" : "") +
                         $"), of φ {dphi:E3}; ranks {low.History.Skip(1).Min(h => h.Rank)}..{low.History.Max(h => h.Rank)}");
        Assert.True(full.History.Zip(full.History.Skip(1)).All(p => p.Second.Mass >= p.First.Mass), "the lattice's mass does not rise monotonically: θ·t is then not the budget");
        if (solver == "augmented_bug" || theta <= 1e-4)
            Assert.True(du <= floor + theta * t, $"u differs from full rank by {du:E3}, above {(floor > 0 ? "the floor plus " : "")}the budget θ·t = {theta * t:E1}");
        Assert.True(dphi <= floor + theta * t, $"φ differs from full rank by {dphi:E3}");
        var o = low.Options.Solver.Truncation;
        Assert.All(low.History.Skip(1), h => Assert.InRange(h.Rank, o.RMin, o.RMax));
    }

    /// <summary>Plane and line source with DLRA beside full rank of the same discretisation, every one asserted against
    /// a verification bound. Plane source (600 cells, P_31, augmented BUG at relative θ = 1e-2 per unit time): the
    /// full-rank error falls from 300 cells/P_15 (a refinement), DLRA stays within the budget θ·t·‖u_0‖/‖u(t)‖ of full
    /// rank (scattering and vacuum faces only: ‖u_k‖ ≤ ‖u_0‖), and by the triangle inequality its benchmark error is
    /// the full-rank one up to that difference. Line source (60², P_7): DLRA within the same budget of full rank; the
    /// accuracy against the reference is the collided part's (BenchmarkProblemTests.LineSourceCollidedPartConverges).</summary>
    [Fact]
    public void BenchmarkErrorsWithDlraBesideFullRank()
    {
        const double theta = 1e-2;   // TestDecks' truncation: relative, per unit time
        var planeCoarse = BenchmarkProblemTests.PlaneSource(300, 15);
        var planeFull = BenchmarkProblemTests.PlaneSource(600, 31);
        var planeDlra = BenchmarkProblemTests.PlaneSource(600, 31, SolverKind.AugmentedBug);
        double planeDiff = PhiFiles.RelativeDifference(planeDlra.Phi, planeFull.Phi);
        double planeBudget = theta * planeFull.Time * planeFull.InitialNorm / planeFull.FinalNorm;
        output.WriteLine($"plane source: relative L1 error full rank 300 cells P15 {planeCoarse.Error:P2}, 600 cells P31 {planeFull.Error:P2}, " +
                         $"augmented BUG {planeDlra.Error:P2}; DLRA − full rank {planeDiff:E3} (budget {planeBudget:E2})");
        Assert.True(planeFull.Error < planeCoarse.Error, $"plane source: refining did not lower the error ({planeCoarse.Error:P2} → {planeFull.Error:P2})");
        Assert.True(planeDiff <= planeBudget, $"plane source: DLRA differs from full rank by {planeDiff:E3}, above the budget {planeBudget:E2}");
        Assert.True(Math.Abs(planeDlra.Error - planeFull.Error) <= planeDlra.WindowDifferenceTo(planeFull) + 1e-15,
            $"plane source errors {planeDlra.Error:E4} / {planeFull.Error:E4} further apart than the fields ({planeDlra.WindowDifferenceTo(planeFull):E3})");

        var lineFull = BenchmarkProblemTests.LineSource(60, 7);
        foreach (var solver in new[] { SolverKind.AugmentedBug, SolverKind.ParallelBug })
        {
            var line = BenchmarkProblemTests.LineSource(60, 7, solver);
            double diff = PhiFiles.RelativeDifference(line.Phi, lineFull.Phi);
            double budget = theta * lineFull.Time * lineFull.InitialNorm / lineFull.FinalNorm;
            output.WriteLine($"line source 60² P7 {solver}: relative L2 error r ≤ 0.9 {line.Wide:P2} (full rank {lineFull.Wide:P2}); DLRA − full rank {diff:E3} (budget {budget:E2})");
            Assert.True(diff <= budget, $"line source {solver}: DLRA differs from full rank by {diff:E3}, above the budget {budget:E2}");
        }
    }
}
