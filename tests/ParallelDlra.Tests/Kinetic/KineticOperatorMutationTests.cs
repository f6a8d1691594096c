using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>Tests written for the mutants of <c>Kinetic/KineticOperator.cs</c> that Stryker found alive or
/// uncovered (tests/mutation/README.md), against answers known without the code: no mass crosses a mirror, the
/// upwind outflow of discrete ordinates, the emission of an isotropic source, the CFL and checkerboard rates of the
/// Rusanov flux, the filter's damping term, and the bookkeeping of added terms and sources.</summary>
public sealed class KineticOperatorMutationTests
{
    private static CartesianGrid Grid(params int[] cells) =>
        new([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);

    private static MaterialMap Map(int dim, Material m) => new("m", dim, m, []);

    private static BoundaryFace[] AllFaces(int dim, BoundaryKind kind) => Enumerable.Repeat(new BoundaryFace(kind), 2 * dim).ToArray();

    public static TheoryData<string, int> Spaces() => new()
    {
        { "pn", 1 }, { "pn", 2 }, { "pn", 3 }, { "sn", 1 }, { "sn", 2 }, { "sn", 3 },
    };

    private static IVelocitySpace Space(string kind, int dim) =>
        kind == "pn" ? PnBasis.Create(dim, 3) : DiscreteOrdinates.ProductGaussLegendre(dim, 4);

    [Theory]
    [MemberData(nameof(Spaces))]
    public void No_mass_crosses_a_reflective_face(string kind, int dim)
    {
        // A mirror sends back every particle that reaches it: the mass flux through the face is zero for every state,
        // so each reflective face's outflow weights and constant vanish (P_N: R_d flips exactly the moments that A_d's
        // mass row reaches and keeps those of |A_d|'s; S_N: the mirror ordinate has −Ω_d, the same weight and |Ω_d|).
        var space = Space(kind, dim);
        int[] cells = [.. Enumerable.Repeat(3, dim)];
        foreach (var flux in new[] { FluxKind.Roe, FluxKind.Rusanov })
        {
            var op = new KineticOperator(Grid(cells).WholeBlock(), space, Map(dim, new Material(0.5, 0.5, 0.0)), AllFaces(dim, BoundaryKind.Reflective), flux);
            Assert.Equal(2 * dim, op.Outflows.Count);
            foreach (var f in op.Outflows)
            {
                Assert.NotEmpty(f.Cells);
                Assert.Equal(0.0, f.Constant);
                Assert.All(f.Weights, w => Assert.True(Math.Abs(w) < 1e-15, $"{kind} {dim}D {flux} face {f.Face}: weight {w:R}")); // theory: a reflective face has no outflow; 1e-15 for the rounding of a cancelling sum
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Discrete_ordinates_leave_a_vacuum_face_at_their_upwind_rate(int dim)
    {
        // Ordinate q carries ψ_q = ũ_q/√w_q; through a face of area a with outward normal s e_d it carries the mass
        // a·w_q·max(sΩ_{q,d}, 0)·ψ_q per unit time (inflow from vacuum: none): the weight of ũ_q is a·√w_q·max(sΩ_{q,d}, 0).
        var sn = DiscreteOrdinates.ProductGaussLegendre(dim, 4);
        int[] cells = [.. Enumerable.Range(0, dim).Select(d => 3 + d)];
        var grid = Grid(cells);
        var op = new KineticOperator(grid.WholeBlock(), sn, Map(dim, new Material(0.0, 0.0, 0.0)), AllFaces(dim, BoundaryKind.Vacuum), FluxKind.Roe);
        foreach (var f in op.Outflows)
        {
            int d = f.Face / 2;
            double s = f.Face % 2 == 0 ? -1.0 : 1.0, area = grid.FaceArea(d);
            Assert.Equal(grid.CellCount / grid.Cells[d], f.Cells.Length);
            for (int q = 0; q < sn.Count; q++)
            {
                double expected = area * Math.Sqrt(sn.Set.Weights[q]) * Math.Max(s * sn.Set.Component(q, d), 0.0);
                Assert.Equal(expected, f.Weights[q], 1e-14); // theory: the upwind outflow weight |face|·√w_q·max(±Ω_d, 0); rounding
            }
        }
    }

    [Fact]
    public void An_isotropic_source_emits_Q_per_unit_volume()
    {
        // Q/|S| in every direction: the emission rate is Q × the volume of the box (here [0, 1]²: Q).
        const double q = 1.5;
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 3), Map(2, new Material(0.0, 0.0, q)), AllFaces(2, BoundaryKind.Periodic), FluxKind.Roe);
        var source = Assert.Single(op.VolumeSources);
        Assert.False(source.Boundary);
        double rate = op.MassWeight * op.EmissionWeight(source) * op.SourceSum(source, 0.0);
        Assert.Equal(q, rate, 1e-14); // theory: Q × the box volume 1; rounding of a 12-cell sum
        Assert.Null(op.Absorption);
    }

    [Fact]
    public void Rusanov_time_step_and_checkerboard_rate_by_hand()
    {
        // P_1 in 2D: ρ(A_x) = ρ(A_y) = 1/√3 (the root of P_2). Cells 4 × 3 on [0, 1]²: Δx = 1/4, Δy = 1/3.
        // CFL: Δt = cfl / (ρ/Δx + ρ/Δy) = cfl·√3/7. Rusanov: D_d = ρ I, so the checkerboard mode decays at Σ_d 2ρ/Δx_d = 14/√3.
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 1), Map(2, new Material(1.0, 0.0, 0.0)),
            [new(BoundaryKind.Reflective), new(BoundaryKind.Vacuum), new(BoundaryKind.Periodic), new(BoundaryKind.Periodic)], FluxKind.Rusanov);
        Assert.Equal(0.4 * Math.Sqrt(3.0) / 7.0, op.TimeStep(0.4), 1e-15); // theory: by hand (above); rounding of a few operations
        Assert.Equal(14.0 / Math.Sqrt(3.0), op.CheckerboardRate(), 1e-13);
        Assert.Equal(14.0 / Math.Sqrt(3.0), op.CheckerboardRate(), 1e-13);
        Assert.Equal(1.0, op.LocalSigmaTMax);
        Assert.Equal(0.0, op.DampingMax);
    }

