using ParallelDlra.Compute;

namespace ParallelDlra.Solvers;

/// <summary>The explicit SSP Runge–Kutta methods of <see cref="ShuOsher"/> for y' = f(t, y) on backend blocks
/// (the full-rank solver): forward Euler, SSP-RK2 (Heun) y1 = y + Δt f(t, y), y(t+Δt) = (y + y1 + Δt f(t+Δt, y1))/2,
/// and SSP-RK3.</summary>
public sealed class TimeStepper(TimeStepperKind kind, IComputeBackend backend)
{
    public TimeStepperKind Kind { get; } = kind;

    public ShuOsher Scheme { get; } = ShuOsher.Of(kind);

    /// <summary>Advances y in place; f(t, y, out) writes the right-hand side into out. work1/work2 have y's shape
    /// (work2 is not used by forward Euler). <paramref name="stageStarted"/>, when given, sees each stage's start
    /// value y⁽ⁱ⁾ and time before its right-hand side is evaluated (the balance of the step).</summary>
    public void Advance(double t, double dt, Block y, Action<double, Block, Block> f, Block work1, Block work2,
        Action<int, double, Block>? stageStarted = null)
    {
        stageStarted?.Invoke(0, t, y);
        f(t, y, work1);
        if (Kind == TimeStepperKind.ForwardEuler)
        {
            backend.Axpby(dt, work1, 1.0, y);
            return;
        }
        // work2 = y⁽¹⁾ = y + dt f(y); then y⁽ⁱ⁾ = aᵢ y + (1 − aᵢ)(y⁽ⁱ⁻¹⁾ + dt f(y⁽ⁱ⁻¹⁾)) in work2; the last stage into y.
        backend.CopyColumns(y, 0, work2, 0, y.Columns);
        backend.Axpby(dt, work1, 1.0, work2);
        for (int i = 1; i < Scheme.Stages; i++)
        {
            double ti = t + Scheme.C[i] * dt, a = Scheme.A[i];
            stageStarted?.Invoke(i, ti, work2);
            f(ti, work2, work1);
            backend.Axpby(dt, work1, 1.0, work2);   // y⁽ⁱ⁻¹⁾ + dt f(y⁽ⁱ⁻¹⁾)
            if (i == Scheme.Stages - 1) backend.Axpby(1.0 - a, work2, a, y);
            else backend.Axpby(a, y, 1.0 - a, work2);
        }
    }
}
