using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The density limiter (<c>solver.limiter: density_mc | density_minmod</c>, <see cref="DensityLimitedProblem"/>):
/// first-order flux plus ℓ_j × Fromm's anti-diffusive correction, ℓ from the density's slope ratio. Oracles: with ℓ ≡ 1 on
/// periodic faces the scheme is Fromm's Kronecker operator (a different code path: five-point stencils); the DLRA
/// projections are the dense right-hand side of the same nonlinear F projected; a 1D S_N pulse stays non-negative.</summary>
public sealed class DensityLimiterTests(ITestOutputHelper output)
{
    private static RunOptions Deck(int[] cells, BoundaryKind boundary, SlopeLimiter limiter, int spaceOrder = 2, int order = 3, SolverKind solver = SolverKind.FullRank)
    {
        int dim = cells.Length;
        var o = TestDecks.Uniform(cells, [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], order, 0.5, 0.25, boundary, TestDecks.Gaussian(dim, 0.1), 0.1,
            cfl: 0.45, stepper: TimeStepperKind.SspRk3, solver: solver);
        return o with { Solver = o.Solver with { SpaceOrder = spaceOrder, Limiter = limiter } };
    }

    private static double[] Evaluate(IKineticProblem problem, IComputeBackend backend, double[] u, int n, int m)
    {
        using var ub = backend.Allocate(n, m);
        using var f = backend.Allocate(n, m);
        backend.Upload(u, ub);
        problem.RightHandSide(0.0, ub, f);
        var result = new double[n * m];
        backend.Download(f, result);
        return result;
    }

    /// <summary>A state with smooth and rough parts (every moment, so that ρ has extrema, flat and steep parts).</summary>
    private static double[] State(int n, int m) =>
        [.. Enumerable.Range(0, n * m).Select(k => Math.Sin(0.37 * (k % n) + 0.9 * (k / n)) + ((k % n) * 7 % 5 == 0 ? 0.8 : 0.0) + (k / n == 0 ? 2.0 : 0.1))];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Unit_factor_on_periodic_faces_is_fromms_operator(int dim)
    {
        int[] cells = dim switch { 1 => [17], 2 => [9, 7], _ => [5, 4, 6] };
        var ctx = RunContext.Serial();
        var fromm = Discretisation.Build(Deck(cells, BoundaryKind.Periodic, SlopeLimiter.None), ctx);
        var first = Discretisation.Build(Deck(cells, BoundaryKind.Periodic, SlopeLimiter.None, spaceOrder: 1), ctx);
        var unit = new DensityLimitedProblem(first.Problem, FluxKind.Roe, SlopeLimiter.DensityMc, ctx.Backend, first.Halo, ctx.Comm, [.. Enumerable.Repeat(true, dim)], unit: true);
        var limited = Discretisation.Build(Deck(cells, BoundaryKind.Periodic, SlopeLimiter.DensityMc), ctx).Problem;
        int n = fromm.Block.Count, m = fromm.Basis.Count;
        var u = State(n, m);
        var expected = Evaluate(fromm.Problem, ctx.Backend, u, n, m);
        var got = Evaluate(unit, ctx.Backend, u, n, m);
        var low = Evaluate(first.Problem, ctx.Backend, u, n, m);
        var lim = Evaluate(limited, ctx.Backend, u, n, m);
        double scale = expected.Max(Math.Abs);
        double diff = expected.Zip(got, (a, b) => Math.Abs(a - b)).Max() / scale;
        double fromFirst = expected.Zip(low, (a, b) => Math.Abs(a - b)).Max() / scale;
        double limitedOff = expected.Zip(lim, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"{dim}D P_3 periodic: |F_unit − F_Fromm| / max|F| = {diff:E2}; first order differs by {fromFirst:E2}, density_mc by {limitedOff:E2}");
        Assert.True(fromFirst > 1e-2, "first and second order agree: a useless comparison");
        Assert.True(limitedOff > 1e-3, "the limiter left every face unlimited on a rough state: it does nothing");
        // rounding: the same sums grouped differently (five-point stencil vs. face differences), measured ≤ 1e-15; bound 1e-12.
        Assert.True(diff <= 1e-12, $"ℓ ≡ 1 differs from Fromm by {diff:E2}");
    }

