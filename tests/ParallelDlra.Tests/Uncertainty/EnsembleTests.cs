using System.Globalization;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Output;
using ParallelDlra.Tests.Parallel;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>The collocation / Monte Carlo ensemble (<c>uncertainty.method</c>), serial and on groups of ranks.</summary>
[Collection("MPI launches")]
public sealed class EnsembleTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-ensemble-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private static readonly string[] Collocation =
    [
        "uncertainty.method=collocation", "uncertainty.nodes=8", "grid.cells=[64]", "angular.order=5", "time.end=0.3",
        "solver.type=full_rank", "output.snapshot_times=[]",
    ];

    private static double[][] Csv(string path) => [.. File.ReadAllLines(path).Skip(1)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    private ChildProcess.Result Run(int ranks, string dir, params string[] sets)
    {
        List<string> args = ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", "planesource_uq.yaml"), "--set", $"output.directory={dir}"];
        foreach (var s in Collocation.Concat(sets)) args.AddRange(["--set", s]);
        return MpiLauncher.Run(ranks, args, Limit);
    }

    [SkippableFact]
    public void Eight_members_on_two_groups_of_two_ranks_equal_the_serial_ensemble()
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` and `make build`");
        string serial = Path.Combine(tmp, "serial"), grouped = Path.Combine(tmp, "grouped");
        var a = Run(1, serial);
        Assert.True(a.ExitCode == 0 && !a.TimedOut, a.ToString());
        var b = Run(4, grouped, "uncertainty.groups=2");
        Assert.True(b.ExitCode == 0 && !b.TimedOut, b.ToString());
        Assert.Contains("ensemble of 8 members (collocation) on 2 group(s) of 2 rank(s)", b.Stdout + b.Stderr);
        var s = Csv(Path.Combine(serial, UncertaintyOutput.FieldFile));
        var g = Csv(Path.Combine(grouped, UncertaintyOutput.FieldFile));
        Assert.Equal(s.Length, g.Length);
        double eScale = s.Max(r => Math.Abs(r[1])), vScale = s.Max(r => Math.Abs(r[2]));
        double de = 0, dv = 0;
        for (int i = 0; i < s.Length; i++)
        {
            Assert.Equal(s[i][0], g[i][0]);
            de = Math.Max(de, Math.Abs(s[i][1] - g[i][1]) / eScale);
            dv = Math.Max(dv, Math.Abs(s[i][2] - g[i][2]) / vScale);
        }
        output.WriteLine($"8 members, 2 groups × 2 ranks vs serial: max |ΔE|/max E = {de:E2}, max |ΔVar|/max Var = {dv:E2}");
        Assert.True(de <= 1e-12 && dv <= 1e-12, $"E {de:E2}, Var {dv:E2}"); // issue #16 acceptance (ensembles to 1e-12); rounding: the same members, sums regrouped
        Assert.True(vScale > 0, "the ensemble has a variance");
        var members = Csv(Path.Combine(grouped, EnsembleDriver.MembersFile));
        Assert.Equal(8, members.Length);
        Assert.Equal(1.0, members.Sum(m => m[2]), 1e-14); // theory: the weights sum to 1; rounding of 8 terms
    }

    [Fact]
    public void The_serial_collocation_run_matches_the_in_process_ensemble_and_monte_carlo_is_seeded()
    {
        string dir = Path.Combine(tmp, "c");
        var r = Run(1, dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var o = DeckReader.Load(Path.Combine(TestDecks.RepositoryRoot(), "jobs", "planesource_uq.yaml"), [.. Collocation]);
        var reference = UncertainPlaneSourceTests.Collocation(o);
        var file = Csv(Path.Combine(dir, UncertaintyOutput.FieldFile));
        for (int i = 0; i < file.Length; i++)
        {
            Assert.Equal(reference.Mean[i], file[i][1]);
            Assert.Equal(reference.Variance[i], file[i][2]);
        }
        string mc1 = Path.Combine(tmp, "mc1"), mc2 = Path.Combine(tmp, "mc2");
        Assert.Equal(0, Run(1, mc1, "uncertainty.method=monte_carlo", "uncertainty.samples=5", "uncertainty.seed=3").ExitCode);
        Assert.Equal(0, Run(1, mc2, "uncertainty.method=monte_carlo", "uncertainty.samples=5", "uncertainty.seed=3").ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(mc1, UncertaintyOutput.FieldFile)), File.ReadAllText(Path.Combine(mc2, UncertaintyOutput.FieldFile)));
        var xi = Csv(Path.Combine(mc1, EnsembleDriver.MembersFile)).Select(m => m[1]).ToArray();
        Assert.All(xi, x => Assert.InRange(x, -1.0, 1.0));
        Assert.Equal(5, xi.Distinct().Count());
    }

    [Fact]
    public void A_failing_member_ends_the_run_naming_its_xi()
    {
        // σ_a = 5 + 5 ξ at the two Gauss nodes ξ = ∓1/√3: 2.1 and 7.9. On this grid the explicit step is stable only for
        // Δt·(upwind damping + σ_t) ≤ 2, i.e. σ_t below about 4.5 (Simulation's check): the second member fails, the first runs.
        string dir = Path.Combine(tmp, "f");
        var r = Run(1, dir, "uncertainty.nodes=2", "uncertainty.sigma_a=[{mean: 5, spread: 5, parameter: 0}]");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("ensemble member 1 at ξ = (0.57735", r.Stderr + r.Stdout);
    }

    [SkippableFact]
    public void Stochastic_Galerkin_DLRA_on_3_ranks_equals_serial()
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` and `make build`");
        string[] sets = ["grid.cells=[90]", "angular.order=7", "uncertainty.degree=4", "time.end=0.4", "output.snapshot_times=[]"];
        double[][] Uq(int ranks)
        {
            string dir = Path.Combine(tmp, $"sg-{ranks}");
            List<string> args = ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", "planesource_uq.yaml"), "--set", $"output.directory={dir}"];
            foreach (var x in sets) args.AddRange(["--set", x]);
            var r = MpiLauncher.Run(ranks, args, Limit);
            Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
            return Csv(Path.Combine(dir, UncertaintyOutput.FieldFile));
        }
        var serial = Uq(1);
        var three = Uq(3);
        double eScale = serial.Max(r => Math.Abs(r[1])), vScale = serial.Max(r => Math.Abs(r[2]));
        double de = serial.Zip(three, (a, b) => Math.Abs(a[1] - b[1])).Max() / eScale;
        double dv = serial.Zip(three, (a, b) => Math.Abs(a[2] - b[2])).Max() / vScale;
        output.WriteLine($"SG-DLRA (augmented BUG, conservative) 3 ranks vs serial: max |ΔE|/max E = {de:E2}, max |ΔVar|/max Var = {dv:E2}");
        // Issue #16: SG-DLRA on 1–4 ranks equals serial to 1e-10.
        Assert.True(de <= 1e-10 && dv <= 1e-10, $"E {de:E2}, Var {dv:E2}");
    }

    /// <summary>The uncertain inflow and σ_s as polynomials in ξ, and the Gaussian centre/width (the projected initial state is
    /// collective: Gram matrices allreduced over the ranks' cells) on 3 ranks against serial, SG-DLRA and the collocation
    /// ensemble on 2 groups.</summary>
    [SkippableFact]
    public void Uncertain_inflow_and_pulse_on_3_ranks_equal_serial()
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` and `make build`");
        string deck = Path.Combine(tmp, "pulse.yaml");
        File.WriteAllText(deck, "problem: {name: pulse}\ngrid:\n  cells: [60]\n  extent: [[0, 1]]\n  boundary: {x_min: inflow, x_max: vacuum}\n" +
            "angular: {order: 3}\nmaterial: {sigma_s: 1, sigma_a: 0.1}\ninitial: {type: gaussian, sigma: 0.1, center: [0.5]}\ntime: {end: 0.3}\n" +
            "solver: {type: augmented_bug, conservative: true}\nuncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  degree: 4\n" +
            "  inflow: {polynomial: [0.5, 0.2]}\n  sigma_s: {polynomial: [0.1, 0.1]}\n  initial_center: {spread: 0.1}\n  initial_width: {spread: 0.03}\n");
        double[][] Uq(int ranks, params string[] sets)
        {
            string dir = Path.Combine(tmp, $"pulse-{ranks}-{sets.Length}");
            List<string> args = ["run", deck, "--set", $"output.directory={dir}"];
            foreach (var x in sets) args.AddRange(["--set", x]);
            var r = MpiLauncher.Run(ranks, args, Limit);
            Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
            return Csv(Path.Combine(dir, UncertaintyOutput.FieldFile));
        }
        (double E, double Var) Difference(double[][] a, double[][] b) => (
            a.Zip(b, (x, y) => Math.Abs(x[1] - y[1])).Max() / a.Max(x => Math.Abs(x[1])),
            a.Zip(b, (x, y) => Math.Abs(x[2] - y[2])).Max() / a.Max(x => Math.Abs(x[2])));
        var (de, dv) = Difference(Uq(1), Uq(3));
        string[] ensemble = ["uncertainty.method=collocation", "uncertainty.nodes=6", "solver.type=full_rank"];
        var (ce, cv) = Difference(Uq(1, ensemble), Uq(4, [.. ensemble, "uncertainty.groups=2"]));
        output.WriteLine($"SG-DLRA 3 ranks vs serial: E {de:E2}, Var {dv:E2}; collocation 2 groups × 2 ranks vs serial: E {ce:E2}, Var {cv:E2}");
        // Issue #16: SG-DLRA on 1–4 ranks equals serial to 1e-10, the ensemble on groups to 1e-12.
        Assert.True(de <= 1e-10 && dv <= 1e-10, $"SG: E {de:E2}, Var {dv:E2}");
        Assert.True(ce <= 1e-12 && cv <= 1e-12, $"ensemble: E {ce:E2}, Var {cv:E2}");
    }
}
