using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Angular.Quadratures;
using ParallelDlra.Application;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The in-place turn of rS_N (issue #15 item 2; docs/design.md, "rS_N"): the problem swaps only its angular part
/// (<see cref="IVelocitySpaceSwap"/>) and equals the problem built on the turned ordinates bit for bit, keeping its spatial
/// operators; the solvers map their live state (<see cref="IAngularMap"/>) as the turn of a saved copy does, the low-rank
/// one without touching X.</summary>
public sealed class VelocitySpaceSwapTests(ITestOutputHelper output)
{
    private static DiscreteOrdinates Turned(double fraction)
    {
        var set = ProductGaussLegendre.Create(2, 6);
        return new DiscreteOrdinates(ProductGaussLegendre.Create(2, 6, fraction * AzimuthalRotation.Spacing(set)));
    }

    private static (GridBlock Block, MaterialMap Materials, BoundaryFace[] Faces) Setup()
    {
        var grid = new CartesianGrid([23, 19], [new Interval(0.0, 1.0), new Interval(0.0, 1.0)]);
        var box = new Box([new Interval(0.2, 0.6), new Interval(0.3, 0.9)]);
        var materials = new MaterialMap("m", 2, new Material(0.5, 0.1, 0.2), [new MaterialRegion("r", new Material(2.0, 0.0, 0.3), [box])]);
        BoundaryFace[] faces = [new(BoundaryKind.Inflow, 1.5), new(BoundaryKind.Vacuum), new(BoundaryKind.Periodic), new(BoundaryKind.Periodic)];
        return (grid.WholeBlock(), materials, faces);
    }

    /// <summary>Swapped from offset 0 to 0.37 Δφ, the operator has the terms, sources and outflows of the operator built at
    /// 0.37 Δφ, bit for bit (the same code makes them), on the same spatial objects as before; first and second order, both
    /// fluxes, an inflow face (sources and constants that depend on A_d), varying materials; and the problem's right-hand side
    /// and angular coefficients equal the fresh problem's bit for bit.</summary>
    [Theory]
    [InlineData(1, FluxKind.Roe)]
    [InlineData(1, FluxKind.Rusanov)]
    [InlineData(2, FluxKind.Roe)]
    public void The_swapped_problem_equals_the_problem_built_on_the_turned_ordinates(int order, FluxKind flux)
    {
        var (block, materials, faces) = Setup();
        var op = new KineticOperator(block, Turned(0.0), materials, faces, flux, order);
        var fresh = new KineticOperator(block, Turned(0.37), materials, faces, flux, order);
        var backend = new CpuBackend();
        IHaloExchange halo = new SerialHaloExchange(block, [false, true]);
        var problem = new KroneckerProblem(op, backend, halo, SerialCommunicator.Instance);
        var freshProblem = new KroneckerProblem(fresh, backend, halo, SerialCommunicator.Instance);
        int n = block.Count, m = op.Basis.Count;
        var rng = new Random(11);
        using var u = backend.Allocate(n, m);
        backend.Upload([.. Enumerable.Range(0, n * m).Select(_ => 2 * rng.NextDouble() - 1)], u);
        using var before = backend.Allocate(n, m);
        problem.RightHandSide(0.0, u, before);   // the plan, halo and transposes exist before the swap
        double rate0 = op.CheckerboardRate();
        var spatial = op.Terms.Select(t => t.Spatial).ToArray();
        var sourceFields = op.Sources.Select(s => s.Spatial).ToArray();
        var cells = op.Outflows.Select(f => f.Cells).ToArray();

        problem.SwapVelocitySpace(Turned(0.37));

        Assert.Equal(fresh.Terms.Select(t => t.Name), op.Terms.Select(t => t.Name));
        for (int k = 0; k < op.Terms.Count; k++)
        {
            Assert.Same(spatial[k], op.Terms[k].Spatial);   // the spatial operator kept
            Assert.Equal(fresh.Terms[k].Angular.ToColumnMajorArray(), op.Terms[k].Angular.ToColumnMajorArray());   // bit-equality
        }
        Assert.NotEmpty(op.Sources);
        for (int j = 0; j < op.Sources.Count; j++)
        {
            Assert.Same(sourceFields[j], op.Sources[j].Spatial);
            Assert.Equal(fresh.Sources[j].Angular, op.Sources[j].Angular);   // bit-equality
        }
        for (int f = 0; f < op.Outflows.Count; f++)
        {
            Assert.Same(cells[f], op.Outflows[f].Cells);
            Assert.Equal(fresh.Outflows[f].Weights, op.Outflows[f].Weights);   // bit-equality
            Assert.Equal(fresh.Outflows[f].Constant, op.Outflows[f].Constant);
        }
        Assert.Equal(fresh.CheckerboardRate(), op.CheckerboardRate());
        Assert.Equal(fresh.TimeStep(0.9), op.TimeStep(0.9));

        using var swapped = backend.Allocate(n, m);
        using var expected = backend.Allocate(n, m);
        problem.RightHandSide(0.0, u, swapped);
        freshProblem.RightHandSide(0.0, u, expected);
        var (a, e, b) = (new double[n * m], new double[n * m], new double[n * m]);
        backend.Download(swapped, a);
        backend.Download(expected, e);
        backend.Download(before, b);
        Assert.Equal(e, a);   // bit-equality: the same products on the same data
        double change = a.Zip(b, (x, y) => Math.Abs(x - y)).Max() / b.Max(Math.Abs);
        output.WriteLine($"order {order}, {flux}: F(u) changed by {change:E2} (relative) with the turn; checkerboard rate {rate0:G6} → {op.CheckerboardRate():G6}");
        Assert.True(change > 1e-3, $"the swap changed nothing: {change:E3}");   // precondition (chosen): the turned operator differs
        if (order == 1)
        {
            var v = Matrix<double>.Build.Dense(m, 5, (_, _) => rng.NextDouble() - 0.5).QR().Q.SubMatrix(0, m, 0, 5);
            var ma = (AngularCoefficients)problem.Angular(v);
            var mf = (AngularCoefficients)freshProblem.Angular(v);
            for (int k = 0; k < ma.M.Length; k++) Assert.Equal(mf.M[k].ToColumnMajorArray(), ma.M[k].ToColumnMajorArray());   // bit-equality
            Assert.Equal(mf.Source.ToColumnMajorArray(), ma.Source.ToColumnMajorArray());
        }
    }

    /// <summary>The limited problems (MUSCL on the characteristic variables, the density limiter) swap their first-order
    /// problem and their own A_d data: the right-hand side after the swap equals that of the limited problem built on the
    /// turned ordinates bit for bit (vacuum faces; S_6, both limiters).</summary>
    [Theory]
    [InlineData(SlopeLimiter.Mc)]
    [InlineData(SlopeLimiter.DensityMc)]
    public void The_swapped_limited_problem_equals_the_one_built_on_the_turned_ordinates(SlopeLimiter limiter)
    {
        var o = TestDecks.Uniform([14, 12], [[0.0, 1.0], [0.0, 1.0]], 6, 0.5, 0.25, BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.1), 0.1,
            cfl: 0.45, stepper: TimeStepperKind.SspRk3);
        o = o with { Angular = new AngularOptions(6, AngularMethod.Sn), Solver = o.Solver with { SpaceOrder = 2, Limiter = limiter } };
        var ctx = RunContext.Serial();
        var swapped = Discretisation.Build(o, ctx, Turned(0.0));
        var fresh = Discretisation.Build(o, ctx, Turned(0.37));
        int n = swapped.Block.Count, m = swapped.Basis.Count;
        var u = Enumerable.Range(0, n * m).Select(k => Math.Sin(0.37 * (k % n) + 0.9 * (k / n)) + ((k % n) * 7 % 5 == 0 ? 0.8 : 0.0) + 0.1).ToArray();
        double[] Evaluate(IKineticProblem problem)
        {
            using var ub = ctx.Backend.Allocate(n, m);
            using var f = ctx.Backend.Allocate(n, m);
            ctx.Backend.Upload(u, ub);
            problem.RightHandSide(0.0, ub, f);
            var result = new double[n * m];
            ctx.Backend.Download(f, result);
            return result;
        }
        var before = Evaluate(swapped.Problem);
        var swap = Assert.IsAssignableFrom<IVelocitySpaceSwap>(swapped.Problem);
        Assert.True(swap.CanSwapVelocitySpace);
        swap.SwapVelocitySpace(Turned(0.37));
        var after = Evaluate(swapped.Problem);
        Assert.Equal(Evaluate(fresh.Problem), after);   // bit-equality
        double change = after.Zip(before, (a, b) => Math.Abs(a - b)).Max() / before.Max(Math.Abs);
        output.WriteLine($"{limiter}: F(u) changed by {change:E2} (relative) with the turn");
        Assert.True(change > 1e-3, $"the swap changed nothing: {change:E3}");   // precondition (chosen)
    }

    /// <summary>What the swap cannot do is refused: another count, another mass, and an operator with a source added after
    /// construction (its angular vector is the caller's).</summary>
    [Fact]
    public void A_swap_that_cannot_rebuild_everything_is_refused()
    {
        var (block, materials, faces) = Setup();
        var op = new KineticOperator(block, Turned(0.0), materials, faces, FluxKind.Roe);
        Assert.True(op.CanSwapVelocitySpace);
        Assert.Throws<ArgumentException>(() => op.SwapVelocitySpace(DiscreteOrdinates.ProductGaussLegendre(2, 4)));
        var set = ProductGaussLegendre.Create(2, 6);
        var other = new DiscreteOrdinates(set with { Weights = [.. set.Weights.Select(w => 2 * w)] });   // another |S|: another mass norm
        Assert.Throws<ArgumentException>(() => op.SwapVelocitySpace(other));
        var angular0 = op.Terms[0].Angular;
        op.AddSource(new SourceTerm("extra", new double[op.Basis.Count], _ => new double[block.Count], false));
        Assert.False(op.CanSwapVelocitySpace);
        Assert.Throws<NotSupportedException>(() => op.SwapVelocitySpace(Turned(0.2)));
        Assert.Same(angular0, op.Terms[0].Angular);   // nothing replaced by the refused swaps
    }

    /// <summary>The live maps of the solvers equal the turn of a saved copy (<see cref="RotatedOrdinatesSolver.Turn"/>): the
    /// low-rank one bit for bit with X's block untouched (the same block, the same values: no n_cells-long work); the full-rank
    /// one to rounding (two products per entry, possibly summed in another order: ≤ a few ε of max |u|, bound 1e-15 relative;
    /// measured 0 on 2026-12-02: the same two terms in the same order).</summary>
    [Theory]
    [InlineData(SolverKind.FullRank)]
    [InlineData(SolverKind.AugmentedBug)]
    public void The_live_map_equals_the_turn_of_a_saved_copy(SolverKind kind)
    {
        var initial = TestDecks.Gaussian(2, 0.15) with { Center = [0.1, -0.05] };
        var o = TestDecks.Uniform([20, 18], [[-1, 1], [-1, 1]], 6, 0.5, 0.0, BoundaryKind.Periodic, initial, 10.0, maxSteps: 3, solver: kind)
            with { Angular = new AngularOptions(6, AngularMethod.Sn) };
        if (kind != SolverKind.FullRank)
            o = o with { Solver = o.Solver with { InitialRank = 6, Conservative = true, Truncation = new TruncationOptions(1e-2, ToleranceKind.Relative, 2, 30) } };
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var set = ((DiscreteOrdinates)sim.Discretisation.Basis).Set;
        var r = AzimuthalRotation.Matrix(set, 0.0, 0.43 * AzimuthalRotation.Spacing(set));
        var saved = sim.Solver.Save();
        var expected = RotatedOrdinatesSolver.Turn(saved, r);
        if (sim.Solver is LowRankSolver low)
        {
            var x = low.X;
            low.MapAngular(r);
            Assert.Same(x, low.X);
            var now = (FactorsState)low.Save();
            var e = (FactorsState)expected;
            Assert.Equal(((FactorsState)saved).X, now.X);   // bit-equality: X untouched
            Assert.Equal(e.S.ToColumnMajorArray(), now.S.ToColumnMajorArray());   // bit-equality: the same QR
            Assert.Equal(e.V.ToColumnMajorArray(), now.V.ToColumnMajorArray());
            return;
        }
        ((IAngularMap)sim.Solver).MapAngular(r);
        var u = ((MomentsState)sim.Solver.Save()).U;
        var ue = ((MomentsState)expected).U;
        double scale = ue.Max(Math.Abs), diff = u.Zip(ue, (a, b) => Math.Abs(a - b)).Max() / scale;
        double moved = u.Zip(((MomentsState)saved).U, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"full rank: live map vs turned copy {diff:E2}, the turn moved u by {moved:E2} (relative to max |u|)");
        Assert.True(diff <= 1e-15, $"{diff:E3}");
        Assert.True(moved > 1e-3, $"the turn did nothing: {moved:E3}");   // precondition (chosen)
    }
}
