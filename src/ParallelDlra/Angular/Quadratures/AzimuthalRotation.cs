using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Angular.Quadratures;

/// <summary>rS_N (Camminady, Frank, Küpper and Kusch, JCP 2019): the rotation of a ring quadrature (equally spaced
/// azimuths of equal weight on each ring, <see cref="OrdinateSet.Rings"/>) about the z axis from the azimuth offset
/// β to β′, with the solution interpolated linearly in φ along each ring onto the rotated ordinates:
/// ψ′(φ_j + β′) = (1 − t) ψ(φ_k + β) + t ψ(φ_{k+1} + β), k + t = j + (β′ − β)/Δφ (indices modulo 2N).
/// The matrix R (n_q × n_q, two nonzeros a row) acts on ψ̃ = √w ψ as on ψ (the weight is constant on a ring).
/// Each column of a ring's block sums to 1, so Σ_q w_q ψ_q (φ, the mass) is kept exactly: dᵀR = dᵀ; each row
/// sums to 1, so R d = d: the isotropic state is kept, and d stays in the span of R V.</summary>
public static class AzimuthalRotation
{
    /// <summary>R from offset <paramref name="from"/> to <paramref name="to"/> (radians).</summary>
    public static Matrix<double> Matrix(OrdinateSet set, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Rings.Length == 0) throw new ArgumentException("the ordinate set has no rings of equal polar angle to rotate", nameof(set));
        var entries = new List<(int, int, double)>(2 * set.Count);
        foreach (var ring in set.Rings)
        {
            int n = ring.Length;
            double shift = (to - from) / (2 * Math.PI / n);
            for (int j = 0; j < n; j++)
            {
                double s = j + shift;
                double k = Math.Floor(s), t = s - k;
                int k0 = (int)(((long)k % n + n) % n), k1 = (k0 + 1) % n;
                if (t != 1.0) entries.Add((ring[j], ring[k0], 1.0 - t));
                if (t != 0.0) entries.Add((ring[j], ring[k1], t));
            }
        }
        return Matrix<double>.Build.SparseOfIndexed(set.Count, set.Count, entries);
    }

    /// <summary>The azimuthal spacing Δφ = 2π/2N of the rings.</summary>
    public static double Spacing(OrdinateSet set) => 2 * Math.PI / set.Rings[0].Length;
}
