using System.Globalization;
using ParallelDlra.Cli;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Cli;

/// <summary><c>pdlra bench roofline</c> at a tiny size: its rows and columns, and that every printed fraction is the
/// achieved rate over the measured limit (no timing is asserted).</summary>
public sealed class RooflineBenchmarkTests(ITestOutputHelper output)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Printed with 4 significant digits: each value is within 5e-4 relative of the one computed, so derived
    /// figures agree to a few 1e-3.</summary>
    private const double Printing = 4e-3;

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Printing * Math.Max(Math.Abs(expected), Math.Abs(actual)) + 1e-12,
            $"{what}: {actual} printed, {expected} from the other columns");

    [Fact]
    public void Roofline_prints_one_line_per_step_kind_whose_fraction_is_achieved_over_limit()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Invoke(["bench", "roofline", "12", "3", "2", "rusanov"], stdout, stderr);
        output.WriteLine(stdout.ToString());
        Assert.True(rc == 0, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        double bandwidth = double.Parse(lines.Single(l => l.StartsWith("triad bandwidth ", StringComparison.Ordinal)).Split(' ')[2], Inv) * 1e9;
        double gemm = double.Parse(lines.Single(l => l.StartsWith("dgemm rate ", StringComparison.Ordinal)).Split(' ')[2], Inv) * 1e9;
        Assert.True(bandwidth > 0 && gemm > 0);

        var rows = lines.Where(l => RooflineBenchmark.StepKinds.Any(k => l.StartsWith(k + " ", StringComparison.Ordinal))).ToArray();
        // The three step lines come last, in order; the low-rank solvers print their phases before them.
        var steps = lines[^3..];
        for (int k = 0; k < 3; k++)
        {
            Assert.StartsWith(RooflineBenchmark.StepKinds[k], steps[k]);
            Assert.Equal("step", steps[k][15..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
            Assert.EndsWith("%", steps[k]);
        }
        Assert.Contains(rows, r => r.StartsWith("augmented BUG", StringComparison.Ordinal) && r.Contains("basis augmentation"));
        Assert.Contains(rows, r => r.StartsWith("parallel BUG", StringComparison.Ordinal) && r.Contains("K-step"));
        Assert.DoesNotContain(rows, r => r.StartsWith("full rank", StringComparison.Ordinal) && !r.Contains(" step "));   // full rank: one phase

        foreach (var row in rows)
        {
            // kind (14 characters), phase (22), then ms, MB, MFLOP, GB/s, GF/s, limit ms, bound, fraction, %.
            var f = row[(14 + 1 + 22 + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(9, f.Length);
            Assert.Equal("%", f[8]);
            double ms = double.Parse(f[0], Inv), mb = double.Parse(f[1], Inv), mflop = double.Parse(f[2], Inv);
            double gbs = double.Parse(f[3], Inv), gfs = double.Parse(f[4], Inv), limit = double.Parse(f[5], Inv), pct = double.Parse(f[7], Inv);
            Assert.True(ms > 0 && mb > 0 && mflop > 0, row);
            Close(mb / ms, gbs, "GB/s = MB / ms");
            Close(mflop / ms, gfs, "GF/s = MFLOP / ms");
            Close(Math.Max(mb * 1e6 / bandwidth, mflop * 1e6 / gemm) * 1e3, limit, "limit = max(bytes / bandwidth, flops / dgemm)");
            Assert.Equal(mflop * 1e6 / gemm > mb * 1e6 / bandwidth ? "flops" : "bytes", f[6]);
            Close(100 * limit / ms, pct, "fraction = limit / time");
            Close(100 * Math.Max(gbs * 1e9 / bandwidth, gfs * 1e9 / gemm), pct, "fraction = achieved / limit rate");
        }
    }

    [Theory]
    [InlineData("3")]
    [InlineData("x")]
    public void A_bad_cell_count_is_bad_input(string cells)
    {
        var stderr = new StringWriter();
        Assert.Equal(ExitCodes.BadInput, Program.Invoke(["bench", "roofline", cells], new StringWriter(), stderr));
        Assert.Equal($"error: bench roofline: CELLS {cells} is not an integer in [4, 4096]", stderr.ToString().Trim());
    }
}
