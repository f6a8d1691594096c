using System.Diagnostics;
using System.Globalization;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Uncertainty;
using ParallelDlra.Verification;

namespace ParallelDlra.Cli;

/// <summary>
/// <c>pdlra bench burgers [NX N [R ...]]</c>: the table of issue #16's Burgers acceptance line. Burgers with an uncertain
/// shock (the deck <see cref="Deck"/> = jobs/burgers_uq.yaml) at NX cells (default 1000) and N chaos modes per parameter
/// (default 30, degree N − 1), cfl 0.9: SG full rank and the fixed-rank BUG at the ranks R (default 2, 5, 10, 15, 20), and
/// the conservative augmented BUG at θ = 1e-2 and 1e-3; per run the relative L2 errors of E[u] and Var[u] against the
/// exact solution (<see cref="BurgersReference"/>) and in the published normalisation ‖e‖/‖exact‖², the final rank and
/// the wall time. Prints figures, asserts nothing.
/// </summary>
internal static class BurgersBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The deck of jobs/burgers_uq.yaml (the benchmark does not read the repository's files).</summary>
    public const string Deck = """
        problem: {name: burgers_uq, model: burgers}
        grid: {cells: [1000], extent: [[0, 1]]}
        time: {end: 0.01, cfl: 0.9, stepper: euler}
        solver: {type: fixed_rank_bug, rank: 10}
        uncertainty:
          method: stochastic_galerkin
          parameters:
            - {distribution: uniform, min: -1, max: 1}
            - {distribution: uniform, min: -1, max: 1}
          degree: 29
          shock: {mean: 0.3, spread: 0.2, parameter: 0}
          left_state: {mean: 12, spread: 0, parameter: 0}
          right_state: {mean: 3.5, spread: 2.5, parameter: 1}
        """;

    public static void Run(IReadOnlyList<string> args, TextWriter w)
    {
        int Int(int i, int fallback) => args.Count > i
            ? int.TryParse(args[i], NumberStyles.Integer, Inv, out int v) && v > 0 ? v : throw new InputException($"bench burgers: {args[i]} is not a positive integer; allowed: burgers [NX N [R ...]]")
            : fallback;
        int nx = Int(0, 1000), n = Int(1, 30);
        int[] ranks = args.Count > 2 ? [.. Enumerable.Range(2, args.Count - 2).Select(i => Int(i, 0))] : [2, 5, 10, 15, 20];
        string[] common = [$"grid.cells=[{nx}]", $"uncertainty.degree={n - 1}", "output.write_field=false"];
        var runs = new List<(string Name, string[] Sets)> { ("SG full rank", ["solver.type=full_rank"]) };
        runs.AddRange(ranks.Select(r => ($"fixed-rank BUG r = {r}", new[] { "solver.type=fixed_rank_bug", $"solver.rank={r}" })));
        foreach (var theta in new[] { "1e-2", "1e-3" })
            runs.Add(($"augmented BUG cons. θ = {theta}", ["solver.type=augmented_bug", "solver.conservative=true", $"solver.truncation.theta={theta}", "solver.rank=10", "solver.truncation.r_max=200"]));
        w.WriteLine($"# Burgers with an uncertain shock: Nx = {nx}, N = {n} per parameter ({n * n} modes), cfl 0.9, t = 0.01, forward Euler, global Lax–Friedrichs (speed 12)");
        w.WriteLine($"# errors against the exact E, Var at the cell centres; rel = ‖e‖/‖exact‖, pub = ‖e‖/‖exact‖² (published normalisation; r = 10 there: 1.23e-3 (E), 6.61e-3 (Var))");
        w.WriteLine($"{"run",-32} {"rank",5} {"E rel",10} {"Var rel",10} {"E pub",10} {"Var pub",10} {"wall s",8}");
        foreach (var (name, sets) in runs)
        {
            var o = DeckReader.Parse(Deck, "bench burgers", Directory.GetCurrentDirectory(), [.. common, .. sets]);
            var clock = Stopwatch.StartNew();
            var sim = new Simulation(o, RunContext.Serial());
            sim.Run();
            double seconds = clock.Elapsed.TotalSeconds;
            var burgers = sim.Discretisation.Burgers!;
            var stats = ChaosStatistics.Of(sim.Solver, burgers.Space);
            var grid = sim.Discretisation.Grid;
            var x = Enumerable.Range(0, grid.Cells[0]).Select(i => grid.Center(0, i)).ToArray();
            var exact = BurgersReference.Statistics(burgers.Data, burgers.Space.Chaos.Parameters, sim.History[^1].Time, x);
            var e = BurgersReference.Errors(stats.Mean, exact.Mean, grid.Spacing[0]);
            var v = BurgersReference.Errors(stats.Variance, exact.Variance, grid.Spacing[0]);
            w.WriteLine(string.Create(Inv, $"{name,-32} {sim.Solver.Rank,5} {e.Relative,10:E3} {v.Relative,10:E3} {e.Published,10:E3} {v.Published,10:E3} {seconds,8:F1}"));
            w.Flush();
            sim.Solver.Dispose();
        }
    }
}
