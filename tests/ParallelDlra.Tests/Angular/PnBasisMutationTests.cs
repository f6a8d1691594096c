using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using Xunit;

namespace ParallelDlra.Tests.Angular;

/// <summary>Tests written for the mutants of <c>Angular/PnBasis.cs</c> that Stryker found alive
/// (tests/mutation/README.md): each checks a property known without the code (the selection rules and the
/// recurrence coefficients of the harmonics, the product rule's nodes, exactness of the quadrature, the
/// documented argument checks).</summary>
public class PnBasisMutationTests
{
    public static TheoryData<int, int> Bases()
    {
        var data = new TheoryData<int, int>();
        foreach (int n in new[] { 1, 4, 9 }) data.Add(1, n);
        foreach (int n in new[] { 1, 4, 7 }) data.Add(2, n);
        foreach (int n in new[] { 1, 4, 7 }) data.Add(3, n);
        return data;
    }

    // Whether ∫ Ω_axis m_{l,k} m_{l',k'} dΩ may be nonzero. Ω_z = μ: P_l^{|k|} μ is a combination of P_{l±1}^{|k|}, the
    // azimuthal factor unchanged (k' = k). Ω_x = sin θ cos φ: cos φ cos kφ and cos φ sin |k|φ give cos (|k| ± 1)φ and
    // sin (|k| ± 1)φ, so the cosine (k ≥ 0) and sine (k < 0) families stay apart; Ω_y = sin θ sin φ swaps them.
    // Both need |l − l'| = 1 (degree parity) and, for x and y, ||k| − |k'|| = 1. In 1D (k = 0) only |l − l'| = 1.
    private static bool Allowed(int dim, int axis, (int L, int K) i, (int L, int K) j)
    {
        if (Math.Abs(i.L - j.L) != 1) return false;
        if (dim == 1 || axis == 2) return i.K == j.K;
        if (Math.Abs(Math.Abs(i.K) - Math.Abs(j.K)) != 1) return false;
        bool sameFamily = (i.K >= 0) == (j.K >= 0);
        return axis == 0 ? sameFamily : !sameFamily;
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public void Flux_is_zero_exactly_where_the_selection_rules_say(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            int axis = dim == 1 ? 2 : d;
            var a = basis.Flux(d);
            for (int j = 0; j < basis.Count; j++)
            for (int i = 0; i < basis.Count; i++)
            {
                bool allowed = Allowed(dim, axis, basis.Moments[i], basis.Moments[j]);
                if (!allowed)
                    Assert.True(a[i, j] == 0.0, $"{dim}D N={order} A_{d}[{basis.Moments[i]}, {basis.Moments[j]}] = {a[i, j]:R}, forbidden by the selection rules");
                else
                    Assert.True(a[i, j] != 0.0, $"{dim}D N={order} A_{d}[{basis.Moments[i]}, {basis.Moments[j]}] = 0, an allowed coupling");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public void Flux_along_the_polar_axis_has_the_recurrence_coefficients(int dim, int order)
    {
        // μ P̄_l^k = a(l,k) P̄_{l+1}^k + a(l−1,k) P̄_{l−1}^k with a(l,k) = √(((l+1)² − k²)/((2l+1)(2l+3))) for the
        // orthonormal associated Legendre functions (DLMF 14.10.3, normalized): A_z[(l+1,k), (l,k)] = a(l,|k|).
        // In 1D (k = 0) this is the slab flux (n+1)/√((2n+1)(2n+3)); in 2D the polar axis is not a flux direction.
        if (dim == 2) return;
        var basis = PnBasis.Create(dim, order);
        var a = basis.Flux(dim == 1 ? 0 : 2);
        int Index((int L, int K) m) => dim == 1 ? m.L : m.L * m.L + m.L + m.K;
        foreach (var (l, k) in basis.Moments)
        {
            if (l + 1 > order) continue;
            double expected = Math.Sqrt(((l + 1.0) * (l + 1.0) - (double)k * k) / ((2.0 * l + 1.0) * (2.0 * l + 3.0)));
            int i = Index((l + 1, k)), j = Index((l, k));
            Assert.Equal(expected, a[i, j], 1e-15); // theory: DLMF 14.10.3 (above); rounding: a few ε of an entry ≤ 1
            Assert.Equal(expected, a[j, i], 1e-15);
        }
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public void Quadrature_values_are_the_moments_at_the_nodes_and_integrate_products_exactly(int dim, int order)
    {
        // Gauss–Legendre with N + 1 nodes is exact to degree 2N + 1 in μ; the midpoint rule with 2(N + 1) nodes is exact
        // for trigonometric degree < 2(N + 1) in φ; products m_a m_b have degree ≤ 2N in both: ValuesᵀW Values = I.
        var basis = PnBasis.Create(dim, order);
        int points = order + 1;
        var rule = basis.Quadrature(points);
        var nodes = basis.ProductQuadrature(points).ToArray();
        Assert.Equal(dim == 1 ? points : 2 * points * points, rule.Count);
        Assert.Equal(nodes.Length, rule.Values.RowCount);
        Assert.Equal(basis.Count, rule.Values.ColumnCount);
        for (int q = 0; q < nodes.Length; q++)
        {
            Assert.Equal(nodes[q].Weight, rule.Weights[q]);
            var m = basis.Evaluate(nodes[q].Mu, nodes[q].Phi);
            for (int a = 0; a < basis.Count; a++) Assert.Equal(m[a], rule.Values[q, a]);
        }
        var w = Matrix<double>.Build.DenseOfDiagonalArray(rule.Weights);
        var gram = rule.Values.TransposeThisAndMultiply(w * rule.Values);
        var error = (gram - Matrix<double>.Build.DenseIdentity(basis.Count)).Enumerate().Max(Math.Abs);
        Assert.True(error < 1e-12, $"|VᵀWV − I| = {error:E2}"); // theory: exact quadrature; rounding of the quadrature sums, as PnBasisTests
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(3, 6)]
    public void Product_rule_has_the_azimuthal_midpoints_on_zero_to_two_pi(int dim, int points)
    {
        // The documented rule: Gauss–Legendre node μ_i, then φ_j = (j + ½)·2π/(2·points), j = 0 … 2·points − 1, weight w_i·2π/(2·points).
        var basis = PnBasis.Create(dim, 2);
        var (mu, w) = GaussLegendre.Rule(points);
        var nodes = basis.ProductQuadrature(points).ToArray();
        Assert.Equal(2 * points * points, nodes.Length);
        double dPhi = Math.PI / points;
        for (int i = 0; i < points; i++)
        for (int j = 0; j < 2 * points; j++)
        {
            var node = nodes[i * 2 * points + j];
            Assert.Equal(mu[i], node.Mu);
            Assert.Equal((j + 0.5) * dPhi, node.Phi, 1e-14); // theory: midpoint nodes; rounding of one product
            Assert.InRange(node.Phi, 0.0, 2.0 * Math.PI);
            Assert.Equal(w[i] * dPhi, node.Weight, 1e-15); // theory: product weights; rounding of one product
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Quadrature_flux_and_rules_check_their_arguments(int dim)
    {
        var basis = PnBasis.Create(dim, 2);
        Assert.Equal("d", Assert.Throws<ArgumentOutOfRangeException>(() => basis.QuadratureFlux(dim, 3)).ParamName);
        Assert.Equal("d", Assert.Throws<ArgumentOutOfRangeException>(() => basis.QuadratureFlux(-1, 3)).ParamName);
        Assert.Equal("points", Assert.Throws<ArgumentOutOfRangeException>(() => basis.Quadrature(0)).ParamName);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => basis.Flux(dim));
        Assert.Contains($"direction must be in 0..{dim - 1}", e.Message);
    }

    [Fact]
    public void Bad_dimension_and_order_are_named_in_the_message()
    {
        Assert.Contains("dimension must be 1, 2 or 3", Assert.Throws<ArgumentOutOfRangeException>(() => PnBasis.Create(4, 1)).Message);
        Assert.Contains("P_N order must be in 0..30 in 3D", Assert.Throws<ArgumentOutOfRangeException>(() => PnBasis.Create(3, 31)).Message);
        Assert.Contains("P_N order must be in 0..400 in 1D", Assert.Throws<ArgumentOutOfRangeException>(() => PnBasis.Create(1, -1)).Message);
    }

    [Fact]
    public void The_conserved_quantity_is_the_mass_along_e0()
    {
        var basis = PnBasis.Create(2, 3);
        Assert.Equal("mass", basis.Mass.Name);
        Assert.Equal(Math.Sqrt(4.0 * Math.PI), basis.Mass.Norm);
        Assert.Equal(new[] { 1.0, 0.0, 0.0, 0.0 }, PnBasis.MassDirection(4));
        Assert.Empty(PnBasis.MassDirection(0));
        Assert.Equal(new[] { 1.0 }, PnBasis.MassDirection(1));
    }
}
