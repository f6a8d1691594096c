using System.Diagnostics;
using ParallelDlra.Cli;
using ParallelDlra.Application;
using ParallelDlra.Solvers;
using Xunit;

namespace ParallelDlra.Tests.Hostile;

/// <summary>
/// Grids beyond 2^31 cells are refused by what they would need, not by an index overflow (issue #18 item 4): <c>pdlra
/// run</c> by the memory estimate (exit 2 naming the memory needed and available), <c>pdlra check</c> by the rank-local
/// array limit (machine-independent), both within 2 s and without allocating (managed allocations of the thread under
/// 64 MiB — the grids would need terabytes).
/// </summary>
[Collection("NLog configuration")]
public sealed class HugeGridTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pdlra-huge-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private (int Code, string Error, double Seconds, long Allocated) Invoke(params string[] args)
    {
        string deck = Path.Combine(_dir, "deck.yaml");
        File.WriteAllText(deck, """
            problem: {name: huge}
            grid: {cells: [16, 16], extent: [[0, 1], [0, 1]], boundary: vacuum}
            angular: {order: 3}
            material: {sigma_s: 1}
            initial: {type: gaussian, sigma: 0.2}
            time: {end: 1, max_steps: 4}
            solver: {type: augmented_bug}
            """);
        var stderr = new StringWriter();
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        int rc = Program.Invoke([args[0], deck, "--set", $"output.directory={Path.Combine(_dir, "out")}", .. args[1..]], new StringWriter(), stderr);
        return (rc, stderr.ToString(), clock.Elapsed.TotalSeconds, GC.GetAllocatedBytesForCurrentThread() - allocated0);
    }

    [Theory]
    [InlineData("[100000, 100000]", "30", "[[0, 1], [0, 1]]")]
    [InlineData("[70000, 70000, 70000]", "3", "[[0, 1], [0, 1], [0, 1]]")]
    public void A_run_beyond_2_31_cells_is_refused_by_the_memory_estimate(string cells, string order, string extent)
    {
        // Only meaningful where the memory available is known (Linux: /proc/meminfo).
        Assert.NotNull(ResourceEstimate.Available(1));
        var (rc, err, seconds, allocated) = Invoke("run", "--set", $"grid.cells={cells}", "--set", $"angular.order={order}", "--set", $"grid.extent={extent}");
        string context = $"exit {rc} after {seconds:F2} s, {allocated >> 20} MiB allocated:\n{err}";
        Assert.True(rc == ExitCodes.BadInput, context);
        Assert.Contains($"grid.cells = {cells} at P_{order} on 1 rank(s): the run needs about", err);
        Assert.Contains("of memory per rank", err);
        Assert.Contains("is available", err);
        Assert.Contains("use more ranks (now 1)", err);
        Assert.DoesNotContain("Exception", err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // chosen: hang and allocation guards, as HostileInputTests: a refusal at check time allocates only the deck.
        Assert.True(seconds < 2, context);
        Assert.True(allocated < 64L << 20, context);
    }

    [Theory]
    [InlineData("[100000, 100000]", "30", "1", "10,000,000,000 cells per rank × 200 columns")]
    [InlineData("[100000, 100000]", "30", "64", "156,250,000 cells per rank × 200 columns")]
    [InlineData("[46341, 46341]", "3", "1", "2,147,488,281 cells per rank × 10 columns")]
    public void Check_refuses_a_rank_local_array_beyond_the_limit_and_names_the_memory(string cells, string order, string ranks, string entries)
    {
        var (rc, err, seconds, allocated) = Invoke("check", "--set", $"grid.cells={cells}", "--set", $"angular.order={order}", "--ranks", ranks);
        string context = $"exit {rc} after {seconds:F2} s:\n{err}";
        Assert.True(rc == ExitCodes.BadInput, context);
        Assert.Contains(entries, err);
        Assert.Contains("(local indices are 32-bit); the run would need about", err);
        Assert.Contains($"use more ranks (now {ranks})", err);
        // chosen: hang and allocation guards, as HostileInputTests: a refusal at check time allocates only the deck.
        Assert.True(seconds < 2, context);
        Assert.True(allocated < 64L << 20, context);
    }

    [Fact]
    public void An_ensemble_beyond_one_array_of_cells_is_refused_at_check_naming_grid_cells()
    {
        // Collocation gathers each member's φ whole on rank 0: more cells than one array holds is a deck error.
        string deck = Path.Combine(Support.TestDecks.RepositoryRoot(), "jobs", "linesource_uq.yaml");
        var stderr = new StringWriter();
        int rc = Program.Invoke(["check", deck, "--set", "uncertainty.method=collocation", "--set", "grid.cells=[46341, 46341]", "--ranks", "16"],
            new StringWriter(), stderr);
        Assert.True(rc == ExitCodes.BadInput, stderr.ToString());
        Assert.Contains("grid.cells", stderr.ToString());
        Assert.Contains("2,147,488,281 cells, but an ensemble", stderr.ToString());
    }

    [Fact]
    public void Check_accepts_a_grid_beyond_2_31_cells_on_enough_ranks()
    {
        // 46341² cells, P_3 (10 moments: 10 columns) on 16 ranks: 134 M cells per rank × 10 < 2^31 entries.
        var (rc, err, _, _) = Invoke("check", "--set", "grid.cells=[46341, 46341]", "--ranks", "16");
        Assert.True(rc == ExitCodes.Done, err);
    }
}