    /// <summary>Oracle: F(X S Vᵀ) formed dense by the full-rank right-hand side (ℓ from the dense ρ), then projected: F V, Fᵀ W X,
    /// Xᵀ W F V. The factored paths compute ρ from the factors (X (S Vᵀ d), X̂ (Lᵀ d)) and ℓ from it, so they agree only if
    /// the low-rank and full-rank schemes are the same nonlinear F. Vacuum faces (the zero slopes next to them), 2D P_3.</summary>
    [Theory]
    [InlineData(SlopeLimiter.DensityMc, BoundaryKind.Vacuum)]
    [InlineData(SlopeLimiter.DensityMinmod, BoundaryKind.Periodic)]
    [InlineData(SlopeLimiter.DensityVanAlbada, BoundaryKind.Vacuum)]
    [InlineData(SlopeLimiter.DensityVanAlbada, BoundaryKind.Periodic)]
    public void Projections_on_the_factors_are_the_dense_right_hand_side_projected(SlopeLimiter limiter, BoundaryKind boundary)
    {
        var ctx = RunContext.Serial();
        var disc = Discretisation.Build(Deck([12, 10], boundary, limiter, solver: SolverKind.AugmentedBug), ctx);
        var problem = disc.Problem;
        Assert.IsType<DensityLimitedProblem>(problem);
        var backend = ctx.Backend;
        int n = disc.Block.Count, m = disc.Basis.Count, r1 = 3, r2 = 2, r = r1 + r2;
        double w = problem.Weight;
        var xd = Matrix<double>.Build.Dense(n, r, (i, j) => Math.Cos(0.31 * i * (j + 1) + j) + 0.1 * j + (i % 13 == 0 ? 1.0 : 0.0)).QR().Q.SubMatrix(0, n, 0, r) / Math.Sqrt(w);
        var v = Matrix<double>.Build.Dense(m, r, (i, j) => Math.Sin(0.5 * i + 0.9 * j) + (i == j ? 1 : 0)).QR().Q.SubMatrix(0, m, 0, r);
        var s = Matrix<double>.Build.Dense(r, r, (i, j) => (i == j ? 3.0 / (1 + i) : 0.2) * (i + 2 * j % 3 - 1 + 0.5));
        using var x1 = backend.Allocate(n, r1);
        using var x2 = backend.Allocate(n, r2);
        backend.Upload(xd.SubMatrix(0, n, 0, r1).ToColumnMajorArray(), x1);
        backend.Upload(xd.SubMatrix(0, n, r1, r2).ToColumnMajorArray(), x2);
        var u = xd * s * v.Transpose();
        var f = Matrix<double>.Build.Dense(n, m, Evaluate(problem, backend, u.ToColumnMajorArray(), n, m));
        var first = Discretisation.Build(Deck([12, 10], boundary, SlopeLimiter.None, spaceOrder: 1), ctx).Problem;
        var fFirst = Matrix<double>.Build.Dense(n, m, Evaluate(first, backend, u.ToColumnMajorArray(), n, m));
        Assert.True((f - fFirst).FrobeniusNorm() > 1e-2 * f.FrobeniusNorm(), "the correction vanishes: a useless comparison");

        double[] times = [0.0];
        var a = problem.Angular(v);
        var g = problem.Spatial([x1, x2], problem.Spatial([x1], null, times), times);
        using var k = backend.Allocate(n, r);
        using var xPart = backend.Allocate(n, r);
        backend.Upload(xd.ToColumnMajorArray(), xPart);
        problem.KRightHandSide(0.0, xPart, s, a, 1.0, 0.0, k, null);   // K = X̂ S through the C argument
        var kHost = new double[n * r];
        backend.Download(k, kHost);
        var kExpected = f * v;
        var l = problem.LRightHandSide(0.0, v * s.Transpose(), g);
        var lExpected = f.TransposeThisAndMultiply(xd) * w;
        var sRate = problem.SRightHandSide(0.0, s, g, a);
        var sExpected = xd.TransposeThisAndMultiply(f * v) * w;
        double kErr = (Matrix<double>.Build.Dense(n, r, kHost) - kExpected).FrobeniusNorm() / kExpected.FrobeniusNorm();
        double lErr = (l - lExpected).FrobeniusNorm() / lExpected.FrobeniusNorm();
        double sErr = (sRate - sExpected).FrobeniusNorm() / sExpected.FrobeniusNorm();
        output.WriteLine($"{limiter}, {boundary}: relative differences to the dense projections: K {kErr:E2}, L {lErr:E2}, S {sErr:E2}");
        // rounding, as in QuadratureReactionTests (a factor ℓ that flips on a rounding difference of ρ would show as O(1)); bound 1e-12.
        Assert.True(kErr <= 1e-12 && lErr <= 1e-12 && sErr <= 1e-12, $"K {kErr:E2}, L {lErr:E2}, S {sErr:E2}");
    }