    [Fact]
    public void Second_order_rusanov_has_the_checkerboard_rate_of_first_order_by_hand()
    {
        // Fromm's scheme on the same P_1, 4 × 3 cells: on the checkerboard mode (−1)^i the central weights
        // [−1, 6, 0, −6, 1]/(8Δx) sum to (−1 − 6 + 6 + 1)/(8Δx) = 0 and the dissipation weights [−1, 4, −6, 4, −1]/(8Δx)
        // to (−1 − 4 − 6 − 4 − 1)/(8Δx) = −2/Δx, as the first-order second difference: the rate is again
        // Σ_d 2ρ/Δx_d = 14/√3, and the CFL step (from ρ alone) cfl·√3/7.
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 1), Map(2, new Material(0.0, 0.0, 0.0)),
            AllFaces(2, BoundaryKind.Periodic), FluxKind.Rusanov, spaceOrder: 2);
        Assert.Equal(2, op.SpaceOrder);
        Assert.All(op.Terms, t => Assert.IsType<AxisStencil>(t.Spatial));
        Assert.Equal(["advection x", "upwind diffusion x", "advection y", "upwind diffusion y"], op.Terms.Select(t => t.Name));
        Assert.Equal(14.0 / Math.Sqrt(3.0), op.CheckerboardRate(), 1e-13); // theory: by hand (above); rounding of a 3 × 3 eigenproblem
        Assert.Equal(0.4 * Math.Sqrt(3.0) / 7.0, op.TimeStep(0.4), 1e-15);
        Assert.Empty(op.Outflows); // periodic: no physical face
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void A_spatial_order_other_than_one_or_two_is_refused(int order)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new KineticOperator(Grid(4).WholeBlock(), PnBasis.Create(1, 1),
            Map(1, new Material(1.0, 0.0, 0.0)), AllFaces(1, BoundaryKind.Vacuum), FluxKind.Roe, spaceOrder: order));
        Assert.Equal("spaceOrder", e.ParamName);
        Assert.Contains("spatial order is 1 or 2", e.Message);
    }

    [Fact]
    public void Filtered_pn_adds_its_damping_in_every_cell()
    {
        // −Σ u in every cell: a diagonal term of −1 per cell with the damping matrix; its largest rate is σ_f (the rate
        // of the highest degree N by the definition σ_N = σ_f g(N/(N+1))/g(N/(N+1))).
        var filtered = new FilteredPn(PnBasis.Create(2, 5), new FilterOptions(FilterKind.Exponential, 3.0, 4));
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), filtered, Map(2, new Material(0.0, 0.0, 0.0)), AllFaces(2, BoundaryKind.Periodic), FluxKind.Roe);
        var term = Assert.Single(op.Terms, t => t.Name == "filter");
        var diagonal = Assert.IsType<DiagonalOperator>(term.Spatial);
        Assert.Equal(Enumerable.Repeat(-1.0, 12), diagonal.Weights);
        Assert.True(term.Angular.Equals(filtered.Damping));
        Assert.Equal(3.0, op.DampingMax, 1e-15);
    }

    [Fact]
    public void Added_terms_absorptions_and_sources_are_kept()
    {
        var op = new KineticOperator(Grid(4).WholeBlock(), PnBasis.Create(1, 2), Map(1, new Material(0.0, 0.0, 0.0)), AllFaces(1, BoundaryKind.Periodic), FluxKind.Roe);
        Assert.Empty(op.VolumeSources);   // read (and cached) before the source is added
        var term = new KroneckerTerm("extra", new DiagonalOperator([1.0, 2.0, 3.0, 4.0]), Matrix<double>.Build.DenseIdentity(3));
        op.AddTerm(term);
        Assert.Same(term, op.Terms[^1]);
        double[] sigma = [0.1, 0.2, 0.3, 0.4], direction = [1.0, 0.0, 0.0];
        op.AddAbsorption(sigma, direction);
        var added = Assert.Single(op.ExtraAbsorption);
        Assert.Same(sigma, added.Sigma);
        Assert.Same(direction, added.Direction);
        var source = new SourceTerm("manufactured", [1.0, 0.0, 0.0], _ => [1.0, 1.0, 1.0, 1.0], true);
        op.AddSource(source);
        Assert.Same(source, Assert.Single(op.VolumeSources));
        Assert.Same(source, op.Sources[^1]);
        Assert.Equal(4.0, op.SourceSum(source, 0.0));
    }
    /// <summary>Which terms exist depends on whether σ_t, σ_s, Q and σ_a are nonzero anywhere on the grid — on the whole
    /// grid by a scan of its cells, on a block of a decomposition from the materials the grid takes (GlobalPresence).
    /// Answers known without the code: (1) a void background with one scattering region: σ_t is nonzero somewhere, so
    /// the absorption (σ_t) term exists on the whole grid and on a block that lies in the void only; (2) every material
    /// scattering and absorbing: the scattering term and the σ_a of the balance exist on every block. (Mutants of
    /// 2026-12-02: Any → All, != 0 → == 0.)</summary>
    [Fact]
    public void Terms_exist_where_their_coefficient_is_nonzero_somewhere_on_the_grid()
    {
        var grid = Grid(8, 4);
        var basis = PnBasis.Create(2, 3);
        var faces = AllFaces(2, BoundaryKind.Vacuum);
        var right = new Box([new Interval(0.5, 1.0), new Interval(0.0, 1.0)]);
        var voidWithScatterer = new MaterialMap("m", 2, new Material(0, 0, 0), [new MaterialRegion("s", new Material(1.0, 0, 0), [right])]);
        var everywhere = new MaterialMap("m", 2, new Material(1.0, 0.5, 0), [new MaterialRegion("s", new Material(2.0, 0.25, 0), [right])]);
        var leftBlock = new ParallelDlra.Parallel.CartesianDecomposition(grid, 2, [false, false]).Block(0);   // x < 0.5: the void
        Assert.True(leftBlock.Count < grid.CellCount);   // precondition: GlobalPresence's path
        foreach (var block in new[] { grid.WholeBlock(), leftBlock })
        {
            var op = new KineticOperator(block, basis, voidWithScatterer, faces, FluxKind.Roe);
            Assert.Contains("absorption", op.Terms.Select(t => t.Name));
            Assert.Contains("scattering", op.Terms.Select(t => t.Name));
            Assert.Null(op.Absorption);   // σ_a is zero everywhere
            var all = new KineticOperator(block, basis, everywhere, faces, FluxKind.Roe);
            Assert.Contains("scattering", all.Terms.Select(t => t.Name));
            Assert.NotNull(all.Absorption);
        }
    }

    /// <summary>Faces are named axis_side in order x_min, x_max, y_min, y_max: inflow on x_max and y_max.</summary>
    [Fact]
    public void Inflow_sources_are_named_by_their_face()
    {
        BoundaryFace[] faces = [new(BoundaryKind.Vacuum), new(BoundaryKind.Inflow, 1.0), new(BoundaryKind.Vacuum), new(BoundaryKind.Inflow, 2.0)];
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 1), Map(2, new Material(1.0, 0, 0)), faces, FluxKind.Roe);
        Assert.Equal(["inflow x_max", "inflow y_max"], op.Sources.Where(s => s.Boundary).Select(s => s.Name));
    }
    /// <summary>The Rusanov flux's numerical diffusion is ρ(A_d)·I, not |A_d| (on P_1 both give the same checkerboard rate
    /// and time step, so the rate test cannot tell them apart): 1/√3 times the identity for P_1 in 2D.</summary>
    [Fact]
    public void Rusanov_diffusion_is_the_spectral_radius_times_the_identity()
    {
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), PnBasis.Create(2, 1), Map(2, new Material(1.0, 0.0, 0.0)),
            AllFaces(2, BoundaryKind.Periodic), FluxKind.Rusanov);
        foreach (var axis in new[] { "x", "y" })
        {
            var d = op.Terms.Single(t => t.Name == $"upwind diffusion {axis}").Angular;
            Assert.True((d - Matrix<double>.Build.DenseIdentity(3) / Math.Sqrt(3.0)).FrobeniusNorm() <= 1e-15, $"{axis}: {d}"); // theory: ρ(A_d) = 1/√3 (root of P_2); rounding
        }
    }

    /// <summary>S_N's one-sided upwind stencils (−1, 1, 0)/Δx and (0, −1, 1)/Δx act on the checkerboard mode as ±2/Δx, so
    /// its decay rate is max_q Σ_d 2|Ω_q,d|/Δx_d (product Gauss–Legendre, order 4, on 4 × 3 cells of [0, 1]²).</summary>
    [Fact]
    public void Discrete_ordinates_checkerboard_rate_by_hand()
    {
        var sn = DiscreteOrdinates.ProductGaussLegendre(2, 4);
        var op = new KineticOperator(Grid(4, 3).WholeBlock(), sn, Map(2, new Material(1.0, 0.0, 0.0)), AllFaces(2, BoundaryKind.Periodic), FluxKind.Roe);
        var set = sn.Set;
        double expected = Enumerable.Range(0, set.Weights.Length).Max(q => 2 * Math.Abs(set.Component(q, 0)) * 4 + 2 * Math.Abs(set.Component(q, 1)) * 3);
        Assert.Equal(expected, op.CheckerboardRate(), 1e-12); // theory: by hand (summary); rounding of the eigen solver
    }
}
