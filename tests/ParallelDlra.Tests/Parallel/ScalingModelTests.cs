using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Parallel;

/// <summary>The inputs of the scaling model (docs/scaling.md): the MPI micro-benchmark of <c>pdlra selftest mpi-bench</c>
/// on 2 ranks, and the model's arithmetic (postprocess/plot_scaling_model.py) on given inputs.</summary>
public sealed class ScalingModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-scaling-model").FullName;

    public void Dispose()
    {
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>2 ranks, messages of 8 B to 4 KiB, at most 50 repeats: every row has the columns of the header, a positive
    /// time and bandwidth, sizes 8, 64, 512, 4096 for both kinds, and both fits a positive latency and bandwidth.</summary>
    [Fact]
    public void Micro_benchmark_on_two_ranks_prints_positive_latencies_and_bandwidths()
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` (installs openmpi-bin libopenmpi-dev) and `make build`");
        var r = MpiLauncher.Run(2, ["selftest", "mpi-bench", "4096", "50"], TimeSpan.FromMinutes(3));
        output.WriteLine(r.Stdout);
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')).ToList();
        int header = lines.IndexOf("kind,bytes,repeats,time_us,bandwidth_gb_s");
        Assert.True(header >= 0, $"no CSV header in\n{r.Stdout}");
        var rows = lines.Skip(header + 1).Where(l => !l.StartsWith("fit ", StringComparison.Ordinal)).Select(l => l.Split(',')).ToList();
        Assert.All(rows, row => Assert.Equal(5, row.Length));
        foreach (var kind in new[] { "pingpong", "allreduce" })
        {
            var mine = rows.Where(row => row[0] == kind).ToList();
            Assert.Equal(new long[] { 8, 64, 512, 4096 }, mine.Select(row => long.Parse(row[1], CultureInfo.InvariantCulture)));
            foreach (var row in mine)
            {
                Assert.InRange(int.Parse(row[2], CultureInfo.InvariantCulture), 10, 50);
                Assert.True(Number(row[3]) > 0 && Number(row[4]) > 0, string.Join(',', row));
                // bandwidth_gb_s = bytes / time (to the 6 printed digits)
                Assert.Equal(Number(row[1]) / (Number(row[3]) * 1e3), Number(row[4]), 1e-4 * Number(row[4]));
            }
            var fit = Regex.Match(r.Stdout, $@"fit {kind}: latency_us = ([0-9.eE+-]+), bandwidth_gb_s = ([0-9.eE+-]+)");
            Assert.True(fit.Success, $"no fit line for {kind}");
            Assert.True(Number(fit.Groups[1].Value) > 0 && Number(fit.Groups[2].Value) > 0, fit.Value);
        }
    }

    /// <summary>The model's terms on inputs whose values follow by hand from the formulas of docs/scaling.md: a 10³ block,
    /// α = 1 µs, β = 1 GB/s, F = 1 GF/s, one halo exchange of 2 columns, one allreduce of 800 B, one TSQR of width 2.
    /// P = 8 (2×2×2, one neighbour per axis, ⌈log2 P⌉ = 3): halo 3·(1 µs + 8·100·2 B/β) = 7.8 µs; allreduce 3·(1 µs + 0.8 µs)
    /// = 5.4 µs; TSQR gather 3·(1 µs + 8·8·4 B/β) + 2·8·2³/F = 3.896 µs, tree 3·(1 µs + 32 B/β + (10/3)·8/F) = 3.176 µs.
    /// P = 64 (4×4×4, two neighbours per axis, 6 levels): halo 15.6 µs. P = 1: no messages, efficiency 1.</summary>
    [Fact]
    public void Model_arithmetic_on_given_inputs()
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "python3 (/usr/bin/python3) is needed: make deps");
        string inputs = Path.Combine(tmp, "inputs.json"), csv = Path.Combine(tmp, "model.csv");
        File.WriteAllText(inputs, """
            {"cells_per_rank": [10, 10, 10], "flops_per_second": 1e9,
             "networks": {"test": {"latency_us": 1.0, "bandwidth_gb_s": 1.0}},
             "steps": {"aug": {"step_seconds": 0.01, "halo_columns": [2], "allreduce_bytes": [800], "tsqr_widths": [2]}}}
            """);
        var script = Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "plot_scaling_model.py");
        var r = ChildProcess.Run(ChildProcess.Info(python, [script, "--inputs", inputs, "--csv", csv, "--ranks", "1,8,64"]), TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = File.ReadAllLines(csv);
        Assert.Equal("network,integrator,tsqr,ranks,rank_grid,compute_s,halo_s,allreduce_s,tsqr_s,step_s,efficiency", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(c => (c[2], int.Parse(c[3], CultureInfo.InvariantCulture)));
        void Check(string variant, int p, string grid, double halo, double allreduce, double tsqr)
        {
            var c = rows[(variant, p)];
            Assert.Equal(grid, c[4]);
            Assert.Equal(halo, Number(c[6]), 1e-5 * halo + 1e-15);
            Assert.Equal(allreduce, Number(c[7]), 1e-5 * allreduce + 1e-15);
            Assert.Equal(tsqr, Number(c[8]), 1e-5 * tsqr + 1e-15);
            double total = 0.01 + halo + allreduce + tsqr;
            Assert.Equal(total, Number(c[9]), 1e-5 * total);
            Assert.Equal(0.01 / total, Number(c[10]), 1e-5);
        }
        Check("gather", 1, "1x1x1", 0, 0, 0);
        Check("gather", 8, "2x2x2", 7.8e-6, 5.4e-6, 3.896e-6);
        Check("tree", 8, "2x2x2", 7.8e-6, 5.4e-6, 3.176e-6);
        Check("gather", 64, "4x4x4", 15.6e-6, 6 * 1.8e-6, 6 * (1e-6 + 8.0 * 64 * 4 / 1e9) + 2.0 * 64 * 8 / 1e9);
        Assert.Equal(1.0, Number(rows[("tree", 1)][10]));
    }
}
