namespace ParallelDlra.Solvers;

// Options of the time layer (deck keys <c>time</c>, <c>solver.kind</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Explicit time stepper: forward Euler or a strong-stability-preserving Runge–Kutta method
/// (SSP-RK2, SSP-RK3; Gottlieb and Shu 1998), each a convex combination of forward-Euler steps
/// (<c>ParallelDlra.Solvers.ShuOsher</c>). The low-rank integrators compose whole forward-Euler DLRA steps the same way.</summary>
public enum TimeStepperKind { ForwardEuler, SspRk2, SspRk3 }

/// <summary>Which solver evolves the discrete solution. <see cref="MidpointBug"/> and <see cref="ParallelBug2"/> are
/// second order by themselves (they take no time stepper around them).</summary>
public enum SolverKind { FullRank, FixedRankBug, AugmentedBug, ParallelBug, MidpointBug, ParallelBug2 }

/// <summary>deck key <c>time</c>. Δt = cfl · (Σ_d ρ(A_d)/Δx_d)^-1, shortened for the last step to hit <see cref="End"/>.
/// <see cref="MaxMassGrowth"/> (<c>time.max_mass_growth</c>): the run is stopped as diverged when |mass| exceeds this
/// factor times the most mass the problem can hold (<c>Solvers.DivergenceGuard</c>).</summary>
public sealed record TimeOptions(double End, double Cfl, TimeStepperKind Stepper, int MaxSteps, double MaxMassGrowth = TimeOptions.DefaultMaxMassGrowth)
{
    /// <summary>Default of <c>time.max_mass_growth</c>.</summary>
    public const double DefaultMaxMassGrowth = 1e3;
}
