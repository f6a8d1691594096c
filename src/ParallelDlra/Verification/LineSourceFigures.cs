namespace ParallelDlra.Verification;

/// <summary>The figures of the 2D line source (σ_s = 1, t = 1, a pulse at the origin of the box [−1.5, 1.5]², as in
/// <c>jobs/linesource.yaml</c>; Ganapol; Garrett &amp; Hauck 2013) by which issue #15 judges an angular method: the
/// relative L2 error of the ring-averaged φ on r ≤ <see cref="ErrorRadius"/> against the published radial profile
/// (<c>tests/data/linesource_t1.csv</c>, column <c>phi_total</c>), min φ / max φ, and the ray-effect index — the
/// relative standard deviation of φ along the circle r = <see cref="RayRadius"/>. One place for the test suite and
/// <c>pdlra bench linesource</c>.</summary>
public static class LineSourceFigures
{
    /// <summary>The error is taken on r ≤ 0.9: inside the front at r = t = 1, which no grid resolves sharply.</summary>
    public const double ErrorRadius = 0.9;

    /// <summary>The circle of the ray-effect index.</summary>
    public const double RayRadius = 0.5;

    /// <summary>Half the side of the box the line source lives on, [−1.5, 1.5]².</summary>
    public const double HalfWidth = 1.5;

    /// <summary>Relative L2 error of the ring average of φ (cells × cells, x fastest) at the reference's radii on
    /// r ≤ <see cref="ErrorRadius"/> (64 bilinear samples per ring, <see cref="ProfileComparison.Radial"/>).</summary>
    public static double RingError(ReadOnlySpan<double> phi, int cells, ReferenceProfile reference)
    {
        var window = reference.Window(0.0, ErrorRadius);
        double h = 2 * HalfWidth / cells;
        var computed = new double[window.Abscissa.Length];
        for (int i = 0; i < computed.Length; i++)
            computed[i] = ProfileComparison.Radial(phi, cells, cells, -HalfWidth, -HalfWidth, h, h, 0, 0, window.Abscissa[i]);
        return ProfileComparison.RelativeL2(computed, window.Value);
    }

    /// <summary>Standard deviation / mean of φ at 256 equally spaced points of the circle of radius
    /// <paramref name="r"/> about the origin (bilinear samples).</summary>
    public static double RayIndex(ReadOnlySpan<double> phi, int cells, double r = RayRadius)
    {
        const int samples = 256;
        double h = 2 * HalfWidth / cells;
        var v = new double[samples];
        for (int a = 0; a < samples; a++)
        {
            double th = 2 * Math.PI * (a + 0.5) / samples;
            v[a] = ProfileComparison.Interpolate2D(phi, cells, cells, -HalfWidth, -HalfWidth, h, h, r * Math.Cos(th), r * Math.Sin(th));
        }
        double mean = v.Average();
        return Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()) / mean;
    }

    /// <summary>min φ / max φ.</summary>
    public static double MinOverMax(ReadOnlySpan<double> phi)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in phi) { min = Math.Min(min, v); max = Math.Max(max, v); }
        return min / max;
    }
}
