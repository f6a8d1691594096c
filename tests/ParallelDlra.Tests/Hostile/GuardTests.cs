using System.Text.Json;
using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Output;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Hostile;

/// <summary>The divergence guard, the memory estimate, the moment count of the deck limits and the run identifier.</summary>
[Collection("NLog configuration")]
public sealed class GuardTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pdlra-guard-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(_tmp, recursive: true); } catch (IOException) { }
    }

    private static RunOptions Options(double source = 0, double growth = TimeOptions.DefaultMaxMassGrowth)
    {
        var o = TestDecks.Uniform([16, 16], [[-1, 1], [-1, 1]], 3, 1, 0, BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.2), 1.0, source: source);
        return o with { Time = o.Time with { MaxMassGrowth = growth } };
    }

    private static StepDiagnostics Row(int step, double t, double mass, double outflow = 0, double defect = 0)
        => new(step, t, 0.1, 10, mass, outflow, 0, 0, defect);

    [Fact]
    public void The_mass_bound_is_the_growth_factor_times_initial_mass_plus_what_sources_inject()
    {
        var guard = new DivergenceGuard(Options(source: 2, growth: 10));
        guard.Check(Row(0, 0, 1.0));
        Assert.Equal(10 * (1 + 0.5 * 2 * 4), guard.MassBound(0.5), 12); // box volume 4; theory: the closed form, rounding of 3 products
        guard.Check(Row(1, 0.5, 49.0));
        var e = Assert.Throws<SimulationFailure>(() => guard.Check(Row(2, 0.5, 51.0)));
        Assert.StartsWith("diverged at step 2 (t = 0.5): the mass is 51, beyond 50", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    /// <summary>Stochastic Galerkin reports the mean mass, so the bound uses the mean source E[Q]: here the deck's
    /// material has no source, and the uncertainty section's Q = 1 + 0.5 ξ² (E[Q] = 1 + 0.5/3 for ξ ~ U(−1, 1)).</summary>
    [Fact]
    public void The_mass_bound_of_an_uncertain_source_uses_its_expectation()
    {
        var o = Options(growth: 10);
        o = o with
        {
            Uncertainty = new ParallelDlra.Uncertainty.UncertaintyOptions(ParallelDlra.Uncertainty.UncertaintyMethod.StochasticGalerkin,
                [new ParallelDlra.Uncertainty.ParameterOptions(ParallelDlra.Uncertainty.ParameterDistribution.Uniform, -1, 1)],
                [new ParallelDlra.Uncertainty.UncertainInput(ParallelDlra.Uncertainty.UncertainTarget.Source, null, 1.0, 0.0, 0, Higher: [0.5])],
                2, ParallelDlra.Uncertainty.ChaosIndexSet.Tensor, 0, 1, 3, 100, 1),
        };
        var guard = new DivergenceGuard(o);
        guard.Check(Row(0, 0, 1.0));
        Assert.Equal(10 * (1 + 0.5 * (1 + 0.5 / 3) * 4), guard.MassBound(0.5), 12); // box volume 4; theory: the closed form E[ξ²] = 1/3
    }

    [Theory]
    [InlineData(double.NaN, 0, 0, "the mass is NaN")]
    [InlineData(1, double.NegativeInfinity, 0, "the outflow is -∞")]
    [InlineData(1, 0, double.PositiveInfinity, "the orthonormality defect is ∞")]
    public void Non_finite_quantities_stop_the_run_naming_step_time_and_quantity(double mass, double outflow, double defect, string what)
    {
        var guard = new DivergenceGuard(Options());
        guard.Check(Row(0, 0, 1.0));
        var e = Assert.Throws<SimulationFailure>(() => guard.Check(Row(7, 0.7, mass, outflow, defect)));
        Assert.StartsWith($"diverged at step 7 (t = 0.7): {what.Replace("∞", "Infinity")}", e.Message.Replace("∞", "Infinity"));
    }

    [Fact]
    public void A_linear_algebra_argument_error_inside_a_step_names_the_step()
    {
        var guard = new DivergenceGuard(Options());
        var e = Assert.Throws<SimulationFailure>(() => guard.Step(12, 1.5, () => throw new ArgumentException("LAPACKE_dgeqrf: argument 4 had an illegal value")));
        Assert.StartsWith("diverged at step 12 (from t = 1.5): the step failed in the linear algebra (LAPACKE_dgeqrf", e.Message);
    }

    [Fact]
    public void Other_exceptions_inside_a_step_are_not_taken_for_divergence()
    {
        var guard = new DivergenceGuard(Options());
        Assert.Throws<InvalidOperationException>(() => guard.Step(3, 0.3, () => throw new InvalidOperationException("a bug")));
        Assert.Throws<ArgumentException>(() => guard.Step(3, 0.3, () => throw new ArgumentException("a bug in an argument")));
    }

    [Fact]
    public void A_run_whose_mass_overflows_mid_run_exits_1_keeping_its_checkpoints_and_the_partial_diagnostics()
    {
        string dir = Path.Combine(_tmp, "overflow");
        string deck = Path.Combine(_tmp, "overflow.yaml");
        File.WriteAllText(deck, """
            problem: {name: overflow}
            grid: {cells: [16, 16], extent: [[-1, 1], [-1, 1]]}
            angular: {order: 3}
            material: {sigma_s: 1, source: 1e307}
            time: {end: 100, max_steps: 200}
            solver: {type: full_rank}
            output: {checkpoint_every: 2, checkpoint_keep: 2}
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = ParallelDlra.Cli.Program.Invoke(["run", deck, "--set", $"output.directory={dir}"], stdout, stderr);
        Assert.True(rc == 1, $"exit {rc}\n{stderr}\n{stdout}");
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var m = System.Text.RegularExpressions.Regex.Match(lines[0], @"^failure: diverged at step (\d+) \(t = [0-9.]+\): the mass is ∞|^failure: diverged at step (\d+) \(t = [0-9.]+\): the mass is Infinity");
        Assert.True(m.Success, lines[0]);
        int step = int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        var diagnostics = File.ReadAllLines(Path.Combine(dir, OutputWriter.DiagnosticsFile));
        Assert.Equal(step + 2, diagnostics.Length); // header, steps 0..step
        var checkpoints = Directory.GetFiles(dir, "checkpoint_*.h5").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, checkpoints.Length);
        int lastGood = (step - 1) / 2 * 2; // the diverged step itself is never checkpointed
        Assert.Equal(CheckpointStore.FileName(lastGood), Path.GetFileName(checkpoints[^1]));
        Assert.Equal("failed", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.MarkerFile))).RootElement.GetProperty("status").GetString());
        Assert.False(File.Exists(Path.Combine(dir, OutputWriter.FieldBinaryFile)));

        // The last checkpoint is complete: a restart that stops at its step reads and verifies it.
        Run(0, ["run", deck, "--set", $"output.directory={Path.Combine(_tmp, "again")}", "--set", $"time.max_steps={lastGood}",
            "--restart", checkpoints[^1]]);
    }

    [Theory]
    [InlineData(1, 0)] [InlineData(1, 7)] [InlineData(1, 400)]
    [InlineData(2, 0)] [InlineData(2, 3)] [InlineData(2, 15)] [InlineData(2, 30)]
    [InlineData(3, 1)] [InlineData(3, 4)] [InlineData(3, 9)]
    public void The_deck_limits_count_moments_like_the_basis(int dimension, int order)
        => Assert.Equal(PnBasis.Create(dimension, order).Count, DeckReader.MomentCount(dimension, order));

    [Fact]
    public void The_memory_estimate_grows_with_cells_and_moments_and_shrinks_with_ranks()
    {
        var small = Options();
        var big = small with { Grid = small.Grid with { Cells = [2000, 2000] }, Angular = new AngularOptions(30) };
        var e1 = ResourceEstimate.Of(big, 1);
        var e4 = ResourceEstimate.Of(big, 4);
        Assert.Equal(496, e1.Moments);
        Assert.Equal(8L * 4_000_000 * 496, e1.StateBytes); // full rank: u
        Assert.True(e4.StateBytes * 4 == e1.StateBytes && e4.TotalBytes < e1.TotalBytes);
        Assert.True(ResourceEstimate.Of(small, 1).TotalBytes < 300L << 20); // theory: the fixed runtime allowance 96 MiB + 256 cells × 10 moments of state (kB)
        var lines = e1.Describe((1L << 30, "test")).ToArray();
        Assert.Contains("state 14.8 GiB", lines[0]);
        Assert.Contains("pdlra run would refuse", lines[1]);
    }

    [Fact]
    public void Check_prints_the_memory_estimate_per_rank()
    {
        var stdout = new StringWriter();
        int rc = ParallelDlra.Cli.Program.Invoke(["check", JobDeck("linesource"), "--ranks", "4"], stdout, new StringWriter());
        Assert.Equal(0, rc);
        Assert.Contains("# memory estimate per rank (4 rank(s),", stdout.ToString());
        Assert.Contains("# memory available per rank here:", stdout.ToString());
    }

    [Fact]
    public void Every_file_of_a_run_carries_its_run_id()
    {
        string dir = Path.Combine(_tmp, "ids");
        Run(0, ["run", JobDeck("planesource"), "--set", "grid.cells=[40]", "--set", "angular.order=3", "--set", "time.max_steps=4",
            "--set", "output.checkpoint_every=2", "--set", "output.snapshot_every=2", "--set", $"output.directory={dir}"]);
        string id = RunFolder.RecordedId(dir)!;
        Assert.Matches(@"^\d{8}T\d{6}Z-[0-9a-f]{12}$", id);
        Assert.Equal(id, JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OutputWriter.FieldMetadataFile))).RootElement.GetProperty("run_id").GetString());
        Assert.StartsWith($"# run_id: {id}\n", File.ReadAllText(Path.Combine(dir, OutputWriter.DeckFile)));
        foreach (var h5file in Directory.GetFiles(dir, "*.h5"))
        {
            using var h5 = Hdf5File.Open(h5file, ParallelDlra.Parallel.SerialCommunicator.Instance);
            Assert.Equal(id, h5.GetString("/", "run_id"));
        }
        Assert.Empty(Directory.GetFiles(dir, ".*.tmp")); // every result was written under a temporary name and renamed
        using (var c = Hdf5File.Open(Path.Combine(dir, CheckpointStore.FileName(4)), ParallelDlra.Parallel.SerialCommunicator.Instance))
            Assert.Matches("^sum64:[0-9a-f]{16}$", c.GetString("state/u", DatasetChecksum.Attribute));
    }

    [Theory]
    [InlineData("time.end=1e-9", "time.end = 1E-09 lies before the checkpoint")]
    [InlineData("time.max_steps=2", "time.max_steps = 2 lies before the checkpoint")]
    public void A_restart_whose_end_lies_before_the_checkpoint_is_exit_2_naming_the_key(string set, string expected)
    {
        string dir = Path.Combine(_tmp, "c");
        string[] deck = [JobDeck("planesource"), "--set", "grid.cells=[40]", "--set", "angular.order=3"];
        Run(0, ["run", .. deck, "--set", "time.max_steps=4", "--set", "output.checkpoint_every=4", "--set", $"output.directory={dir}"]);
        var (_, stderr) = Run(2, ["run", .. deck, "--set", set, "--set", $"output.directory={Path.Combine(_tmp, "d")}",
            "--restart", Path.Combine(dir, CheckpointStore.FileName(4))]);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected.Replace("1E-09", "1E-09"), stderr.Replace("1e-09", "1E-09"));
    }

    [Fact]
    public void Reconstruct_to_an_unwritable_output_names_the_output()
    {
        string dir = Path.Combine(_tmp, "r");
        Run(0, ["run", JobDeck("linesource"), "--set", "grid.cells=[16, 16]", "--set", "angular.order=3", "--set", "solver.truncation.r_min=2", "--set", "solver.rank=5", "--set", "time.max_steps=2",
            "--set", "output.snapshot_every=2", "--set", "output.store_factors=true", "--set", $"output.directory={dir}"]);
        string snapshot = Path.Combine(dir, "snapshot_000002.h5");
        string bad = Path.Combine(_tmp, "no", "such", "folder", "x.h5");
        var (_, stderr) = Run(2, ["reconstruct", snapshot, "--output", bad]);
        Assert.StartsWith($"error: --output {bad}: cannot be written", stderr);
        (_, stderr) = Run(2, ["reconstruct", snapshot, "--output", snapshot]);
        Assert.StartsWith($"error: --output {snapshot}: is the snapshot itself", stderr);
    }

    [Fact]
    public void Overwrite_with_bad_input_found_while_setting_up_keeps_the_old_results()
    {
        string dir = Path.Combine(_tmp, "keep");
        string[] deck = [JobDeck("planesource"), "--set", "grid.cells=[40]", "--set", "angular.order=3", "--set", $"output.directory={dir}"];
        Run(0, ["run", .. deck, "--set", "time.max_steps=2"]);
        var before = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray();
        var (_, stderr) = Run(2, ["run", .. deck, "--set", "material.sigma_a=10000", "--overwrite"]); // unstable: found when the problem is built
        Assert.StartsWith("error: time.cfl", stderr);
        Assert.Equal(before, Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray());
        Run(0, ["run", .. deck, "--set", "time.max_steps=3", "--overwrite"]);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, OutputWriter.DiagnosticsFile)).Length); // header + steps 0..3
    }
}
