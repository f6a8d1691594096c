using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;

namespace ParallelDlra.Uncertainty;

/// <summary>The distribution of one random parameter ξ_k, written through a standard variable ζ:
/// uniform on [a, b] as ξ = (a + b)/2 + (b − a)/2 · ζ with ζ ~ U(−1, 1); normal N(μ, s²) as ξ = μ + s ζ with
/// ζ ~ N(0, 1). The chaos polynomials are orthonormal in ζ (Legendre for uniform, Hermite for normal: the
/// Wiener–Askey scheme, Xiu and Karniadakis, SIAM J. Sci. Comput. 24, 2002).</summary>
public enum ChaosFamily { Legendre, Hermite }

/// <summary>One random parameter: its family and the affine map ξ = Center + Scale·ζ from the standard variable.
/// For uniform on [a, b]: Center (a + b)/2, Scale (b − a)/2; for normal: Center μ, Scale s.</summary>
public sealed record RandomParameter(ChaosFamily Family, double Center, double Scale)
{
    public static RandomParameter Uniform(double min, double max) => new(ChaosFamily.Legendre, 0.5 * (min + max), 0.5 * (max - min));
    public static RandomParameter Normal(double mean, double std) => new(ChaosFamily.Hermite, mean, std);

    /// <summary>E[ξ].</summary>
    public double Mean => Center;

    /// <summary>ξ at the standard value ζ.</summary>
    public double At(double zeta) => Center + Scale * zeta;

    /// <summary>The smallest and largest ξ (infinite for a normal parameter).</summary>
    public (double Min, double Max) Range => Family == ChaosFamily.Legendre
        ? (Center - Math.Abs(Scale), Center + Math.Abs(Scale))
        : (double.NegativeInfinity, double.PositiveInfinity);
}

/// <summary>Orthonormal polynomials of one standard variable ζ, E[p_m p_n] = δ_mn, p_0 = 1, from the three-term
/// recurrence ζ p_n = b_{n+1} p_{n+1} + b_n p_{n−1} (a_n = 0: both measures are symmetric). Legendre (ζ ~ U(−1, 1)):
/// b_n = n/√(4n² − 1), p_n = √(2n + 1) P_n; Hermite (ζ ~ N(0, 1)): b_n = √n, p_n = He_n/√(n!) (Gautschi,
/// Orthogonal Polynomials: Computation and Approximation, 2004, Table 1.1).</summary>
public static class OrthonormalPolynomials
{
    /// <summary>The recurrence coefficient b_n (n ≥ 1): the Jacobi matrix's off-diagonal.</summary>
    public static double Recurrence(ChaosFamily family, int n) => family switch
    {
        ChaosFamily.Legendre => n / Math.Sqrt(4.0 * n * n - 1.0),
        ChaosFamily.Hermite => Math.Sqrt(n),
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    /// <summary>p_0(ζ) … p_n(ζ) into <paramref name="values"/> (length ≥ n + 1).</summary>
    public static void Evaluate(ChaosFamily family, int n, double zeta, Span<double> values)
    {
        values[0] = 1.0;
        if (n == 0) return;
        values[1] = zeta / Recurrence(family, 1);
        for (int k = 1; k < n; k++)
            values[k + 1] = (zeta * values[k] - Recurrence(family, k) * values[k - 1]) / Recurrence(family, k + 1);
    }

    /// <summary>The n-point Gauss rule of the family's probability measure (weights sum to 1): Gauss–Legendre
    /// (<see cref="GaussLegendre"/>, weights halved) or Gauss–Hermite by Golub–Welsch (Math. Comp. 23, 1969): the nodes
    /// are the eigenvalues of the Jacobi matrix J (J_{k,k+1} = b_{k+1}), the weights the squared first components of
    /// its normalised eigenvectors. Exact for polynomials of degree ≤ 2n − 1.</summary>
    public static (double[] Nodes, double[] Weights) GaussRule(ChaosFamily family, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (family == ChaosFamily.Legendre)
        {
            var (x, w) = GaussLegendre.Rule(n);
            return (x, [.. w.Select(v => 0.5 * v)]);
        }
        var jacobi = Matrix<double>.Build.Dense(n, n);
        for (int k = 0; k + 1 < n; k++) jacobi[k, k + 1] = jacobi[k + 1, k] = Recurrence(family, k + 1);
        var evd = jacobi.Evd(Symmetricity.Symmetric);
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            nodes[i] = evd.EigenValues[i].Real;
            double v0 = evd.EigenVectors[0, i];
            weights[i] = v0 * v0;
        }
        var order = Enumerable.Range(0, n).OrderBy(i => nodes[i]).ToArray();
        var (sortedNodes, sortedWeights) = (order.Select(i => nodes[i]).ToArray(), order.Select(i => weights[i]).ToArray());
        // Symmetrise (the measure is even): the rule is then exactly symmetric, and the middle node of an odd rule 0.
        for (int i = 0; i < n / 2; i++)
        {
            double x = 0.5 * (sortedNodes[n - 1 - i] - sortedNodes[i]), w = 0.5 * (sortedWeights[i] + sortedWeights[n - 1 - i]);
            (sortedNodes[i], sortedNodes[n - 1 - i]) = (-x, x);
            (sortedWeights[i], sortedWeights[n - 1 - i]) = (w, w);
        }
        if (n % 2 == 1) sortedNodes[n / 2] = 0.0;
        double total = sortedWeights.Sum();
        for (int i = 0; i < n; i++) sortedWeights[i] /= total;
        return (sortedNodes, sortedWeights);
    }
}

