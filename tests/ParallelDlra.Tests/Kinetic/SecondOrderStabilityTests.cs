using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The stability limit of the second-order scheme (docs/design.md "Second order in space"). Fromm's symbol per
/// unit ν = |λ|Δt/Δx is g(θ) = i(sin 2θ − 6 sin θ)/4 + (−2cos 2θ + 8cos θ − 6)/8 = −iθ − θ⁴/8 + O(θ³ i, θ⁶): forward Euler's
/// |1 + νg|² = 1 + ν²θ² − νθ⁴/4 + … exceeds 1 for θ² &lt; 4ν at every ν (unstable; the deck refuses it), SSP-RK2 is stable
/// for ν ≤ 1 and SSP-RK3 for ν ≤ 1.1758 (the largest ν with max_θ |R(νg(θ))| ≤ 1, bisection over 20001 θ). With a symmetric
/// A_d and |A_d| of the same eigenvectors the 1D periodic operator is normal, so ‖u‖ must not grow from any state where
/// |R| ≤ 1 and must grow where it is not. These runs bypass the deck check to show the growth.</summary>
public sealed class SecondOrderStabilityTests(ITestOutputHelper output)
{
    /// <summary>‖u‖ after each of <paramref name="steps"/> steps from a random state (seeded) on a periodic box.</summary>
    private static double[] Norms(int dim, int cells, int spaceOrder, TimeStepperKind stepper, double cfl, int steps)
    {
        var o = TestDecks.Uniform([.. Enumerable.Repeat(cells, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], 3, 0.0, 0.0,
            BoundaryKind.Periodic, TestDecks.Zero(dim), 1.0, cfl, stepper);
        o = o with { Solver = o.Solver with { SpaceOrder = spaceOrder } };
        var ctx = RunContext.Serial();
        var disc = Discretisation.Build(o, ctx);
        var random = new Random(7);
        var u0 = Enumerable.Range(0, disc.Block.Count * disc.Basis.Count).Select(_ => random.NextDouble() - 0.5).ToArray();
        using var solver = new FullRankSolver(disc.Operator, ctx.Backend, disc.Halo, ctx.Comm, stepper, u0);
        double dt = disc.Operator.TimeStep(cfl);
        var norms = new double[steps + 1];
        norms[0] = Math.Sqrt(solver.Moments().Sum(v => v * v));
        for (int k = 0; k < steps; k++)
        {
            solver.Step(k * dt, dt);
            norms[k + 1] = Math.Sqrt(solver.Moments().Sum(v => v * v));
        }
        return norms;
    }

    private static bool NeverGrows(double[] norms) => norms.Zip(norms.Skip(1)).All(p => p.Second <= p.First * (1 + 1e-13));

    [Theory]
    [InlineData(TimeStepperKind.SspRk2, 1.0)]
    [InlineData(TimeStepperKind.SspRk3, 1.0)]
    public void Ssp_steppers_do_not_raise_the_norm_at_the_decks_largest_cfl(TimeStepperKind stepper, double cfl)
    {
        var norms = Norms(1, 64, 2, stepper, cfl, 1000);
        output.WriteLine($"{stepper} cfl {cfl}: ‖u‖ {norms[0]:G6} → {norms[^1]:G6}");
        Assert.True(NeverGrows(norms), $"{stepper} at cfl {cfl}: the norm grew");
    }

    /// <summary>Forward Euler with the second-order scheme grows even at cfl 0.1 (the fastest mode's rate is about
    /// max_θ (ν²θ² − νθ⁴/4) ≈ ν³ = 1e-3 per step for the fastest eigenvalue), while the first-order scheme with forward
    /// Euler at the same cfl does not raise the norm: the test tells the two apart.</summary>
    [Fact]
    public void Forward_euler_makes_the_second_order_scheme_grow_at_small_cfl()
    {
        var first = Norms(1, 64, 1, TimeStepperKind.ForwardEuler, 0.1, 3000);
        var second = Norms(1, 64, 2, TimeStepperKind.ForwardEuler, 0.1, 3000);
        output.WriteLine($"forward Euler cfl 0.1, 3000 steps: first order ‖u‖ {first[0]:G6} → {first[^1]:G6}; second order → {second[^1]:G6}");
        Assert.True(NeverGrows(first), "first order with forward Euler grew");
        Assert.True(second[^1] > second[0], $"second order with forward Euler did not grow: {second[0]:G6} → {second[^1]:G6}");
    }

    /// <summary>2D (A_x and A_y do not commute, so the 1D Fourier argument is not a proof there): SSP-RK3 at the deck's
    /// largest cfl does not raise the norm over 400 steps from a random state.</summary>
    [Fact]
    public void Ssp_rk3_does_not_raise_the_norm_in_2d()
    {
        var norms = Norms(2, 24, 2, TimeStepperKind.SspRk3, 1.0, 400);
        output.WriteLine($"2D SSP-RK3 cfl 1: ‖u‖ {norms[0]:G6} → {norms[^1]:G6}");
        Assert.True(NeverGrows(norms), "2D SSP-RK3 at cfl 1: the norm grew");
    }
}
