using ParallelDlra.Angular;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The second-order scheme (<c>solver.space_order: 2</c>, Fromm's scheme, SSP-RK3) against manufactured
/// solutions that do not come from the code, u(x, t) = cos t · q_0(x) ι + sin t · [q_1(x) g_e + q_2(x) g_o] (rank 3;
/// ι the isotropic state, g_e = (g + R g)/2 and g_o = (g − R g)/2 the mirror-even and mirror-odd parts of a fixed g, R
/// the reflection of x), with the source that makes it exact:
/// S = Σ_j [α_j' q_j h_j + α_j Σ_d ∂_d q_j A_d h_j + α_j q_j (σ_t h_j − σ_s P h_j)] (P the scattering projector).
/// Faces: periodic (smooth periodic profiles); vacuum (profiles vanishing with three derivatives at the faces, so the
/// zero ghosts are exact to O(h⁴)); reflective x_min (q_0, q_1 even and q_2 odd about x = 0, so u(−x) = R u(x) and the two
/// mirrored ghost layers are exact), the other faces vacuum. P_N and S_N, full rank and DLRA (θ = 1e-9).</summary>
[Trait("Category", "Slow")]   // a refinement study: left out of `make mutate` and of quick runs (--filter Category!=Slow)
public sealed class SecondOrderManufacturedTests(ITestOutputHelper output)
{
    public enum Faces { Periodic, Vacuum, Reflective }

    /// <summary>Factor of profile j along axis d at x (value, derivative); q_j = Π_d factor.</summary>
    private static (double V, double D) Factor(Faces faces, int j, int d, double x)
    {
        const double tau = 2 * Math.PI;
        if (faces == Faces.Periodic)
            return j switch
            {
                0 => (1 + 0.5 * Math.Sin(tau * x), 0.5 * tau * Math.Cos(tau * x)),
                1 => (Math.Cos(tau * x + d), -tau * Math.Sin(tau * x + d)),
                _ => (0.5 * Math.Sin(2 * tau * x + 0.3), tau * Math.Cos(2 * tau * x + 0.3)),
            };
        // sin⁴(πx): vanishes with three derivatives at 0 and 1; about x = 0 reflective: cos⁴(πx/2) (even), × sin(πx) (odd).
        double s = Math.Sin(Math.PI * x), c = Math.Cos(Math.PI * x);
        var bump = (V: Math.Pow(s, 4), D: 4 * Math.PI * Math.Pow(s, 3) * c);
        if (faces == Faces.Reflective && d == 0)
        {
            double ch = Math.Cos(Math.PI * x / 2), sh = Math.Sin(Math.PI * x / 2);
            var even = (V: Math.Pow(ch, 4), D: -2 * Math.PI * Math.Pow(ch, 3) * sh);
            return j < 2 ? even : (even.V * s, even.D * s + even.V * Math.PI * c);
        }
        if (j == 2 && d == 0) return (bump.V * (x - 0.3), bump.D * (x - 0.3) + bump.V);
        return bump;
    }

    /// <summary>Relative L2 error (all coefficients, all cells) at t = 0.25 on n cells per axis.</summary>
    public static double Error(int dim, int n, AngularMethod method, int order, SolverKind kind, Faces faces,
        int spaceOrder = 2, TimeStepperKind stepper = TimeStepperKind.SspRk3, SlopeLimiter limiter = SlopeLimiter.None)
    {
        const double sigmaS = 0.5, sigmaA = 0.5, end = 0.25, cfl = 0.5;
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], order,
            sigmaS, sigmaA, faces == Faces.Periodic ? BoundaryKind.Periodic : BoundaryKind.Vacuum, TestDecks.Zero(dim), end, cfl, stepper, solver: kind);
        o = o with { Angular = o.Angular with { Method = method }, Solver = o.Solver with { SpaceOrder = spaceOrder, Limiter = limiter } };
        if (faces == Faces.Reflective)
            o = o with { Grid = o.Grid with { Faces = [.. o.Grid.Faces.Select((f, i) => i == 0 ? new BoundaryFace(BoundaryKind.Reflective) : f)] } };
        var ctx = RunContext.Serial();
        var probe = Discretisation.VelocitySpace(o.Angular, dim);
        if (kind != SolverKind.FullRank)
            o = o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-9, ToleranceKind.Relative, 3, probe.Count), InitialRank = 3 } };
        var disc = Discretisation.Build(o, ctx);
        var basis = disc.Basis;
        int cells = disc.Block.Count, m = basis.Count;
        var r = basis.Reflection(0);
        var g = Vector<double>.Build.Dense(m, a => 1.0 / (1 + a) * (a % 3 == 1 ? -1.0 : 1.0));
        Vector<double>[] h = [Vector<double>.Build.Dense(basis.Isotropic.Direction), (g + r * g) / 2, (g - r * g) / 2];
        Func<double, double>[] alpha = [Math.Cos, Math.Sin, Math.Sin];
        Func<double, double>[] dalpha = [t => -Math.Sin(t), Math.Cos, Math.Cos];

        var q = new double[3][];
        var dq = new double[3][][];
        var x = new double[3];
        for (int j = 0; j < 3; j++) { q[j] = new double[cells]; dq[j] = [.. Enumerable.Range(0, dim).Select(_ => new double[cells])]; }
        for (int c = 0; c < cells; c++)
        {
            disc.Block.Center(c, x);
            for (int j = 0; j < 3; j++)
            {
                var f = Enumerable.Range(0, dim).Select(d => Factor(faces, j, d, x[d])).ToArray();
                q[j][c] = f.Aggregate(1.0, (p, v) => p * v.V);
                for (int d = 0; d < dim; d++)
                    dq[j][d][c] = Enumerable.Range(0, dim).Aggregate(1.0, (p, e) => p * (e == d ? f[e].D : f[e].V));
            }
        }
        for (int j = 0; j < 3; j++)
        {
            int jj = j;
            var collision = h[j] * (sigmaS + sigmaA) - basis.ScatteringProjector * h[j] * sigmaS;
            disc.Operator.AddSource(new SourceTerm($"mms time {j}", h[j].ToArray(), t => [.. q[jj].Select(v => dalpha[jj](t) * v)], true));
            disc.Operator.AddSource(new SourceTerm($"mms collision {j}", collision.ToArray(), t => [.. q[jj].Select(v => alpha[jj](t) * v)], true));
            for (int d = 0; d < dim; d++)
            {
                var dqd = dq[j][d];
                disc.Operator.AddSource(new SourceTerm($"mms transport {j} {d}", (basis.Flux(d) * h[j]).ToArray(), t => [.. dqd.Select(v => alpha[jj](t) * v)], true));
            }
        }
        var phi0 = q[0].Select(v => v * basis.Isotropic.Norm).ToArray();
        using var solver = SolverFactory.Create(o, disc, ctx, phi0);
        double time = 0, dt = disc.Operator.TimeStep(cfl);
        while (time < end - 1e-14)
        {
            double step = Math.Min(dt, end - time);
            solver.Step(time, step);
            time += step;
        }
        var u = solver.Moments();
        double num = 0, den = 0;
        for (int a = 0; a < m; a++)
            for (int c = 0; c < cells; c++)
            {
                double exact = 0;
                for (int j = 0; j < 3; j++) exact += alpha[j](end) * q[j][c] * h[j][a];
                num += Math.Pow(u[a * cells + c] - exact, 2);
                den += exact * exact;
            }
        return Math.Sqrt(num / den);
    }

    /// <summary>Each observed order between successive grids at least 1.8 (the issue's acceptance: the scheme's 2 with
    /// room for the coarse grids) and at most 2.6 (so that an error-free or accidentally exact comparison cannot pass).
    /// The augmented BUG at θ = 1e-9 (a truncation budget θ·t = 2.5e-10 of the density, far below the discretisation
    /// error) within 1 % of full rank on the finest grid. The parallel BUG is first order in time (Kusch 2024; docs/design.md
    /// "What each integrator guarantees"): its extra O(Δt) error at fixed cfl is not bounded by the spatial error (measured
    /// 1.7 % above full rank in 1D at 160 cells, 13 % for 2D S_4 at 64²), so only its observed order is asserted.</summary>
    [Theory]
    [InlineData(1, AngularMethod.Pn, 5, SolverKind.FullRank, Faces.Periodic)]
    [InlineData(1, AngularMethod.Pn, 5, SolverKind.FullRank, Faces.Vacuum)]
    [InlineData(1, AngularMethod.Pn, 5, SolverKind.FullRank, Faces.Reflective)]
    [InlineData(1, AngularMethod.Pn, 5, SolverKind.AugmentedBug, Faces.Reflective)]
    [InlineData(1, AngularMethod.Pn, 5, SolverKind.ParallelBug, Faces.Vacuum)]
    [InlineData(1, AngularMethod.Sn, 8, SolverKind.FullRank, Faces.Reflective)]
    [InlineData(1, AngularMethod.Sn, 8, SolverKind.AugmentedBug, Faces.Periodic)]
    [InlineData(2, AngularMethod.Pn, 3, SolverKind.FullRank, Faces.Periodic)]
    [InlineData(2, AngularMethod.Pn, 3, SolverKind.AugmentedBug, Faces.Vacuum)]
    [InlineData(2, AngularMethod.Pn, 3, SolverKind.ParallelBug, Faces.Reflective)]
    [InlineData(2, AngularMethod.Sn, 4, SolverKind.FullRank, Faces.Vacuum)]
    [InlineData(3, AngularMethod.Pn, 1, SolverKind.FullRank, Faces.Vacuum)]
    [InlineData(3, AngularMethod.Pn, 1, SolverKind.AugmentedBug, Faces.Periodic)]
    [InlineData(3, AngularMethod.Sn, 2, SolverKind.ParallelBug, Faces.Reflective)]
    public void Second_order_scheme_converges_at_second_order(int dim, AngularMethod method, int order, SolverKind kind, Faces faces)
    {
        int[] grids = dim switch { 1 => [40, 80, 160], 2 => [16, 32, 64], _ => [8, 16, 24] };
        var e = grids.Select(n => Error(dim, n, method, order, kind, faces)).ToArray();
        var rates = Enumerable.Range(0, grids.Length - 1).Select(i => Math.Log(e[i] / e[i + 1]) / Math.Log((double)grids[i + 1] / grids[i])).ToArray();
        output.WriteLine($"{dim}D {method}{order} {kind} {faces}: errors {string.Join(", ", e.Select(v => v.ToString("E3")))}, orders {string.Join(", ", rates.Select(v => v.ToString("F3")))}");
        Assert.All(rates, v => Assert.InRange(v, 1.8, 2.6));
        if (kind != SolverKind.FullRank)
        {
            if (kind == SolverKind.ParallelBug) return;
            double full = Error(dim, grids[^1], method, order, SolverKind.FullRank, faces);
            output.WriteLine($"  full rank on {grids[^1]}: {full:E3}");
            Assert.True(Math.Abs(e[^1] - full) <= 0.01 * full, $"{kind} error {e[^1]:E4} vs full rank {full:E4}");
        }
    }
}
