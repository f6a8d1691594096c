using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Support;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>postprocess/plot_uq.py (issue #16 item 8): mean ± 2 std line-outs of a 1D uncertain run from uq.csv and E/std
/// maps of a 2D stochastic-Galerkin run from its last snapshot, as PNG. The script prints what it plotted; the test
/// compares that with the run's own files read here (uq.csv, the snapshot's /phi_mean and /phi_std), so a plot of the
/// wrong column, of Var instead of std or of the wrong snapshot fails.</summary>
[Collection("NLog configuration")]   // runs `pdlra run` in process
public sealed class PlotUqTests : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-plot-uq-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    /// <summary>The Debian python3 with matplotlib and h5py (`make deps`); a python3 earlier on PATH may lack them.</summary>
    private static string Python()
    {
        const string debian = "/usr/bin/python3";
        if (File.Exists(debian)) return debian;
        return RequireTool("python3", "python3-matplotlib python3-h5py");
    }

    private static string Script => Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "plot_uq.py");

    private static double Number(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    /// <summary>A PNG: the signature and a size that is not an empty canvas (an 880 × 550 figure with a band and a line).</summary>
    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} not written");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());
        int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
        int height = (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23];
        Assert.True(width >= 400 && height >= 300, $"PNG of {width} × {height}");
    }

    [Fact]
    public void One_D_run_plots_the_mean_and_two_standard_deviations_of_uq_csv()
    {
        string dir = Path.Combine(tmp, "ps");
        Run(0, "run", JobDeck("planesource_uq"), "--set", "grid.cells=[60]", "--set", "angular.order=5", "--set", "uncertainty.degree=3",
            "--set", "time.max_steps=12", "--set", "output.snapshot_times=[]", "--set", "uncertainty.evaluate_at=[-1, 1]", "--set", $"output.directory={dir}");
        string png = Path.Combine(tmp, "ps.png");
        var (code, stdout, stderr) = Spawn(Python(), [Script, dir, "-o", png]);
        Assert.True(code == 0, $"plot_uq.py: exit {code}\n{stderr}\n{stdout}");
        AssertPng(png);

        var rows = File.ReadAllLines(Path.Combine(dir, UncertaintyOutput.FieldFile)).Skip(1)
            .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int iE = Enumerable.Range(0, rows.Length).MaxBy(i => rows[i][1]);
        int iS = Enumerable.Range(0, rows.Length).MaxBy(i => rows[i][2]);
        var m = Regex.Match(stdout, @"1D (?<n>\d+) cells, max E (?<e>\S+) at x = (?<xe>\S+), max std (?<s>\S+) at x = (?<xs>\S+)");
        Assert.True(m.Success, stdout);
        Assert.Equal(60, int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture));
        // Printed with 7 significant digits (%.6e, %.6g): equal to the file's values to that precision.
        // rounding: the script prints values with %.6e (5e-7 relative) and centres with %.6g (the centres here, multiples of
        // 0.025 or 0.0625, have ≤ 5 significant digits: exact); bounds 1e-6.
        Assert.Equal(rows[iE][1], Number(m, "e"), rows[iE][1] * 1e-6);
        Assert.Equal(rows[iE][0], Number(m, "xe"), 1e-6);
        Assert.Equal(Math.Sqrt(rows[iS][2]), Number(m, "s"), Math.Sqrt(rows[iS][2]) * 1e-6);   // std = √Var, not Var
        Assert.Equal(rows[iS][0], Number(m, "xs"), 1e-6);
        Assert.Contains("2 curves of uq_samples.csv", stdout);   // φ at the two points of uncertainty.evaluate_at, dashed
    }

    [Fact]
    public void Two_D_run_maps_mean_and_std_of_its_last_snapshot()
    {
        string dir = Path.Combine(tmp, "ls");
        Run(0, "run", JobDeck("linesource_uq"), "--set", "grid.cells=[24, 20]", "--set", "angular.order=3", "--set", "uncertainty.degree=2",
            "--set", "solver.rank=8", "--set", "solver.truncation.r_min=4", "--set", "time.max_steps=6", "--set", "output.snapshot_every=3",
            "--set", $"output.directory={dir}");
        string png = Path.Combine(tmp, "ls.png");
        var (code, stdout, stderr) = Spawn(Python(), [Script, dir, "-o", png]);
        Assert.True(code == 0, $"plot_uq.py: exit {code}\n{stderr}\n{stdout}");
        AssertPng(png);

        // The last snapshot of the run (step 6), not the first: its E and std, read here from the HDF5 file.
        Assert.Contains(SnapshotWriter.FileName(6), stdout);
        double[] mean, std;
        using (var h5 = Hdf5File.Open(Path.Combine(dir, SnapshotWriter.FileName(6)), SerialCommunicator.Instance))
        {
            mean = h5.ReadAll("phi_mean");
            std = h5.ReadAll("phi_std");
        }
        var m = Regex.Match(stdout, @"2D (?<nx>\d+)x(?<ny>\d+) cells, t = \S+, max E (?<e>\S+) at \(x, y\) = \((?<xe>[^,]+), (?<ye>[^)]+)\), max std (?<s>\S+)");
        Assert.True(m.Success, stdout);
        Assert.Equal((24, 20), (int.Parse(m.Groups["nx"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["ny"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(mean.Max(), Number(m, "e"), mean.Max() * 1e-6); // rounding: printed with %.6e, as above
        Assert.Equal(std.Max(), Number(m, "s"), std.Max() * 1e-6);
        // Where: the cell of the maximum, x fastest in the file; the extent is [-1.5, 1.5]², so cell (i, j) has its
        // centre at (-1.5 + 3 (i + ½) / 24, -1.5 + 3 (j + ½) / 20).
        int at = Array.IndexOf(mean, mean.Max());
        Assert.Equal(-1.5 + 3.0 * (at % 24 + 0.5) / 24, Number(m, "xe"), 1e-6);
        Assert.Equal(-1.5 + 3.0 * (at / 24 + 0.5) / 20, Number(m, "ye"), 1e-6);

        // The line-out E ± 2 std along y = 0: the mean of cell rows 9 and 10 (the two beside y = 0 of 20), x ≥ 0 (cells
        // 12..23); the widest band (largest std) and E there.
        var band = Regex.Match(stdout, @"line-out y = (?<y>\S+): widest band E (?<e>\S+) ± 2 × (?<s>\S+) at x = (?<x>\S+)");
        Assert.True(band.Success, stdout);
        Assert.Equal(0.0, Number(band, "y"), 1e-12);
        double Row(double[] f, int i) => 0.5 * (f[9 * 24 + i] + f[10 * 24 + i]);
        int widest = Enumerable.Range(12, 12).MaxBy(i => Row(std, i));
        Assert.Equal(Row(std, widest), Number(band, "s"), Row(std, widest) * 1e-6);
        Assert.Equal(Row(mean, widest), Number(band, "e"), Math.Abs(Row(mean, widest)) * 1e-6);
        Assert.Equal(-1.5 + 3.0 * (widest + 0.5) / 24, Number(band, "x"), 1e-6);
    }

    [Fact]
    public void A_folder_without_uncertainty_output_is_refused_with_one_line()
    {
        string dir = Path.Combine(tmp, "plain");
        Directory.CreateDirectory(dir);
        var (code, stdout, stderr) = Spawn(Python(), [Script, dir, "-o", Path.Combine(tmp, "x.png")]);
        Assert.Equal(2, code);
        Assert.Contains("neither uq.csv (1D) nor snapshots.xmf (2D)", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(tmp, "x.png")));
    }
}
