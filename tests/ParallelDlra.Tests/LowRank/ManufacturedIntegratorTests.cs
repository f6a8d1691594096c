using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>Every integrator against exact answers that do not come from the code: a manufactured solution of
/// rank 3 on a box with vacuum faces (and in 1D with a reflective face), converging at the scheme's first order;
/// and the order in time of each stepper, against the same semi-discretisation stepped with a tiny Δt.</summary>
public sealed class ManufacturedIntegratorTests(ITestOutputHelper output)
{
    /// <summary>A smooth bump on [0, 1] that vanishes with three derivatives at both ends (so the zero ghost of a
    /// vacuum face is consistent), or with reflect = true even about x = 0 and vanishing at x = 1.</summary>
    private static (double V, double D) Even(double x, bool reflect) => reflect
        ? (Math.Pow(Math.Cos(Math.PI * x / 2), 4), -2 * Math.PI * Math.Pow(Math.Cos(Math.PI * x / 2), 3) * Math.Sin(Math.PI * x / 2))
        : (Math.Pow(Math.Sin(Math.PI * x), 4), 4 * Math.PI * Math.Pow(Math.Sin(Math.PI * x), 3) * Math.Cos(Math.PI * x));

    /// <summary>A second profile: odd about x = 0 with reflect = true (E·sin πx), otherwise E·(x − 0.3).</summary>
    private static (double V, double D) Odd(double x, bool reflect)
    {
        var (e, de) = Even(x, reflect);
        return reflect ? (e * Math.Sin(Math.PI * x), de * Math.Sin(Math.PI * x) + e * Math.PI * Math.Cos(Math.PI * x))
                       : (e * (x - 0.3), de * (x - 0.3) + e);
    }

