using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The full-rank right-hand side by structured products (issue #19 item 1): the structure found in the P_N and
/// S_N matrices, and the one-pass right-hand side against the term-by-term sum Σ_k (D_k u) B_kᵀ.</summary>
public sealed class RightHandSidePlanTests
{
    private static CartesianGrid Grid(params int[] cells) => new([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);

    /// <summary>|A_d| = f(A_d²) for an even f, and A_d² keeps the parity of a moment in every direction (A_d flips it in
    /// direction d only), so |A_d| of P_N is block diagonal in the 2^dim parity classes, each about 1/2^dim of the
    /// moments: in 2D four blocks, about a quarter of the entries. Found from the pattern alone; A_d is sparse.</summary>
    [Fact]
    public void AbsFlux_of_P15_falls_into_four_blocks_and_the_flux_is_sparse()
    {
        var basis = PnBasis.Create(2, 15);
        int m = basis.Count;
        Assert.Equal(136, m);
        for (int d = 0; d < 2; d++)
        {
            var abs = basis.AbsFlux(d);
            var s = new StructuredMatrix(abs);
            Assert.Equal(StructureKind.Blocks, s.Kind);
            Assert.Equal(4, s.Blocks.Length);
            var rows = s.Blocks.SelectMany(b => b.RowIndices).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, m), rows);   // every moment in exactly one block
            foreach (var b in s.Blocks) Assert.Equal(b.RowIndices, b.ColumnIndices);   // symmetric classes
            double entries = s.Blocks.Sum(b => (double)b.RowIndices.Length * b.ColumnIndices.Length);
            Assert.InRange(entries / (m * m), 0.24, 0.26);   // theory: four classes of about m/4 moments: Σ (m/4)² = m²/4
            Assert.Equal(2 * (long)entries, s.FlopsPerRow);
            var blockOf = new int[m];
            for (int k = 0; k < s.Blocks.Length; k++) foreach (int i in s.Blocks[k].RowIndices) blockOf[i] = k;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    if (blockOf[i] != blockOf[j]) Assert.Equal(0.0, abs[i, j]);
            Assert.Equal(StructureKind.Sparse, new StructuredMatrix(basis.Flux(d)).Kind);
        }
    }

    [Fact]
    public void The_plan_of_P15_Roe_is_a_sparse_centre_and_per_axis_blocked_diffusion_and_sparse_advection()
    {
        var basis = PnBasis.Create(2, 15);
        var op = new KineticOperator(Grid(6, 5).WholeBlock(), basis, new MaterialMap("m", 2, new Material(1.0, 0.0, 0.0), []),
            [.. Enumerable.Repeat(new BoundaryFace(BoundaryKind.Vacuum), 4)], FluxKind.Roe);
        var plan = new RightHandSidePlan(op);
        Assert.Empty(plan.Rest);
        Assert.Equal(5, plan.Products.Count);
        Assert.Null(plan.Products[0].Spatial);
        Assert.Equal(StructureKind.Sparse, plan.Products[0].Matrix.Kind);
        for (int a = 0; a < 2; a++)
        {
            Assert.Equal(new StencilOperator(a, 1.0, -2.0, 1.0), plan.Products[1 + 2 * a].Spatial);
            Assert.Equal(StructureKind.Blocks, plan.Products[1 + 2 * a].Matrix.Kind);
            Assert.Equal(new StencilOperator(a, 1.0, 0.0, -1.0), plan.Products[2 + 2 * a].Spatial);
            Assert.Equal(StructureKind.Sparse, plan.Products[2 + 2 * a].Matrix.Kind);
        }
    }

    /// <summary>S_N's matrices are diagonal (the flux, |flux|, ρ I), so in a pure absorber (no scattering projector, which
    /// couples every ordinate) every product is sparse with at most one nonzero per column.</summary>
    [Fact]
    public void The_products_of_discrete_ordinates_are_diagonal()
    {
        var sn = DiscreteOrdinates.ProductGaussLegendre(2, 4);
        var op = new KineticOperator(Grid(6, 5).WholeBlock(), sn, new MaterialMap("m", 2, new Material(0.0, 0.5, 0.0), []),
            [.. Enumerable.Repeat(new BoundaryFace(BoundaryKind.Vacuum), 4)], FluxKind.Roe);
        var plan = new RightHandSidePlan(op);
        foreach (var p in plan.Products)
        {
            Assert.Equal(StructureKind.Sparse, p.Matrix.Kind);
            Assert.All(p.Matrix.NonzerosByColumn, c => Assert.True(c.Length <= 1));
        }
    }

    /// <summary>On a block with a reflective face (varying diagonals), an inflow face (sources), a second material (varying
    /// σ), periodic y, both fluxes and P_3 and S_N: the one-pass right-hand side equals Σ_k (D_k u) B_kᵀ + Σ_j q_j c_jᵀ term by
    /// term within rounding, and the fused forward-Euler update is u + Δt F(u) bit for bit.</summary>
    [Theory]
    [InlineData("pn", FluxKind.Roe)]
    [InlineData("pn", FluxKind.Rusanov)]
    [InlineData("sn", FluxKind.Roe)]
    public void The_right_hand_side_equals_the_sum_of_its_terms(string kind, FluxKind flux)
    {
        IVelocitySpace space = kind == "pn" ? PnBasis.Create(2, 3) : DiscreteOrdinates.ProductGaussLegendre(2, 4);
        var grid = new CartesianGrid([23, 19], [new Interval(0.0, 1.0), new Interval(0.0, 1.0)]);
        var block = grid.WholeBlock();
        var box = new Box([new Interval(0.2, 0.6), new Interval(0.3, 0.9)]);
        var materials = new MaterialMap("m", 2, new Material(0.5, 0.1, 0.2), [new MaterialRegion("r", new Material(2.0, 0.0, 0.0), [box])]);
        BoundaryFace[] faces = [new(BoundaryKind.Reflective), new(BoundaryKind.Inflow, 1.5), new(BoundaryKind.Periodic), new(BoundaryKind.Periodic)];
        var op = new KineticOperator(block, space, materials, faces, flux);
        var backend = new CpuBackend();
        IHaloExchange halo = new SerialHaloExchange(block, [false, true]);
        var problem = new KroneckerProblem(op, backend, halo, SerialCommunicator.Instance);
        int n = block.Count, m = space.Count;
        var rng = new Random(7);
        var uv = new double[n * m];
        for (int i = 0; i < uv.Length; i++) uv[i] = 2 * rng.NextDouble() - 1;
        using var u = backend.Allocate(n, m);
        backend.Upload(uv, u);

        // Term by term, as the right-hand side was computed before it was planned.
        var ghosts = new Halo(block, m);
        halo.Exchange(backend, u, ghosts);
        using var expected = backend.Allocate(n, m);
        using var work = backend.Allocate(n, m);
        foreach (var term in op.Terms)
        {
            backend.Clear(work);
            backend.ApplySpatial(term.Spatial, block, u, ghosts, 1.0, work);
            backend.MultiplySmall(work, term.Angular.Transpose(), 1.0, 1.0, expected);
        }
        foreach (var s in op.Sources) backend.AddOuter(s.Spatial(0.25), s.Angular, 1.0, expected);
        Assert.NotEmpty(op.Sources);

        using var f = backend.Allocate(n, m);
        problem.RightHandSide(0.25, u, f);
        var e = new double[n * m];
        var a = new double[n * m];
        backend.Download(expected, e);
        backend.Download(f, a);
        double scale = e.Max(Math.Abs);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-13 * scale, $"entry {i}: {a[i]:R} vs {e[i]:R} term by term");   // rounding: regrouped sums of ≤ 30 terms of size ≤ scale

        Assert.True(problem.FusesUpdate);
        const double dt = 0.01;
        using var fused = backend.Allocate(n, m);
        problem.RightHandSide(0.25, u, fused, dt, u);
        backend.Axpby(dt, f, 1.0, u);   // u + Δt F(u), as the time stepper does it
        var stepped = new double[n * m];
        var onePass = new double[n * m];
        backend.Download(u, stepped);
        backend.Download(fused, onePass);
        Assert.Equal(stepped, onePass);
    }
}
