using ParallelDlra.Tests.Support;
using ParallelDlra.Tests.Parallel;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Hostile;

/// <summary>Failures under <c>mpiexec -n 3</c> (issue #18): one copy of the message (bad input and divergence from rank 0,
/// any other failure from the first failing rank, with its number), the right exit code, no rank left waiting.</summary>
[Collection("MPI launches")]
public sealed class HostileMpiTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);   // the hang guard; generous for a loaded shared CI machine
    private readonly string _tmp = Directory.CreateTempSubdirectory("pdlra-hostile-mpi-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { }
    }

    private string Deck(string text)
    {
        string path = Path.Combine(_tmp, $"deck-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private const string Small = """
        problem: {name: mpi}
        grid: {cells: [16, 16], extent: [[-1, 1], [-1, 1]]}
        angular: {order: 3}
        material: {sigma_s: 1}
        initial: {type: gaussian, sigma: 0.2}
        time: {end: 1, max_steps: 4}
        solver: {type: augmented_bug}
        """;

    private ChildProcess.Result Run3(string[] args, IReadOnlyDictionary<string, string>? env = null)
    {
        var r = MpiLauncher.Run(3, args, Limit, env);
        output.WriteLine($"mpiexec -n 3 pdlra {string.Join(' ', args)}: exit {r.ExitCode} in {r.Elapsed.TotalSeconds:F1} s\n{r.Stderr}");
        Assert.False(r.TimedOut, r.ToString());
        return r;
    }

    /// <summary>pdlra's own lines on standard error (mpiexec adds its banner).</summary>
    private static string[] Ours(string stderr)
        => [.. stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ", StringComparison.Ordinal)
            || l.StartsWith("failure: ", StringComparison.Ordinal) || l.StartsWith("rank ", StringComparison.Ordinal))];

    [Theory]
    [InlineData("r_min above n_moments", "solver.truncation.r_min=11", "is larger than n_moments")]
    [InlineData("width 1e-320", "grid.extent=[[0, 1e-320], [-1, 1]]", "underflows")]
    [InlineData("cells 1e5 x 1e5 (memory)", "grid.cells=[100000, 100000]", "GiB of memory per rank")]
    [InlineData("memory", "grid.cells=[2000, 2000]|angular.order=30|solver.type=full_rank", "GiB of memory per rank")]
    public void Bad_input_on_three_ranks_is_one_line_and_exit_2(string name, string sets, string says)
    {
        var r = Run3(["run", Deck(Small), "--set", $"output.directory={Path.Combine(_tmp, "o")}",
            .. sets.Split('|').SelectMany(s => new[] { "--set", s })]);
        Assert.True(r.ExitCode == 2, $"{name}: {r}");
        Assert.Single(Ours(r.Stderr));
        Assert.StartsWith("error: ", Ours(r.Stderr)[0]);
        Assert.Contains(says, Ours(r.Stderr)[0]);
        // That the refusal comes before any allocation is shown by the message (the size check's, not an out-of-memory
        // failure); no wall-clock bound beyond the launch limit: a shared CI machine once took 95 s for this launch.
    }

    [Fact]
    public void A_divergence_on_three_ranks_is_one_line_from_rank_0_and_exit_1()
    {
        string deck = Deck(Small.Replace("material: {sigma_s: 1}", "material: {sigma_s: 1, source: 1e307}")
            .Replace("solver: {type: augmented_bug}", "solver: {type: full_rank}").Replace("max_steps: 4", "max_steps: 100")
            .Replace("time: {end: 1,", "time: {end: 100,"));
        string dir = Path.Combine(_tmp, "div");
        var r = Run3(["run", deck, "--set", $"output.directory={dir}", "--set", "output.checkpoint_every=2"]);
        Assert.Equal(1, r.ExitCode);
        var lines = Ours(r.Stderr);
        Assert.Single(lines);
        Assert.Matches(@"^failure: diverged at step \d+ \(t = ", lines[0]);
        Assert.NotEmpty(Directory.GetFiles(dir, "checkpoint_*.h5"));
        Assert.True(File.Exists(Path.Combine(dir, "diagnostics.csv")));
    }

    [Fact]
    public void A_failure_on_every_rank_is_reported_once_with_the_rank_number()
    {
        var r = Run3(["run", Deck(Small), "--set", $"output.directory={Path.Combine(_tmp, "all")}"],
            new Dictionary<string, string> { ["PDLRA_TEST_FAIL_RANK"] = "all" });
        Assert.NotEqual(0, r.ExitCode);
        var lines = Ours(r.Stderr);
        Assert.Single(lines);
        Assert.Matches(@"^rank [0-2]: InvalidOperationException: PDLRA_TEST_FAIL_RANK=all: failing on purpose$", lines[0]);
    }

    [Fact]
    public void A_second_run_on_three_ranks_into_a_used_folder_is_refused_once()
    {
        string dir = Path.Combine(_tmp, "used");
        string deck = Deck(Small);
        Assert.Equal(0, Run3(["run", deck, "--set", $"output.directory={dir}"]).ExitCode);
        var r = Run3(["run", deck, "--set", $"output.directory={dir}"]);
        Assert.Equal(2, r.ExitCode);
        var lines = Ours(r.Stderr);
        Assert.Single(lines);
        Assert.Contains("--overwrite", lines[0]);
        Assert.Equal(0, Run3(["run", deck, "--set", $"output.directory={dir}", "--overwrite"]).ExitCode);
    }
}
