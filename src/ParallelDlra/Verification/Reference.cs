using System.Globalization;

namespace ParallelDlra.Verification;

/// <summary>A published benchmark profile: abscissae (x or r) and values, read from a CSV whose first
/// non-comment line names the columns.</summary>
public sealed record ReferenceProfile(string Name, double[] Abscissa, double[] Value)
{
    public static ReferenceProfile Load(string path, string valueColumn) => Parse(path, File.ReadAllLines(path), valueColumn);

    /// <summary>The profile from the lines of such a CSV (<paramref name="source"/> names it in errors; its file name
    /// without extension becomes <see cref="Name"/>).</summary>
    public static ReferenceProfile Parse(string source, IEnumerable<string> text, string valueColumn)
    {
        var lines = text.Where(l => !l.StartsWith('#') && l.Trim().Length > 0).ToArray();
        var header = lines[0].Split(',');
        int col = Array.IndexOf(header, valueColumn);
        if (col < 0) throw new InputException($"{source}: no column '{valueColumn}' (columns: {string.Join(", ", header)})");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        return new(Path.GetFileNameWithoutExtension(source),
            [.. rows.Select(r => double.Parse(r[0], CultureInfo.InvariantCulture))],
            [.. rows.Select(r => double.Parse(r[col], CultureInfo.InvariantCulture))]);
    }

    /// <summary>The profile restricted to abscissae in [lo, hi].</summary>
    public ReferenceProfile Window(double lo, double hi)
    {
        var keep = Enumerable.Range(0, Abscissa.Length).Where(i => Abscissa[i] >= lo && Abscissa[i] <= hi).ToArray();
        return this with { Abscissa = [.. keep.Select(i => Abscissa[i])], Value = [.. keep.Select(i => Value[i])] };
    }
}

/// <summary>Comparisons of a computed cell field with a reference profile.</summary>
public static class ProfileComparison
{
    /// <summary>Linear interpolation of cell-centred values (centres x0 + (i+½)h) at x.</summary>
    public static double Interpolate1D(ReadOnlySpan<double> values, double x0, double h, double x)
    {
        double s = (x - x0) / h - 0.5;
        int i = Math.Clamp((int)Math.Floor(s), 0, values.Length - 2);
        double w = Math.Clamp(s - i, 0.0, 1.0);
        return (1 - w) * values[i] + w * values[i + 1];
    }

    /// <summary>Bilinear interpolation of a cell-centred 2D field (x fastest) at (x, y).</summary>
    public static double Interpolate2D(ReadOnlySpan<double> values, int nx, int ny, double x0, double y0, double hx, double hy, double x, double y)
    {
        double sx = (x - x0) / hx - 0.5, sy = (y - y0) / hy - 0.5;
        int i = Math.Clamp((int)Math.Floor(sx), 0, nx - 2), j = Math.Clamp((int)Math.Floor(sy), 0, ny - 2);
        double wx = Math.Clamp(sx - i, 0, 1), wy = Math.Clamp(sy - j, 0, 1);
        return (1 - wx) * (1 - wy) * values[i + nx * j] + wx * (1 - wy) * values[i + 1 + nx * j]
             + (1 - wx) * wy * values[i + nx * (j + 1)] + wx * wy * values[i + 1 + nx * (j + 1)];
    }

    /// <summary>Radial profile of a 2D field about (cx, cy): the average over <paramref name="angles"/>
    /// directions of the bilinear interpolant at radius r.</summary>
    public static double Radial(ReadOnlySpan<double> values, int nx, int ny, double x0, double y0, double hx, double hy,
        double cx, double cy, double r, int angles = 64)
    {
        double sum = 0;
        for (int a = 0; a < angles; a++)
        {
            double th = 2 * Math.PI * (a + 0.5) / angles;
            sum += Interpolate2D(values, nx, ny, x0, y0, hx, hy, cx + r * Math.Cos(th), cy + r * Math.Sin(th));
        }
        return sum / angles;
    }

    /// <summary>Σ|a−b| / Σ|b| over the sample points.</summary>
    public static double RelativeL1(ReadOnlySpan<double> computed, ReadOnlySpan<double> reference)
    {
        double num = 0, den = 0;
        for (int i = 0; i < reference.Length; i++) { num += Math.Abs(computed[i] - reference[i]); den += Math.Abs(reference[i]); }
        return num / den;
    }

    /// <summary>‖a−b‖₂ / ‖b‖₂ over the sample points.</summary>
    public static double RelativeL2(ReadOnlySpan<double> computed, ReadOnlySpan<double> reference)
    {
        double num = 0, den = 0;
        for (int i = 0; i < reference.Length; i++) { num += Math.Pow(computed[i] - reference[i], 2); den += reference[i] * reference[i]; }
        return Math.Sqrt(num / den);
    }
}
