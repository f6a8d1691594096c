using ParallelDlra.Solvers;

namespace ParallelDlra.Deck;

public static partial class DeckReader
{
    /// <summary>Whether the solver is a low-rank integrator that is second order by itself (midpoint BUG, second-order
    /// parallel BUG): its own stages replace the time stepper.</summary>
    internal static bool SecondOrderByItself(SolverKind kind) => kind is SolverKind.MidpointBug or SolverKind.ParallelBug2;

    /// <summary>solver.type: midpoint_bug | parallel_bug2 step by their own stages (docs/design.md, "Second order in time
    /// by the integrator"): time.stepper must be euler, read as "the integrator's own stepping"; ssprk2 or ssprk3 around
    /// them would be a silent combination of two second-order methods, so it is refused naming the key.</summary>
    private static void CheckSecondOrderIntegrator(Section root, RunOptions o)
    {
        if (!SecondOrderByItself(o.Solver.Kind) || o.Time.Stepper == TimeStepperKind.ForwardEuler) return;
        string solver = DeckWords.Of(DeckWords.Solver, o.Solver.Kind);
        throw root.Sub("time", TimeKeys).Optional("stepper")!.Error(
            $"is not available with solver.type = {solver} (the integrator is second order by itself and takes no Runge–Kutta method around it)",
            $"euler with {solver} (the integrator's own stepping); ssprk2 or ssprk3 with augmented_bug, parallel_bug, fixed_rank_bug or full_rank");
    }
}
