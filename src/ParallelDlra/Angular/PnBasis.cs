using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Angular;

/// <summary>The P_N angular basis m(Ω) and its flux matrices A_d = ∫ Ω_d m mᵀ dΩ.</summary>
/// <remarks>
/// <para>Dimension 1 (slab): normalized Legendre polynomials p_n(μ), n = 0..N, ∫_{−1}^{1} p_n p_m dμ = δ_nm;
/// the flux direction is μ.</para>
/// <para>Dimension 3: real orthonormal spherical harmonics without the Condon–Shortley phase,
/// index idx(l, k) = l² + l + k, m_{l,k} ∝ P_l^{|k|}(μ)·{√2 cos(kφ), k &gt; 0; 1, k = 0; √2 sin(|k|φ), k &lt; 0},
/// μ = cos θ = Ω_z, Ω_x = sin θ cos φ, Ω_y = sin θ sin φ.</para>
/// <para>Dimension 2: the moments of dimension 3 that are even in Ω_z (l + k even), same relative order.</para>
/// <para>The flux matrices are built exactly (no quadrature) from the standard three-term recurrences of the
/// associated Legendre functions (e.g. DLMF §14.10; Arfken–Weber, Mathematical Methods for Physicists, §12.6/12.7),
/// written for the complex orthonormal harmonics Y_l^m (no Condon–Shortley phase, Y_l^{−m} = conj Y_l^m), m ≥ 0:
/// μ Y_l^m = a(l,m) Y_{l+1}^m + a(l−1,m) Y_{l−1}^m, a(l,m) = √((l−m+1)(l+m+1)/((2l+1)(2l+3)));
/// sin θ e^{iφ} Y_l^m = α Y_{l+1}^{m+1} − β Y_{l−1}^{m+1}, α = √((l+m+1)(l+m+2)/((2l+1)(2l+3))), β = √((l−m)(l−m−1)/((2l−1)(2l+1)));
/// sin θ e^{−iφ} Y_l^m = γ Y_{l−1}^{m−1} − δ Y_{l+1}^{m−1} (m ≥ 1), γ = √((l+m)(l+m−1)/((2l−1)(2l+1))), δ = √((l−m+1)(l−m+2)/((2l+1)(2l+3))).
/// Negative m follow by conjugation. Each real harmonic is a combination of at most two Y_l^m, so A_d is
/// assembled column by column in O(n_moments) work. The tests compare against <see cref="QuadratureFlux"/>.</para>
/// <para>Instances are immutable and thread-safe; matrices returned by the accessors are fresh copies.</para>
/// </remarks>
public sealed class PnBasis : IVelocitySpace
{
    private const int MaxOrder1D = 400, MaxOrder2D = 60, MaxOrder3D = 30;

    private readonly (int L, int K)[] _moments;
    // idx(l, k) = l² + l + k  →  position in this basis, or −1 where the moment is not kept (2D).
    private readonly int[] _position;
    private readonly Matrix<double>[] _flux;
    private readonly Lazy<(Matrix<double> Abs, double Radius)>[] _spectral;

    private PnBasis(int dimension, int order)
    {
        Dimension = dimension;
        Order = order;
        var moments = new List<(int L, int K)>();
        if (dimension == 1)
        {
            for (int n = 0; n <= order; n++) moments.Add((n, 0));
            _position = [.. Enumerable.Range(0, order + 1)];
        }
        else
        {
            _position = new int[(order + 1) * (order + 1)];
            for (int l = 0; l <= order; l++)
            for (int k = -l; k <= l; k++)
            {
                bool kept = dimension == 3 || (l + k) % 2 == 0;
                _position[l * l + l + k] = kept ? moments.Count : -1;
                if (kept) moments.Add((l, k));
            }
        }
        _moments = [.. moments];
        Moments = Array.AsReadOnly(_moments);
        SphereMeasure = dimension == 1 ? 2.0 : 4.0 * Math.PI;
        IsotropicMomentNorm = Math.Sqrt(SphereMeasure);
        // m_0 = 1/√|S| is the only moment with a nonzero integral: φ = √|S| u_0, and the isotropic ψ = φ/|S| has u = (φ/√|S|) e_0.
        var e0 = new double[_moments.Length];
        e0[0] = 1.0;
        Conserved = [new ConservedQuantity("mass", e0, IsotropicMomentNorm)];
        Isotropic = new IsotropicState((double[])e0.Clone(), IsotropicMomentNorm);

        _flux = new Matrix<double>[dimension];
        _spectral = new Lazy<(Matrix<double>, double)>[dimension];
        for (int d = 0; d < dimension; d++)
        {
            _flux[d] = dimension == 1 ? Matrix<double>.Build.SparseOfMatrix(BuildSlabFlux()) : BuildFlux(d);   // sparse: ≤ 6 nonzeros a row
            int dd = d;
            _spectral[d] = new Lazy<(Matrix<double>, double)>(() => Spectral(_flux[dd], Reflection(dd)));
        }
    }

