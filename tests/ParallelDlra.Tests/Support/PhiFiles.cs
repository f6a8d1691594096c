namespace ParallelDlra.Tests.Support;

/// <summary>Shared numeric helpers of the tests: reading a run's phi.bin, and the relative difference of two fields.</summary>
public static class PhiFiles
{
    /// <summary>The doubles of a binary field file (phi.bin: n_cells values, native little-endian, x fastest).</summary>
    public static double[] ReadDoubles(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new double[bytes.Length / sizeof(double)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(double));
        return values;
    }

    /// <summary>‖a − b‖₂ / ‖b‖₂ (uniform cells: the cell volumes cancel).</summary>
    public static double RelativeDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"lengths differ: {a.Count} and {b.Count}");
        double num = 0, den = 0;
        for (int i = 0; i < a.Count; i++) { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i]; }
        return Math.Sqrt(num / den);
    }
}
