using System.Globalization;
using ParallelDlra.Cli;
using ParallelDlra.Tests.Support;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The mass balance as docs/output.md documents it, checked on the written <c>diagnostics.csv</c>: row k's
/// outflow, absorption and source are the rates at the start of step k + 1, so with forward Euler
/// M_{k+1} = M_k + dt_{k+1}·(source_k − outflow_k − absorption_k); and mass_defect stays at rounding for every stepper.</summary>
[Collection("NLog configuration")]   // runs `pdlra run` in process, which replaces the global logging configuration
public sealed class DiagnosticsBalanceTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pdlra-balance-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private Dictionary<string, double[]> RunDeck(params string[] overrides)
    {
        string deck = Path.Combine(TestDecks.RepositoryRoot(), "jobs", "hohlraum.yaml");   // inflow face, absorbing walls
        string dir = Path.Combine(_tmp, string.Join("_", overrides).Replace('=', '-').Replace('.', '-'));
        var args = new List<string> { "run", deck, "--set", $"output.directory={dir}", "--set", "grid.cells=[26,26]", "--set", "angular.order=3",
            "--set", "time.max_steps=40", "--set", "material.source=0.5" };
        // The hohlraum deck names a material map: a uniform source needs uniform materials instead.
        args.AddRange(["--set", "material.file=~", "--set", "material.sigma_s=1", "--set", "material.sigma_a=0.3"]);
        foreach (var o in overrides) args.AddRange(["--set", o]);
        var stderr = new StringWriter();
        int rc = Program.Invoke([.. args], new StringWriter(), stderr);
        Assert.True(rc == 0, stderr.ToString());
        var lines = File.ReadAllLines(Path.Combine(dir, "diagnostics.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => rows.Select(r => r[c.i]).ToArray());
    }

    [Theory]
    [InlineData("full_rank", false)]
    [InlineData("augmented_bug", true)]
    [InlineData("parallel_bug", true)]
    public void Forward_euler_mass_change_is_dt_times_the_rates_of_the_previous_row(string solver, bool conservative)
    {
        var d = RunDeck($"solver.type={solver}", $"solver.conservative={(conservative ? "true" : "false")}", "solver.truncation.r_min=4");
        double scale = d["mass"].Max(Math.Abs);
        Assert.True(d["absorption"].Max() > 0 && d["source"].Max() > 0 && d["outflow"].Min() < 0, "the deck must exercise absorption, sources and inflow");
        for (int k = 0; k + 1 < d["step"].Length; k++)
        {
            double change = d["mass"][k + 1] - d["mass"][k];
            double predicted = d["dt"][k + 1] * (d["source"][k] - d["outflow"][k] - d["absorption"][k]);
            // Rounding of the sums behind one row: a few ε relative to the mass scale (26² cells × 10 moments: ~1e-14); bound 1e-13.
            Assert.True(Math.Abs(change - predicted) <= 1e-13 * scale, $"step {k + 1}: ΔM {change:E6} vs dt·rates {predicted:E6}");
        }
        // rounding: the defect accumulates the rows' rounding over the run's steps; the run's guard is 1e-10 (StepChecks).
        Assert.All(d["mass_defect"], v => Assert.True(Math.Abs(v) <= 1e-12 * scale, $"mass defect {v:E3}"));
    }

    [Theory]
    [InlineData("full_rank", "ssprk2")]
    [InlineData("augmented_bug", "ssprk2")]
    [InlineData("parallel_bug", "ssprk3")]
    public void Mass_defect_stays_at_rounding_with_ssp_steppers(string solver, string stepper)
    {
        var d = RunDeck($"solver.type={solver}", "solver.conservative=" + (solver == "full_rank" ? "false" : "true"), $"time.stepper={stepper}", "solver.truncation.r_min=4");
        double scale = d["mass"].Max(Math.Abs);
        Assert.All(d["mass_defect"], v => Assert.True(Math.Abs(v) <= 1e-12 * scale, $"mass defect {v:E3}"));
        // The forward-Euler pairing does not hold for a two- or three-stage method: the defect column is the check.
        double eulerMismatch = Enumerable.Range(0, d["step"].Length - 1).Max(k =>
            Math.Abs(d["mass"][k + 1] - d["mass"][k] - d["dt"][k + 1] * (d["source"][k] - d["outflow"][k] - d["absorption"][k])));
        // theory: a multi-stage step differs from the Euler pairing by O(Δt²·rates); 1e-9 is a precondition, far above rounding.
        Assert.True(eulerMismatch > 1e-9 * scale, "the SSP stepper changed the mass exactly as forward Euler would: not an SSP step?");
    }
}