    /// <summary>Creates the basis of the given spatial dimension (1 slab, 2 plane, 3 full) and order N.</summary>
    /// <exception cref="ArgumentOutOfRangeException">dimension not in 1..3, order &lt; 0, or order above
    /// 400 (1D), 60 (2D), 30 (3D).</exception>
    public static PnBasis Create(int dimension, int order)
    {
        if (dimension is < 1 or > 3)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be 1, 2 or 3");
        int max = dimension switch { 1 => MaxOrder1D, 2 => MaxOrder2D, _ => MaxOrder3D };
        if (order < 0 || order > max)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"P_N order must be in 0..{max} in {dimension}D");
        return new PnBasis(dimension, order);
    }

    /// <summary>Spatial dimension: 1 (slab), 2 (x, y plane), 3.</summary>
    public int Dimension { get; }

    /// <summary>Expansion order N.</summary>
    public int Order { get; }

    /// <summary>Number of moments n_moments: N + 1 (1D), (N+1)(N+2)/2 (2D), (N+1)² (3D).</summary>
    public int Count => _moments.Length;

    /// <summary>(l, k) of each moment in storage order; in 1D (n, 0).</summary>
    public IReadOnlyList<(int L, int K)> Moments { get; }

    /// <summary>|S|: 4π in 2D and 3D, 2 in slab 1D.</summary>
    public double SphereMeasure { get; }

    /// <summary>∫ m_0 dΩ = √|S|, so the scalar flux is φ = √|S| u_0.</summary>
    public double IsotropicMomentNorm { get; }

    /// <summary>The mass: direction e_0 (moment l = 0), norm √|S|.</summary>
    public IReadOnlyList<ConservedQuantity> Conserved { get; }

    /// <summary>The mass (the first conserved quantity).</summary>
    public ConservedQuantity Mass => Conserved[0];

    /// <summary>The isotropic state: e_0 / √|S| per unit scalar flux.</summary>
    public IsotropicState Isotropic { get; }

    /// <summary>Isotropic scattering keeps moment l = 0 only: e_0 e_0ᵀ (sparse, a fresh copy).</summary>
    public Matrix<double> ScatteringProjector
    {
        get
        {
            var p = Matrix<double>.Build.Sparse(Count, Count);
            p[0, 0] = 1.0;
            return p;
        }
    }

    /// <summary>The mass direction of a P_N basis of <paramref name="count"/> moments (e_0), for files that store
    /// only n_moments (snapshots written before the velocity-space seam).</summary>
    public static double[] MassDirection(int count)
    {
        var e0 = new double[count];
        if (count > 0) e0[0] = 1.0;
        return e0;
    }

    /// <summary>A_d = ∫ Ω_d m mᵀ dΩ for spatial direction d = 0..Dimension−1 (exactly symmetric).</summary>
    public Matrix<double> Flux(int d) => _flux[CheckDirection(d)].Clone();

    /// <summary>|A_d| = R |Λ| Rᵀ for A_d = R Λ Rᵀ (exactly symmetric). Computed lazily once, through the SVD
    /// of the block that couples the two parities of the reflection R_d (equivalent, and cheaper).</summary>
    public Matrix<double> AbsFlux(int d) => _spectral[CheckDirection(d)].Value.Abs.Clone();

    /// <summary>Spectral radius max |λ(A_d)| (the largest root of P_{N+1}).</summary>
    public double SpectralRadius(int d) => _spectral[CheckDirection(d)].Value.Radius;

    /// <summary>The diagonal ±1 matrix R_d with m(Ω reflected in the plane normal to axis d) = R_d m(Ω).</summary>
    public Matrix<double> Reflection(int d)
    {
        CheckDirection(d);
        var r = new double[Count];
        for (int a = 0; a < Count; a++)
        {
            var (l, k) = _moments[a];
            bool odd = Dimension == 1
                ? l % 2 == 1 // μ → −μ
                : AxisOf(d) switch
                {
                    0 => k >= 0 ? k % 2 != 0 : (-k + 1) % 2 != 0, // φ → π − φ
                    1 => k < 0,                                    // φ → −φ
                    _ => (l + Math.Abs(k)) % 2 != 0,               // μ → −μ
                };
            r[a] = odd ? -1.0 : 1.0;
        }
        return Matrix<double>.Build.DenseOfDiagonalArray(r);
    }

    /// <summary>All moments m(Ω) at direction μ = cos θ, azimuth φ (φ ignored in 1D).</summary>
    public double[] Evaluate(double mu, double phi)
    {
        var m = new double[Count];
        if (Dimension == 1)
        {
            var p = NormalizedLegendre(Order, 0, mu);
            for (int n = 0; n <= Order; n++) m[n] = p[n];
            return m;
        }
        double inv2Pi = 1.0 / Math.Sqrt(2.0 * Math.PI), invPi = 1.0 / Math.Sqrt(Math.PI);
        for (int k = 0; k <= Order; k++)
        {
            // p[l − k] = P̄_l^k(μ), l = k..N.
            var p = NormalizedLegendre(Order, k, mu);
            double c = Math.Cos(k * phi), s = Math.Sin(k * phi);
            for (int l = k; l <= Order; l++)
            {
                int plus = _position[l * l + l + k], minus = _position[l * l + l - k];
                if (k == 0)
                {
                    if (plus >= 0) m[plus] = p[l] * inv2Pi; // k = 0: p[l − 0]
                    continue;
                }
                if (plus >= 0) m[plus] = p[l - k] * invPi * c;
                if (minus >= 0) m[minus] = p[l - k] * invPi * s;
            }
        }
        return m;
    }

    /// <summary>A_d by product quadrature: Gauss–Legendre in μ with <paramref name="points"/> nodes times the
    /// trapezoid rule in φ with 2·points nodes (1D: Gauss–Legendre only). For verification.</summary>
    public Matrix<double> QuadratureFlux(int d, int points)
    {
        CheckDirection(d);
        int axis = AxisOf(d);
        var a = Matrix<double>.Build.Dense(Count, Count);
        foreach (var (mu, phi, w) in ProductQuadrature(points))
        {
            double sin = Math.Sqrt(Math.Max(0.0, 1.0 - mu * mu));
            double omega = Dimension == 1 ? mu : axis switch
            {
                0 => sin * Math.Cos(phi),
                1 => sin * Math.Sin(phi),
                _ => mu,
            };
            var m = Evaluate(mu, phi);
            for (int j = 0; j < Count; j++)
            for (int i = 0; i < Count; i++)
                a[i, j] += w * omega * m[i] * m[j];
        }
        return a;
    }

    /// <summary>The product rule of <see cref="ProductQuadrature"/> as values m_a(Ω_q) and weights: Gauss–Legendre in μ
    /// with <paramref name="points"/> nodes times the midpoint rule in φ with 2·points nodes (1D: Gauss–Legendre
    /// only). With points ≥ N + 1 it integrates every product m_a m_b exactly (degree 2N in μ, trigonometric degree
    /// 2N &lt; 2·points in φ), so ValuesᵀW·Values = I to rounding.</summary>
    public VelocityQuadrature Quadrature(int points)
    {
        var nodes = ProductQuadrature(points).ToArray();
        var values = Matrix<double>.Build.Dense(nodes.Length, Count);
        for (int q = 0; q < nodes.Length; q++) values.SetRow(q, Evaluate(nodes[q].Mu, nodes[q].Phi));
        return new VelocityQuadrature(values, [.. nodes.Select(n => n.Weight)]);
    }

    /// <summary>The projection u_a = ∫ m_a f dΩ of an angular profile (<see cref="IVelocitySpace.Project"/>) by the product
    /// rule with max(<paramref name="points"/>, 2(N + 1)) Gauss–Legendre nodes in μ (and twice as many in φ): exact for
    /// the polynomial part up to degree 2N, and fine enough for profiles narrower than the moments resolve (the default
    /// 128 nodes resolve an angular Gaussian of width 0.1 to ~1e-10). f receives (Ω_x, Ω_y) in 2D, (Ω_x, Ω_y, Ω_z) in
    /// 3D, (μ) in 1D.</summary>
    public double[] Project(Func<double[], double> profile, int points)
    {
        var u = new double[Count];
        var omega = new double[Dimension];
        foreach (var (mu, phi, w) in ProductQuadrature(Math.Max(points, 2 * (Order + 1))))
        {
            double sin = Math.Sqrt(Math.Max(0.0, 1.0 - mu * mu));
            if (Dimension == 1) omega[0] = mu;
            else
            {
                omega[0] = sin * Math.Cos(phi);
                omega[1] = sin * Math.Sin(phi);
                if (Dimension == 3) omega[2] = mu;
            }
            double f = profile(omega);
            if (f == 0.0) continue;
            var m = Evaluate(mu, phi);
            for (int a = 0; a < Count; a++) u[a] += w * f * m[a];
        }
        return u;
    }

    /// <inheritdoc cref="Project(Func{double[], double}, int)"/>
    public double[] Project(Func<double[], double> profile) => Project(profile, 128);

    /// <summary>Nodes (μ, φ) and weights of the product rule used by <see cref="QuadratureFlux"/>; weights sum
    /// to |S|. In 1D φ = 0.</summary>
    internal IEnumerable<(double Mu, double Phi, double Weight)> ProductQuadrature(int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        var (nodes, weights) = GaussLegendre.Rule(points);
        if (Dimension == 1)
        {
            for (int i = 0; i < points; i++) yield return (nodes[i], 0.0, weights[i]);
            yield break;
        }
        int nPhi = 2 * points;
        double dPhi = 2.0 * Math.PI / nPhi;
        for (int i = 0; i < points; i++)
        for (int j = 0; j < nPhi; j++)
            yield return (nodes[i], (j + 0.5) * dPhi, weights[i] * dPhi);
    }

    private int CheckDirection(int d)
    {
        if (d < 0 || d >= Dimension)
            throw new ArgumentOutOfRangeException(nameof(d), d, $"direction must be in 0..{Dimension - 1}");
        return d;
    }

    // Axis (0 x, 1 y, 2 z) of direction d; in 1D the only direction is μ (reported as z).
    private int AxisOf(int d) => Dimension == 1 ? 2 : d;

    /// <summary>P̄_l^m(μ), l = m..maxL, orthonormal on [−1, 1] (no Condon–Shortley phase), as p[l − m].
    /// Standard stable recurrence: P̄_0^0 = 1/√2, P̄_m^m = √((2m+1)/(2m)) sin θ P̄_{m−1}^{m−1},
    /// then μ P̄_l^m = a(l,m) P̄_{l+1}^m + a(l−1,m) P̄_{l−1}^m upward in l.</summary>
    private static double[] NormalizedLegendre(int maxL, int m, double mu)
    {
        var p = new double[maxL - m + 1];
        double sin = Math.Sqrt(Math.Max(0.0, 1.0 - mu * mu));
        double pmm = 1.0 / Math.Sqrt(2.0);
        for (int j = 1; j <= m; j++) pmm *= Math.Sqrt((2.0 * j + 1.0) / (2.0 * j)) * sin;
        p[0] = pmm;
        if (maxL == m) return p;
        p[1] = mu * pmm / A(m, m);
        for (int l = m + 1; l < maxL; l++)
            p[l + 1 - m] = (mu * p[l - m] - A(l - 1, m) * p[l - 1 - m]) / A(l, m);
        return p;
    }

    // Recurrence coefficients (see class remarks); l, m ≥ 0 with the target index valid.
    private static double A(int l, int m) => Math.Sqrt((double)(l - m + 1) * (l + m + 1) / ((2.0 * l + 1) * (2.0 * l + 3)));
    private static double Alpha(int l, int m) => Math.Sqrt((double)(l + m + 1) * (l + m + 2) / ((2.0 * l + 1) * (2.0 * l + 3)));
    private static double Beta(int l, int m) => Math.Sqrt((double)(l - m) * (l - m - 1) / ((2.0 * l - 1) * (2.0 * l + 1)));
    private static double Gamma(int l, int m) => Math.Sqrt((double)(l + m) * (l + m - 1) / ((2.0 * l - 1) * (2.0 * l + 1)));
    private static double Delta(int l, int m) => Math.Sqrt((double)(l - m + 1) * (l - m + 2) / ((2.0 * l + 1) * (2.0 * l + 3)));

    private Matrix<double> BuildSlabFlux()
    {
        var a = Matrix<double>.Build.Dense(Count, Count);
        for (int n = 0; n < Order; n++)
            a[n, n + 1] = a[n + 1, n] = A(n, 0);
        return a;
    }

    /// <summary>A_axis on the kept moments, column by column: expand m_b in Y_l^m, multiply by Ω_axis with the
    /// recurrences, and read off the real coefficients (the imaginary parts cancel).</summary>
    private Matrix<double> BuildFlux(int axis)
    {
        var a = new Dictionary<(int Row, int Column), double>();   // ≤ 6 nonzeros a column: never dense
        var product = new List<(int L, int M, Complex C)>(16);
        for (int b = 0; b < Count; b++)
        {
            product.Clear();
            var (lb, kb) = _moments[b];
            foreach (var (l, m, c) in RealToComplex(lb, kb))
                MultiplyComplex(axis, l, m, c, product);
            foreach (var (l, m, c) in product)
            {
                if (l > Order) continue; // P_N truncation: the projection drops degree N + 1
                foreach (var (k, r) in ComplexToReal(m, c))
                {
                    int row = _position[l * l + l + k];
                    // Moments dropped in 2D are never reached: Ω_x, Ω_y preserve the parity in Ω_z.
                    if (row >= 0) a[(row, b)] = a.GetValueOrDefault((row, b)) + r.Real;
                }
            }
        }
        // The recurrence gives a symmetric matrix up to rounding; make it exactly symmetric: (a_ij + a_ji)/2.
        var symmetric = new List<(int, int, double)>(a.Count * 2);
        foreach (var ((i, j), v) in a)
        {
            double sum = (v + a.GetValueOrDefault((j, i))) * 0.5;
            if (sum == 0.0) continue;
            symmetric.Add((i, j, sum));
            if (!a.ContainsKey((j, i))) symmetric.Add((j, i, sum));   // (j, i) is not visited itself
        }
        return Matrix<double>.Build.SparseOfIndexed(Count, Count, symmetric);
    }

    // m_{l,k} = Σ c Y_l^m.
    private static IEnumerable<(int L, int M, Complex C)> RealToComplex(int l, int k)
    {
        double h = 1.0 / Math.Sqrt(2.0);
        if (k == 0)
        {
            yield return (l, 0, Complex.One);
        }
        else if (k > 0)
        {
            yield return (l, k, h);
            yield return (l, -k, h);
        }
        else
        {
            // (Y^{|k|} − Y^{−|k|}) / (i√2)
            yield return (l, -k, new Complex(0, -h));
            yield return (l, k, new Complex(0, h));
        }
    }

    // c Y_l^m = Σ r m_{l,k}: Y^m = (m_{l,m} + i m_{l,−m})/√2, Y^{−m} = (m_{l,m} − i m_{l,−m})/√2 for m > 0.
    private static IEnumerable<(int K, Complex R)> ComplexToReal(int m, Complex c)
    {
        double h = 1.0 / Math.Sqrt(2.0);
        if (m == 0)
        {
            yield return (0, c);
            yield break;
        }
        int p = Math.Abs(m);
        yield return (p, c * h);
        yield return (-p, c * new Complex(0, m > 0 ? h : -h));
    }

    // Appends c Ω_axis Y_l^m (axis 0 x, 1 y, 2 z) as terms (l′, m′, c′); only valid l′ ≥ |m′| are produced.
    private static void MultiplyComplex(int axis, int l, int m, Complex c, List<(int, int, Complex)> into)
    {
        if (axis == 2)
        {
            int p = Math.Abs(m);
            into.Add((l + 1, m, c * A(l, p)));
            if (l - 1 >= p) into.Add((l - 1, m, c * A(l - 1, p)));
            return;
        }
        // Ω_x = (E⁺ + E⁻)/2, Ω_y = (E⁺ − E⁻)/(2i) with E^± = sin θ e^{±iφ}.
        Complex plus = c * 0.5, minus = axis == 0 ? c * 0.5 : -c * 0.5;
        if (axis == 1)
        {
            plus *= new Complex(0, -1);
            minus *= new Complex(0, -1);
        }
        RaisePhi(l, m, plus, into);
        LowerPhi(l, m, minus, into);
    }

    // c sin θ e^{iφ} Y_l^m.
    private static void RaisePhi(int l, int m, Complex c, List<(int, int, Complex)> into)
    {
        if (m >= 0)
        {
            into.Add((l + 1, m + 1, c * Alpha(l, m)));
            if (l - 1 >= m + 1) into.Add((l - 1, m + 1, -c * Beta(l, m)));
        }
        else
        {
            // conj(sin θ e^{−iφ} Y_l^p), p = −m ≥ 1.
            int p = -m;
            into.Add((l - 1, m + 1, c * Gamma(l, p))); // l − 1 ≥ p − 1 always
            into.Add((l + 1, m + 1, -c * Delta(l, p)));
        }
    }

    // c sin θ e^{−iφ} Y_l^m.
    private static void LowerPhi(int l, int m, Complex c, List<(int, int, Complex)> into)
    {
        if (m >= 1)
        {
            into.Add((l - 1, m - 1, c * Gamma(l, m)));
            into.Add((l + 1, m - 1, -c * Delta(l, m)));
        }
        else
        {
            // conj(sin θ e^{iφ} Y_l^p), p = −m ≥ 0.
            int p = -m;
            into.Add((l + 1, m - 1, c * Alpha(l, p)));
            if (l - 1 >= p + 1) into.Add((l - 1, m - 1, -c * Beta(l, p)));
        }
    }

    /// <summary>|A| and ρ(A) for a flux matrix that anticommutes with the diagonal reflection
    /// <paramref name="parity"/> (R A R = −A). Ordering each connected component of the sparsity graph of A
    /// into its R = +1 and R = −1 moments gives A = [[0, B], [Bᵀ, 0]]; with the SVD B = U Σ Vᵀ,
    /// |A| = diag(U Σ Uᵀ, V Σ Vᵀ) (the positive square root of A² = diag(BBᵀ, BᵀB)) and ρ(A) = max σ.
    /// This is the symmetric eigen-decomposition A = R Λ Rᵀ, |A| = R |Λ| Rᵀ, done on blocks of a quarter
    /// of the size or less.</summary>
    private static (Matrix<double> Abs, double Radius) Spectral(Matrix<double> a, Matrix<double> parity)
    {
        var build = Matrix<double>.Build;
        int n = a.RowCount;
        var abs = build.Dense(n, n);
        double radius = 0;
        foreach (var block in ConnectedComponents(a))
        {
            int[] even = [.. block.Where(i => parity[i, i] > 0)], odd = [.. block.Where(i => parity[i, i] < 0)];
            if (even.Length == 0 || odd.Length == 0) continue; // an isolated moment: A = 0 there
            var b = build.Dense(even.Length, odd.Length, (i, j) => a[even[i], odd[j]]);
            var svd = b.Svd(computeVectors: true);
            int rank = svd.S.Count;
            radius = Math.Max(radius, svd.S.Maximum());
            var sigma = build.DenseOfDiagonalVector(svd.S);
            var u = svd.U.SubMatrix(0, even.Length, 0, rank);
            var v = svd.VT.Transpose().SubMatrix(0, odd.Length, 0, rank);
            Scatter(abs, u * sigma * u.Transpose(), even);
            Scatter(abs, v * sigma * v.Transpose(), odd);
        }
        // Exactly symmetric, in place: (|A|_ij + |A|_ji)/2.
        for (int j = 0; j < n; j++)
            for (int i = j + 1; i < n; i++)
            {
                double v = (abs[i, j] + abs[j, i]) * 0.5;
                abs[i, j] = v;
                abs[j, i] = v;
            }
        return (abs, radius);
    }

    private static void Scatter(Matrix<double> into, Matrix<double> block, int[] index)
    {
        for (int j = 0; j < index.Length; j++)
        for (int i = 0; i < index.Length; i++)
            into[index[i], index[j]] = block[i, j];
    }

    private static List<int[]> ConnectedComponents(Matrix<double> a)
    {
        int n = a.RowCount;
        var seen = new bool[n];
        var blocks = new List<int[]>();
        var stack = new Stack<int>();
        for (int s = 0; s < n; s++)
        {
            if (seen[s]) continue;
            var block = new List<int>();
            seen[s] = true;
            stack.Push(s);
            while (stack.Count > 0)
            {
                int v = stack.Pop();
                block.Add(v);
                for (int w = 0; w < n; w++)
                    if (!seen[w] && a[w, v] != 0.0)
                    {
                        seen[w] = true;
                        stack.Push(w);
                    }
            }
            block.Sort();
            blocks.Add([.. block]);
        }
        return blocks;
    }
}