    /// <summary>DLRA at r = n_moments (no truncation: tolerance 1e-15, r_min = r_max = n_moments from the start) against full
    /// rank with the density limiter, 2D P_3 (10 moments), 16 × 12 cells, vacuum faces, 12 steps; the second-order parallel
    /// BUG against full-rank SSP-RK2 (Heun), which it is at r = n_moments. θ is frozen once per stage from the stage's start
    /// value (<see cref="IKineticProblem.BeginStage"/>), so within a stage F is one linear map and every integrator
    /// reproduces the full-rank stage (docs/design.md, "What each integrator guarantees") up to what a step may drop,
    /// ResolvableFraction = 1e-12 of the matrix: bound 1e-11. Measured 2026-12-02: 9.7e-15 … 9.2e-13 — and the same with θ
    /// recomputed per substep (all substeps of these integrators evaluate F at the same state at r = n_moments, so freezing
    /// is not what makes them exact here; the test guards the exactness of the limited scheme in every integrator).</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.SspRk3, SlopeLimiter.DensityMc)]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.ForwardEuler, SlopeLimiter.DensityMinmod)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.SspRk3, SlopeLimiter.DensityMc)]
    [InlineData(SolverKind.ParallelBug2, TimeStepperKind.ForwardEuler, SlopeLimiter.DensityMc)]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.SspRk3, SlopeLimiter.DensityVanAlbada)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.SspRk2, SlopeLimiter.DensityVanAlbada)]
    [InlineData(SolverKind.ParallelBug2, TimeStepperKind.ForwardEuler, SlopeLimiter.DensityVanAlbada)]
    public void Dlra_at_full_rank_equals_full_rank(SolverKind kind, TimeStepperKind stepper, SlopeLimiter limiter)
    {
        RunOptions Of(SolverKind solver)
        {
            var o = TestDecks.Uniform([16, 12], [[-1.0, 1.0], [-1.0, 1.0]], 3, 0.5, 0.1, BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.15), 10.0,
                cfl: 0.45, stepper: stepper, solver: solver, maxSteps: 12);
            return o with { Solver = o.Solver with { SpaceOrder = 2, Limiter = limiter } };
        }
        // The second-order parallel BUG is SSP-RK2 (Heun) at r = n_moments; the others step with the deck's stepper.
        var fullDeck = Of(SolverKind.FullRank);
        if (kind == SolverKind.ParallelBug2) fullDeck = fullDeck with { Time = fullDeck.Time with { Stepper = TimeStepperKind.SspRk2 } };
        var full = new Simulation(fullDeck, RunContext.Serial());
        full.Run();
        int m = full.Discretisation.Basis.Count;
        var lowDeck = Of(kind);
        lowDeck = lowDeck with { Solver = lowDeck.Solver with { Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, m, m), InitialRank = m } };
        var low = new Simulation(lowDeck, RunContext.Serial());
        low.Run();
        var (a, b) = (full.Solver.Moments(), low.Solver.Moments());
        double diff = Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum() / a.Sum(x => x * x));
        output.WriteLine($"{kind}, {stepper}, {limiter}, r = {m} = n_moments, 12 steps: |u_DLRA − u_full| / |u_full| = {diff:E2}");
        Assert.True(diff <= 1e-11, $"{kind} at r = n_moments differs from full rank by {diff:E2}");
    }

    /// <summary>1D S_16 (A_x diagonal: every ordinate is a scalar upwind scheme, but ℓ comes from ρ, not from the
    /// ordinate), a sharp pulse, 100 cells, t = 0.5, cfl 0.45: the unlimited scheme undershoots (the comparison can fail);
    /// the density limiters are measured (no TVD proof for a system: ℓ follows ρ, not each ordinate).</summary>
    [Fact]
    public void Density_limiters_remove_fromms_undershoot_of_a_1d_pulse()
    {
        double Min(SlopeLimiter limiter, SolverKind solver)
        {
            var o = TestDecks.Uniform([100], [[-1.5, 1.5]], 16, 1.0, 0.0, BoundaryKind.Vacuum, TestDecks.Gaussian(1, 0.02), 0.5,
                cfl: 0.45, stepper: TimeStepperKind.SspRk3, solver: solver);
            o = o with { Angular = o.Angular with { Method = ParallelDlra.Angular.AngularMethod.Sn }, Solver = o.Solver with { SpaceOrder = 2, Limiter = limiter } };
            var sim = new Simulation(o, RunContext.Serial());
            sim.Run();
            return sim.Solver.ScalarFlux().Min() / sim.Solver.ScalarFlux().Max();
        }
        double fromm = Min(SlopeLimiter.None, SolverKind.FullRank);
        double mc = Min(SlopeLimiter.DensityMc, SolverKind.FullRank);
        double minmod = Min(SlopeLimiter.DensityMinmod, SolverKind.FullRank);
        double mcLow = Min(SlopeLimiter.DensityMc, SolverKind.AugmentedBug);
        double albada = Min(SlopeLimiter.DensityVanAlbada, SolverKind.FullRank);
        double albadaLow = Min(SlopeLimiter.DensityVanAlbada, SolverKind.AugmentedBug);
        output.WriteLine($"S_16, 100 cells, t = 0.5: min φ / max φ Fromm {fromm:E3}, density_mc {mc:E3}, density_minmod {minmod:E3}, density_mc augmented BUG {mcLow:E3}, " +
                         $"density_vanalbada {albada:E3}, its augmented BUG {albadaLow:E3}");
        Assert.True(fromm < -1e-3, $"the unlimited scheme did not undershoot ({fromm:E3}): the comparison shows nothing");
        Assert.True(mc >= -1e-3 && minmod >= -1e-3 && mcLow >= -1e-3, $"MC {mc:E3}, minmod {minmod:E3}, MC DLRA {mcLow:E3}");
        // The smooth factor keeps θ = 2ε²/(J² + 2ε²) > 0 at the foot of a jump (ε² holds c²‖d‖²‖σ‖², and in S_N the slopes of
        // the other ordinates count): it trades part of the positivity for smoothness, so no TVD bound applies. The criterion is
        // what a limiter is for, not its output: it must remove most (four fifths) of the unlimited scheme's undershoot on the
        // same deck.
        Assert.True(albada >= 0.2 * fromm && albadaLow >= 0.2 * fromm, $"van Albada {albada:E3}, its DLRA {albadaLow:E3}, Fromm {fromm:E3}");
    }
}

