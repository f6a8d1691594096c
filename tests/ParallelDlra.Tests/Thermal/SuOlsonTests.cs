using System.Globalization;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Solvers.Thermal;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Thermal;

/// <summary>The Su–Olson transport benchmark (ε = 1; Su and Olson 1997) against the published table
/// <c>tests/data/suolson_transport_U.csv</c> (U at τ = 0.1, 0.31623, 3.16228, 10), with jobs/suolson.yaml as it is
/// apart from the resolution: the issue's bounds (pointwise 2 % where U ≥ 0.05, 2e-3 absolute elsewhere, at every
/// tabulated x), errors decreasing with cells and N, and DLRA against its own full rank.</summary>
[Trait("Category", "Slow")]   // a refinement study
public sealed class SuOlsonTests(ITestOutputHelper output)
{
    public static readonly double[] Times = [0.1, 0.31623, 3.16228, 10];

    /// <summary>The table: x and, per time, U (NaN where not tabulated).</summary>
    public static (double[] X, double[][] U) Table()
    {
        var lines = File.ReadAllLines(TestDecks.Data("suolson_transport_U.csv")).Where(l => !l.StartsWith('#') && l.Trim().Length > 0).ToArray();
        var header = lines[0].Split(',');
        Assert.Equal(["x", "0.1", "0.31623", "3.16228", "10"], header);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        static double Parse(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        return ([.. rows.Select(r => Parse(r[0]))], [.. Enumerable.Range(1, Times.Length).Select(c => rows.Select(r => Parse(r[c])).ToArray())]);
    }

    public static RunOptions Deck(params string[] sets)
        => DeckReader.Load(Path.Combine(TestDecks.RepositoryRoot(), "jobs", "suolson.yaml"), ["output.snapshot_times=[]", .. sets]);

    /// <summary>U (φ) and V (the material energy) at time.end.</summary>
    public static (double[] U, double[] V, int Rank) Run(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var fields = (ISpatialFields)sim.Solver;
        return (sim.Solver.ScalarFlux(), fields.Field(ThermalSolver.MaterialEnergy), sim.Solver.Rank);
    }

    /// <summary>The largest pointwise error over the tabulated x of one time, as a fraction of the issue's bound there
    /// (2 % of U where U ≥ 0.05, 2e-3 elsewhere): ≤ 1 meets the bound.</summary>
    public static double WorstFraction(double[] u, double x0, double h, double[] x, double[] reference)
    {
        double worst = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(reference[i])) continue;
            double computed = ProfileComparison.Interpolate1D(u, x0, h, x[i]);
            double bound = reference[i] >= 0.05 ? 0.02 * reference[i] : 2e-3;
            worst = Math.Max(worst, Math.Abs(computed - reference[i]) / bound);
        }
        return worst;
    }

    private double[] Fractions(int cells, int order)
    {
        var (x, table) = Table();
        var result = new double[Times.Length];
        for (int k = 0; k < Times.Length; k++)
        {
            var o = Deck($"grid.cells=[{cells}]", $"angular.order={order}", $"time.end={Times[k].ToString("R", CultureInfo.InvariantCulture)}");
            var (u, _, _) = Run(o);
            double h = o.Grid.Extent[0].Length / cells;
            result[k] = WorstFraction(u, o.Grid.Extent[0].Min, h, x, table[k]);
            output.WriteLine($"{cells} cells P{order}, tau = {Times[k]}: worst pointwise error = {result[k]:F3} of the bound");
        }
        return result;
    }

    [Fact]
    public void Full_rank_meets_the_table_at_every_x_and_time_and_errors_decrease_with_cells_and_N()
    {
        // The deck's [0, 12] with Δx = 0.005 (2400 cells) and P_15; two coarser steps halve Δx and N + 1 each.
        (int Cells, int Order)[] settings = [(600, 3), (1200, 7), (2400, 15)];
        var worst = settings.Select(s => Fractions(s.Cells, s.Order)).ToArray();
        for (int k = 0; k < Times.Length; k++)
            Assert.True(worst[^1][k] <= 1.0, $"tau = {Times[k]}: the worst pointwise error is {worst[^1][k]:F3} of the bound at 2400 cells, P15"); // published table: Su & Olson 1997 (tests/data/suolson_transport_U.csv, 5 digits); bound of issue #17
        var overall = worst.Select(w => w.Max()).ToArray();
        output.WriteLine($"largest fraction of the bound over the four times: {string.Join(" → ", overall.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}");
        for (int i = 1; i < overall.Length; i++)
            Assert.True(overall[i] < overall[i - 1], $"the error does not decrease from {settings[i - 1]} to {settings[i]}: {overall[i - 1]:F3} → {overall[i]:F3}");
    }

    [Fact]
    public void Dlra_augmented_bug_conservative_theta_1e3_is_within_one_percent_of_its_full_rank()
    {
        string[] common = ["grid.cells=[1200]", "angular.order=15", "time.end=3.16228"];
        var (uFull, vFull, _) = Run(Deck(common));
        var (uLow, vLow, rank) = Run(Deck([.. common, "solver.type=augmented_bug", "solver.conservative=true", "solver.truncation.theta=1e-3"]));
        double du = uFull.Zip(uLow, (a, b) => Math.Abs(a - b)).Max() / uFull.Max(Math.Abs);
        double dv = vFull.Zip(vLow, (a, b) => Math.Abs(a - b)).Max() / vFull.Max(Math.Abs);
        output.WriteLine($"DLRA (rank {rank} of 16) vs full rank at tau = 3.16228: max |ΔU|/max U = {du:E2}, max |ΔV|/max V = {dv:E2}");
        Assert.True(du <= 0.01, $"U: {du:E3} > 1 %"); // issue #17 acceptance: within 1 % of its own full rank
        Assert.True(dv <= 0.01, $"V: {dv:E3} > 1 %");
    }
}
