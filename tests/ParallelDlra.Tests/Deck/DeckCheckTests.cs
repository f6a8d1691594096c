using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using Xunit;
using static ParallelDlra.Tests.Deck.DeckTestSupport;

namespace ParallelDlra.Tests.Deck;

public class DeckCheckTests
{
    public static TheoryData<string> Decks() => new(JobDecks().Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Decks))]
    public void EveryJobDeckPassesCheck(string deck)
    {
        string path = Path.Combine(RepoRoot(), "jobs", deck);
        var (code, stdout, stderr) = Invoke("check", path);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("problem:", stdout);
        // what check prints is itself a deck with the same options
        var printed = DeckReader.Parse(stdout, "check-output", Path.GetDirectoryName(path)!, []);
        Assert.Equal(DeckReader.Load(path, []), printed);
    }

    [Fact]
    public void TheJobDecksAreTheListedOnes()
        => Assert.Equal(
            ["burgers_uq.yaml", "hohlraum.yaml", "lattice.yaml", "lattice3d.yaml", "linesource.yaml", "linesource_filtered.yaml", "linesource_filtered_p9.yaml", "linesource_fullrank.yaml", "linesource_midpoint.yaml", "linesource_order2.yaml", "linesource_order2_limited.yaml", "linesource_order2_smooth.yaml", "linesource_sn.yaml",
             "linesource_uq.yaml", "marshak.yaml", "planesource.yaml", "planesource_uq.yaml", "pointsource3d.yaml", "pointsource3d_large.yaml", "suolson.yaml",
             "thermal_beam.yaml", "thermal_linesource.yaml"],
            JobDecks().Select(Path.GetFileName));

    [Theory]
    [MemberData(nameof(Decks))]
    public void RoundTripThroughToYamlGivesEqualOptions(string deck)
    {
        string path = Path.Combine(RepoRoot(), "jobs", deck);
        var options = DeckReader.Load(path, []);
        var again = DeckReader.Parse(DeckWriter.ToYaml(options), "roundtrip.yaml", Path.GetDirectoryName(path)!, []);
        Assert.Equal(options, again);
    }

    [Fact]
    public void RoundTripOfNonDefaultOptions()
    {
        const string deck = """
            problem: {name: all-keys_1, description: "quotes \" and \\ and: colons"}
            grid:
              cells: [8, 9, 10]
              extent: [[-1, 1], [0, 0.3], [1e-3, 2.5e-3]]
              boundary: {x_min: periodic, x_max: periodic, y_min: inflow, y_max: reflective, z_min: reflective}
              inflow_phi: 2.5
            angular: {method: pn, order: 30}
            material: {sigma_s: 0.1, sigma_a: 3, source: 0.7}
            initial: {type: constant, value: 0.25, center: [0.1, 0.2, 0.3], mass: 2}
            time: {end: 0.123456789, cfl: 0.333, stepper: ssprk2, max_steps: 7}
            solver:
              type: parallel_bug
              flux: rusanov
              rank: 3
              conservative: true
              qr: scholqr3
              space_order: 2
              truncation: {theta: 1e-7, tolerance: absolute, per: step, relative_to: density, r_min: 4, r_max: 4}
            output: {directory: results/x, progress_every: 1, write_field: false}
            """;
        var options = DeckReader.Parse(deck, "all.yaml", "/tmp", []);
        Assert.Equal(SolverKind.ParallelBug, options.Solver.Kind);
        Assert.Equal(FluxKind.Rusanov, options.Solver.Flux);
        Assert.Equal(TimeStepperKind.SspRk2, options.Time.Stepper);
        Assert.Equal(ToleranceKind.Absolute, options.Solver.Truncation.Kind);
        Assert.Equal(TruncationScaling.Step, options.Solver.Truncation.Per);
        Assert.Equal(RelativeScale.Density, options.Solver.Truncation.RelativeTo);
        Assert.Equal(QrMethod.ShiftedCholeskyQr3, options.Solver.Qr);
        Assert.Equal(2, options.Solver.SpaceOrder);
        Assert.Equal(7, options.Time.MaxSteps);
        Assert.Equal(new BoundaryFace(BoundaryKind.Inflow, 2.5), options.Grid.Faces[2]);
        Assert.Equal(new BoundaryFace(BoundaryKind.Vacuum, 0), options.Grid.Faces[5]);
        Assert.Equal(new Material(0.1, 3, 0.7), options.Material.Map.Background);
        Assert.Equal("quotes \" and \\ and: colons", options.Problem.Description);
        Assert.Equal(Path.GetFullPath("results/x"), options.Output.Directory);

        var again = DeckReader.Parse(DeckWriter.ToYaml(options), "roundtrip.yaml", "/tmp", []);
        Assert.Equal(options, again);
    }

    [Fact]
    public void DefaultsAreFilledIn()
    {
        var o = DeckReader.Parse("problem: {name: d}\ngrid: {cells: [4], extent: [[0, 1]]}\nangular: {order: 1}\ntime: {end: 1}\n", "d.yaml", "/tmp", []);
        Assert.Equal([new BoundaryFace(BoundaryKind.Vacuum), new BoundaryFace(BoundaryKind.Vacuum)], o.Grid.Faces.ToArray());
        Assert.Equal(new Material(0, 0, 0), o.Material.Map.Background);
        Assert.Null(o.Material.MapFile);
        Assert.Equal(InitialKind.Zero, o.Initial.Kind);
        Assert.Equal([0.0], o.Initial.Center.ToArray());
        Assert.Equal(1.0, o.Initial.Mass);
        Assert.Equal(new TimeOptions(1, 0.9, TimeStepperKind.ForwardEuler, int.MaxValue), o.Time);
        Assert.Equal(new SolverOptions(SolverKind.FullRank, FluxKind.Roe, 10, new TruncationOptions(1e-2, ToleranceKind.Relative, 2, 100), false), o.Solver);
        Assert.Equal(new OutputOptions(Path.GetFullPath(Path.Combine("out", "d")), 10, true), o.Output);
        Assert.Equal("", o.Problem.Description);
    }

    [Fact]
    public void OverridesReplaceAndAddKeysBeforeValidation()
    {
        string path = Path.Combine(RepoRoot(), "jobs", "linesource.yaml");
        var o = DeckReader.Load(path, ["time.end=0.5", "grid.cells=[50,50]", "solver.truncation.theta=1e-3", "solver.type=full_rank",
            "output.progress_every=3", "grid.boundary={x_min: periodic, x_max: periodic}"]);
        Assert.Equal(0.5, o.Time.End);
        Assert.Equal([50, 50], o.Grid.Cells.ToArray());
        Assert.Equal(1e-3, o.Solver.Truncation.Theta);
        Assert.Equal(SolverKind.FullRank, o.Solver.Kind);
        Assert.Equal(3, o.Output.ProgressEvery);
        Assert.Equal(BoundaryKind.Periodic, o.Grid.Faces[0].Kind);
        Assert.Equal(BoundaryKind.Periodic, o.Grid.Faces[1].Kind);
        Assert.Equal(BoundaryKind.Vacuum, o.Grid.Faces[2].Kind);

        var plain = DeckReader.Load(path, []);
        Assert.Equal(plain with { Time = plain.Time with { End = 0.5 } }, DeckReader.Load(path, ["time.end=0.5"]));
    }

    [Fact]
    public void CheckCommandAppliesSetOptions()
    {
        string path = Path.Combine(RepoRoot(), "jobs", "linesource.yaml");
        var (code, stdout, stderr) = Invoke("check", path, "--set", "time.end=0.25", "--set", "grid.cells=[20,30]");
        Assert.True(code == 0, stderr);
        Assert.Contains("end: 0.25", stdout);
        Assert.Contains("cells: [20, 30]", stdout);
    }

    [Fact]
    public void LatticeMapHasTheStandardLayout()
    {
        var map = MaterialMapReader.Load(Path.Combine(RepoRoot(), "meshes", "lattice.yaml"), 2);
        var absorber = new Material(0, 10, 0);
        Assert.Equal(new Material(1, 0, 1), map.At([3.5, 3.5]));
        Assert.Equal(new Material(1, 0, 0), map.At([3.5, 5.5]));
        Assert.Equal(new Material(1, 0, 0), map.At([0.5, 0.5]));
        int absorbers = 0;
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
                if (map.At([i + 0.5, j + 0.5]) == absorber) absorbers++;
        Assert.Equal(11, absorbers);
        foreach (var (x, y) in new[] { (1, 1), (1, 3), (1, 5), (2, 2), (2, 4), (3, 1), (4, 2), (4, 4), (5, 1), (5, 3), (5, 5) })
            Assert.Equal(absorber, map.At([x + 0.5, y + 0.5]));
    }

    [Fact]
    public void HohlraumAndLattice3dMaps()
    {
        var h = MaterialMapReader.Load(Path.Combine(RepoRoot(), "meshes", "hohlraum.yaml"), 2);
        Assert.Equal(new Material(50, 50, 0), h.At([0.6, 0.6]));
        Assert.Equal(new Material(0, 100, 0), h.At([1.28, 0.6]));
        Assert.Equal(new Material(95, 5, 0), h.At([0.02, 0.6]));
        Assert.Equal(new Material(0.1, 0, 0), h.At([0.2, 0.6]));

        var l = MaterialMapReader.Load(Path.Combine(RepoRoot(), "meshes", "lattice3d.yaml"), 3);
        Assert.Equal(new Material(1, 0, 1), l.At([3.5, 3.5, 3.5]));
        Assert.Equal(new Material(0, 10, 0), l.At([1.5, 1.5, 1.5]));
        Assert.Equal(new Material(1, 0, 0), l.At([2.5, 1.5, 1.5]));
        Assert.Equal(62, l.Regions[0].Boxes.Length);
    }
}
