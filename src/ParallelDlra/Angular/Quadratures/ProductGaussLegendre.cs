namespace ParallelDlra.Angular.Quadratures;

/// <summary>The product quadrature: N Gauss–Legendre nodes μ_i in μ = cos θ = Ω_z times 2N equally spaced azimuths
/// φ_j = (j + ½)π/N (the trapezoid rule, exact for trigonometric polynomials of degree ≤ 2N − 1). It integrates
/// every polynomial in Ω of degree ≤ 2N − 1 exactly: Gauss–Legendre is exact to degree 2N − 1 in μ, and the
/// harmonic of degree l and azimuthal order k is a polynomial of degree l − |k| in μ times sin^{|k|}θ·e^{ikφ}, whose
/// φ-integral vanishes exactly on the 2N azimuths for 0 &lt; |k| ≤ 2N − 1 (Stroud, Approximate Calculation of
/// Multiple Integrals, 1971, §2.6; used by KiT-RT as its "product" set).
/// 1D slab: the N Gauss–Legendre nodes in μ (weights sum to 2). 2D: the N/2 positive nodes, weights doubled (the
/// solution of a plane problem is even in Ω_z). 3D: all N² · 2 ordinates. N must be even (the mirror maps then pair
/// ordinates off a quadrant with its images exactly: the direction cosines of the other quadrants are copied with
/// their signs, not recomputed). Ordinates are numbered ring by ring, q = i·2N + j.</summary>
public static class ProductGaussLegendre
{
    /// <summary>The set of the given dimension and even order; <paramref name="azimuthOffset"/> β rotates every
    /// ordinate about the z axis (φ_j = (j + ½)π/N + β, rS_N): a rotated set (β ≠ 0) has no mirror maps.</summary>
    public static OrdinateSet Create(int dimension, int order, double azimuthOffset = 0.0)
    {
        if (azimuthOffset != 0.0) return Rotated(dimension, order, azimuthOffset);
        if (dimension is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be 1, 2 or 3");
        if (order < 2 || order % 2 != 0) throw new ArgumentOutOfRangeException(nameof(order), order, "the product Gauss–Legendre order must be even and at least 2");
        var (mu, w) = GaussLegendre.Rule(order);
        if (dimension == 1) return Slab(mu, w);

        int nPhi = 2 * order, half = order / 2;
        // The first quadrant φ ∈ (0, π/2): j = 0..N/2 − 1; the others by exact sign changes:
        // π − φ_j ↔ N − 1 − j, π + φ_j ↔ N + j, 2π − φ_j ↔ 2N − 1 − j.
        var cos = new double[nPhi];
        var sin = new double[nPhi];
        double dPhi = Math.PI / order;
        for (int j = 0; j < half; j++)
        {
            double c = Math.Cos((j + 0.5) * dPhi), s = Math.Sin((j + 0.5) * dPhi);
            (cos[j], sin[j]) = (c, s);
            (cos[order - 1 - j], sin[order - 1 - j]) = (-c, s);
            (cos[order + j], sin[order + j]) = (-c, -s);
            (cos[nPhi - 1 - j], sin[nPhi - 1 - j]) = (c, -s);
        }
        int firstRing = dimension == 2 ? half : 0;   // 2D: μ > 0 only (the rule is mirrored: μ_{N−1−i} = −μ_i)
        int rings = order - firstRing;
        double scale = dimension == 2 ? 2.0 : 1.0;
        var directions = new double[rings * nPhi][];
        var weights = new double[rings * nPhi];
        var ringIndex = new int[rings][];
        for (int i = 0; i < rings; i++)
        {
            double m = mu[firstRing + i], sinTheta = Math.Sqrt((1.0 - m) * (1.0 + m));
            ringIndex[i] = new int[nPhi];
            for (int j = 0; j < nPhi; j++)
            {
                int q = i * nPhi + j;
                directions[q] = [sinTheta * cos[j], sinTheta * sin[j], m];
                weights[q] = scale * w[firstRing + i] * dPhi;
                ringIndex[i][j] = q;
            }
        }
        var mirrors = new int[dimension][];
        for (int d = 0; d < dimension; d++)
        {
            mirrors[d] = new int[rings * nPhi];
            for (int i = 0; i < rings; i++)
            for (int j = 0; j < nPhi; j++)
                mirrors[d][i * nPhi + j] = d switch
                {
                    0 => i * nPhi + (j < order ? order - 1 - j : 3 * order - 1 - j),   // φ → π − φ
                    1 => i * nPhi + (nPhi - 1 - j),                                   // φ → −φ
                    _ => (rings - 1 - i) * nPhi + j,                                  // μ → −μ (3D)
                };
        }
        return new OrdinateSet(dimension, directions, weights, mirrors, ringIndex, 2 * order - 1);
    }

    private static OrdinateSet Rotated(int dimension, int order, double beta)
    {
        if (dimension == 1) throw new ArgumentException("a slab set has no azimuth to rotate", nameof(dimension));
        var unrotated = Create(dimension, order);
        int nPhi = 2 * order;
        double dPhi = Math.PI / order;
        var directions = new double[unrotated.Count][];
        foreach (var ring in unrotated.Rings)
            for (int j = 0; j < nPhi; j++)
            {
                var o = unrotated.Directions[ring[j]];
                double sinTheta = Math.Sqrt((1.0 - o[2]) * (1.0 + o[2])), phi = (j + 0.5) * dPhi + beta;
                directions[ring[j]] = [sinTheta * Math.Cos(phi), sinTheta * Math.Sin(phi), o[2]];
            }
        return unrotated with { Directions = directions, Mirrors = [] };
    }

    private static OrdinateSet Slab(double[] mu, double[] w)
    {
        int n = mu.Length;
        var directions = mu.Select(m => new[] { 0.0, 0.0, m }).ToArray();
        var mirror = Enumerable.Range(0, n).Select(i => n - 1 - i).ToArray();
        return new OrdinateSet(1, directions, (double[])w.Clone(), [mirror], [], 2 * n - 1);
    }
}
