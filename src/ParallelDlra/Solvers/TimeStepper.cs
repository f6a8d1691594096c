using ParallelDlra.Compute;
using ParallelDlra.Deck;

namespace ParallelDlra.Solvers;

/// <summary>Explicit one-step methods for y' = f(t, y) on backend blocks: forward Euler and the
/// two-stage strong-stability-preserving Runge–Kutta method (SSP-RK2, Heun; Gottlieb and Shu 1998),
///   y1 = y + Δt f(t, y),  y(t+Δt) = (y + y1 + Δt f(t+Δt, y1))/2.
/// Used by the full-rank solver and for the substeps of the low-rank integrators.</summary>
public sealed class TimeStepper(TimeStepperKind kind, IComputeBackend backend)
{
    public TimeStepperKind Kind { get; } = kind;

    /// <summary>Advances y in place; f(t, y, out) writes the right-hand side into out. work1/work2 have y's shape.</summary>
    public void Advance(double t, double dt, Block y, Action<double, Block, Block> f, Block work1, Block work2)
    {
        f(t, y, work1);
        if (Kind == TimeStepperKind.ForwardEuler)
        {
            backend.Axpby(dt, work1, 1.0, y);
            return;
        }
        // work2 = y1 = y + dt f(y)
        backend.CopyColumns(y, 0, work2, 0, y.Columns);
        backend.Axpby(dt, work1, 1.0, work2);
        f(t + dt, work2, work1);
        backend.Axpby(dt, work1, 1.0, work2);   // y1 + dt f(y1)
        backend.Axpby(0.5, work2, 0.5, y);
    }
}