/// <summary>Rounding sensitivity of the limited schemes. Every density limiter is exactly homogeneous of degree 1 (θ depends on
/// ratios of differences of ρ and, for van Albada, on ε² that scales as ρ²), so a run from the initial state scaled by
/// 1 + 1e-12 must give φ scaled by 1 + 1e-12: what else it gives is rounding, amplified by the scheme. The MC ratio factor
/// has a derivative ~ 1/|b| near the extrema of ρ and multiplies the slopes of every moment (on the 100² line source the
/// 1e-12 grew to 0.88 % at t = 1, docs/design.md "Density limiter"); the smooth factor must not amplify it. Line source,
/// 48², P_5, SSP-RK3, cfl 0.45, full rank, t = 1.</summary>
public sealed class DensityLimiterRoundingTests(ITestOutputHelper output)
{
    private static double[] Phi(SlopeLimiter limiter, double mass)
    {
        var o = TestDecks.Uniform([48, 48], [[-1.5, 1.5], [-1.5, 1.5]], 5, 1.0, 0.0, BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.03, mass), 1.0,
            cfl: 0.45, stepper: TimeStepperKind.SspRk3);
        o = o with { Solver = o.Solver with { SpaceOrder = 2, Limiter = limiter } };
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return sim.Solver.ScalarFlux();
    }

    private static double Sensitivity(SlopeLimiter limiter)
    {
        const double scale = 1 + 1e-12;
        var a = Phi(limiter, 1.0);
        var b = Phi(limiter, scale);
        return Math.Sqrt(a.Zip(b, (x, y) => (y / scale - x) * (y / scale - x)).Sum() / a.Sum(x => x * x));
    }

    [Fact]
    public void Smooth_factor_does_not_amplify_rounding()
    {
        double albada = Sensitivity(SlopeLimiter.DensityVanAlbada);
        double mc = Sensitivity(SlopeLimiter.DensityMc);
        output.WriteLine($"line source 48², P_5, t = 1, initial state × (1 + 1e-12): |φ' / (1 + 1e-12) − φ| / |φ| = {albada:E2} density_vanalbada, {mc:E2} density_mc");
        // 1e-12 relative change, amplified by at most 100 (a smooth, well-conditioned scheme: rounding of ~1e-16 per step over
        // ~60 steps is below that as well).
        Assert.True(albada <= 1e-10, $"the smooth factor amplifies a 1e-12 change to {albada:E2}");
    }
}

