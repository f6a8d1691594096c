using ParallelDlra.Tests.Support;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Parallel;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Hostile;

/// <summary>
/// Real faults (issue #18): SIGKILL of a serial run during a step, SIGKILL of one rank of a 3-rank mpiexec run during a
/// step and during a checkpoint write, a full disk at start and in the middle of a run (a small tmpfs mounted for the
/// test, or a loop-mounted ext4 image), a corrupted checkpoint, and a second run into the same folder. After each, the
/// last complete checkpoint restarts bit-identically (φ and the diagnostics equal an uninterrupted run) and no earlier
/// result is lost. Every run is a real pdlra process (the built apphost, mpiexec for 3 ranks).
/// </summary>
[Collection("MPI launches")]
public sealed class FaultTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _tmp = Directory.CreateTempSubdirectory("pdlra-fault-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { }
    }

    private const string Deck = """
        problem: {name: fault}
        grid: {cells: [16, 16], extent: [[-1, 1], [-1, 1]], boundary: vacuum}
        angular: {order: 3}
        material: {sigma_s: 1}
        initial: {type: gaussian, sigma: 0.2}
        time: {end: 1000}
        solver: {type: augmented_bug}
        output: {progress_every: 100000}
        """;

    private string DeckFile()
    {
        string path = Path.Combine(_tmp, "fault.yaml");
        if (!File.Exists(path)) File.WriteAllText(path, Deck);
        return path;
    }

    private static string[] Sets(params string[] sets) => [.. sets.SelectMany(s => new[] { "--set", s })];

    private string[] RunArgs(string dir, int steps, int every, params string[] extra)
        => ["run", DeckFile(), .. Sets($"output.directory={dir}", $"time.max_steps={steps}", $"output.checkpoint_every={every}"), .. extra];

    private ChildProcess.Result Pdlra(int ranks, string[] args, IReadOnlyDictionary<string, string>? env = null)
    {
        var r = MpiLauncher.Run(ranks, args, Limit, env);
        output.WriteLine($"pdlra ({ranks} rank(s)) {string.Join(' ', args.Skip(2))}: exit {r.ExitCode} in {r.Elapsed.TotalSeconds:F1} s");
        return r;
    }

    private static void Ok(ChildProcess.Result r) => Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());

    /// <summary>φ (bytes) and the diagnostics without wall time of a finished run.</summary>
    private static (byte[] Phi, string[] Diagnostics) Result(string dir)
        => (File.ReadAllBytes(Path.Combine(dir, OutputWriter.FieldBinaryFile)),
            [.. File.ReadAllLines(Path.Combine(dir, OutputWriter.DiagnosticsFile)).Select(l => string.Join(',', l.Split(',')[..8]))]);

    private static void SameResult(string expected, string actual)
    {
        var (phiA, diagA) = Result(expected);
        var (phiB, diagB) = Result(actual);
        Assert.Equal(diagA, diagB);
        Assert.True(phiA.AsSpan().SequenceEqual(phiB), "φ differs from the uninterrupted run");
    }

    private static int StepOf(string checkpoint)
        => int.Parse(Path.GetFileNameWithoutExtension(checkpoint)["checkpoint_".Length..], CultureInfo.InvariantCulture);

    private static string? Newest(string dir)
        => Directory.Exists(dir) ? Directory.GetFiles(dir, "checkpoint_*.h5").OrderBy(StepOf).LastOrDefault() : null;

    private static Process Start(int ranks, string[] args, IReadOnlyDictionary<string, string>? env = null)
    {
        var p = ChildProcess.Start(MpiLauncher.StartInfo(ranks, args, env));
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }

    private static void WaitFor(Func<bool> condition, Process p, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition() && !p.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
        Assert.True(condition(), $"{what} never happened (exited: {p.HasExited})");
    }

    /// <summary>The pid of MPI rank <paramref name="rank"/> of a run writing into <paramref name="dir"/> (from /proc).</summary>
    private static int RankPid(string dir, int rank)
    {
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid)) continue;
            try
            {
                string cmd = File.ReadAllText(Path.Combine(proc, "cmdline"));
                if (!cmd.Contains($"output.directory={dir}\0", StringComparison.Ordinal) || cmd.StartsWith("mpiexec", StringComparison.Ordinal)) continue;
                var env = File.ReadAllText(Path.Combine(proc, "environ")).Split('\0');
                if (env.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return -1;
    }

    private static void Sigkill(int pid)
    {
        Assert.True(pid > 0, "no such rank");
        using var kill = Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [Fact]
    public void Serial_SIGKILL_during_a_step_restarts_bit_identically_from_the_last_checkpoint()
    {
        // 600 steps, a checkpoint every 40 (1500 and 100 before): the kill after the third checkpoint leaves 480 steps.
        const int steps = 600, every = 40;
        string whole = Path.Combine(_tmp, "whole"), killed = Path.Combine(_tmp, "killed");
        Ok(Pdlra(1, RunArgs(whole, steps, every)));
        using (var p = Start(1, RunArgs(killed, steps, every)))
        {
            WaitFor(() => File.Exists(Path.Combine(killed, CheckpointStore.FileName(3 * every))), p, $"checkpoint {3 * every}");
            Thread.Sleep(40); // inside the steps after it
            p.Kill();
            p.WaitForExit();
        }
        string last = Newest(killed)!;
        Assert.True(StepOf(last) < steps, "the run finished before it was killed");
        var before = Directory.GetFiles(killed, "checkpoint_*.h5");
        Ok(Pdlra(1, [.. RunArgs(killed, steps, every), "--restart", last]));
        SameResult(whole, killed);
        Assert.All(before, f => Assert.True(File.Exists(f), $"{f} of the killed run was removed"));
    }

    [Fact]
    public void One_rank_of_three_SIGKILLed_during_a_step_and_during_a_checkpoint_write_restarts_bit_identically()
    {
        // 200 steps, a checkpoint every 40 (500 and 50 before): the same kills (after the second checkpoint, during the
        // second write), restarts and comparisons, with 120 steps left after the kill so the run is still stepping.
        const int steps = 200, every = 40;
        string whole = Path.Combine(_tmp, "whole3"), step = Path.Combine(_tmp, "step3"), write = Path.Combine(_tmp, "write3");
        Ok(Pdlra(3, RunArgs(whole, steps, every)));

        // During a step: rank 1 dies after checkpoint 2·every; mpiexec ends the others.
        using (var p = Start(3, RunArgs(step, steps, every)))
        {
            WaitFor(() => File.Exists(Path.Combine(step, CheckpointStore.FileName(2 * every))), p, $"checkpoint {2 * every}");
            Thread.Sleep(20);
            Sigkill(RankPid(step, 1));
            Assert.True(p.WaitForExit(Limit), "the other ranks did not end after rank 1 was killed");
            Assert.NotEqual(0, p.ExitCode);
        }
        string last = Newest(step)!;
        Assert.True(StepOf(last) < steps);
        Ok(Pdlra(3, [.. RunArgs(step, steps, every), "--restart", last]));
        SameResult(whole, step);

        // During a checkpoint write: every write pauses 3 s inside its temporary file; rank 2 dies in the second one.
        var pause = new Dictionary<string, string> { [CheckpointStore.PauseVariable] = "3" };
        string? Partial() => Directory.Exists(write) ? Directory.GetFiles(write, $".checkpoint_{2 * every:D6}.*.h5.tmp").FirstOrDefault() : null;
        string? partial = null;
        using (var p = Start(3, RunArgs(write, steps, every), pause))
        {
            WaitFor(() => (partial = Partial()) is not null, p, $"the write of checkpoint {2 * every}");
            Thread.Sleep(300);
            Sigkill(RankPid(write, 2));
            Assert.True(p.WaitForExit(Limit), "the other ranks did not end after rank 2 was killed");
            Assert.NotEqual(0, p.ExitCode);
        }
        Assert.False(File.Exists(Path.Combine(write, CheckpointStore.FileName(2 * every))));
        string first = Path.Combine(write, CheckpointStore.FileName(every));
        Ok(Pdlra(3, [.. RunArgs(write, steps, every), "--restart", first]));
        SameResult(whole, write);
        Assert.False(File.Exists(partial), "the leftover of the killed write (of the run continued) stays");
        Assert.True(File.Exists(first), "the restart source was removed");
    }

    /// <summary>A small file system of <paramref name="kib"/> KiB at a fresh folder: tmpfs, else a loop-mounted ext4
    /// image; the test fails if neither can be mounted. Disposing unmounts it.</summary>
    private sealed class SmallDisk : IDisposable
    {
        public string Path { get; }
        private readonly string? _image;

        public SmallDisk(string parent, int kib)
        {
            Path = System.IO.Path.Combine(parent, "disk");
            Directory.CreateDirectory(Path);
            var (rc, err) = Sh("mount", "-t", "tmpfs", "-o", $"size={kib}k", "tmpfs", Path);
            if (rc == 0) return;
            _image = System.IO.Path.Combine(parent, "disk.img");
            var (rc2, err2) = Sh("sh", "-c", $"dd if=/dev/zero of={_image} bs=1k count={Math.Max(kib, 1024)} 2>/dev/null && mkfs.ext4 -q -F {_image} && mount -o loop {_image} {Path}");
            Assert.True(rc2 == 0, $"cannot mount a small file system: tmpfs ({err.Trim()}), loop image ({err2.Trim()})");
        }

        public static (int Code, string Stderr) Sh(string exe, params string[] args)
        {
            var r = ChildProcess.Run(ChildProcess.Info(exe, args), TimeSpan.FromMinutes(2));
            return (r.ExitCode, r.Stderr);
        }

        /// <summary>Fills the file system (a file written until ENOSPC).</summary>
        public void Fill()
        {
            try
            {
                using var f = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Create);
                var block = new byte[4096];
                while (true) { f.Write(block); f.Flush(); }
            }
            catch (IOException) { }
        }

        public void Dispose()
        {
            Sh("umount", "-l", Path);
            if (_image is not null) File.Delete(_image);
        }
    }

    [Fact]
    public void A_full_disk_at_start_is_exit_2_naming_output_directory()
    {
        using var disk = new SmallDisk(_tmp, 256);
        string dir = Path.Combine(disk.Path, "out");
        Directory.CreateDirectory(dir);
        disk.Fill();
        var r = Pdlra(1, RunArgs(dir, 10, 5));
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith($"error: output.directory = {dir}: ", lines[0]);
        Assert.DoesNotContain("HDF5", r.Stderr);
    }

    [Fact]
    public void A_disk_that_fills_in_the_middle_of_a_run_keeps_the_last_checkpoint_which_restarts_bit_identically()
    {
        const int steps = 300;
        string whole = Path.Combine(_tmp, "whole");
        Ok(Pdlra(1, RunArgs(whole, steps, 1000)));
        using var disk = new SmallDisk(_tmp, 3 * 1024);
        string dir = Path.Combine(disk.Path, "out");
        var r = Pdlra(1, RunArgs(dir, steps, 1, "--set", "output.checkpoint_keep=100000"));
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(" WARN ")).ToArray();
        Assert.True(lines.Length == 1, r.ToString());
        Assert.Matches(@"^failure: step \d+ \(t = .*\): checkpoint checkpoint_\d{6}\.h5 could not be written", lines[0]);
        Assert.Empty(Directory.GetFiles(dir, ".checkpoint_*.tmp"));
        string last = Newest(dir)!;
        Assert.True(StepOf(last) is > 1 and < steps, last);

        string again = Path.Combine(_tmp, "again");
        Ok(Pdlra(1, [.. RunArgs(again, steps, 1000), "--restart", last]));
        SameResult(whole, again);
    }

    [Fact]
    public void A_corrupted_checkpoint_is_exit_2_naming_it_and_the_one_before_restarts_bit_identically()
    {
        const int steps = 20;
        string whole = Path.Combine(_tmp, "whole"), dir = Path.Combine(_tmp, "corrupt");
        Ok(Pdlra(1, RunArgs(whole, steps, 1000)));
        Ok(Pdlra(1, RunArgs(dir, steps, 5, "--set", "output.checkpoint_keep=3")));
        string c20 = Path.Combine(dir, CheckpointStore.FileName(20)), c15 = Path.Combine(dir, CheckpointStore.FileName(15));

        // 64 bytes flipped inside X's data.
        double[] x;
        using (var h5 = Hdf5File.Open(c20, SerialCommunicator.Instance)) x = h5.ReadAll("state/X");
        var bytes = File.ReadAllBytes(c20);
        var pattern = new byte[32];
        Buffer.BlockCopy(x, 0, pattern, 0, 32);
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0, "X's data not found in the file");
        for (int i = 0; i < 64; i++) bytes[at + 64 + i] ^= 0x5A;
        File.WriteAllBytes(c20, bytes);
        string restartDir = Path.Combine(_tmp, "from20");
        var bad = Pdlra(1, [.. RunArgs(restartDir, steps + 5, 1000), "--restart", c20]);
        Assert.Equal(2, bad.ExitCode);
        var lines = bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, bad.ToString());
        Assert.StartsWith($"error: --restart {c20}: corrupted", lines[0]);

        // 64 bytes flipped in the middle of the file: refused, or (bytes HDF5 never reads) a bit-identical result.
        string c10 = Path.Combine(dir, CheckpointStore.FileName(10)), middle = Path.Combine(_tmp, "middle.h5");
        var mid = File.ReadAllBytes(c10);
        for (int i = 0; i < 64; i++) mid[mid.Length / 2 + i] ^= 0xFF;
        File.WriteAllBytes(middle, mid);
        string middleDir = Path.Combine(_tmp, "frommiddle");
        var m = Pdlra(1, [.. RunArgs(middleDir, steps, 1000), "--restart", middle]);
        Assert.True(m.ExitCode is 0 or 2, m.ToString());
        if (m.ExitCode == 0) SameResult(whole, middleDir);
        else Assert.Single(m.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        string good = Path.Combine(_tmp, "from15");
        Ok(Pdlra(1, [.. RunArgs(good, steps, 1000), "--restart", c15]));
        SameResult(whole, good);
    }

    private static Dictionary<string, string> Hashes(string dir)
        => Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void A_second_run_in_the_same_folder_is_refused_and_a_restart_there_loses_nothing()
    {
        string dir = Path.Combine(_tmp, "shared"), other = Path.Combine(_tmp, "other"), ref30 = Path.Combine(_tmp, "ref30");
        Ok(Pdlra(1, RunArgs(dir, 60, 10, "--set", "output.checkpoint_keep=3", "--set", "output.snapshot_every=20")));
        Ok(Pdlra(1, RunArgs(other, 10, 10)));
        Ok(Pdlra(1, RunArgs(ref30, 30, 1000)));
        var first = Hashes(dir);
        Assert.Equal(["checkpoint_000040.h5", "checkpoint_000050.h5", "checkpoint_000060.h5"],
            first.Keys.Where(k => k.StartsWith("checkpoint_", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // A fresh, shorter run (and one of other physics) into the folder: refused, nothing touched.
        foreach (var extra in new[] { Sets("time.max_steps=30"), Sets("time.max_steps=30", "material.sigma_s=2") })
        {
            var r = Pdlra(1, [.. RunArgs(dir, 30, 10), .. extra]);
            Assert.Equal(2, r.ExitCode);
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, r.ToString());
            Assert.Contains($"output.directory = {dir}", lines[0]);
            Assert.Contains("--overwrite", lines[0]);
            Assert.Equal(first, Hashes(dir));
        }

        // --restart from an earlier checkpoint (another run's, step 10) with time.max_steps = 30 while 40/50/60 are there:
        // 40, 50, 60 and the restart source stay; the result equals an uninterrupted 30-step run.
        string source = Path.Combine(dir, CheckpointStore.FileName(10));
        File.Copy(Path.Combine(other, CheckpointStore.FileName(10)), source);
        var restarted = Pdlra(1, [.. RunArgs(dir, 30, 10, "--set", "output.checkpoint_keep=1"), "--restart", source]);
        Ok(restarted);
        SameResult(ref30, dir);
        foreach (var keep in new[] { 10, 40, 50, 60 })
            Assert.True(File.Exists(Path.Combine(dir, CheckpointStore.FileName(keep))), $"checkpoint {keep} was removed");
        foreach (var name in new[] { "checkpoint_000040.h5", "checkpoint_000050.h5", "checkpoint_000060.h5" })
            Assert.Equal(first[name], Hashes(dir)[name]);

        // A restart given the temporary file of an interrupted write: refused, the file stays.
        string tmpFile = Path.Combine(dir, ".checkpoint_000070.20990101T000000Z-000000000000.h5.tmp");
        File.Copy(Path.Combine(dir, CheckpointStore.FileName(60)), tmpFile);
        var t = Pdlra(1, [.. RunArgs(dir, 80, 10), "--restart", tmpFile]);
        Assert.Equal(2, t.ExitCode);
        Assert.True(File.Exists(tmpFile));

        // --overwrite replaces the folder's results: the index lists only the new run's snapshots.
        Ok(Pdlra(1, [.. RunArgs(dir, 10, 5, "--set", "output.snapshot_every=5"), "--overwrite"]));
        Assert.Equal(["snapshot_000000.h5", "snapshot_000005.h5", "snapshot_000010.h5"],
            Directory.GetFiles(dir, "snapshot_*.h5").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("snapshot_000020", File.ReadAllText(Path.Combine(dir, SnapshotWriter.IndexFile)));
        Assert.Equal(["checkpoint_000005.h5", "checkpoint_000010.h5"],
            Directory.GetFiles(dir, "checkpoint_*.h5").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
