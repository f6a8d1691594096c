using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Cli;

/// <summary>
/// <c>pdlra bench uq [CELLS [ORDER [DEGREE [REFERENCE_NODES]]]]</c> (issue #16; defaults 200 15 7 16): the uncertain
/// line source (σ_s = 1 + 0.5 ξ, ξ ~ U(−1, 1), t = 1, the physics of <c>jobs/linesource_uq.yaml</c>) on CELLS² cells
/// with P_ORDER, by stochastic Galerkin with DEGREE + 1 chaos modes — full rank and SG-DLRA (conservative augmented BUG,
/// θ = 1e-3) — and by the collocation ensemble of DEGREE + 1 Gauss nodes, full rank and DLRA; E[φ] and Var[φ] of each
/// against the converged reference, a full-rank collocation of REFERENCE_NODES nodes. Each run is a fresh child process
/// (<c>bench uq-one</c>) so that its peak memory is its own; time is the run's wall time. Then the ensemble's wall time on
/// one group of one rank against two groups of one rank (mpiexec -n 2, <c>uncertainty.groups: 2</c>). Prints the table
/// and the issue's target (SG-DLRA at the ensemble's accuracy with at most 1/3 of its time and 1/5 of its memory).
/// Nothing is asserted.
/// </summary>
public static class UncertaintyBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The deck of one run: the uncertain line source of <c>jobs/linesource_uq.yaml</c> at the given size.</summary>
    public static string Deck(int cells, int order, int degree, string method, string solver, int nodes, string output)
    {
        // the size of the small side: P_N in 2D for a member, times the degree + 1 chaos modes for SG (rank and floor as in
        // jobs/linesource_uq.yaml where they fit)
        int moments = (order + 1) * (order + 2) / 2 * (method == "stochastic_galerkin" ? degree + 1 : 1);
        return string.Create(Inv, $$"""
        problem: {name: bench_uq, description: "uncertain line source, sigma_s = 1 + 0.5 xi"}
        grid: {cells: [{{cells}}, {{cells}}], extent: [[-1.5, 1.5], [-1.5, 1.5]], boundary: vacuum}
        angular: {order: {{order}}}
        material: {sigma_s: 1, sigma_a: 0}
        initial: {type: gaussian, center: [0, 0], sigma: 0.08, mass: 1}
        time: {end: 1, cfl: 0.9}
        solver:
          type: {{solver}}
          rank: {{Math.Min(20, moments)}}
          conservative: {{(solver == "full_rank" ? "false" : "true")}}
          truncation: {theta: 1.0e-3, r_min: {{Math.Min(10, moments)}}, r_max: 200}
        uncertainty:
          method: {{method}}
          parameters: [{distribution: uniform, min: -1, max: 1}]
          degree: {{degree}}
          nodes: {{nodes}}
          sigma_s: {spread: 0.5, parameter: 0}
        output: {directory: "{{output}}", snapshot_every: 0, checkpoint_every: 0, progress_every: 1000000}
        """);
    }

    /// <summary>What one child run reports (one JSON line after <see cref="Benchmarks.ResultPrefix"/>).</summary>
    public sealed record UqResult(double WallSeconds, int Steps, int MaxRank, long PeakWorkingSet, long BaselineWorkingSet);

    public static void Run(IReadOnlyList<string> args, TextWriter w)
    {
        int Arg(int i, int fallback, int max) => args.Count <= i ? fallback
            : int.TryParse(args[i], NumberStyles.None, Inv, out int v) && v >= 1 && v <= max ? v
            : throw new InputException($"bench uq: argument {i + 1} ({args[i]}) is not an integer in [1, {max}]; usage: bench uq [CELLS [ORDER [DEGREE [REFERENCE_NODES]]]]");
        int cells = Arg(0, 200, 4096), order = Arg(1, 15, 61), degree = Arg(2, 7, 30), refNodes = Arg(3, 16, 64);
        int nodes = degree + 1;
        w.WriteLine(string.Create(Inv, $"bench uq: uncertain line source sigma_s = 1 + 0.5 xi, xi ~ U(-1, 1), t = 1; {cells} x {cells} cells, P_{order}, " +
                                       $"chaos degree {degree} ({nodes} modes); collocation with {nodes} Gauss nodes; reference: full-rank collocation with {refNodes} nodes"));
        w.WriteLine("each run in its own child process; 'solve MiB' is the peak working set above the one just before the run; time is the run's wall time");

        string dir = Directory.CreateTempSubdirectory("pdlra-bench-uq-").FullName;
        try
        {
            var runs = new (string Label, string Method, string Solver, int Nodes)[]
            {
                ("reference (collocation, full rank)", "collocation", "full_rank", refNodes),
                ("SG full rank", "stochastic_galerkin", "full_rank", nodes),
                ("SG-DLRA (augmented BUG)", "stochastic_galerkin", "augmented_bug", nodes),
                ("collocation, full rank", "collocation", "full_rank", nodes),
                ("collocation, DLRA (augmented BUG)", "collocation", "augmented_bug", nodes),
            };
            var rows = new List<(string Label, UqResult R, double[] Mean, double[] Var)>();
            foreach (var (label, method, solver, n) in runs)
            {
                string sub = Path.Combine(dir, $"{method}_{solver}_{n}");
                Directory.CreateDirectory(sub);
                string deck = Path.Combine(sub, "deck.yaml");
                File.WriteAllText(deck, Deck(cells, order, degree, method, solver, n, Path.Combine(sub, "out")));
                var (rc, stdout, stderr) = Benchmarks.RunSelf(["bench", "uq-one", deck, sub]);
                var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(Benchmarks.ResultPrefix, StringComparison.Ordinal));
                if (rc != 0 || line is null) throw new InvalidOperationException($"bench uq-one ({label}) exited with {rc}: {stderr.Trim()}");
                var r = JsonSerializer.Deserialize<UqResult>(line[Benchmarks.ResultPrefix.Length..])!;
                rows.Add((label, r, Benchmarks.ReadPhi(Path.Combine(sub, "mean.bin")), Benchmarks.ReadPhi(Path.Combine(sub, "var.bin"))));
            }
            var reference = rows[0];
            w.WriteLine($"{"run",-36} {"wall s",8} {"steps",6} {"rank",5} {"solve MiB",9} {"E diff",10} {"Var diff",10}");
            foreach (var (label, r, mean, variance) in rows)
            {
                string e = ReferenceEquals(mean, reference.Mean) ? "-" : Benchmarks.RelativeDifference(mean, reference.Mean).ToString("E3", Inv);
                string v = ReferenceEquals(variance, reference.Var) ? "-" : Benchmarks.RelativeDifference(variance, reference.Var).ToString("E3", Inv);
                w.WriteLine(string.Create(Inv, $"{label,-36} {r.WallSeconds,8:F1} {r.Steps,6} {r.MaxRank,5} {Mib(r.PeakWorkingSet - r.BaselineWorkingSet),9:F1} {e,10} {v,10}"));
            }
            var sg = rows[2];
            foreach (var ensemble in new[] { rows[3], rows[4] })
            {
                double eSg = Benchmarks.RelativeDifference(sg.Mean, reference.Mean), vSg = Benchmarks.RelativeDifference(sg.Var, reference.Var);
                double eEn = Benchmarks.RelativeDifference(ensemble.Mean, reference.Mean), vEn = Benchmarks.RelativeDifference(ensemble.Var, reference.Var);
                double time = ensemble.R.WallSeconds / sg.R.WallSeconds;
                double memory = (double)(ensemble.R.PeakWorkingSet - ensemble.R.BaselineWorkingSet) / Math.Max(1, sg.R.PeakWorkingSet - sg.R.BaselineWorkingSet);
                bool accurate = eSg <= 1.1 * eEn && vSg <= 1.1 * vEn;
                bool met = accurate && time >= 3 && memory >= 5;
                w.WriteLine(string.Create(Inv, $"SG-DLRA vs {ensemble.Label}: time {time:F2}x, solve memory {memory:F2}x less; E diff {eSg:E2} vs {eEn:E2}, Var diff {vSg:E2} vs {vEn:E2} " +
                                               $"(target: at most 1/3 of the time, 1/5 of the memory, at the ensemble's accuracy): {(met ? "met" : "missed")}"));
            }
            GroupSpeedup(w, dir, cells, order, degree, nodes);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The ensemble (full rank) on one group of one rank and on two groups of one rank each: wall time of
    /// the whole launch (mpiexec included for two).</summary>
    private static void GroupSpeedup(TextWriter w, string dir, int cells, int order, int degree, int nodes)
    {
        string? mpiexec = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpiexec")).FirstOrDefault(File.Exists);
        if (mpiexec is null)
        {
            w.WriteLine("ensemble groups: mpiexec not found on PATH, the 1 → 2 group speedup is not measured");
            return;
        }
        double Time(int groups)
        {
            string sub = Path.Combine(dir, $"groups_{groups}");
            Directory.CreateDirectory(sub);
            string deck = Path.Combine(sub, "deck.yaml");
            File.WriteAllText(deck, Deck(cells, order, degree, "collocation", "full_rank", nodes, Path.Combine(sub, "out")));
            string[] run = ["run", deck, "--set", $"uncertainty.groups={groups}"];
            var clock = Stopwatch.StartNew();
            var (rc, _, stderr) = groups == 1 ? Benchmarks.RunSelf(run)
                : Benchmarks.RunWith(mpiexec, [.. MpiArguments(groups), .. Benchmarks.SelfCommand(), .. run]);
            if (rc != 0) throw new InvalidOperationException($"ensemble on {groups} group(s) exited with {rc}: {stderr.Trim()}");
            return clock.Elapsed.TotalSeconds;
        }
        double one = Time(1), two = Time(2);
        w.WriteLine(string.Create(Inv, $"ensemble groups ({nodes} members, full rank): 1 group {one:F1} s, 2 groups (mpiexec -n 2) {two:F1} s: speedup {one / two:F2} on {Environment.ProcessorCount} cores"));
    }

    private static string[] MpiArguments(int ranks)
    {
        var list = new List<string>();
        if (Environment.UserName == "root") list.Add("--allow-run-as-root");
        list.AddRange(["--oversubscribe", "-n", ranks.ToString(Inv)]);
        return [.. list];
    }

    /// <summary><c>bench uq-one DECK DIR</c>: one run of the deck in this process; writes E[φ] and Var[φ] to DIR/mean.bin
    /// and DIR/var.bin (float64, cell order) and prints one RESULT line.</summary>
    public static void RunOne(IReadOnlyList<string> args, TextWriter w)
    {
        if (args.Count != 2) throw new InputException("bench uq-one: usage: bench uq-one DECK DIR");
        var options = DeckReader.Load(args[0], []);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        long baseline = self.WorkingSet64;
        var clock = Stopwatch.StartNew();
        FieldStatistics stats;
        int steps, rank;
        if (options.Uncertainty!.Method == UncertaintyMethod.StochasticGalerkin)
        {
            var sim = new Simulation(options, RunContext.Serial());
            sim.Run();
            var space = (StochasticGalerkinSpace)sim.Discretisation.Basis;
            stats = ChaosStatistics.Of(sim.Solver, space);
            steps = sim.History[^1].Step;
            rank = sim.History.Max(h => h.Rank);
            sim.Solver.Dispose();
        }
        else
        {
            var result = EnsembleDriver.Run(options, RunContext.Serial(), args[0]);
            stats = result.Statistics ?? throw new InvalidOperationException("the ensemble returned no statistics on rank 0");
            steps = -1;
            rank = -1;
        }
        double wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        WriteDoubles(Path.Combine(args[1], "mean.bin"), stats.Mean);
        WriteDoubles(Path.Combine(args[1], "var.bin"), stats.Variance);
        w.WriteLine(Benchmarks.ResultPrefix + JsonSerializer.Serialize(new UqResult(wall, steps, rank, self.PeakWorkingSet64, baseline)));
    }

    private static void WriteDoubles(string path, double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        File.WriteAllBytes(path, bytes);
    }

    private static double Mib(long bytes) => bytes / (1024.0 * 1024.0);
}
