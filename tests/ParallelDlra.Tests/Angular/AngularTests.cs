using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using Xunit;

namespace ParallelDlra.Tests.Angular;

public class GaussLegendreTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(40)]
    [InlineData(200)]
    public void RuleIsSymmetricAndExactForDegree2nMinus1(int n)
    {
        var (x, w) = GaussLegendre.Rule(n);
        Assert.Equal(n, x.Length);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(-x[n - 1 - i], x[i]);
            Assert.Equal(w[n - 1 - i], w[i]);
            Assert.True(w[i] > 0);
            if (i > 0) Assert.True(x[i] > x[i - 1]);
        }
        // ∫ x^{2j} dx = 2/(2j+1) for 2j ≤ 2n − 2; check the lowest and the highest even degree.
        foreach (int deg in new[] { 0, 2, 2 * n - 2 }.Where(deg => deg <= 2 * n - 1))
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += w[i] * Math.Pow(x[i], deg);
            Assert.Equal(2.0 / (deg + 1), sum, 1e-14); // rounding: ≤ 200 positive terms totalling ≤ 2: random-walk error √n·2ε ≈ 6e-15 at n = 200; bound 1e-14
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(64)]
    [InlineData(128)]
    public void RuleMatchesMathNetTables(int n)
    {
        var (x, w) = GaussLegendre.Rule(n);
        var reference = new MathNet.Numerics.Integration.GaussLegendreRule(-1, 1, n);
        var rx = reference.Abscissas.ToArray();
        var rw = reference.Weights.ToArray();
        Array.Sort(rx, rw);
        for (int i = 0; i < n; i++)
        {
            // rounding: both are Newton-converged roots of P_n, so each node/weight of size ≤ 1 agrees to a few ε; 1e-14 ≈ 50ε.
            Assert.Equal(rx[i], x[i], 1e-14);
            Assert.Equal(rw[i], w[i], 1e-14);
        }
    }

    [Fact]
    public void RuleRejectsEmpty() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussLegendre.Rule(0));
}

public class PnBasisTests
{
    private static double MaxAbs(Matrix<double> m) => m.Enumerate().Select(Math.Abs).DefaultIfEmpty(0).Max();

    private static double LargestLegendreRoot(int n) => GaussLegendre.Rule(n).nodes[^1];

    // ∫ f(Ω) g(Ω)ᵀ dΩ by the basis' product rule, with f evaluated at a transformed direction.
    private static Matrix<double> QuadratureGram(PnBasis basis, int points, Func<double, double, (double, double)> map)
    {
        var g = Matrix<double>.Build.Dense(basis.Count, basis.Count);
        foreach (var (mu, phi, w) in basis.ProductQuadrature(points))
        {
            var (mu2, phi2) = map(mu, phi);
            var f = basis.Evaluate(mu2, phi2);
            var m = basis.Evaluate(mu, phi);
            for (int j = 0; j < basis.Count; j++)
            for (int i = 0; i < basis.Count; i++)
                g[i, j] += w * f[i] * m[j];
        }
        return g;
    }

    public static TheoryData<int, int> FluxCases()
    {
        var data = new TheoryData<int, int>();
        for (int n = 0; n <= 9; n++) data.Add(3, n);
        foreach (int n in new[] { 0, 1, 2, 5, 9 }) data.Add(2, n);
        foreach (int n in new[] { 0, 1, 4, 30 }) data.Add(1, n);
        return data;
    }

    public static TheoryData<int, int> RadiusCases()
    {
        var data = new TheoryData<int, int>();
        foreach (int dim in new[] { 1, 2, 3 })
        foreach (int n in new[] { 1, 3, 7, 15 })
            data.Add(dim, n);
        data.Add(2, 39);
        data.Add(1, 200);
        return data;
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(1, 7, 8)]
    [InlineData(2, 0, 1)]
    [InlineData(2, 3, 10)]
    [InlineData(2, 39, 820)]
    [InlineData(3, 0, 1)]
    [InlineData(3, 3, 16)]
    [InlineData(3, 15, 256)]
    public void CountsAndMoments(int dim, int order, int count)
    {
        var basis = PnBasis.Create(dim, order);
        Assert.Equal(dim, basis.Dimension);
        Assert.Equal(order, basis.Order);
        Assert.Equal(count, basis.Count);
        Assert.Equal(count, basis.Moments.Count);
        for (int a = 0; a < count; a++)
        {
            var (l, k) = basis.Moments[a];
            if (dim == 1) Assert.Equal((a, 0), (l, k));
            if (dim == 3) Assert.Equal(a, l * l + l + k);
            if (dim == 2) Assert.Equal(0, (l + k) % 2);
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(4, 0)]
    [InlineData(1, -1)]
    [InlineData(1, 401)]
    [InlineData(2, 61)]
    [InlineData(3, 31)]
    [InlineData(3, -1)]
    public void CreateRejectsBadArguments(int dim, int order) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PnBasis.Create(dim, order));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void DirectionIsValidated(int dim)
    {
        var basis = PnBasis.Create(dim, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => basis.Flux(dim));
        Assert.Throws<ArgumentOutOfRangeException>(() => basis.Reflection(-1));
    }

