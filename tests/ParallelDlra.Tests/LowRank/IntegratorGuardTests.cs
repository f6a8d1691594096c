using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The guards of the time loop (issue #12, <see cref="StepChecks"/>) and the combinations that are refused.</summary>
public sealed class IntegratorGuardTests
{
    private static RunOptions Deck(SolverKind kind, bool conservative = false) =>
        IntegratorSweepTests.Deck(2, kind, TimeStepperKind.ForwardEuler, conservative, 1e-2, 2, 4);

    /// <summary>Bases that are not orthonormal (here: X scaled by 1.001, a defect of 2e-3) end the run at the next
    /// step with a <see cref="SimulationFailure"/> naming the step, the time and the defect.</summary>
    [Fact]
    public void Lost_orthonormality_stops_the_run_naming_the_step()
    {
        var sim = new Simulation(Deck(SolverKind.AugmentedBug), RunContext.Serial());
        var solver = (LowRankSolver)sim.Solver;
        var x = new double[solver.X.Length];
        sim.Context.Backend.Download(solver.X, x);
        for (int i = 0; i < x.Length; i++) x[i] *= 1.001;
        solver.RestoreFactors(x, solver.S, solver.V);
        var e = Assert.Throws<SimulationFailure>(() => sim.Run());
        Assert.StartsWith("step 0, t = 0: the orthonormality defect of the low-rank bases is 2.00", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A solver that promises conservation and reports a mass that left the balance is stopped: the check
    /// sees the mass defect of the row against the run's mass scale.</summary>
    [Fact]
    public void A_conservation_defect_stops_the_run_where_conservation_is_promised()
    {
        var sim = new Simulation(Deck(SolverKind.FullRank), RunContext.Serial());
        var checks = new StepChecks(sim.Solver);
        var row = new StepDiagnostics(0, 0.0, 0.0, 10, 1.0, 0.0, 0.0, 0.0);
        checks.Verify(row);
        checks.Verify(row with { Step = 1, Time = 0.1, TimeStep = 0.1, MassDefect = 5e-11 });   // within 1e-10 of the scale 1
        var e = Assert.Throws<SimulationFailure>(() => checks.Verify(row with { Step = 2, Time = 0.2, TimeStep = 0.1, MassDefect = 3e-10 }));
        Assert.StartsWith("step 2, t = 0.2: mass 1 differs from the balance of outflow, absorption and sources by 3.000E-010", e.Message);
        // Without the promise (DLRA without conservative truncation) the same defect passes.
        var plain = new StepChecks(new Simulation(Deck(SolverKind.AugmentedBug), RunContext.Serial()).Solver);
        plain.Verify(row with { MassDefect = 1e-3 });
    }

    /// <summary>The fixed-rank BUG has no conservative variant: asking for one is bad input naming the key.</summary>
    [Fact]
    public void Conservative_fixed_rank_bug_is_refused_naming_the_key()
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "linesource.yaml");
        var e = Assert.Throws<InputException>(() => DeckReader.Load(deck, ["solver.type=fixed_rank_bug", "solver.conservative=true"]));
        Assert.Contains("solver.conservative", e.Message);
        Assert.Contains("fixed_rank_bug", e.Message);
    }

    /// <summary>The SSP steppers are what the deck says: ssprk3 reads, and an unknown stepper is refused.</summary>
    [Fact]
    public void Ssprk3_is_a_stepper_word()
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "linesource.yaml");
        Assert.Equal(TimeStepperKind.SspRk3, DeckReader.Load(deck, ["time.stepper=ssprk3"]).Time.Stepper);
        Assert.Equal(TruncationScaling.Step, DeckReader.Load(deck, ["solver.truncation.per=step"]).Solver.Truncation.Per);
        Assert.Equal(TruncationScaling.UnitTime, DeckReader.Load(deck, []).Solver.Truncation.Per);
        Assert.Throws<InputException>(() => DeckReader.Load(deck, ["solver.truncation.per=minute"]));
    }
}
