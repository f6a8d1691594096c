using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Tests.Parallel;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Cli;

/// <summary><c>pdlra bench thermal</c> (issue #17 benchmark) at a tiny size through the built pdlra (12², P_3, 4 steps):
/// both rows are printed with consistent figures (not timings): full rank is its own reference (differences exactly 0,
/// ratios 1), the augmented BUG at rank = n_moments = 10 equals full rank to rounding (the integrator is exact at
/// r = n_moments: docs/design.md), the energy defect is rounding, the ranks are within [1, n_moments].</summary>
[Collection("MPI launches")]
public sealed class ThermalBenchmarkTests(ITestOutputHelper output)
{
    private static readonly Regex Row = new(@"^(?<solver>thermal, .+?)\s+(?<setup>\S+)\s+(?<median>\S+)\s+(?<mean>\S+)\s+(?<rank>\d+)\s+(?<max>\d+)\s+(?<peak>\S+)\s+(?<solve>\S+)\s+" +
                                            @"(?<time>\S+)\s+(?<mem>\S+)\s+(?<defect>\S+)\s+(?<du>\S+)\s+(?<dv>\S+)$", RegexOptions.Multiline);

    [Fact]
    public void Bench_thermal_prints_both_solvers_with_consistent_figures()
    {
        var r = MpiLauncher.Run(1, ["bench", "thermal", "12", "3", "4"], TimeSpan.FromSeconds(240));
        Assert.True(r.ExitCode == 0, r.ToString());
        output.WriteLine(r.Stdout);
        Assert.Contains("12 x 12 cells, P_3 (10 moments)", r.Stdout);
        var rows = Row.Matches(r.Stdout).Select(m => m.Groups).ToArray();
        Assert.Equal(2, rows.Length);
        double D(GroupCollection g, string name) => double.Parse(g[name].Value, CultureInfo.InvariantCulture);
        Assert.StartsWith("thermal, full rank", rows[0]["solver"].Value);
        Assert.StartsWith("thermal, augmented BUG", rows[1]["solver"].Value);
        Assert.Equal(0.0, D(rows[0], "du"));                 // full rank against itself
        Assert.Equal(0.0, D(rows[0], "dv"));
        Assert.Equal(1.0, D(rows[0], "time"));
        Assert.Equal(1.0, D(rows[0], "mem"));
        foreach (var g in rows)
        {
            Assert.True(D(g, "median") > 0 && D(g, "mean") > 0 && D(g, "peak") > 0, g[0].Value);
            Assert.InRange(int.Parse(g["rank"].Value, CultureInfo.InvariantCulture), 1, 10);
            Assert.InRange(int.Parse(g["max"].Value, CultureInfo.InvariantCulture), int.Parse(g["rank"].Value, CultureInfo.InvariantCulture), 10);
            Assert.True(D(g, "defect") <= 1e-12, g[0].Value);  // the balance is exact per step to rounding (issue #17)
        }
        Assert.Equal(10, int.Parse(rows[1]["rank"].Value, CultureInfo.InvariantCulture));   // r_min = min(20, n_moments)
        Assert.True(D(rows[1], "du") <= 1e-10 && D(rows[1], "dv") <= 1e-10, rows[1][0].Value);   // exact at r = n_moments, to rounding
    }

    [Fact]
    public void A_bad_size_is_bad_input()
    {
        var r = MpiLauncher.Run(1, ["bench", "thermal", "200", "0"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bench thermal: argument 2 (0) is not an integer in [1, 60]", r.Stderr);
    }
}
