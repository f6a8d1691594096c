using System.Globalization;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Solvers.Thermal;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Thermal;

/// <summary>The thermal model in 2D (issue #17 item 4, the square-source version of Su–Olson): σ_a = 1, C = 1, a unit
/// source on the square |x|, |y| &lt; 0.5 of [−1.5, 1.5]², vacuum faces, P_7. DLRA (augmented BUG, conservative,
/// θ = 1e-3) against full rank of the same discretisation, and the energy balance with outflow, every step.</summary>
public sealed class SquareSourceTests(ITestOutputHelper output)
{
    private static RunOptions Deck(string solver) => DeckReader.Parse(
        "problem: {name: square, model: thermal}\n" +
        "grid: {cells: [48, 48], extent: [[-1.5, 1.5], [-1.5, 1.5]], boundary: vacuum}\n" +
        "angular: {order: 15}\n" +
        "material: {file: suolson2d_square.yaml, thermal: {heat_capacity: 1}}\n" +
        "time: {end: 1.5, cfl: 1}\n" +
        $"solver: {{type: {solver}, conservative: true, truncation: {{theta: 1.0e-2}}}}\n",
        "square.yaml", Path.GetDirectoryName(TestDecks.Data("suolson2d_square.yaml"))!, []);

    private static double RelativeL2(double[] a, double[] b)
        => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum() / a.Sum(x => x * x));

    [Fact]
    public void Dlra_is_within_one_percent_of_full_rank_and_the_energy_balance_holds_every_step()
    {
        var runs = new[] { "full_rank", "augmented_bug" }.Select(s =>
        {
            var sim = new Simulation(Deck(s), RunContext.Serial());
            sim.Run();
            return sim;
        }).ToArray();
        var (full, low) = (runs[0], runs[1]);
        double du = RelativeL2(full.Solver.ScalarFlux(), low.Solver.ScalarFlux());
        double dv = RelativeL2(((ISpatialFields)full.Solver).Field(ThermalSolver.MaterialEnergy), ((ISpatialFields)low.Solver).Field(ThermalSolver.MaterialEnergy));
        var ranks = low.History.Select(h => h.Rank).ToArray();
        output.WriteLine($"48², P15 (136 moments), t = 1.5: DLRA vs full rank relative L2 of U {du:E2}, of V {dv:E2}; " +
                         $"rank history {string.Join(" ", ranks.Where((_, i) => i % 8 == 0).Select(r => r.ToString(CultureInfo.InvariantCulture)))} (every 8th step), max {ranks.Max()}");
        Assert.True(du <= 0.01, $"U: {du:E3}");
        Assert.True(dv <= 0.01, $"V: {dv:E3}");
        foreach (var sim in runs)
        {
            var h = sim.History;
            double worst = 0.0, input = 1.0;   // ∫S = 1 (the unit square)
            for (int k = 1; k < h.Count; k++)
            {
                // Backward-Euler exchange with the source at the step's end, forward-Euler streaming with the outflow at its start.
                double change = h[k].Mass - h[k - 1].Mass, predicted = h[k].TimeStep * (input - h[k - 1].Outflow);
                worst = Math.Max(worst, Math.Abs(change - predicted) / h[k].Mass);
            }
            output.WriteLine($"{sim.Solver.Name}: {h.Count - 1} steps, outflow at the end {h[^1].Outflow:G4}, largest |ΔE − Δt(∫S − outflow)| / E = {worst:E2}");
            Assert.True(h[^1].Outflow > 0, "no outflow: the test would not see it");
            Assert.True(worst <= 1e-12, $"{sim.Solver.Name}: {worst:E3}");
        }
    }
}