/// <summary>The density-limited scheme on the smooth manufactured solutions of <see cref="SecondOrderManufacturedTests"/>
/// (periodic, SSP-RK3, cfl 0.5). ρ has smooth extrema there, where θ = 0 and the cells at each extremum fall back to first
/// order (the clipping of every TVD limiter), so the observed order is measured and bounded below, not claimed to be 2:
/// measured 2026-12-02, 1D P_5 on 40/80/160 cells MC 1.40, 1.21 (errors 2.8e-3, 1.1e-3, 4.6e-4; Fromm 4.1e-5, first order
/// 5.6e-3 on 160), minmod 1.47, 1.37; the bound 1.1 keeps a scheme that fell back to first order (order ≤ 1) failing, and
/// the limited error must be below half of first order's on the finest grid. The augmented BUG (θ = 1e-9) within 1 % of full rank.
/// <c>density_vanalbada</c> (the smooth factor with the Δx³ floor, no clipping at smooth extrema) must be second order: observed
/// order ≥ 1.8 and within 3× of Fromm's error on the finest grid; measured 2026-12-02: 1D P_5 160/320/640 cells 2.56, 3.93
/// (3.2e-4, 5.5e-5, 3.6e-6; Fromm 2.5e-6), 2D P_3 16²/32²/64² 2.08, 2.19 (6.5e-4 on 64², Fromm 3.0e-4), its augmented BUG the
/// same, 3D P_3 8³/16³/32³ 2.10, 2.23 (3.1e-3 on 32³, Fromm 1.5e-3; not in the suite: 25 s).</summary>
[Trait("Category", "Slow")]   // a refinement study
public sealed class DensityLimiterOrderTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, SlopeLimiter.DensityMc, SolverKind.FullRank)]
    [InlineData(1, SlopeLimiter.DensityMc, SolverKind.AugmentedBug)]
    [InlineData(1, SlopeLimiter.DensityMinmod, SolverKind.FullRank)]
    [InlineData(2, SlopeLimiter.DensityMc, SolverKind.FullRank)]
    [InlineData(1, SlopeLimiter.DensityVanAlbada, SolverKind.FullRank)]
    [InlineData(2, SlopeLimiter.DensityVanAlbada, SolverKind.FullRank)]
    [InlineData(2, SlopeLimiter.DensityVanAlbada, SolverKind.AugmentedBug)]
    public void Density_limited_scheme_converges_on_a_smooth_problem(int dim, SlopeLimiter limiter, SolverKind kind)
    {
        bool smooth = limiter == SlopeLimiter.DensityVanAlbada;
        // van Albada in 1D: 40/80/160 cells are pre-asymptotic (orders 1.70, 1.33), then 2.56 and 3.93 as θ → 1 (Δx³ floor).
        int[] grids = dim == 1 ? smooth ? [160, 320, 640] : [40, 80, 160] : [16, 32, 64];
        int order = dim == 1 ? 5 : 3;
        var e = grids.Select(n => SecondOrderManufacturedTests.Error(dim, n, ParallelDlra.Angular.AngularMethod.Pn, order, kind,
            SecondOrderManufacturedTests.Faces.Periodic, limiter: limiter)).ToArray();
        var fromm = SecondOrderManufacturedTests.Error(dim, grids[^1], ParallelDlra.Angular.AngularMethod.Pn, order, kind, SecondOrderManufacturedTests.Faces.Periodic);
        var first = SecondOrderManufacturedTests.Error(dim, grids[^1], ParallelDlra.Angular.AngularMethod.Pn, order, kind, SecondOrderManufacturedTests.Faces.Periodic, spaceOrder: 1,
            stepper: TimeStepperKind.SspRk3);
        var rates = Enumerable.Range(0, grids.Length - 1).Select(i => Math.Log(e[i] / e[i + 1]) / Math.Log((double)grids[i + 1] / grids[i])).ToArray();
        output.WriteLine($"{dim}D P_{order} {limiter} {kind} periodic: errors {string.Join(", ", e.Select(v => v.ToString("E3")))}, orders {string.Join(", ", rates.Select(v => v.ToString("F3")))}; " +
                         $"on {grids[^1]}: Fromm {fromm:E3}, first order {first:E3}");
        if (smooth)
        {
            // Second order (the issue's 1.8 for the second-order scheme), tending to the unlimited scheme (θ → 1 where ρ is
            // smooth; theory: 1 − θ = O(Δx), docs/design.md "Smooth factor"), so the rates may exceed 2. The 3× of Fromm's error
            // is a chosen margin that a clipping limiter does not meet (density_mc: 3.0× in 2D, 34× in 1D on 640 cells).
            Assert.All(rates, v => Assert.True(v >= 1.8, $"observed order {v:F3} < 1.8"));
            Assert.True(e[^1] <= 3.0 * fromm, $"limited {e[^1]:E3} is not within 3× Fromm's {fromm:E3}");
        }
        else Assert.All(rates, v => Assert.InRange(v, LowestOrder, 2.6));
        Assert.True(e[^1] < 0.5 * first, $"limited {e[^1]:E3} is not clearly better than first order {first:E3}");
        if (kind != SolverKind.FullRank)
        {
            double full = SecondOrderManufacturedTests.Error(dim, grids[^1], ParallelDlra.Angular.AngularMethod.Pn, order, SolverKind.FullRank,
                SecondOrderManufacturedTests.Faces.Periodic, limiter: limiter);
            Assert.True(Math.Abs(e[^1] - full) <= 0.01 * full, $"{kind} error {e[^1]:E4} vs full rank {full:E4}");
        }
    }

    private const double LowestOrder = 1.1;
}
