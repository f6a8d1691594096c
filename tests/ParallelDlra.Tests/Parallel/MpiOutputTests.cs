using System.Globalization;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Parallel HDF5 output of a real multi-rank run (collective MPI-IO writes of each rank's block),
/// read by the real tools, and checkpoints restarted on the same and on other rank counts. In the MPI collection:
/// one MPI job at a time on the machine (two cores), like <see cref="MpiRunTests"/>.</summary>
[Collection("MPI launches")]
public sealed class MpiOutputTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-mpi-output-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private string RunOn(int ranks, string name, string deck, params string[] sets)
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` and `make build`");
        string dir = Path.Combine(tmp, name);
        List<string> args = ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", deck + ".yaml"), "--set", $"output.directory={dir}"];
        int i = 0;
        for (; i < sets.Length && sets[i] != "--restart"; i++) args.AddRange(["--set", sets[i]]);
        if (i < sets.Length) args.AddRange(sets[i..]);
        var r = MpiLauncher.Run(ranks, args, Limit);
        output.WriteLine($"{name}: {ranks} rank(s), exit {r.ExitCode} in {r.Elapsed.TotalSeconds:F1} s");
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.True(r.Stdout.Contains($"; {ranks} rank(s)"), $"the log does not say it ran on {ranks} rank(s):\n{r.Stdout}");
        return dir;
    }

    private static readonly string[] Small = ["grid.cells=[30, 26]", "angular.order=7", "solver.truncation.r_min=10"];

    [Fact]
    public void A_two_rank_run_writes_hdf5_that_h5dump_and_pvpython_read()
    {
        string dir = RunOn(2, "snap", "linesource", [.. Small, "time.max_steps=6", "output.snapshot_every=3", "output.moments=[1, 2]", "output.store_factors=true"]);
        string snapshot = Path.Combine(dir, "snapshot_000006.h5");
        var (code, dump, err) = Spawn(RequireTool("h5dump", "hdf5-tools"), ["-H", snapshot]);
        Assert.True(code == 0, err);
        foreach (var name in new[] { "DATASET \"phi\"", "DATASET \"u_1\"", "DATASET \"u_2\"", "DATASET \"X\"", "DATASET \"S\"", "DATASET \"V\"" })
            Assert.Contains(name, dump);
        Assert.Contains("( 1, 26, 30 )", dump);

        // φ of the 2-rank HDF5 snapshots against the φ the run gathered into phi.bin (last step), and the
        // range over all snapshots checked by pvpython through the XDMF index, opened by absolute path.
        var phis = Directory.GetFiles(dir, "snapshot_*.h5").Order(StringComparer.Ordinal).Select(ReadPhi).ToList();
        Assert.Equal(3, phis.Count);
        var gathered = ReadDoubles(Path.Combine(dir, OutputWriter.FieldBinaryFile));
        Assert.Equal(gathered, phis[^1]);
        double lo = phis.Min(p => p.Min()), hi = phis.Max(p => p.Max());
        string script = Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "check_xdmf.py");
        var (pc, pout, perr) = Spawn(RequireTool("pvpython", "paraview python3-paraview"), [script, Path.GetFullPath(Path.Combine(dir, SnapshotWriter.IndexFile)),
            "--steps", "3", "--arrays", "phi,u_1,u_2", $"--phi-min={lo.ToString("R", CultureInfo.InvariantCulture)}", $"--phi-max={hi.ToString("R", CultureInfo.InvariantCulture)}"]);
        output.WriteLine(pout);
        Assert.True(pc == 0, $"check_xdmf.py exit {pc}\n{pout}\n{perr}");
        Assert.Contains("ok: 3 time steps", pout);
    }

    [Theory]
    [InlineData("linesource_fullrank")]
    [InlineData("linesource")]
    public void Restart_is_bit_identical_on_the_same_rank_count_and_within_1e_12_on_others(string deck)
    {
        string straight = RunOn(2, $"{deck}-straight", deck, [.. Small, "time.max_steps=12"]);
        string first = RunOn(2, $"{deck}-first", deck, [.. Small, "time.max_steps=6", "output.checkpoint_every=6"]);
        string checkpoint = Path.Combine(first, CheckpointStore.FileName(6));
        var reference = ReadDoubles(Path.Combine(straight, OutputWriter.FieldBinaryFile));
        double scale = reference.Max(Math.Abs);
        foreach (int ranks in new[] { 2, 1, 3 })
        {
            string again = RunOn(ranks, $"{deck}-restart-{ranks}", deck, [.. Small, "time.max_steps=12", "--restart", checkpoint]);
            var phi = ReadDoubles(Path.Combine(again, OutputWriter.FieldBinaryFile));
            double diff = reference.Zip(phi, (a, b) => Math.Abs(a - b)).Max() / scale;
            output.WriteLine($"{deck}: checkpoint of 2 ranks restarted on {ranks}: max |Δφ|/max|φ| = {diff:E2}");
            if (ranks == 2) Assert.Equal(reference, phi); // bit-equality: the same operations in the same order
            else Assert.True(diff <= 1e-12, $"restart on {ranks} ranks differs by {diff:E3}"); // rounding: another decomposition, as MpiRunTests.SameAsSerial (full-rank bound)
        }
    }

    /// <summary>rS_N on 2 ranks (issue #15): a run of 12 steps equals 6 steps, a checkpoint (the state on the ordinates of
    /// the current turn, the number of turns and the offset) and a restart to 12, bit for bit.</summary>
    [Fact]
    public void Rotated_sn_restart_is_bit_identical_on_two_ranks()
    {
        string[] rsn = ["grid.cells=[26, 22]", "angular.order=6", "solver.rank=6", "solver.truncation.r_min=4", "angular.rotation={angle: random, seed: 9}"];
        string straight = RunOn(2, "rsn-straight", "linesource_sn", [.. rsn, "time.max_steps=12"]);
        string first = RunOn(2, "rsn-first", "linesource_sn", [.. rsn, "time.max_steps=6", "output.checkpoint_every=6"]);
        string again = RunOn(2, "rsn-restart", "linesource_sn", [.. rsn, "time.max_steps=12", "--restart", Path.Combine(first, CheckpointStore.FileName(6))]);
        Assert.Equal(ReadDoubles(Path.Combine(straight, OutputWriter.FieldBinaryFile)), ReadDoubles(Path.Combine(again, OutputWriter.FieldBinaryFile))); // bit-equality
    }

    /// <summary>The smooth density limiter with the augmented BUG on 2 ranks: θ is recomputed from the state at every stage
    /// (ρ, the slope norms, ρ_max by allreduce), so a restart from a checkpoint must repeat the run bit for bit.</summary>
    [Fact]
    public void Smooth_density_limiter_restart_is_bit_identical_on_two_ranks()
    {
        string[] limited = ["grid.cells=[26, 22]", "solver.space_order=2", "time.stepper=ssprk3", "solver.limiter=density_vanalbada", "time.cfl=0.45"];
        string straight = RunOn(2, "va-straight", "linesource", [.. limited, "time.max_steps=8"]);
        string first = RunOn(2, "va-first", "linesource", [.. limited, "time.max_steps=4", "output.checkpoint_every=4"]);
        string again = RunOn(2, "va-restart", "linesource", [.. limited, "time.max_steps=8", "--restart", Path.Combine(first, CheckpointStore.FileName(4))]);
        Assert.Equal(ReadDoubles(Path.Combine(straight, OutputWriter.FieldBinaryFile)), ReadDoubles(Path.Combine(again, OutputWriter.FieldBinaryFile))); // bit-equality
    }
}