    /// <summary>Relative L2 error at t = 0.25 of u = cos t · P(x) e_0ᵀ + sin t · [P(x) g_eᵀ + Q(x) g_oᵀ], rank 3:
    /// P = Even(x_0) Π_{d≥1} Even(x_d), Q = Odd(x_0) Π_{d≥1} Even(x_d) (only x_0 may have a reflective face); g_e holds the even moments of g (those R leaves alone),
    /// g_o the odd ones, so with a reflective x_min face u(−x) = R u(x) holds and the mirrored ghost is exact.
    /// u(0) = P e_0ᵀ is isotropic (the solvers start from φ0). The source makes it exact:
    /// S = Σ_j [α_j' q_j h_j + Σ_d α_j ∂_d q_j A_d h_j + α_j q_j (σ_t h_j − σ_s h_j0 e_0)].</summary>
    private static double Error(int dim, int n, int order, SolverKind kind, bool reflect, TimeStepperKind stepper = TimeStepperKind.ForwardEuler)
    {
        const double sigmaS = 0.5, sigmaA = 0.5, end = 0.25, cfl = 0.5;
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], order,
            sigmaS, sigmaA, BoundaryKind.Vacuum, TestDecks.Zero(dim), end, cfl, stepper, solver: kind);
        if (reflect)
            o = o with { Grid = o.Grid with { Faces = [.. o.Grid.Faces.Select((f, i) => i == 0 ? new BoundaryFace(BoundaryKind.Reflective) : f)] } };
        int moments = dim == 1 ? order + 1 : dim == 2 ? (order + 1) * (order + 2) / 2 : (order + 1) * (order + 1);
        if (kind != SolverKind.FullRank)
            o = o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-9, ToleranceKind.Relative, 3, moments), InitialRank = 3 } };
        var ctx = RunContext.Serial();
        var disc = Discretisation.Build(o, ctx);
        var basis = disc.Basis;
        int cells = disc.Block.Count, m = basis.Count;
        var r = basis.Reflection(0);
        var g = Vector<double>.Build.Dense(m, a => a == 0 ? 0.0 : 1.0 / (1 + a));
        var ge = Vector<double>.Build.Dense(m, a => r[a, a] > 0 ? g[a] : 0.0);
        var go = g - ge;
        var e0 = Vector<double>.Build.Dense(m, a => a == 0 ? 1.0 : 0.0);

        // q_j at the cell centres and their gradients: j = 0 (P, with e_0), 1 (P, with g_e), 2 (Q, with g_o).
        var q = new double[3][];
        var dq = new double[3][][];
        var x = new double[3];
        for (int j = 0; j < 3; j++) { q[j] = new double[cells]; dq[j] = [.. Enumerable.Range(0, dim).Select(_ => new double[cells])]; }
        for (int c = 0; c < cells; c++)
        {
            disc.Block.Center(c, x);
            for (int j = 0; j < 3; j++)
            {
                var f = Enumerable.Range(0, dim).Select(d => d > 0 ? Even(x[d], false) : j == 2 ? Odd(x[d], reflect) : Even(x[d], reflect)).ToArray();
                q[j][c] = f.Aggregate(1.0, (p, v) => p * v.V);
                for (int d = 0; d < dim; d++)
                    dq[j][d][c] = Enumerable.Range(0, dim).Aggregate(1.0, (p, e) => p * (e == d ? f[e].D : f[e].V));
            }
        }
        Vector<double>[] h = [e0, ge, go];
        Func<double, double>[] alpha = [Math.Cos, Math.Sin, Math.Sin];
        Func<double, double>[] dalpha = [t => -Math.Sin(t), Math.Cos, Math.Cos];
        for (int j = 0; j < 3; j++)
        {
            int jj = j;
            var collision = h[j] * (sigmaS + sigmaA) - e0 * (sigmaS * h[j][0]);
            disc.Operator.AddSource(new SourceTerm($"mms time {j}", h[j].ToArray(), t => [.. q[jj].Select(v => dalpha[jj](t) * v)], true));
            disc.Operator.AddSource(new SourceTerm($"mms collision {j}", collision.ToArray(), t => [.. q[jj].Select(v => alpha[jj](t) * v)], true));
            for (int d = 0; d < dim; d++)
            {
                var dqd = dq[j][d];
                disc.Operator.AddSource(new SourceTerm($"mms transport {j} {d}", (basis.Flux(d) * h[j]).ToArray(), t => [.. dqd.Select(v => alpha[jj](t) * v)], true));
            }
        }
        var phi0 = q[0].Select(v => v * ((ParallelDlra.Angular.PnBasis)basis).IsotropicMomentNorm).ToArray();
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

    /// <summary>First-order upwind finite volumes with forward Euler at fixed cfl: the error must fall like h.
    /// Bounds from the theory, not from output: each observed order between successive grids in [0.8, 1.5]
    /// (first order, pre-asymptotic ranges on coarse grids allowed 20 % below), and the DLRA error within 1 %
    /// of the full-rank error on the finest grid (θ = 1e-9 relative truncation error is far below it).</summary>
    [Theory]
    [InlineData(1, SolverKind.FullRank, false)]
    [InlineData(1, SolverKind.AugmentedBug, false)]
    [InlineData(1, SolverKind.ParallelBug, false)]
    [InlineData(1, SolverKind.FixedRankBug, false)]
    [InlineData(1, SolverKind.FullRank, true)]
    [InlineData(1, SolverKind.AugmentedBug, true)]
    [InlineData(1, SolverKind.ParallelBug, true)]
    [InlineData(2, SolverKind.FullRank, false)]
    [InlineData(2, SolverKind.AugmentedBug, false)]
    [InlineData(2, SolverKind.ParallelBug, true)]
    // 3D (issue #13 item 4): with a reflective x_min face or vacuum faces only, on 16³, 24³, 32³ with P_3 (16 moments;
    // the solution has rank 3 < 16, so the rank is not capped); measured orders 0.86/0.89 (full rank and augmented,
    // reflective) and 0.84/0.88 (parallel, vacuum) on 2026-12-01, 8³ is pre-asymptotic (0.79). Not the fixed-rank BUG:
    // at rank 3 it cannot follow the discrete solution's higher-rank part, 5 % above full rank at 32³ with orders
    // 0.80/0.82 — on the threshold, so it is not asserted in 3D (it is in 1D).
    [InlineData(3, SolverKind.FullRank, true)]
    [InlineData(3, SolverKind.AugmentedBug, true)]
    [InlineData(3, SolverKind.ParallelBug, false)]
    public void A_rank_three_manufactured_solution_converges_at_first_order(int dim, SolverKind kind, bool reflect)
    {
        int[] grids = dim switch { 1 => [40, 80, 160], 2 => [16, 32, 64], _ => [16, 24, 32] };
        int order = dim == 1 ? 7 : 3;
        var e = grids.Select(n => Error(dim, n, order, kind, reflect)).ToArray();
        var rates = Enumerable.Range(0, grids.Length - 1).Select(i => Math.Log(e[i] / e[i + 1]) / Math.Log((double)grids[i + 1] / grids[i])).ToArray();
        output.WriteLine($"{dim}D P{order} {kind} {(reflect ? "reflective x_min" : "vacuum")}: errors {string.Join(", ", e.Select(v => v.ToString("E3")))}, orders {string.Join(", ", rates.Select(r => r.ToString("F3")))}");
        Assert.All(rates, r => Assert.InRange(r, 0.8, 1.5)); // theory: first order, margins as in the summary
        if (kind != SolverKind.FullRank)
        {
            double full = Error(dim, grids[^1], order, SolverKind.FullRank, reflect);
            Assert.True(Math.Abs(e[^1] - full) <= 0.01 * full, $"{kind} error {e[^1]:E4} vs full rank {full:E4}"); // verification: ratio to the full-rank error (θ = 1e-9 ≪ it)
        }
    }

    /// <summary>Order in time on a fixed grid: u(T) from cfl 0.4, 0.2, 0.1 against the same semi-discretisation
    /// stepped by full-rank SSP-RK2 at cfl 0.4/64 (its own error is ~1e-4 of the coarsest's). T is a whole number
    /// of the coarsest steps, so no step is shortened. Forward Euler must show order 1, SSP-RK2 order 2 (±0.15).</summary>
    private double[] TimeErrors(SolverKind kind, TimeStepperKind stepper)
    {
        RunOptions Deck(double cfl, SolverKind k, TimeStepperKind s, double end)
        {
            var o = TestDecks.Uniform([30], [[-1.0, 1.0]], 5, 1.0, 0.3, BoundaryKind.Vacuum, TestDecks.Gaussian(1, 0.2), end,
                cfl: cfl, stepper: s, solver: k);
            return k == SolverKind.FullRank ? o
                : o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, 6, 6), InitialRank = 6 } };
        }
        double dt0 = new Simulation(Deck(0.4, SolverKind.FullRank, stepper, 1.0), RunContext.Serial()).TimeStep;
        double end = 8 * dt0;
        double[] Run(RunOptions o)
        {
            var sim = new Simulation(o, RunContext.Serial());
            sim.Run();
            Assert.Equal(end, sim.History[^1].Time, 13);
            return sim.Solver.Moments();
        }
        // The reference: the highest-order stepper asked for, at Δt/64 (its error is far below the coarse runs').
        var reference = Run(Deck(0.4 / 64, SolverKind.FullRank, stepper == TimeStepperKind.SspRk3 ? TimeStepperKind.SspRk3 : TimeStepperKind.SspRk2, end));
        double norm = Math.Sqrt(reference.Sum(v => v * v));
        return [.. new[] { 0.4, 0.2, 0.1 }.Select(cfl => Math.Sqrt(Run(Deck(cfl, kind, stepper, end)).Zip(reference).Sum(p => (p.First - p.Second) * (p.First - p.Second))) / norm)];
    }

    private void AssertTimeOrder(SolverKind kind, TimeStepperKind stepper, double expected)
    {
        var e = TimeErrors(kind, stepper);
        var rates = Enumerable.Range(0, e.Length - 1).Select(i => Math.Log2(e[i] / e[i + 1])).ToArray();
        output.WriteLine($"{kind} {stepper}: errors in time {string.Join(", ", e.Select(v => v.ToString("E3")))}, orders {string.Join(", ", rates.Select(r => r.ToString("F3")))}");
        Assert.All(rates, r => Assert.InRange(r, expected - 0.15, expected + 0.15)); // theory: the stepper's order; ±0.15 chosen for one refinement pair
    }

    [Theory]
    [InlineData(SolverKind.FullRank, TimeStepperKind.ForwardEuler, 1.0)]
    [InlineData(SolverKind.FullRank, TimeStepperKind.SspRk2, 2.0)]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.ForwardEuler, 1.0)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.ForwardEuler, 1.0)]
    [InlineData(SolverKind.FixedRankBug, TimeStepperKind.ForwardEuler, 1.0)]
    public void Each_stepper_has_its_order_in_time(SolverKind kind, TimeStepperKind stepper, double expected) => AssertTimeOrder(kind, stepper, expected);

    /// <summary>At r = n_moments the augmented and parallel BUG run each stage of an SSP method as the full-rank Euler
    /// stage (issue #12, docs/design.md "What each integrator guarantees"), so they have the stepper's order in time:
    /// 2 for SSP-RK2, 3 for SSP-RK3. (The fixed-rank BUG is exact only with n_cells = r, so it stays first order here.)</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.SspRk2, 2.0)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.SspRk2, 2.0)]
    [InlineData(SolverKind.FullRank, TimeStepperKind.SspRk3, 3.0)]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.SspRk3, 3.0)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.SspRk3, 3.0)]
    public void Low_rank_ssp_steppers_have_their_order_in_time(SolverKind kind, TimeStepperKind stepper, double expected) => AssertTimeOrder(kind, stepper, expected);
}
