using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Output;
using ParallelDlra.Verification;

namespace ParallelDlra.Cli;

/// <summary>
/// <c>pdlra bench linesource [CELLS [KEEP_DIR|- [PN_ORDER [SN_ORDER]]]]</c> (issue #15 benchmark; default 200 - 15 16): the
/// line source at t = 1 (σ_s = 1,
/// a Gaussian pulse of σ = 0.03, vacuum faces on [−1.5, 1.5]², cfl 0.9: the physics of <c>jobs/linesource.yaml</c>) on
/// CELLS² cells with every angular method — P_15, filtered P_15 (exponential, σ_f = 50, order 4), S_16 and rS_16 (product
/// Gauss–Legendre, n_q = 256; rS_N with random turns) — first order (upwind, forward Euler) and second order (Fromm,
/// SSP-RK3), each by full rank and by the conservative augmented BUG (θ = 1e-2 relative per unit time, r_min and initial
/// rank 20 (at most n_moments or n_q), r_max 100: the settings of <c>jobs/linesource_sn.yaml</c>). PN_ORDER and SN_ORDER
/// replace 15 and 16 (small orders for quick runs). One row per run: the ring-averaged error on
/// r ≤ 0.9 against <c>tests/data/linesource_t1.csv</c> (embedded), min φ / max φ, the ray-effect index, the DLRA run's
/// difference to its own full rank, steps, median and mean ms per step, the largest rank, solve memory, wall time. Each run
/// is a fresh child process (<c>bench linesource-one DECK DIR</c>), so its peak memory is its own. With KEEP_DIR every
/// run's folder (deck.yaml, phi.bin, phi.json, diagnostics, label.txt) is kept there, for
/// <c>postprocess/render_methods.py KEEP_DIR</c>. A run its deck refuses (e.g. filtered P_N on a grid so coarse that
/// Δt·σ_f exceeds the stability limit) is a row with the reason. Nothing is asserted.
/// </summary>
public static class LineSourceBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One angular method of the table: its label, a file-name slug and its <c>angular</c> section.</summary>
    public sealed record Method(string Label, string Slug, string Angular);

    /// <summary>The methods, in the order of the table, with P_N of order <paramref name="pn"/> and S_N of order
    /// <paramref name="sn"/> (the defaults 15 and 16: 136 moments, 256 ordinates).</summary>
    public static Method[] Methods(int pn = 15, int sn = 16) =>
    [
        new($"P_{pn}", "pn", $"{{order: {pn}}}"),
        new($"filtered P_{pn}", "filtered_pn", $"{{order: {pn}, filter: {{type: exponential, strength: 50, order: 4}}}}"),
        new($"S_{sn}", "sn", $"{{method: sn, quadrature: product_gauss_legendre, order: {sn}}}"),
        new($"rS_{sn}", "rsn", $"{{method: sn, quadrature: product_gauss_legendre, order: {sn}, rotation: {{angle: random, seed: 1}}}}"),
    ];

    /// <summary>Spatial orders of the table: 1 with forward Euler, 2 (Fromm) with SSP-RK3.</summary>
    public static readonly int[] Orders = [1, 2];

    /// <summary>Solvers of the table, as deck words: full rank first (the reference of the DLRA row after it).</summary>
    public static readonly string[] Solvers = ["full_rank", "augmented_bug"];

    /// <summary>The file in each kept run folder that holds the row's label (for the tiler).</summary>
    public const string LabelFile = "label.txt";

    /// <summary>The deck of one run; <paramref name="coefficients"/> is n_moments or n_q (the rank floor and initial rank
    /// of DLRA are min(20, it)).</summary>
    public static string Deck(int cells, Method method, int order, string solver, int coefficients, string output)
    {
        string stepper = order == 1 ? "euler" : "ssprk3";
        int floor = Math.Min(20, coefficients);
        string lowRank = solver == "full_rank" ? ""
            : string.Create(Inv, $"\n  rank: {floor}\n  conservative: true\n  truncation: {{theta: 1.0e-2, tolerance: relative, r_min: {floor}, r_max: 100}}");
        return string.Create(Inv, $$"""
        problem: {name: bench_linesource_{{method.Slug}}_o{{order}}_{{solver}}, description: "line source, {{method.Label}}, order {{order}}, {{solver}}"}
        grid: {cells: [{{cells}}, {{cells}}], extent: [[-1.5, 1.5], [-1.5, 1.5]], boundary: vacuum}
        angular: {{method.Angular}}
        material: {sigma_s: 1, sigma_a: 0}
        initial: {type: gaussian, center: [0, 0], sigma: 0.03, mass: 1}
        time: {end: 1, cfl: 0.9, stepper: {{stepper}}}
        solver:
          type: {{solver}}
          space_order: {{order}}{{lowRank}}
        output: {directory: "{{output}}", snapshot_every: 0, checkpoint_every: 0, progress_every: 1000000}
        """);
    }

    /// <summary>What one child run reports (one JSON line after <see cref="Benchmarks.ResultPrefix"/>).</summary>
    /// <param name="WallSeconds">the time loop (setup excluded)</param>
    /// <param name="StepSeconds">wall time of every step (from the diagnostics' wall clock)</param>
    /// <param name="MaxRank">the largest rank over the run (n_moments or n_q for full rank)</param>
    /// <param name="PeakWorkingSet">Process.PeakWorkingSet64 at the end, bytes</param>
    /// <param name="BaselineWorkingSet">working set before the simulation was built, after a warm-up of the same deck on 8²
    /// cells for 3 steps (runtime, compiled code, native libraries), bytes</param>
    public sealed record LineSourceResult(double WallSeconds, double[] StepSeconds, int MaxRank, long PeakWorkingSet, long BaselineWorkingSet)
    {
        public double MedianStep => StepSeconds.Length == 0 ? double.NaN : Median(StepSeconds);
        public double MeanStep => StepSeconds.Length == 0 ? double.NaN : StepSeconds.Average();
        public long SolveMemory => PeakWorkingSet - BaselineWorkingSet;
    }

    private static double Median(double[] values)
    {
        var s = values.Order().ToArray();
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /// <summary>The published radial profile of the line source at t = 1 (phi_total), embedded from tests/data.</summary>
    public static ReferenceProfile Reference()
    {
        using var stream = typeof(LineSourceBenchmark).Assembly.GetManifestResourceStream("linesource_t1.csv")
            ?? throw new InvalidOperationException("the embedded reference linesource_t1.csv is missing from this build");
        using var reader = new StreamReader(stream);
        return ReferenceProfile.Parse("linesource_t1.csv", reader.ReadToEnd().Split('\n'), "phi_total");
    }

    public static void Run(IReadOnlyList<string> args, TextWriter w)
    {
        const string usage = "bench linesource [CELLS [KEEP_DIR|- [PN_ORDER [SN_ORDER]]]] (default 200 - 15 16)";
        if (args.Count > 4) throw new InputException($"bench linesource: expected at most 4 arguments, got {args.Count}; usage: {usage}");
        int Arg(int i, int fallback, int min, int max, string name) => args.Count <= i ? fallback
            : int.TryParse(args[i], NumberStyles.None, Inv, out int v) && v >= min && v <= max ? v
            : throw new InputException($"bench linesource: {name} ({args[i]}) is not an integer in [{min}, {max}]; usage: {usage}");
        int cells = Arg(0, 200, 4, 4096, "CELLS");
        int pn = Arg(2, 15, 1, 60, "PN_ORDER"), sn = Arg(3, 16, 2, 60, "SN_ORDER");
        if (sn % 2 != 0) throw new InputException($"bench linesource: SN_ORDER ({sn}) must be even (angular.order of S_N); usage: {usage}");
        string? keep = args.Count >= 2 && args[1] != "-" ? Path.GetFullPath(args[1]) : null;
        if (keep is not null && Directory.Exists(keep) && Directory.EnumerateFileSystemEntries(keep).Any())
            throw new InputException($"bench linesource: KEEP_DIR {keep} is not empty; usage: {usage} with a new or empty folder");

        var reference = Reference();
        w.WriteLine(string.Create(Inv, $"bench linesource: line source t = 1, {cells} x {cells} cells, sigma_s = 1, Gaussian sigma = 0.03, cfl 0.9; " +
                                       $"P_{pn} ({(pn + 1) * (pn + 2) / 2} moments), S_{sn} ({sn * sn} ordinates); order 1: upwind + forward Euler, order 2: Fromm + SSP-RK3; " +
                                       $"DLRA: conservative augmented BUG, theta = 1e-2 relative per unit time, initial rank = r_min = min(20, n), r_max 100"));
        w.WriteLine($"error: relative L2 of the ring average on r <= {LineSourceFigures.ErrorRadius} against linesource_t1.csv (phi_total); " +
                    $"ray: std/mean of phi on r = {LineSourceFigures.RayRadius}; vs full: |phi - phi_full|/|phi_full| of the DLRA run against the full-rank row above it");
        w.WriteLine("each run in its own child process; ms/step from the run's wall clock (median and mean over the steps); " +
                    "solve MiB: peak working set above the one after a warm-up of the same deck on 8x8 cells");
        w.WriteLine($"{"method",-14} {"order",5} {"solver",-14} {"error %",8} {"min/max %",10} {"ray",9} {"vs full",9} {"steps",6} " +
                    $"{"median ms",10} {"mean ms",9} {"rank",5} {"solve MiB",9} {"wall s",8}");

        string dir = keep ?? Directory.CreateTempSubdirectory("pdlra-bench-linesource-").FullName;
        Directory.CreateDirectory(dir);
        try
        {
            int index = 0;
            foreach (var method in Methods(pn, sn))
                foreach (int order in Orders)
                {
                    double[]? full = null;
                    foreach (string solver in Solvers)
                    {
                        string sub = Path.Combine(dir, string.Create(Inv, $"{++index:D2}_{method.Slug}_o{order}_{solver}"));   // table order = name order
                        Directory.CreateDirectory(sub);
                        string deck = Path.Combine(sub, "deck.yaml");
                        int coefficients = method.Slug.EndsWith("pn", StringComparison.Ordinal) ? (pn + 1) * (pn + 2) / 2 : sn * sn;   // 2D: P_N moments, S_N ordinates
                        File.WriteAllText(deck, Deck(cells, method, order, solver, coefficients, Path.Combine(sub, "out")));
                        string label = $"{method.Label,-14} {order,5} {solver,-14}";
                        var (rc, stdout, stderr) = Benchmarks.RunSelf(["bench", "linesource-one", deck, sub]);
                        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(Benchmarks.ResultPrefix, StringComparison.Ordinal));
                        if (rc == 2)
                        {
                            w.WriteLine($"{label} refused: {stderr.Trim().Split('\n')[0]}");
                            continue;
                        }
                        if (rc != 0 || line is null) throw new InvalidOperationException($"bench linesource-one ({method.Label}, order {order}, {solver}) exited with {rc}: {stderr.Trim()}");
                        var r = JsonSerializer.Deserialize<LineSourceResult>(line[Benchmarks.ResultPrefix.Length..])!;
                        var phi = Benchmarks.ReadPhi(Path.Combine(sub, "out", OutputWriter.FieldBinaryFile));
                        File.WriteAllText(Path.Combine(sub, LabelFile), $"{method.Label}, order {order}, {(solver == "full_rank" ? "full rank" : "augmented BUG")}\n");
                        string toFull = solver == "full_rank" ? "-" : full is null ? "n/a" : Benchmarks.RelativeDifference(phi, full).ToString("E2", Inv);
                        if (solver == "full_rank") full = phi;
                        w.WriteLine(string.Create(Inv, $"{label} {100 * LineSourceFigures.RingError(phi, cells, reference),8:F2} {100 * LineSourceFigures.MinOverMax(phi),10:F3} " +
                                                       $"{LineSourceFigures.RayIndex(phi, cells),9:E2} {toFull,9} {r.StepSeconds.Length,6} {1e3 * r.MedianStep,10:F1} {1e3 * r.MeanStep,9:F1} " +
                                                       $"{r.MaxRank,5} {Mib(r.SolveMemory),9:F1} {r.WallSeconds,8:F1}"));
                        w.Flush();
                    }
                }
        }
        finally
        {
            if (keep is null)
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        if (keep is not null) w.WriteLine($"runs kept in {keep} (postprocess/render_methods.py {keep} -o methods.png)");
    }

    /// <summary><c>bench linesource-one DECK DIR</c>: one run of the deck in this process (serial), its output (phi.bin,
    /// phi.json, diagnostics, run.yaml) in DIR/out; prints one RESULT line.</summary>
    public static void RunOne(IReadOnlyList<string> args, TextWriter w)
    {
        if (args.Count != 2) throw new InputException("bench linesource-one: usage: bench linesource-one DECK DIR");
        var options = DeckReader.Load(args[0], []);
        long baseline = Baseline(options);
        var writer = OutputWriter.Prepare(options.Output.Directory);
        var sim = new Simulation(options, RunContext.Serial());
        var clock = Stopwatch.StartNew();
        sim.Run();
        double wall = clock.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        long peak = self.PeakWorkingSet64;
        OutputWriter.WriteRun(writer, sim.Description);
        var h = sim.History;
        var steps = Enumerable.Range(1, h.Count - 1).Select(i => h[i].WallSeconds - h[i - 1].WallSeconds).ToArray();
        int rank = h.Max(d => d.Rank);
        sim.Solver.Dispose();
        w.WriteLine(Benchmarks.ResultPrefix + JsonSerializer.Serialize(new LineSourceResult(wall, steps, rank, peak, baseline)));
    }

    /// <summary>The working set after a warm-up: the same deck on 8 × 8 cells for 3 steps at a cfl that is stable there (so
    /// the code of this method and solver is compiled and the native libraries have set up), then a full collection.</summary>
    private static long Baseline(RunOptions o)
    {
        var tiny = o with
        {
            Grid = o.Grid with { Cells = [8, 8] },
            Time = o.Time with { MaxSteps = 3, Cfl = Math.Min(o.Time.Cfl, 0.02) },
        };
        var warm = new Simulation(tiny, RunContext.Serial());
        warm.Run();
        warm.Solver.ScalarFlux();
        warm.Solver.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    private static double Mib(long bytes) => bytes / (1024.0 * 1024.0);
}
