using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Tests.Support;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Thermal;

/// <summary>postprocess/plot_suolson.py (issue #17): line-outs of U and V of a Su–Olson run against
/// tests/data/suolson_transport_U.csv as PNG. The script prints what it compared; the test recomputes it from the run's
/// phi.csv and the table read here (linear interpolation between cell centres, the issue's error measure), so a plot of
/// the wrong column, the wrong time or the wrong field fails.</summary>
[Collection("NLog configuration")]   // runs `pdlra run` in process
public sealed class PlotSuOlsonTests : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-plot-suolson-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : RequireTool("python3", "python3-matplotlib");

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>Linear interpolation between the centres, the end values held outside them (as numpy.interp).</summary>
    private static double Interpolate(double[] x, double[] y, double at)
    {
        if (at <= x[0]) return y[0];
        if (at >= x[^1]) return y[^1];
        int i = Array.FindLastIndex(x, v => v <= at);
        double w = (at - x[i]) / (x[i + 1] - x[i]);
        return (1 - w) * y[i] + w * y[i + 1];
    }

    [Fact]
    public void The_line_outs_compare_the_run_with_the_table_at_the_run_time()
    {
        string dir = Path.Combine(tmp, "so");
        Run(0, "run", JobDeck("suolson"), "--set", "grid.cells=[240]", "--set", "angular.order=7", "--set", "time.end=0.31623",
            "--set", "output.snapshot_times=[]", "--set", $"output.directory={dir}");
        string png = Path.Combine(tmp, "so.png");
        var (code, stdout, stderr) = Spawn(Python(), [Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "plot_suolson.py"), dir, "-o", png]);
        Assert.True(code == 0, $"plot_suolson.py: exit {code}\n{stderr}\n{stdout}");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());

        var rows = File.ReadAllLines(Path.Combine(dir, "phi.csv")).Skip(1).Select(l => l.Split(',').Select(Parse).ToArray()).ToArray();
        double[] x = [.. rows.Select(r => r[0])], u = [.. rows.Select(r => r[1])], v = [.. rows.Select(r => r[2])];
        var (tx, table) = SuOlsonTests.Table();
        double[] reference = table[1];   // τ = 0.31623
        Assert.Contains("Su-Olson, tau = 0.31623: 240 cells on [0, 12]", stdout);
        var printed = Regex.Matches(stdout, @"^(?<x>[0-9.e+-]+),(?<t>[0-9.e+-]+),(?<u>[0-9.e+-]+),(?<err>[0-9.e+-]+) (?<kind>rel|abs)$", RegexOptions.Multiline);
        int expected = tx.Where((_, i) => !double.IsNaN(reference[i])).Count();
        Assert.Equal(expected, printed.Count);
        double worstRel = 0, worstAbs = 0;
        foreach (Match m in printed)
        {
            int i = Array.FindIndex(tx, t => Math.Abs(t - Parse(m.Groups["x"].Value)) <= 1e-9);
            Assert.True(i >= 0, m.Value);
            Assert.Equal(reference[i], Parse(m.Groups["t"].Value), 1e-9);
            double mine = Interpolate(x, u, tx[i]);
            // rounding: U_run printed with %.6e (5e-7 relative)
            Assert.True(Math.Abs(mine - Parse(m.Groups["u"].Value)) <= 1e-6 * Math.Abs(mine) + 1e-300, $"{m.Value}: U_run {mine}");
            double err = reference[i] >= 0.05 ? Math.Abs(mine - reference[i]) / reference[i] : Math.Abs(mine - reference[i]);
            Assert.Equal(reference[i] >= 0.05 ? "rel" : "abs", m.Groups["kind"].Value);
            Assert.True(Math.Abs(err - Parse(m.Groups["err"].Value)) <= 1e-3 * err + 1e-12, $"{m.Value}: error {err}");   // %.3e
            if (reference[i] >= 0.05) worstRel = Math.Max(worstRel, err); else worstAbs = Math.Max(worstAbs, err);
        }
        var summary = Regex.Match(stdout, @"max relative error where U >= 0.05: (?<r>\S+); max absolute error elsewhere: (?<a>\S+)");
        Assert.True(summary.Success, stdout);
        Assert.Equal(worstRel, Parse(summary.Groups["r"].Value), 1e-3 * worstRel);
        Assert.Equal(worstAbs, Parse(summary.Groups["a"].Value), 1e-3 * worstAbs + 1e-12);
        var maxima = Regex.Match(stdout, @"V: max (?<v>\S+) at x = (?<xv>\S+); U: max (?<u>\S+) at x = (?<xu>\S+)");
        Assert.True(maxima.Success, stdout);
        Assert.Equal(v.Max(), Parse(maxima.Groups["v"].Value), 1e-6 * v.Max());   // the material_energy column, not phi
        Assert.Equal(u.Max(), Parse(maxima.Groups["u"].Value), 1e-6 * u.Max());
        Assert.True(v.Max() < 0.5 * u.Max(), "V and U alike at τ = 0.32: the columns may be swapped");   // theory: dV/dτ = U − V with U growing like τ: V ≈ τU/2 ≈ 0.16 U at τ = 0.32
    }

    [Fact]
    public void A_run_at_a_time_not_in_the_table_is_refused()
    {
        string dir = Path.Combine(tmp, "short");
        Run(0, "run", JobDeck("suolson"), "--set", "grid.cells=[60]", "--set", "angular.order=3", "--set", "time.end=0.2",
            "--set", "output.snapshot_times=[]", "--set", $"output.directory={dir}");
        var (code, _, stderr) = Spawn(Python(), [Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "plot_suolson.py"), dir, "-o", Path.Combine(tmp, "x.png")]);
        Assert.NotEqual(0, code);
        Assert.Contains("time 0.2 is not a time of the table", stderr);
    }
}
