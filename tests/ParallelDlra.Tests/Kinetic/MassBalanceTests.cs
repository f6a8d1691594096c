using ParallelDlra.Application;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>Conservation: the finite-volume flux form conserves mass to rounding on a periodic box, and
/// on a vacuum box the mass lost per step equals Δt times the outflow through the boundary faces.</summary>
public sealed class MassBalanceTests
{
    [Theory]
    [InlineData(1, FluxKind.Roe, TimeStepperKind.ForwardEuler)]
    [InlineData(2, FluxKind.Roe, TimeStepperKind.SspRk2)]
    [InlineData(2, FluxKind.Rusanov, TimeStepperKind.ForwardEuler)]
    [InlineData(3, FluxKind.Roe, TimeStepperKind.ForwardEuler)]
    public void PeriodicWithoutAbsorptionConservesMass(int dim, FluxKind flux, TimeStepperKind stepper)
    {
        int n = dim == 3 ? 10 : 24;
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { -1.0, 1.0 }, dim)], 3, 1.0, 0.0,
            BoundaryKind.Periodic, TestDecks.Gaussian(dim, 0.3), 10.0, stepper: stepper, flux: flux, maxSteps: 100);
        var sim = new Simulation(o, RunContext.Serial());
        double m0 = sim.Solver.Mass();
        sim.Run();
        Assert.Equal(100, sim.History[^1].Step);
        // theory: the flux form telescopes on a periodic box; rounding: 100 steps of a ≤ 1000-cell sum, ~100·√n·ε ≈ 1e-13; bound 1e-12.
        Assert.All(sim.History, h => Assert.True(Math.Abs(h.Mass - m0) <= 1e-12 * m0, $"step {h.Step}: mass drift {(h.Mass - m0) / m0:E2}"));
    }

    [Theory]
    [InlineData(1, BoundaryKind.Vacuum)]
    [InlineData(2, BoundaryKind.Vacuum)]
    [InlineData(2, BoundaryKind.Reflective)]
    [InlineData(3, BoundaryKind.Vacuum)]
    public void MassChangeEqualsBoundaryOutflow(int dim, BoundaryKind boundary)
    {
        int n = dim == 3 ? 10 : 20;
        // A wide pulse on a small box: much of the mass leaves within the run.
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { -1.0, 1.0 }, dim)], 5, 0.5, 0.0,
            boundary, TestDecks.Gaussian(dim, 0.4), 10.0, maxSteps: 100);
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var h = sim.History;
        double lost = h[0].Mass - h[^1].Mass;
        // A precondition: enough outflow for the balance below to test something (not an accuracy bound).
        Assert.True(boundary == BoundaryKind.Reflective || lost > 0.05 * h[0].Mass, $"too little outflow to test: {lost}");
        for (int k = 1; k < h.Count; k++)
        {
            // Forward Euler: M^{k} − M^{k−1} = −Δt · outflow(u^{k−1}).
            double change = h[k].Mass - h[k - 1].Mass;
            double predicted = -h[k].TimeStep * h[k - 1].Outflow;
            // theory: exact for forward Euler; rounding of one step's cell and face sums (≤ 1000 cells × 21 moments): ~1e-14; bound 1e-12.
            Assert.True(Math.Abs(change - predicted) <= 1e-12 * h[0].Mass, $"step {k}: ΔM {change:E6} vs −Δt·outflow {predicted:E6}");
        }
    }
}