    [Theory]
    [MemberData(nameof(FluxCases))]
    public void FluxIsSymmetricAndEqualsQuadrature(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            var a = basis.Flux(d);
            Assert.True(a.Equals(a.Transpose()), "A_d must be exactly symmetric");
            var q = basis.QuadratureFlux(d, order + 2);
            // rounding: the (order+2)-point product rule integrates the degree-(2·order+1) integrand exactly; the quadrature
            // sums ~(order+2)² terms of O(1) per entry: ~1e-14, bound 1e-12.
            Assert.True(MaxAbs(a - q) < 1e-12, $"d={d}: |A − A_quad| = {MaxAbs(a - q):E2}");
        }
    }

    [Fact]
    public void FluxHasTheKnownLowOrderEntries()
    {
        // ∫ Ω_d m_{1,k} m_0 dΩ = 1/√3 for the matching first-order harmonic (m_{1,−1} ∝ Ω_y, m_{1,0} ∝ Ω_z, m_{1,1} ∝ Ω_x).
        var basis = PnBasis.Create(3, 1);
        double c = 1.0 / Math.Sqrt(3.0);
        // theory: closed-form entries; 1e-15 is a few ε of an O(1) entry from the recursion's few products.
        Assert.Equal(c, basis.Flux(0)[3, 0], 1e-15);
        Assert.Equal(c, basis.Flux(1)[1, 0], 1e-15);
        Assert.Equal(c, basis.Flux(2)[2, 0], 1e-15);
        var slab = PnBasis.Create(1, 3);
        Assert.Equal(3.0 / Math.Sqrt(35.0), slab.Flux(0)[2, 3], 1e-15);
    }

    [Theory]
    [MemberData(nameof(RadiusCases))]
    public void SpectralRadiusIsLargestRootOfNextLegendre(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        double root = LargestLegendreRoot(order + 1);
        for (int d = 0; d < dim; d++)
        {
            double rho = basis.SpectralRadius(d);
            // theory: ρ(A_d) is the largest root of P_{N+1} (DESIGN.md §1); rounding of a symmetric eigensolver on a
            // ≤ 820×820 matrix of norm ≤ 1: ~n·ε ≈ 1e-13, bound 1e-12.
            Assert.True(Math.Abs(rho - root) < 1e-12, $"d={d}: ρ = {rho:R}, root = {root:R}");
        }
    }

    [Theory]
    [InlineData(1, 12)]
    [InlineData(2, 9)]
    [InlineData(3, 7)]
    public void AbsFluxIsTheMatrixAbsoluteValue(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            var a = basis.Flux(d);
            var abs = basis.AbsFlux(d);
            Assert.True(abs.Equals(abs.Transpose()), "|A_d| must be exactly symmetric");
            // rounding: |A|² and A² are matrix products of norm ≤ 1 from an eigendecomposition: ~count·ε ≈ 1e-14, bound 1e-12.
            Assert.True(MaxAbs(abs * abs - a * a) < 1e-12);
            // Same eigenvectors: each eigenvector v of A_d has |A_d| v = |λ| v.
            var evd = a.Evd(Symmetricity.Symmetric);
            for (int j = 0; j < a.ColumnCount; j++)
            {
                var v = evd.EigenVectors.Column(j);
                double lambda = evd.EigenValues[j].Real;
                Assert.True((abs * v - Math.Abs(lambda) * v).InfinityNorm() < 1e-12); // rounding: as above
            }
        }
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(2, 9)]
    [InlineData(3, 9)]
    public void ReflectionsFlipTheirOwnFluxOnly(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            var r = basis.Reflection(d);
            for (int e = 0; e < dim; e++)
            {
                var a = basis.Flux(e);
                var expected = e == d ? -a : a;
                Assert.True((r * a * r).Equals(expected), $"R_{d} A_{e} R_{d}");
            }
        }
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(2, 9)]
    [InlineData(3, 9)]
    public void ReflectionsMatchQuadrature(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        for (int d = 0; d < dim; d++)
        {
            Func<double, double, (double, double)> reflect = dim == 1
                ? (mu, phi) => (-mu, phi)
                : d switch
                {
                    0 => (mu, phi) => (mu, Math.PI - phi),
                    1 => (mu, phi) => (mu, -phi),
                    _ => (mu, phi) => (-mu, phi),
                };
            var g = QuadratureGram(basis, order + 1, reflect);
            // rounding: exact quadrature of degree-2·order products, ~(order+1)² O(1) terms per entry: ~1e-14, bound 1e-12.
            Assert.True(MaxAbs(g - basis.Reflection(d)) < 1e-12, $"d={d}: {MaxAbs(g - basis.Reflection(d)):E2}");
        }
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(1, 100)]
    [InlineData(2, 9)]
    [InlineData(3, 9)]
    public void BasisIsOrthonormal(int dim, int order)
    {
        var basis = PnBasis.Create(dim, order);
        var g = QuadratureGram(basis, order + 1, (mu, phi) => (mu, phi));
        var identity = Matrix<double>.Build.DenseIdentity(basis.Count);
        // rounding: exact quadrature, ≤ 101² O(1) terms per entry (order 100 in 1D): ~1e-13, bound 1e-12.
        Assert.True(MaxAbs(g - identity) < 1e-12, $"|G − I| = {MaxAbs(g - identity):E2}");

        double s = dim == 1 ? 2.0 : 4.0 * Math.PI;
        // theory: the sphere measure and m_0 = 1/√s are closed forms; 1e-15 is a few ε of the value (one sqrt/division);
        // the weight sum adds 3·6 products of O(1): 1e-13.
        Assert.Equal(s, basis.SphereMeasure, 1e-15);
        Assert.Equal(Math.Sqrt(s), basis.IsotropicMomentNorm, 1e-15);
        Assert.Equal(1.0 / Math.Sqrt(s), basis.Evaluate(0.3, 1.1)[0], 1e-15);
        Assert.Equal(s, basis.ProductQuadrature(3).Sum(q => q.Weight), 1e-13);
    }

    [Fact]
    public void FirstOrderHarmonicsAreTheDirectionCosines()
    {
        var basis = PnBasis.Create(3, 1);
        double mu = -0.37, phi = 2.3, sin = Math.Sqrt(1 - mu * mu), c = Math.Sqrt(3.0 / (4.0 * Math.PI));
        var m = basis.Evaluate(mu, phi);
        // theory: the first harmonics are the direction cosines (and P_2 the Legendre polynomial); 1e-15 ≈ a few ε of O(1).
        Assert.Equal(c * sin * Math.Sin(phi), m[1], 1e-15); // (1, −1): Ω_y
        Assert.Equal(c * mu, m[2], 1e-15);                  // (1, 0):  Ω_z
        Assert.Equal(c * sin * Math.Cos(phi), m[3], 1e-15); // (1, 1):  Ω_x

        var slab = PnBasis.Create(1, 2).Evaluate(mu, 0);
        Assert.Equal(Math.Sqrt(2.5) * 0.5 * (3 * mu * mu - 1), slab[2], 1e-15);
    }

    [Fact]
    public void LargeBasesBuildQuickly()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var plane = PnBasis.Create(2, 39);
        var full = PnBasis.Create(3, 30);
        clock.Stop();
        Assert.Equal(820, plane.Count);
        Assert.Equal(961, full.Count);
        // chosen: a hang guard, not a timing figure (measured 0.13 s at load 50 on 2 cores, 2026-12-01); 5 s.
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"build took {clock.Elapsed.TotalSeconds:F2} s");
        // The 2D matrices are the 3D ones restricted to the kept moments.
        var full15 = PnBasis.Create(3, 15);
        var plane15 = PnBasis.Create(2, 15);
        var kept = Enumerable.Range(0, full15.Count).Where(a => (full15.Moments[a].L + full15.Moments[a].K) % 2 == 0).ToArray();
        for (int d = 0; d < 2; d++)
        {
            var a3 = full15.Flux(d);
            var a2 = plane15.Flux(d);
            for (int j = 0; j < kept.Length; j++)
            for (int i = 0; i < kept.Length; i++)
                Assert.Equal(a3[kept[i], kept[j]], a2[i, j]); // bit-equality: one per-entry formula fills both (2D keeps l + k even)
        }
    }
}
