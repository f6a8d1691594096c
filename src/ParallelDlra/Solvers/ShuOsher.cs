
namespace ParallelDlra.Solvers;

/// <summary>
/// An explicit strong-stability-preserving Runge–Kutta method in Shu–Osher form with every stage a convex
/// combination of the start value and one forward-Euler step (Gottlieb and Shu, Math. Comp. 67, 1998):
///   y⁽⁰⁾ = y(t),   y⁽ⁱ⁾ = aᵢ y(t) + (1 − aᵢ) [y⁽ⁱ⁻¹⁾ + Δt f(t + cᵢ₋₁Δt, y⁽ⁱ⁻¹⁾)],   y(t + Δt) = y⁽ˢ⁾.
/// Forward Euler: a = (0). SSP-RK2 (Heun): a = (0, 1/2), c = (0, 1). SSP-RK3: a = (0, 3/4, 1/3), c = (0, 1, 1/2).
/// The full-rank solver applies it to u; the low-rank integrators apply it to whole forward-Euler DLRA steps
/// (each stage's state truncated, then combined with y(t) and truncated again), which keeps what the Euler step
/// guarantees — exactness at r = n_moments and conservation — in every stage and so in the step.
/// </summary>
public sealed record ShuOsher(string Name, double[] A, double[] C, int Order)
{
    public int Stages => A.Length;

    public static ShuOsher ForwardEuler { get; } = new("forward Euler", [0.0], [0.0], 1);
    public static ShuOsher SspRk2 { get; } = new("SSP-RK2", [0.0, 0.5], [0.0, 1.0], 2);
    public static ShuOsher SspRk3 { get; } = new("SSP-RK3", [0.0, 0.75, 1.0 / 3.0], [0.0, 1.0, 0.5], 3);

    public static ShuOsher Of(TimeStepperKind kind) => kind switch
    {
        TimeStepperKind.ForwardEuler => ForwardEuler,
        TimeStepperKind.SspRk2 => SspRk2,
        TimeStepperKind.SspRk3 => SspRk3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown time stepper"),
    };

    /// <summary>The mass change of a step implied by the stage rates ρᵢ = dM/dt at y⁽ⁱ⁾ (M is linear):
    /// M⁽ⁱ⁾ − M(t) = (1 − aᵢ)(M⁽ⁱ⁻¹⁾ − M(t) + Δt ρᵢ₋₁).</summary>
    public double MassChange(double dt, ReadOnlySpan<double> stageRates)
    {
        double change = 0.0;
        for (int i = 0; i < Stages; i++) change = (1.0 - A[i]) * (change + dt * stageRates[i]);
        return change;
    }
}
