using ParallelDlra.Uncertainty;
using Xunit;

namespace ParallelDlra.Tests.Uncertainty;

public class PolynomialChaosTests
{
    private static double DoubleFactorial(int n) { double v = 1; for (int k = n; k > 1; k -= 2) v *= k; return v; }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(30)]
    public void Gauss_Hermite_integrates_the_normal_moments_exactly_to_degree_2n_minus_1(int n)
    {
        var (x, w) = OrthonormalPolynomials.GaussRule(ChaosFamily.Hermite, n);
        Assert.Equal(1.0, w.Sum(), 1e-14); // theory: a probability rule; rounding of ≤ 30 positive terms
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(-x[n - 1 - i], x[i]);
            Assert.True(w[i] > 0);
        }
        // E[ζ^{2j}] = (2j − 1)!! for ζ ~ N(0, 1) (the odd moments vanish by symmetry of the rule).
        for (int j = 0; 2 * j <= Math.Min(2 * n - 2, 16); j++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += w[i] * Math.Pow(x[i], 2 * j);
            double exact = DoubleFactorial(2 * j - 1);
            // theory: exact to degree 2n − 1, E[ζ^{2j}] = (2j − 1)!!; rounding relative to the sum of positive terms: ~nε.
            Assert.True(Math.Abs(sum - exact) <= 1e-13 * exact, $"n = {n}: E[ζ^{2 * j}] = {sum}, exact {exact}");
        }
    }

    [Theory]
    [InlineData(ChaosFamily.Legendre, 12)]
    [InlineData(ChaosFamily.Hermite, 8)]
    public void One_dimensional_bases_are_orthonormal_by_quadrature(ChaosFamily family, int degree)
    {
        var (x, w) = OrthonormalPolynomials.GaussRule(family, degree + 1);   // exact for degree 2·degree + 1
        var p = new double[degree + 1];
        var gram = new double[degree + 1, degree + 1];
        for (int q = 0; q < x.Length; q++)
        {
            OrthonormalPolynomials.Evaluate(family, degree, x[q], p);
            for (int a = 0; a <= degree; a++)
            for (int b = 0; b <= degree; b++) gram[a, b] += w[q] * p[a] * p[b];
        }
        for (int a = 0; a <= degree; a++)
        for (int b = 0; b <= degree; b++)
            // theory: orthonormal, exact quadrature; rounding of the quadrature sums ~1e-15.
            Assert.True(Math.Abs(gram[a, b] - (a == b ? 1 : 0)) <= 1e-13, $"{family}: E[p_{a} p_{b}] = {gram[a, b]}");
    }

    [Fact]
    public void Legendre_chaos_is_the_scaled_Legendre_polynomial()
    {
        // p_3 = √7 P_3 with P_3(ζ) = (5ζ³ − 3ζ)/2.
        var p = new double[4];
        OrthonormalPolynomials.Evaluate(ChaosFamily.Legendre, 3, 0.3, p);
        Assert.Equal(Math.Sqrt(7) * (5 * 0.027 - 0.9) / 2, p[3], 1e-15); // theory: the closed-form polynomial; a few ε
        // Hermite: p_2 = (ζ² − 1)/√2.
        OrthonormalPolynomials.Evaluate(ChaosFamily.Hermite, 3, 0.3, p);
        Assert.Equal((0.09 - 1) / Math.Sqrt(2), p[2], 1e-15); // theory: as above
    }

    [Theory]
    [InlineData(IndexSetKind.Tensor, 3, 2, 16)]
    [InlineData(IndexSetKind.TotalDegree, 3, 2, 10)]
    [InlineData(IndexSetKind.TotalDegree, 4, 3, 35)]
    public void Index_sets_have_the_counted_size_and_start_at_the_mean(IndexSetKind set, int degree, int parameters, int count)
    {
        var basis = new ChaosBasis([.. Enumerable.Repeat(RandomParameter.Uniform(-1, 1), parameters)], degree, set);
        Assert.Equal(count, basis.Count);   // (n + 1)^p and C(n + p, p)
        Assert.All(basis.Indices[0], a => Assert.Equal(0, a));
        Assert.Equal(basis.Count, basis.Indices.Select(a => string.Join(",", a)).Distinct().Count());
        for (int j = 1; j < basis.Count; j++) Assert.True(basis.Indices[j].Sum() >= basis.Indices[j - 1].Sum());
    }

    [Fact]
    public void Multivariate_basis_is_orthonormal_by_its_tensor_quadrature()
    {
        var basis = new ChaosBasis([RandomParameter.Uniform(0.5, 2), RandomParameter.Normal(1, 0.3)], 5, IndexSetKind.TotalDegree);
        var gram = basis.Product(_ => 1.0, basis.Degree + 1);
        for (int j = 0; j < basis.Count; j++)
        for (int l = 0; l < basis.Count; l++)
            // theory: orthonormal tensor basis, exact quadrature; rounding ~1e-15.
            Assert.True(Math.Abs(gram[j, l] - (j == l ? 1 : 0)) <= 1e-13, $"E[p_{j} p_{l}] = {gram[j, l]}");
    }

    [Fact]
    public void Fluctuation_matrices_match_the_three_term_recurrence_and_a_direct_quadrature()
    {
        var basis = new ChaosBasis([RandomParameter.Uniform(-1, 3), RandomParameter.Normal(0, 0.5)], 4, IndexSetKind.Tensor);
        for (int k = 0; k < 2; k++)
        {
            var t = basis.Fluctuation(k);
            double scale = basis.Parameters[k].Scale;
            var direct = basis.Product(z => scale * z[k], 20);   // a much finer rule than the exact one
            for (int j = 0; j < basis.Count; j++)
            for (int l = 0; l < basis.Count; l++)
            {
                var (a, b) = (basis.Indices[j], basis.Indices[l]);
                // ζ p_n = b_{n+1} p_{n+1} + b_n p_{n−1}: E[ζ p_a p_b] = b_max(a,b) where |a_k − b_k| = 1 and the others agree.
                bool others = Enumerable.Range(0, 2).All(i => i == k || a[i] == b[i]);
                double theory = others && Math.Abs(a[k] - b[k]) == 1 ? scale * OrthonormalPolynomials.Recurrence(basis.Parameters[k].Family, Math.Max(a[k], b[k])) : 0.0;
                // theory: the three-term recurrence coefficients; rounding of quadrature sums.
                Assert.True(Math.Abs(t[j, l] - theory) <= 1e-13, $"T_{k}[{j},{l}] = {t[j, l]}, theory {theory}");
                Assert.True(Math.Abs(direct[j, l] - theory) <= 1e-13, $"direct T_{k}[{j},{l}] = {direct[j, l]}, theory {theory}");
            }
            // The fluctuation's own coefficients: E[(ξ − Eξ) p_α].
            var c = basis.FluctuationCoefficients(k);
            var cq = basis.Coefficients(z => scale * z[k], 10);
            for (int j = 0; j < basis.Count; j++) Assert.Equal(cq[j], c[j], 1e-14); // theory: exact for a degree-1 integrand; rounding
        }
    }

    /// <summary>The Galerkin matrices and coefficients of the powers ξ_k^m (polynomial inputs) against a direct tensor
    /// quadrature with far more nodes than needed, for a non-centred uniform and a normal parameter (ξ = μ + σζ makes
    /// ξ^m a full polynomial in ζ, so no parity zeros), and the closed-form moments E[ξ^m] against the same quadrature.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Power_fluctuations_match_a_direct_quadrature(int m)
    {
        var options = new[] { new ParameterOptions(ParameterDistribution.Uniform, 0.5, 2), new ParameterOptions(ParameterDistribution.Normal, 0.3, 0.5) };
        var basis = new ChaosBasis([.. options.Select(StochasticGalerkinTerms.Parameter)], 4, IndexSetKind.TotalDegree);
        for (int k = 0; k < 2; k++)
        {
            var par = basis.Parameters[k];
            double moment = options[k].Moment(m);
            var (nodes, weights) = OrthonormalPolynomials.GaussRule(par.Family, 30);
            double quadrature = nodes.Zip(weights, (z, w) => w * Math.Pow(par.At(z), m)).Sum();
            Assert.True(Math.Abs(moment - quadrature) <= 1e-13 * Math.Max(1.0, Math.Abs(quadrature)), $"E[ξ_{k}^{m}] = {moment}, quadrature {quadrature}"); // theory: closed form vs exact rule; rounding
            var t = basis.PowerFluctuation(k, m);
            var direct = basis.Product(z => Math.Pow(par.At(z[k]), m) - moment, 20);
            var c = basis.PowerFluctuationCoefficients(k, m);
            var cq = basis.Coefficients(z => Math.Pow(par.At(z[k]), m) - moment, 20);
            double scale = Math.Max(1.0, direct.Enumerate().Max(Math.Abs));
            for (int j = 0; j < basis.Count; j++)
            {
                Assert.True(Math.Abs(c[j] - cq[j]) <= 1e-13 * scale, $"c_{k},{m}[{j}] = {c[j]}, direct {cq[j]}"); // theory: both rules exact; rounding
                for (int l = 0; l < basis.Count; l++)
                    Assert.True(Math.Abs(t[j, l] - direct[j, l]) <= 1e-13 * scale, $"T_{k},{m}[{j},{l}] = {t[j, l]}, direct {direct[j, l]}"); // theory: both rules exact; rounding
            }
            Assert.Contains(Enumerable.Range(0, basis.Count), j => Math.Abs(c[j]) > 0.01);   // precondition: not all zero
        }
        // m = 1 is the affine fluctuation itself.
        Assert.Equal(basis.Fluctuation(0), basis.PowerFluctuation(0, 1));
    }

    [Fact]
    public void A_polynomial_dependence_has_its_range_at_the_ends_or_the_critical_points()
    {
        var uniform = new ParameterOptions(ParameterDistribution.Uniform, -1, 1);
        // 0.5 ξ − ξ² on [−1, 1]: the maximum 1/16 at ξ = 1/4 (interior), the minimum −1.5 at ξ = −1.
        var (lo, hi) = uniform.Range([0.5, -1.0]);
        Assert.Equal(-1.5, lo, 1e-15);
        Assert.Equal(1.0 / 16, hi, 1e-14);
        // ξ³ − ξ: extrema ±2/(3√3) at ξ = ∓1/√3, inside; the ends give 0.
        (lo, hi) = uniform.Range([-1.0, 0.0, 1.0]);
        Assert.Equal(-2 / (3 * Math.Sqrt(3)), lo, 1e-14);
        Assert.Equal(2 / (3 * Math.Sqrt(3)), hi, 1e-14);
        Assert.Equal((double.NegativeInfinity, double.PositiveInfinity), new ParameterOptions(ParameterDistribution.Normal, 0, 1).Range([0.0, 1.0]));
        Assert.Equal((0.0, 0.0), new ParameterOptions(ParameterDistribution.Normal, 0, 1).Range([0.0, 0.0]));
        // The expectation of a dependence uses E[ξ^m], not (Eξ)^m: E[1 + ξ²] = 4/3 for U(−1, 1).
        var d = new Dependence(1.0, [[0.0, 1.0]]);
        Assert.Equal(4.0 / 3, d.At([uniform], null), 1e-15);
        Assert.Equal(1.25, d.At([uniform], [0.5]), 1e-15);
    }

    [Fact]
    public void Filter_leaves_the_mean_and_damps_by_the_L2_factor()
    {
        var basis = new ChaosBasis([RandomParameter.Uniform(-1, 1)], 3);
        var g = basis.FilterFactors(0.1);
        Assert.Equal(1.0, g[0]);
        Assert.Equal(1 / (1 + 0.1 * 4), g[1], 1e-15);       // n = 1: n²(n+1)² = 4 // theory: the closed form
        Assert.Equal(1 / (1 + 0.1 * 144), g[3], 1e-15);     // n = 3: 9·16
    }
}
