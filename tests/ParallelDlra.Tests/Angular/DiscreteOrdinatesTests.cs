using ParallelDlra.Angular;
using ParallelDlra.Angular.Quadratures;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Angular;

/// <summary>The S_N quadratures and velocity space against facts known without the code: the orthonormality of the
/// real spherical harmonics (∫ m_a m_b dΩ = δ_ab, evaluated by <see cref="PnBasis.Evaluate"/>, an independent
/// recurrence) for every pair of total degree up to the quadrature's degree, exact mirror images, and the
/// structure of the transport, scattering and reflection matrices.</summary>
public sealed class DiscreteOrdinatesTests(ITestOutputHelper output)
{
    /// <summary>Largest |Σ_q w_q m_a(Ω_q) m_b(Ω_q) − δ_ab| over the harmonics of degree ≤ <paramref name="degree"/>
    /// (in 2D the ones even in Ω_z, in 1D the Legendre polynomials), pairs with l_a + l_b ≤ <paramref name="degree"/>.</summary>
    internal static double GramDefect(OrdinateSet set, int degree)
    {
        var pn = PnBasis.Create(set.Dimension, degree);
        var rows = new double[set.Count][];
        for (int q = 0; q < set.Count; q++)
        {
            var o = set.Directions[q];
            rows[q] = pn.Evaluate(o[2], Math.Atan2(o[1], o[0]));
        }
        double worst = 0;
        for (int a = 0; a < pn.Count; a++)
        for (int b = 0; b <= a; b++)
        {
            if (pn.Moments[a].L + pn.Moments[b].L > degree) continue;
            double sum = 0;
            for (int q = 0; q < set.Count; q++) sum += set.Weights[q] * rows[q][a] * rows[q][b];
            worst = Math.Max(worst, Math.Abs(sum - (a == b ? 1.0 : 0.0)));
        }
        return worst;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 8)]
    [InlineData(1, 20)]
    [InlineData(2, 2)]
    [InlineData(2, 4)]
    [InlineData(2, 8)]
    [InlineData(2, 12)]
    [InlineData(3, 2)]
    [InlineData(3, 4)]
    [InlineData(3, 8)]
    public void Product_gauss_legendre_integrates_the_spherical_harmonics_exactly_up_to_its_degree(int dim, int order)
    {
        var set = ProductGaussLegendre.Create(dim, order);
        Assert.Equal(2 * order - 1, set.Degree);
        Assert.Equal(dim switch { 1 => order, 2 => order * order, _ => 2 * order * order }, set.Count);
        double exact = GramDefect(set, set.Degree);
        // One degree more is not exact: P_{2N}(μ) (or its product with P_0) is not integrated by N Gauss nodes.
        double beyond = GramDefect(set, set.Degree + 1);
        output.WriteLine($"{dim}D order {order}: n_q = {set.Count}, Σw = {set.Weights.Sum():R}, defect to degree {set.Degree}: {exact:E2}, degree {set.Degree + 1}: {beyond:E2}");
        // rounding: ≤ 144-term weighted sums of products of harmonics of size ≤ √((2l+1)/2) ≤ 6.3: ~1e-15 (measured ≤ 3.6e-15); bound 1e-13.
        Assert.True(exact <= 1e-13, $"defect {exact:E3} up to degree {set.Degree}");
        // theory: Y_N^0 ∝ P_N vanishes at the N Gauss nodes, so the (N, N) pair of degree 2N has defect 1 (measured 1.2).
        Assert.True(beyond > 1e-6, $"degree {set.Degree + 1} integrated exactly ({beyond:E3}): the test cannot tell the degree");
        Assert.True(set.Weights.All(w => w > 0));
    }

    [Theory]
    [InlineData(1, 6)]
    [InlineData(2, 6)]
    [InlineData(3, 4)]
    public void Mirrors_are_exact_images_with_equal_weights(int dim, int order)
    {
        var set = ProductGaussLegendre.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            int axis = dim == 1 ? 2 : d;
            var mirror = set.Mirrors[d];
            Assert.Equal(set.Count, mirror.Distinct().Count());
            for (int q = 0; q < set.Count; q++)
            {
                int p = mirror[q];
                Assert.Equal(q, mirror[p]);
                Assert.Equal(set.Weights[q], set.Weights[p]);
                for (int e = 0; e < 3; e++)
                    Assert.Equal(e == axis ? -set.Directions[q][e] : set.Directions[q][e], set.Directions[p][e]);
            }
        }
        for (int q = 0; q < set.Count; q++)
        {
            var o = set.Directions[q];
            Assert.True(Math.Abs(o.Sum(v => v * v) - (dim == 1 ? o[2] * o[2] : 1.0)) < 1e-15); // rounding: 3 squares of unit-size values: ≤ 4ε ≈ 9e-16
        }
    }

    [Fact]
    public void Sn_space_has_diagonal_transport_a_symmetric_scattering_projector_and_the_weights_as_mass()
    {
        var sn = DiscreteOrdinates.ProductGaussLegendre(2, 6);
        IVelocitySpace space = sn;
        int n = sn.Count;
        // rounding: sums of 72 weights or unit-vector entries of O(1): ~1e-15; 12–14 digits.
        Assert.Equal(4 * Math.PI, sn.SphereMeasure, 12);
        Assert.Equal(Math.Sqrt(4 * Math.PI), space.Mass.Norm, 13);
        Assert.Equal(1.0, space.Mass.Direction.Sum(v => v * v), 14);
        var p = space.ScatteringProjector;
        Assert.True((p * p - p).FrobeniusNorm() < 1e-14); // rounding: P = ddᵀ, 72-term dot products of size 1/72: ~72·ε/72 per entry, ‖·‖_F ~ 1e-15
        Assert.True((p - p.Transpose()).FrobeniusNorm() == 0.0); // bit-equality: d_i d_j = d_j d_i
        // φ of the isotropic state with φ = 1: Σ_q w_q ψ_q = Norm · dᵀψ̃ = 1, and scattering keeps it.
        var iso = space.Isotropic.Direction;
        Assert.Equal(1.0, space.Mass.Norm * space.Mass.Along(iso) / space.Isotropic.Norm, 13); // rounding: one 72-term dot product
        var piso = p * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(iso);
        for (int q = 0; q < n; q++) Assert.Equal(iso[q], piso[q], 14); // rounding: one 72-term dot product of size ≤ 1
        for (int d = 0; d < 2; d++)
        {
            var a = space.Flux(d);
            var abs = space.AbsFlux(d);
            var r = space.Reflection(d);
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j) Assert.Equal(0.0, a[i, j]);
            Assert.Equal(a.Enumerate().Max(Math.Abs), space.SpectralRadius(d));
            Assert.Equal(abs, a.PointwiseAbs());
            Assert.Equal(-a, r * a * r);                       // R A_d R = −A_d
            Assert.Equal(space.Flux(1 - d), r * space.Flux(1 - d) * r);   // the other axis untouched
            Assert.Equal(p, r * p * r);                        // scattering commutes with reflection
            // ∫ Ω_d dΩ = 0 and ∫ Ω_d² dΩ = 4π/3 by quadrature
            double first = 0, second = 0;
            for (int q = 0; q < n; q++) { first += sn.Set.Weights[q] * a[q, q]; second += sn.Set.Weights[q] * a[q, q] * a[q, q]; }
            Assert.True(Math.Abs(first) < 1e-14); // theory: the nodes are symmetric, so the terms cancel in pairs; rounding of 72 terms of size ≤ 0.2
            Assert.Equal(4 * Math.PI / 3, second, 13); // theory: ∫Ω_d² = 4π/3, exact for degree 2 ≤ 2N − 1; rounding of 72 terms
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-2)]
    public void Odd_or_small_orders_are_refused(int order)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProductGaussLegendre.Create(2, order));
    }
}
