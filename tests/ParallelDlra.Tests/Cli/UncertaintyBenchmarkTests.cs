using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Tests.Parallel;
using Xunit;

namespace ParallelDlra.Tests.Cli;

/// <summary><c>pdlra bench uq</c> (issue #16 benchmark) at a tiny size through the built pdlra: every run of the table
/// happens (each a child process), and the numbers obey what is known without the code's output — the collocation
/// DLRA at rank = n_moments is the collocation full rank (rounding), and the group line is printed.</summary>
[Collection("MPI launches")]   // the benchmark starts mpiexec -n 2 for the groups line
public sealed class UncertaintyBenchmarkTests
{
    [Fact]
    public void Bench_uq_prints_every_run_and_the_rank_n_ensemble_equals_full_rank()
    {
        if (MpiLauncher.Unavailable() is { } why) Assert.Fail($"the benchmark's group line needs MPI: {why}");
        // P_3 in 2D has 10 moments: the DLRA members start at rank min(20, 10) = 10 = n_moments and cannot truncate.
        var r = MpiLauncher.Run(1, ["bench", "uq", "16", "3", "2", "4"], TimeSpan.FromSeconds(240));
        Assert.True(r.ExitCode == 0, r.ToString());
        double Diff(string label, string column)
        {
            var m = Regex.Match(r.Stdout, Regex.Escape(label) + @"\s+\S+\s+\S+\s+\S+\s+\S+\s+(?<e>\S+)\s+(?<v>\S+)");
            Assert.True(m.Success, $"no row '{label}':\n{r.Stdout}");
            return double.Parse(m.Groups[column].Value, CultureInfo.InvariantCulture);
        }
        Assert.Contains("reference (collocation, full rank)", r.Stdout);
        double eFull = Diff("collocation, full rank", "e"), vFull = Diff("collocation, full rank", "v");
        double eLow = Diff("collocation, DLRA (augmented BUG)", "e"), vLow = Diff("collocation, DLRA (augmented BUG)", "v");
        // rounding: both differences are of the same fields up to the DLRA's rounding (1e-13 of φ), so they agree to far
        // better than their size (printed to 4 digits)
        Assert.Equal(eFull, eLow, eFull * 1e-3);
        Assert.Equal(vFull, vLow, vFull * 1e-3);
        // theory: 3 Gauss nodes integrate the degree-5 polynomial part of φ(ξ) exactly; E and Var of a smooth dependence
        // differ from the 4-node reference far below 1 (a sign or weight error gives O(1))
        Assert.True(eFull < 1e-3 && vFull < 1e-1, $"E diff {eFull}, Var diff {vFull}");
        Assert.Matches(@"SG-DLRA vs collocation, full rank: time \S+x", r.Stdout);
        Assert.Matches(@"ensemble groups \(3 members, full rank\): 1 group \S+ s, 2 groups \(mpiexec -n 2\) \S+ s: speedup", r.Stdout);
    }

    [Fact]
    public void A_bad_size_is_bad_input()
    {
        var r = MpiLauncher.Run(1, ["bench", "uq", "0"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bench uq: argument 1 (0) is not an integer in [1, 4096]", r.Stderr);
    }
}
