namespace ParallelDlra.Angular.Quadratures;

/// <summary>Sets invariant under the octahedral group (the 48 sign changes and permutations of (x, y, z)): the
/// level-symmetric and Lebedev sets. Both are given by the points of one orbit representative each; this class
/// expands the orbits with exact sign changes and permutations (so mirror images are bit-for-bit ordinates of the
/// set) and restricts the full sphere to what a dimension needs.
/// <para>Why Oh invariance gives the degree: Σ_q w_q Y(Ω_q) equals the sum of the group average of Y, so a set
/// integrates every spherical harmonic of degree ℓ exactly iff it integrates the Oh-invariant ones of degree ℓ (none
/// for odd ℓ and for ℓ = 2; one for ℓ = 4, 6, 8, 10, 14; two for ℓ = 12, 16).</para></summary>
public static class OctahedralSets
{
    /// <summary>The distinct points (±x, ±y, ±z) in every order of the coordinates of one representative, each with
    /// weight <paramref name="weight"/>: 6, 8, 12, 24 or 48 points. Zero coordinates stay +0.</summary>
    public static IEnumerable<(double X, double Y, double Z, double W)> Orbit(double a, double b, double c, double weight)
    {
        var seen = new HashSet<(double, double, double)>();
        double[] p = [a, b, c];
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        foreach (var o in orders)
            for (int s = 0; s < 8; s++)
            {
                double x = Signed(p[o[0]], (s & 1) != 0), y = Signed(p[o[1]], (s & 2) != 0), z = Signed(p[o[2]], (s & 4) != 0);
                if (seen.Add((x, y, z))) yield return (x, y, z, weight);
            }
    }

    private static double Signed(double v, bool negative) => negative && v != 0.0 ? -v : v;

    /// <summary>The ordinate set of a full-sphere set (Σ w = 4π): in 3D all points; in 2D the upper hemisphere
    /// Ω_z ≥ 0 with the weights of Ω_z &gt; 0 doubled (the solution of a plane problem is even in Ω_z, so the set still
    /// integrates the even functions the full set integrates); the mirror maps by exact lookup of the reflected
    /// point. No rings: a rotation about z is not defined on these sets.</summary>
    /// <exception cref="ArgumentException">a point whose mirror image is not in the set (not Oh invariant)</exception>
    public static OrdinateSet Restrict(int dimension, IReadOnlyList<(double X, double Y, double Z, double W)> sphere, int degree)
    {
        if (dimension is < 2 or > 3) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "an octahedral set is built in 2D or 3D (1D uses product_gauss_legendre)");
        List<(double X, double Y, double Z, double W)> kept = dimension == 3
            ? [.. sphere]
            : [.. sphere.Where(p => p.Z >= 0.0).Select(p => p.Z > 0.0 ? p with { W = 2 * p.W } : p)];
        var directions = kept.Select(p => new[] { p.X, p.Y, p.Z }).ToArray();
        var weights = kept.Select(p => p.W).ToArray();
        var mirrors = new int[dimension][];
        for (int d = 0; d < dimension; d++)
        {
            mirrors[d] = new int[kept.Count];
            for (int q = 0; q < kept.Count; q++)
            {
                var o = directions[q];
                int found = -1;
                for (int p = 0; p < kept.Count && found < 0; p++)
                {
                    var m = directions[p];
                    bool image = true;
                    for (int e = 0; e < 3 && image; e++) image = m[e] == (e == d ? -o[e] : o[e]);
                    if (image && weights[p] == weights[q]) found = p;
                }
                mirrors[d][q] = found >= 0 ? found : throw new ArgumentException($"ordinate {q} has no mirror image in axis {d}", nameof(sphere));
            }
        }
        return new OrdinateSet(dimension, directions, weights, mirrors, [], degree);
    }
}
