using System.Collections.Immutable;
using ParallelDlra.Application;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>Order of accuracy against a manufactured solution u(x, t) = s(x, t)·gᵀ on a periodic box:
/// s = cos(t)·(1 + ½ Π_d sin(2π x_d)), all moments excited through g. The matching source
/// S = s_t g + Σ_d ∂_d s A_d g + s (σ_t g − σ_s g_0 e_0) is itself separable.</summary>
[Trait("Category", "Slow")]   // a refinement study: left out of `make mutate` and of quick runs (--filter Category!=Slow)
public sealed class ManufacturedSolutionTests(ITestOutputHelper output)
{
    private static double Shape(ReadOnlySpan<double> x)
    {
        double p = 1;
        foreach (double v in x) p *= Math.Sin(2 * Math.PI * v);
        return 1 + 0.5 * p;
    }

    private static double ShapeDerivative(ReadOnlySpan<double> x, int d)
    {
        double p = 0.5 * 2 * Math.PI;
        for (int e = 0; e < x.Length; e++) p *= e == d ? Math.Cos(2 * Math.PI * x[e]) : Math.Sin(2 * Math.PI * x[e]);
        return p;
    }

    /// <summary>Relative L2 error at t_end on n cells per axis.</summary>
    private static double Error(int dim, int n, int order, TimeStepperKind stepper, double cfl)
    {
        const double sigmaS = 0.5, sigmaA = 0.5, end = 0.25;
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], order,
            sigmaS, sigmaA, BoundaryKind.Periodic, TestDecks.Zero(dim), end, cfl, stepper);
        var ctx = RunContext.Serial();
        var disc = Discretisation.Build(o, ctx);
        var basis = disc.Basis;
        int cells = disc.Block.Count, m = basis.Count;
        var g = Enumerable.Range(0, m).Select(a => 1.0 / (1 + a)).ToArray();
        var s0 = new double[cells];
        var ds = new double[dim][];
        Span<double> x = stackalloc double[3];
        for (int d = 0; d < dim; d++) ds[d] = new double[cells];
        for (int c = 0; c < cells; c++)
        {
            disc.Block.Center(c, x);
            s0[c] = Shape(x[..dim]);
            for (int d = 0; d < dim; d++) ds[d][c] = ShapeDerivative(x[..dim], d);
        }
        var gv = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(g);
        var collision = gv * (sigmaS + sigmaA);
        collision[0] -= sigmaS * g[0];
        disc.Operator.AddSource(new SourceTerm("mms time", g, t => [.. s0.Select(v => -Math.Sin(t) * v)], true));
        disc.Operator.AddSource(new SourceTerm("mms collision", collision.ToArray(), t => [.. s0.Select(v => Math.Cos(t) * v)], true));
        for (int d = 0; d < dim; d++)
        {
            var dsd = ds[d];
            disc.Operator.AddSource(new SourceTerm($"mms transport {d}", (basis.Flux(d) * gv).ToArray(), t => [.. dsd.Select(v => Math.Cos(t) * v)], true));
        }
        var u0 = new double[cells * m];
        for (int a = 0; a < m; a++)
            for (int c = 0; c < cells; c++) u0[a * cells + c] = s0[c] * g[a];
        using var solver = new FullRankSolver(disc.Operator, ctx.Backend, disc.Halo, ctx.Comm, stepper, u0);
        double t = 0, dt = disc.Operator.TimeStep(cfl);
        while (t < end - 1e-14)
        {
            double h = Math.Min(dt, end - t);
            solver.Step(t, h);
            t += h;
        }
        var u = solver.Moments();
        double num = 0, den = 0;
        for (int a = 0; a < m; a++)
            for (int c = 0; c < cells; c++)
            {
                double exact = Math.Cos(end) * s0[c] * g[a];
                num += Math.Pow(u[a * cells + c] - exact, 2);
                den += exact * exact;
            }
        return Math.Sqrt(num / den);
    }

    /// <summary>Three grids per case (as listed). The scheme is first order (upwind finite volumes; forward Euler, or
    /// SSP-RK2 whose second order in time is checked separately in ManufacturedIntegratorTests): each observed order
    /// between successive grids must lie in [0.8, 1.5] — the theory's 1 with room for the pre-asymptotic coarse grids
    /// (measured 0.88–0.99; the 3D grids ≤ 48³ give 0.907 and 0.933), and an upper limit so that an accidentally
    /// exact or error-free comparison cannot pass.</summary>
    [Theory]
    [InlineData(1, 5, new[] { 40, 80, 160 }, TimeStepperKind.ForwardEuler)]
    [InlineData(1, 5, new[] { 40, 80, 160 }, TimeStepperKind.SspRk2)]
    [InlineData(2, 3, new[] { 32, 64, 128 }, TimeStepperKind.ForwardEuler)]
    [InlineData(2, 3, new[] { 32, 64, 128 }, TimeStepperKind.SspRk2)]
    [InlineData(3, 2, new[] { 24, 36, 48 }, TimeStepperKind.ForwardEuler)]
    public void FirstOrderUpwindConverges(int dim, int order, int[] grids, TimeStepperKind stepper)
    {
        {
            var e = grids.Select(n => Error(dim, n, order, stepper, 0.5)).ToArray();
            var rates = Enumerable.Range(0, grids.Length - 1).Select(i => Math.Log(e[i] / e[i + 1]) / Math.Log((double)grids[i + 1] / grids[i])).ToArray();
            output.WriteLine($"{dim}D P{order} {stepper}: errors {string.Join(", ", e.Select(v => v.ToString("E3")))}, orders {string.Join(", ", rates.Select(r => r.ToString("F3")))}");
            Assert.All(rates, r => Assert.InRange(r, 0.8, 1.5));
        }
    }
}
