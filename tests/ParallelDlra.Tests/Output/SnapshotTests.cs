using System.Globalization;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Output;

/// <summary>Snapshots, the XDMF index, diagnostics.h5 and reconstruction, checked with the tools a user has:
/// h5dump, pvpython (ParaView's XDMF reader) and pvbatch under xvfb. Shares the NLog collection because
/// <c>pdlra run</c> replaces the global logging configuration.</summary>
[Collection("NLog configuration")]
public sealed class SnapshotTests : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-snapshot-test-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    /// <summary>Line source, augmented BUG, 24 × 24 cells, P_5, 6 steps: snapshots at 0, 3, 6 with φ, u_1, u_2 and the factors.</summary>
    private string RunLineSource(string name = "ls")
    {
        string dir = Path.Combine(tmp, name);
        Run(0, "run", JobDeck("linesource"), "--set", "grid.cells=[24, 24]", "--set", "angular.order=5", "--set", "time.max_steps=6",
            "--set", "output.snapshot_every=3", "--set", "output.moments=[1, 2]", "--set", "output.store_factors=true",
            "--set", $"output.directory={dir}");
        return dir;
    }

    [Fact]
    public void H5dump_shows_the_snapshot_datasets_factors_and_self_describing_attributes()
    {
        string h5dump = RequireTool("h5dump", "hdf5-tools");
        string dir = RunLineSource();
        Assert.Equal(["snapshot_000000.h5", "snapshot_000003.h5", "snapshot_000006.h5"],
            Directory.GetFiles(dir, "snapshot_*.h5").Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var (code, header, err) = Spawn(h5dump, ["-H", Path.Combine(dir, "snapshot_000006.h5")]);
        Assert.True(code == 0, err);
        Assert.Contains("DATASET \"phi\"", header);
        Assert.Contains("DATASET \"u_1\"", header);
        Assert.Contains("DATASET \"u_2\"", header);
        Assert.Contains("GROUP \"factors\"", header);
        Assert.Contains("DATASPACE  SIMPLE { ( 1, 24, 24 ) / ( 1, 24, 24 ) }", header);
        foreach (var a in new[] { "time", "step", "rank", "deck", "code_version", "variables", "physics_hash", "cells", "origin_xyz", "spacing_xyz" })
            Assert.Contains($"ATTRIBUTE \"{a}\"", header);

        var (_, attrs, _) = Spawn(h5dump, ["-a", "/step", "-a", "/variables", "-a", "/rank", Path.Combine(dir, "snapshot_000006.h5")]);
        Assert.Contains("(0): 6", attrs);
        Assert.Contains("\"phi u_1 u_2\"", attrs);
        using (var h5 = Hdf5File.Open(Path.Combine(dir, "snapshot_000006.h5"), SerialCommunicator.Instance))
        {
            int r = (int)h5.GetInt64("/", "rank");
            Assert.Equal([(ulong)r, 1, 24, 24], h5.Dims("factors/X"));
            Assert.Equal([(ulong)r, (ulong)r], h5.Dims("factors/S"));
            Assert.Equal([21UL, (ulong)r], h5.Dims("factors/V")); // P_5 in 2D: 21 moments
            Assert.Contains("snapshot_every: 3", h5.GetString("/", "deck"));
        }

        // The final φ in the snapshot is the φ of phi.bin, bit for bit.
        Assert.Equal(ReadDoubles(Path.Combine(dir, "phi.bin")), ReadPhi(Path.Combine(dir, "snapshot_000006.h5")));

        var (dcode, diag, derr) = Spawn(h5dump, ["-d", "/diagnostics/step", Path.Combine(dir, "diagnostics.h5")]);
        Assert.True(dcode == 0, derr);
        Assert.Contains("DATASPACE  SIMPLE { ( 7 ) / ( 7 ) }", diag);
        Assert.Contains("0, 1, 2, 3, 4, 5, 6", diag);
    }

    [Fact]
    public void A_1D_run_pads_fields_to_three_dimensions_and_snapshot_times_pick_the_first_step_reaching_them()
    {
        string dir = Path.Combine(tmp, "ps");
        Run(0, "run", JobDeck("planesource"), "--set", "grid.cells=[50]", "--set", "angular.order=3", "--set", "time.max_steps=8",
            "--set", "output.snapshot_times=[0.05, 0.1]", "--set", $"output.directory={dir}");
        var steps = File.ReadAllLines(Path.Combine(dir, "diagnostics.csv")).Skip(1).Select(l => l.Split(','))
            .Select(c => (Step: int.Parse(c[0], CultureInfo.InvariantCulture), Time: double.Parse(c[1], CultureInfo.InvariantCulture))).ToList();
        var expected = new[] { 0.05, 0.1 }.Select(t => steps.First(s => s.Time >= t).Step).Append(8).Distinct()
            .Select(SnapshotWriter.FileName).ToList();
        Assert.Equal(expected, Directory.GetFiles(dir, "snapshot_*.h5").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var h5 = Hdf5File.Open(Path.Combine(dir, expected[0]), SerialCommunicator.Instance);
        Assert.Equal([1UL, 1, 50], h5.Dims("phi"));
        string xmf = File.ReadAllText(Path.Combine(dir, SnapshotWriter.IndexFile));
        Assert.Contains("TopologyType=\"3DCoRectMesh\" Dimensions=\"2 2 51\"", xmf);
        Assert.Contains("GeometryType=\"ORIGIN_DXDYDZ\"", xmf);
        Assert.Contains("Center=\"Cell\"", xmf);
    }

    [Fact]
    public void Pvpython_opens_the_xdmf_as_a_time_series_with_the_runs_arrays_and_phi_range()
    {
        string pvpython = RequireTool("pvpython", "paraview python3-paraview");
        string dir = RunLineSource();
        var phis = Directory.GetFiles(dir, "snapshot_*.h5").Select(ReadPhi).ToList();
        double lo = phis.Min(p => p.Min()), hi = phis.Max(p => p.Max());
        string script = Path.Combine(Support.TestDecks.RepositoryRoot(), "postprocess", "check_xdmf.py");
        string xmf = Path.GetFullPath(Path.Combine(dir, SnapshotWriter.IndexFile));

        var (code, stdout, stderr) = Spawn(pvpython, [script, xmf, "--steps", "3", "--arrays", "phi,u_1,u_2",
            $"--phi-min={lo.ToString("R", CultureInfo.InvariantCulture)}", $"--phi-max={hi.ToString("R", CultureInfo.InvariantCulture)}"]);
        Assert.True(code == 0, $"check_xdmf.py exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("ok: 3 time steps, arrays phi,u_1,u_2", stdout);
        Assert.Contains("phi in [", stdout);
        Assert.Contains("cells=576", stdout);
    }

    /// <summary>ParaView sees each value where it belongs: a non-square grid (24 × 16 cells on [−1.5, 1.5] × [−0.5, 1.5])
    /// with a pulse off centre, and every cell of the last snapshot located by its centre in ParaView's dataset must
    /// hold the φ of phi.bin (swapped XDMF dimensions, a wrong origin or spacing would put other values there).</summary>
    [Fact]
    public void Pvpython_finds_each_cells_phi_at_its_position_on_an_asymmetric_non_square_grid()
    {
        string pvpython = RequireTool("pvpython", "paraview python3-paraview");
        string dir = Path.Combine(tmp, "asym");
        Run(0, "run", JobDeck("linesource"), "--set", "grid.cells=[24, 16]", "--set", "grid.extent=[[-1.5, 1.5], [-0.5, 1.5]]",
            "--set", "initial.center=[0.4, 0.3]", "--set", "initial.sigma=0.3", "--set", "angular.order=3", "--set", "solver.type=full_rank",
            "--set", "time.max_steps=4", "--set", "output.snapshot_every=2", "--set", $"output.directory={dir}");
        string script = Path.Combine(Support.TestDecks.RepositoryRoot(), "postprocess", "check_xdmf.py");
        string xmf = Path.GetFullPath(Path.Combine(dir, SnapshotWriter.IndexFile));
        var (code, stdout, stderr) = Spawn(pvpython, [script, xmf, "--steps", "3", "--arrays", "phi,u_1,u_2", "--probe", Path.Combine(dir, "phi.bin"),
            "--cells", "24,16", "--extent=-1.5,1.5,-0.5,1.5"]);
        Assert.True(code == 0, $"check_xdmf.py exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("probe: 384 cells located by their centres match phi.bin", stdout);
    }

    [Fact]
    public void Pvbatch_under_xvfb_renders_a_snapshot_to_png()
    {
        RequireTool("Xvfb", "xvfb");
        RequireTool("pvbatch", "paraview python3-paraview");
        string xvfb = Path.Combine(Support.TestDecks.RepositoryRoot(), "postprocess", "with-xvfb.sh");
        string dir = RunLineSource();
        string png = Path.Combine(tmp, "phi.png");
        string script = Path.Combine(Support.TestDecks.RepositoryRoot(), "postprocess", "render_snapshot.py");
        var (code, stdout, stderr) = Spawn(xvfb, ["pvbatch", script, Path.Combine(dir, SnapshotWriter.IndexFile), png, "--size", "400,360"]);
        Assert.True(code == 0, $"render_snapshot.py exit {code}\n{stdout}\n{stderr}");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.True(bytes.Length > 4000, $"PNG of {bytes.Length} bytes: nothing drawn?"); // chosen: a weak precondition; the colour count below is the check
        // What is in it: the requested size, and a coloured field (a blank or single-colour image has a handful of
        // colours; the Viridis-coloured pulse, colour bar and title give hundreds: 354 measured on every 7th pixel).
        const string stats = "import sys\nfrom vtkmodules.vtkIOImage import vtkPNGReader\nr = vtkPNGReader(); r.SetFileName(sys.argv[1]); r.Update()\n" +
                             "img = r.GetOutput(); a = img.GetPointData().GetScalars()\n" +
                             "cols = set(tuple(int(a.GetComponent(i, k)) for k in range(3)) for i in range(0, a.GetNumberOfTuples(), 7))\n" +
                             "d = img.GetDimensions()\nprint(f'png {d[0]}x{d[1]} colours {len(cols)}')\n";
        var (sc, sout, serr) = Spawn(RequireTool("pvpython", "paraview python3-paraview"), ["-c", stats, png]);
        Assert.True(sc == 0, $"reading the PNG: exit {sc}\n{sout}\n{serr}");
        var m = System.Text.RegularExpressions.Regex.Match(sout, @"png (\d+)x(\d+) colours (\d+)");
        Assert.True(m.Success, sout);
        Assert.Equal("400x360", $"{m.Groups[1].Value}x{m.Groups[2].Value}");
        Assert.True(int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) >= 64, $"only {m.Groups[3].Value} colours: no coloured field drawn"); // chosen: a blank image has a handful of colours, the drawn field 354 (measured, above)
    }

    [Fact]
    public void Reconstruct_rebuilds_phi_and_moments_from_the_stored_factors()
    {
        string dir = RunLineSource();
        string snapshot = Path.Combine(dir, "snapshot_000006.h5");
        string output = Path.Combine(tmp, "rebuilt.h5");
        var (stdout, _) = Run(0, "reconstruct", snapshot, "--output", output);
        Assert.Contains("phi, u_1, u_2", stdout);
        Assert.True(File.Exists(Path.ChangeExtension(output, ".xmf")));

        using var a = Hdf5File.Open(snapshot, SerialCommunicator.Instance);
        using var b = Hdf5File.Open(output, SerialCommunicator.Instance);
        foreach (var name in new[] { "phi", "u_1", "u_2" })
        {
            var stored = a.ReadAll(name);
            var rebuilt = b.ReadAll(name);
            double scale = stored.Max(Math.Abs);
            for (int i = 0; i < stored.Length; i++) Assert.True(Math.Abs(stored[i] - rebuilt[i]) <= 1e-13 * scale, $"{name}[{i}]: {stored[i]} vs {rebuilt[i]}"); // rounding: X S Vᵀ re-formed with r-term sums in another order: ~rε
        }
        Assert.Equal(a.GetDouble("/", "time"), b.GetDouble("/", "time"));

        // Without factors: one line, exit 2.
        var (_, stderr) = Run(2, "reconstruct", Path.Combine(dir, "diagnostics.h5"));
        Assert.StartsWith("error: reconstruct ", stderr.Trim());
    }

    [Fact]
    public void A_moment_index_beyond_n_moments_is_bad_input_before_the_time_loop()
    {
        var (stdout, stderr) = Run(2, "run", JobDeck("planesource"), "--set", "grid.cells=[20]", "--set", "angular.order=3",
            "--set", "output.moments=[4]", "--set", $"output.directory={Path.Combine(tmp, "m")}");
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("output.moments", stderr);
        Assert.Contains("n_moments = 4", stderr);
        Assert.DoesNotContain("done:", stdout);
    }

    [Fact]
    public void Several_ranks_without_an_mpi_handle_are_refused_with_a_clear_message()
    {
        var e = Assert.Throws<NotSupportedException>(() => Hdf5File.Create(Path.Combine(tmp, "x.h5"), new TwoRanks()));
        Assert.Contains(nameof(IMpiCommunicatorHandle), e.Message);
    }

    private sealed class TwoRanks : ICommunicator
    {
        public int Rank => 0;
        public int Size => 2;
        public void AllreduceSum(Span<double> values) { }
        public void AllreduceMax(Span<double> values) { }
        public void AllreduceMin(Span<double> values) { }
        public void Broadcast(Span<double> values, int root = 0) { }
        public void Barrier() { }
    }
}