/// <summary>Which multi-indices α (one degree per parameter) the chaos basis holds: all with max_k α_k ≤ n
/// (tensor) or Σ_k α_k ≤ n (total degree).</summary>
public enum IndexSetKind { Tensor, TotalDegree }

/// <summary>
/// A polynomial-chaos basis p_α(ζ) = Π_k p_{α_k}(ζ_k) over p independent random parameters, orthonormal,
/// E[p_α p_β] = δ_αβ, ordered by total degree (then lexicographically), so that index 0 is the constant p_0 = 1:
/// the chaos coefficients of a random field f are f_α = E[f p_α], its mean f_0 and its variance Σ_{α≠0} f_α².
/// </summary>
public sealed class ChaosBasis
{
    private readonly int[][] _indices;

    public ChaosBasis(IReadOnlyList<RandomParameter> parameters, int degree, IndexSetKind set = IndexSetKind.Tensor)
    {
        if (parameters.Count == 0) throw new ArgumentException("a chaos basis needs at least one random parameter", nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        Parameters = parameters;
        Degree = degree;
        Set = set;
        _indices = [.. MultiIndices(parameters.Count, degree, set)];
        Indices = Array.AsReadOnly(_indices);
    }

    public IReadOnlyList<RandomParameter> Parameters { get; }
    public int Degree { get; }
    public IndexSetKind Set { get; }

    /// <summary>n_ξ: the number of basis polynomials.</summary>
    public int Count => _indices.Length;

    /// <summary>The multi-index α of each basis polynomial (index 0: all zeros).</summary>
    public IReadOnlyList<int[]> Indices { get; }

    /// <summary>The multi-indices of the set, by total degree, then lexicographically.</summary>
    public static IEnumerable<int[]> MultiIndices(int parameters, int degree, IndexSetKind set)
    {
        var all = new List<int[]>();
        var alpha = new int[parameters];
        void Fill(int k)
        {
            if (k == parameters)
            {
                if (set == IndexSetKind.Tensor || alpha.Sum() <= degree) all.Add((int[])alpha.Clone());
                return;
            }
            for (int a = 0; a <= degree; a++) { alpha[k] = a; Fill(k + 1); }
        }
        Fill(0);
        return all.OrderBy(a => a.Sum()).ThenBy(a => a, Comparer<int[]>.Create(Lexicographic));
    }

    private static int Lexicographic(int[] a, int[] b)
    {
        for (int k = 0; k < a.Length; k++)
            if (a[k] != b[k]) return b[k].CompareTo(a[k]);   // (1,0) before (0,1)
        return 0;
    }

    /// <summary>p_α(ζ) for every α of the basis at one point ζ of the standard variables.</summary>
    public double[] Evaluate(ReadOnlySpan<double> zeta)
    {
        int p = Parameters.Count;
        var single = new double[p][];
        for (int k = 0; k < p; k++)
        {
            single[k] = new double[Degree + 1];
            OrthonormalPolynomials.Evaluate(Parameters[k].Family, Degree, zeta[k], single[k]);
        }
        var values = new double[Count];
        for (int j = 0; j < Count; j++)
        {
            double v = 1.0;
            for (int k = 0; k < p; k++) v *= single[k][_indices[j][k]];
            values[j] = v;
        }
        return values;
    }

    /// <summary>The tensor Gauss rule with <paramref name="points"/> nodes per parameter: nodes ζ (one array per node)
    /// and weights summing to 1; exact for polynomials of degree ≤ 2·points − 1 in each parameter.</summary>
    public (double[][] Nodes, double[] Weights) Quadrature(int points)
    {
        int p = Parameters.Count;
        var rules = Parameters.Select(par => OrthonormalPolynomials.GaussRule(par.Family, points)).ToArray();
        long total = 1;
        for (int k = 0; k < p; k++) total *= points;
        if (total > 10_000_000) throw new ArgumentException($"a tensor rule of {points}^{p} nodes is too large", nameof(points));
        var nodes = new double[total][];
        var weights = new double[total];
        var digit = new int[p];
        for (long q = 0; q < total; q++)
        {
            long rest = q;
            for (int k = p - 1; k >= 0; k--) { digit[k] = (int)(rest % points); rest /= points; }
            nodes[q] = new double[p];
            double w = 1.0;
            for (int k = 0; k < p; k++) { nodes[q][k] = rules[k].Nodes[digit[k]]; w *= rules[k].Weights[digit[k]]; }
            weights[q] = w;
        }
        return (nodes, weights);
    }

    /// <summary>The chaos coefficients f_α = E[f p_α] of a function of the standard variables, by the tensor Gauss rule of
    /// <paramref name="points"/> nodes per parameter (exact when f is a polynomial of degree ≤ 2·points − 1 − Degree).</summary>
    public double[] Coefficients(Func<double[], double> f, int points)
    {
        var (nodes, weights) = Quadrature(points);
        var c = new double[Count];
        for (int q = 0; q < nodes.Length; q++)
        {
            double fw = f(nodes[q]) * weights[q];
            var pq = Evaluate(nodes[q]);
            for (int j = 0; j < Count; j++) c[j] += fw * pq[j];
        }
        return c;
    }

    /// <summary>The Galerkin matrix T_{jl} = E[q p_j p_l] of a function q of the standard variables (symmetric), by the
    /// tensor Gauss rule of <paramref name="points"/> nodes per parameter (exact for a polynomial q of degree
    /// ≤ 2·points − 1 − 2·Degree in each parameter).</summary>
    public Matrix<double> Product(Func<double[], double> q, int points)
    {
        var (nodes, weights) = Quadrature(points);
        var t = Matrix<double>.Build.Dense(Count, Count);
        for (int n = 0; n < nodes.Length; n++)
        {
            double qw = q(nodes[n]) * weights[n];
            if (qw == 0.0) continue;
            var pn = Evaluate(nodes[n]);
            for (int l = 0; l < Count; l++)
            for (int j = 0; j < Count; j++) t[j, l] += qw * pn[j] * pn[l];
        }
        return t;
    }

    /// <summary>The Galerkin matrix of a parameter's fluctuation, T_k = E[(ξ_k − E ξ_k) p_j p_l] = Scale_k · E[ζ_k p_j p_l],
    /// exact (the rule of Degree + 1 points integrates degree 2·Degree + 1).</summary>
    public Matrix<double> Fluctuation(int k)
    {
        if ((uint)k >= (uint)Parameters.Count) throw new ArgumentOutOfRangeException(nameof(k));
        double scale = Parameters[k].Scale;
        var t = Product(z => z[k], Degree + 1) * scale;
        // Entries that vanish exactly in theory (E[ζ p_j p_l] ≠ 0 only where α_j and α_l differ by one in parameter k)
        // are set to zero, so the Kronecker terms stay sparse.
        for (int j = 0; j < Count; j++)
        for (int l = 0; l < Count; l++)
            if (!Neighbours(_indices[j], _indices[l], k)) t[j, l] = 0.0;
        return t;
    }

    /// <summary>The chaos coefficients of the fluctuation ξ_k − E ξ_k: Scale_k · b_1 at the multi-index e_k, zero elsewhere.</summary>
    public double[] FluctuationCoefficients(int k)
    {
        var c = new double[Count];
        if (Degree == 0) return c;
        for (int j = 0; j < Count; j++)
            if (_indices[j].Sum() == 1 && _indices[j][k] == 1) c[j] = Parameters[k].Scale * OrthonormalPolynomials.Recurrence(Parameters[k].Family, 1);
        return c;
    }

    /// <summary>The Galerkin matrix of a power's fluctuation, T_{k,m} = E[(ξ_k^m − E ξ_k^m) p_j p_l] (m = 1:
    /// <see cref="Fluctuation"/>), by the 1D Gauss rule of Degree + ⌊m/2⌋ + 1 points in ζ_k, exact (degree 2·Degree + m).
    /// Entries that vanish in theory are zero: α_j and α_l differ off k, or by more than m in k.</summary>
    public Matrix<double> PowerFluctuation(int k, int m)
    {
        if (m == 1) return Fluctuation(k);
        var one = PowerTable(k, m);
        var t = Matrix<double>.Build.Dense(Count, Count);
        for (int j = 0; j < Count; j++)
        for (int l = 0; l < Count; l++)
        {
            int a = _indices[j][k], b = _indices[l][k];
            if (Math.Abs(a - b) > m || !SameOff(_indices[j], _indices[l], k)) continue;
            t[j, l] = one[a, b];
        }
        return t;
    }

    /// <summary>The chaos coefficients E[(ξ_k^m − E ξ_k^m) p_j] of a power's fluctuation (m = 1:
    /// <see cref="FluctuationCoefficients"/>): nonzero only at the multi-indices c·e_k with 1 ≤ c ≤ m.</summary>
    public double[] PowerFluctuationCoefficients(int k, int m)
    {
        if (m == 1) return FluctuationCoefficients(k);
        var one = PowerTable(k, m);
        var c = new double[Count];
        for (int j = 0; j < Count; j++)
        {
            int a = _indices[j][k];
            if (a == 0 || a > m || _indices[j].Sum() != a) continue;
            c[j] = one[a, 0];   // p_0 = 1
        }
        return c;
    }

    /// <summary>E[(ξ_k^m − E ξ_k^m) p_a(ζ_k) p_b(ζ_k)] for a, b ≤ Degree, with ξ_k = Center + Scale·ζ_k.</summary>
    private double[,] PowerTable(int k, int m)
    {
        if ((uint)k >= (uint)Parameters.Count) throw new ArgumentOutOfRangeException(nameof(k));
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m));
        var par = Parameters[k];
        var (nodes, weights) = OrthonormalPolynomials.GaussRule(par.Family, Degree + m / 2 + 1);
        var powers = nodes.Select(z => Math.Pow(par.At(z), m)).ToArray();
        double mean = 0.0;
        for (int q = 0; q < nodes.Length; q++) mean += weights[q] * powers[q];
        var table = new double[Degree + 1, Degree + 1];
        var p = new double[Degree + 1];
        for (int q = 0; q < nodes.Length; q++)
        {
            OrthonormalPolynomials.Evaluate(par.Family, Degree, nodes[q], p);
            double w = weights[q] * (powers[q] - mean);
            for (int a = 0; a <= Degree; a++)
            for (int b = 0; b <= Degree; b++) table[a, b] += w * p[a] * p[b];
        }
        return table;
    }

    private static bool SameOff(int[] a, int[] b, int k)
    {
        for (int i = 0; i < a.Length; i++)
            if (i != k && a[i] != b[i]) return false;
        return true;
    }

    private static bool Neighbours(int[] a, int[] b, int k)
    {
        for (int i = 0; i < a.Length; i++)
            if (i == k ? Math.Abs(a[i] - b[i]) != 1 : a[i] != b[i]) return false;
        return true;
    }

    /// <summary>The L2 filter of Kusch, McClarren and Frank (J. Comput. Phys. 2020) on each chaos coefficient:
    /// g_α = Π_k 1/(1 + λ α_k²(α_k + 1)²), 1 at the mean mode.</summary>
    public double[] FilterFactors(double strength)
    {
        var g = new double[Count];
        for (int j = 0; j < Count; j++)
        {
            double v = 1.0;
            foreach (int n in _indices[j]) v /= 1.0 + strength * n * n * (n + 1.0) * (n + 1.0);
            g[j] = v;
        }
        return g;
    }
}
