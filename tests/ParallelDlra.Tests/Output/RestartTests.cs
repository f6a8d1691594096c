using ParallelDlra.Output;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Output;

/// <summary>Checkpoints and <c>pdlra run --restart</c>: bit-identical continuation (full rank and augmented BUG),
/// rotation, a SIGKILL in the middle of a checkpoint write, and bad restart files.</summary>
[Collection("NLog configuration")]
public sealed class RestartTests : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-restart-test-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    /// <summary>Small versions of two decks: full rank (plane source, 1D) and augmented BUG (line source, 2D, with a
    /// later time.end so that 20 steps fit).</summary>
    private static string[] Small(string deck) => deck switch
    {
        "planesource" => [JobDeck("planesource"), "--set", "grid.cells=[60]", "--set", "angular.order=7"],
        "linesource" => [JobDeck("linesource"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.end=5"],
        "linesource_sn" => [JobDeck("linesource_sn"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=6", "--set", "time.end=5",
            "--set", "solver.rank=6", "--set", "solver.truncation.r_min=4"],
        "linesource_filtered" => [JobDeck("linesource_filtered"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.end=5",
            "--set", "angular.filter.strength=5", "--set", "solver.rank=6", "--set", "solver.truncation.r_min=4"],
        "linesource_order2" => [JobDeck("linesource_order2"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.end=5",
            "--set", "angular.filter.strength=5", "--set", "solver.type=augmented_bug", "--set", "solver.conservative=true",
            "--set", "solver.rank=6", "--set", "solver.truncation.r_min=4"],
        "linesource_midpoint" => [JobDeck("linesource"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.end=5",
            "--set", "solver.type=midpoint_bug", "--set", "solver.conservative=true"],
        "linesource_parallel2" => [JobDeck("linesource"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.end=5",
            "--set", "solver.type=parallel_bug2"],
        _ => throw new ArgumentException(deck),
    };

    private string RunSteps(string deck, string name, int steps, params string[] extra)
    {
        string dir = Path.Combine(tmp, name);
        Run(0, ["run", .. Small(deck), "--set", $"time.max_steps={steps}", "--set", $"output.directory={dir}", .. extra]);
        return dir;
    }

    [Theory]
    [InlineData("planesource")] // full rank
    [InlineData("linesource")]  // augmented BUG
    [InlineData("linesource_sn")]  // S_N, augmented BUG, conservative truncation
    [InlineData("linesource_filtered")]  // filtered P_N, augmented BUG, conservative truncation
    [InlineData("linesource_order2")]  // second order in space, SSP-RK3, augmented BUG, conservative truncation
    [InlineData("linesource_midpoint")]  // midpoint BUG, conservative truncation (issue #15 item 5)
    [InlineData("linesource_parallel2")]  // second-order parallel BUG
    public void Twenty_steps_equal_ten_plus_ten_from_a_checkpoint_bit_for_bit(string deck)
    {
        string whole = RunSteps(deck, "whole", 20);
        string split = RunSteps(deck, "split", 10, "--set", "output.checkpoint_every=10");
        string checkpoint = Path.Combine(split, CheckpointStore.FileName(10));
        Assert.True(File.Exists(checkpoint));

        var (stdout, _) = Run(0, ["run", .. Small(deck), "--set", "time.max_steps=20", "--set", $"output.directory={split}",
            "--set", "output.checkpoint_every=10", "--restart", checkpoint]);
        Assert.Contains("restart from", stdout);
        Assert.Contains("done: 20 steps", stdout);

        Assert.Equal(ReadDoubles(Path.Combine(whole, "phi.bin")), ReadDoubles(Path.Combine(split, "phi.bin")));
        Assert.Equal(DiagnosticsWithoutWall(whole), DiagnosticsWithoutWall(split)); // steps 0..20: t, Δt, rank, mass, outflow
        Assert.True(File.Exists(Path.Combine(split, CheckpointStore.FileName(20))));
    }

    [Fact]
    public void Only_the_last_checkpoint_keep_checkpoints_remain()
    {
        string dir = RunSteps("planesource", "keep", 9, "--set", "output.checkpoint_every=2", "--set", "output.checkpoint_keep=3");
        Assert.Equal([CheckpointStore.FileName(6), CheckpointStore.FileName(8), CheckpointStore.FileName(9)],
            Directory.GetFiles(dir, "checkpoint_*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(dir, ".checkpoint_*"));
    }

    [Fact]
    public void A_SIGKILL_inside_a_checkpoint_write_leaves_the_previous_checkpoint_restartable()
    {
        string whole = RunSteps("planesource", "whole", 20);
        string dir = Path.Combine(tmp, "killed");
        var (exe, prefix) = PdlraCommand();
        string[] args = [.. prefix, "run", .. Small("planesource"), "--set", "time.max_steps=20", "--set", "output.checkpoint_every=5",
            "--set", $"output.directory={dir}"];
        string? partial = null;
        string? Partial() => Directory.Exists(dir) ? Directory.GetFiles(dir, ".checkpoint_000010.*.h5.tmp").FirstOrDefault() : null;
        using (var p = Start(exe, args, new Dictionary<string, string> { [CheckpointStore.PauseVariable] = "3" }))
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((partial = Partial()) is null && !p.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(partial is not null, $"the write of checkpoint 10 never started (exited: {p.HasExited})");
            Thread.Sleep(300); // well inside the 3 s pause of the write
            p.Kill(); // SIGKILL
            p.WaitForExit();
        }
        Assert.True(File.Exists(Path.Combine(dir, CheckpointStore.FileName(5))));
        Assert.False(File.Exists(Path.Combine(dir, CheckpointStore.FileName(10))));

        var (stdout, _) = Run(0, ["run", .. Small("planesource"), "--set", "time.max_steps=20", "--set", $"output.directory={dir}",
            "--restart", Path.Combine(dir, CheckpointStore.FileName(5))]);
        Assert.Contains("done: 20 steps", stdout);
        Assert.Equal(ReadDoubles(Path.Combine(whole, "phi.bin")), ReadDoubles(Path.Combine(dir, "phi.bin")));
        Assert.False(File.Exists(partial)); // the leftover of the killed write (of the run continued) is removed
    }

    public static TheoryData<string> BadFiles() => new() { "missing", "truncated", "foreign-binary", "foreign-hdf5", "other-deck" };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_restart_file_is_one_line_and_exit_2(string kind)
    {
        string dir = RunSteps("planesource", "good", 4, "--set", "output.checkpoint_every=4");
        string good = Path.Combine(dir, CheckpointStore.FileName(4));
        string file = Path.Combine(tmp, kind + ".h5");
        string[] deck = Small("planesource");
        switch (kind)
        {
            case "missing": break;
            case "truncated":
                var bytes = File.ReadAllBytes(good);
                File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
                break;
            case "foreign-binary": File.Copy(Path.Combine(dir, "phi.bin"), file); break;
            case "foreign-hdf5": File.Copy(Path.Combine(dir, OutputWriter.DiagnosticsHdf5File), file); break;
            case "other-deck":
                File.Copy(good, file);
                deck = [.. deck, "--set", "material.sigma_s=2"];
                break;
        }
        var (stdout, stderr) = Run(2, ["run", .. deck, "--set", $"output.directory={Path.Combine(tmp, "again")}", "--restart", file]);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"error: --restart {file}: ", lines[0]);
        if (kind == "other-deck") Assert.Contains("sigma_s=2", lines[0]);
        Assert.DoesNotContain("done:", stdout);
    }
}
