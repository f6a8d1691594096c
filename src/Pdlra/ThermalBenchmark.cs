using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Output;
using ParallelDlra.Solvers;
using ParallelDlra.Solvers.Thermal;

namespace ParallelDlra.Cli;

/// <summary>
/// <c>pdlra bench thermal [CELLS [ORDER [STEPS]]]</c> (issue #17): the 2D beam of thermal radiative transfer
/// (jobs/thermal_beam.yaml, after the Baumann–Kusch code) at CELLS² cells, P_ORDER, STEPS steps (default 200, 29, 20):
/// full rank against the conservative augmented BUG, each in a fresh child process (<c>bench thermal-one</c>) so that
/// peak memory is per solver. Prints per solver: setup, time per step (median, mean), final and largest rank, peak and
/// solve memory (as <c>bench lowrank</c>), the energy defect (the largest per-step |ΔE − reported change| / E, E = ∫(U + V);
/// periodic faces and no source, so the change is 0), and the relative L2 differences of U and of the material energy to
/// full rank.
/// </summary>
public static class ThermalBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The solvers compared, as deck words; the first is the reference.</summary>
    public static readonly string[] Solvers = ["full_rank", "augmented_bug"];

    /// <summary>jobs/thermal_beam.yaml (keep the two in step) with the grid, the order and the number of steps of the run.</summary>
    public static string Deck(int cells, int order, int steps, string solver) => Deck(cells, order, steps, solver, Math.Min(20, (order + 1) * (order + 2) / 2));

    private static string Deck(int cells, int order, int steps, string solver, int floor) => string.Create(Inv, $$"""
        problem: {name: bench_thermal_beam, model: thermal}
        grid: {cells: [{{cells}}, {{cells}}], extent: [[-1, 1], [-1, 1]], boundary: periodic}
        angular: {order: {{order}}}
        material:
          sigma_a: 0.5
          thermal: {heat_capacity: 1, initial_energy: 3.5449077018110318}
        initial: {type: beam, center: [0, 0], sigma: 0.1, mass: 1.0e6, direction: [0.7071067811865476, 0.7071067811865476], angular_sigma: 0.1}
        time: {end: 0.5, cfl: 1, max_steps: {{steps}}}
        solver:
          type: {{solver}}
          conservative: true
          rank: {{floor}}
          truncation: {theta: 5.0e-4, tolerance: relative, per: step, relative_to: solution, r_min: {{floor}}, r_max: 100}

        """);

    /// <summary>What one child run reports (one JSON line after <see cref="Benchmarks.ResultPrefix"/>).</summary>
    public sealed record ThermalResult(string Solver, double SetupSeconds, double[] StepSeconds, int FinalRank, int LargestRank,
        long PeakWorkingSet, long BaselineWorkingSet, double Energy, double EnergyDefect)
    {
        public long SolveMemory => PeakWorkingSet - BaselineWorkingSet;
        public double MedianStep => new BenchmarkResult(Solver, 0, StepSeconds, 0, 0, 0, 0, 0).MedianStep;
        public double MeanStep => StepSeconds.Length == 0 ? double.NaN : StepSeconds.Average();
    }

    private static int Argument(IReadOnlyList<string> args, int i, int fallback, int min, int max)
    {
        if (args.Count <= i) return fallback;
        return int.TryParse(args[i], NumberStyles.None, Inv, out int v) && v >= min && v <= max ? v
            : throw new InputException($"bench thermal: argument {i + 1} ({args[i]}) is not an integer in [{min}, {max}]; allowed: bench thermal [CELLS [ORDER [STEPS]]]");
    }

    private static (int Cells, int Order, int Steps) Size(IReadOnlyList<string> args, int first)
    {
        if (args.Count > first + 3) throw new InputException($"bench thermal: at most 3 arguments, got {args.Count - first}; allowed: bench thermal [CELLS [ORDER [STEPS]]]");
        var rest = args.Skip(first).ToArray();
        return (Argument(rest, 0, 200, 2, 4096), Argument(rest, 1, 29, 1, 60), Argument(rest, 2, Benchmarks.Steps, 1, 100_000));
    }

    /// <summary><c>bench thermal-one SOLVER DIR [CELLS [ORDER [STEPS]]]</c>: one solver in this process; writes U and the
    /// material energy (DIR/u.bin, DIR/v.bin, float64 in cell order) and prints one RESULT line.</summary>
    public static void RunOne(IReadOnlyList<string> args, TextWriter w)
    {
        if (args.Count < 2 || !Solvers.Contains(args[0]))
            throw new InputException($"bench thermal-one: usage: bench thermal-one SOLVER DIR [CELLS [ORDER [STEPS]]] with SOLVER one of {string.Join(", ", Solvers)}");
        var (cells, order, steps) = Size(args, 2);
        var o = DeckReader.Parse(Deck(cells, order, steps, args[0]), "bench_thermal.yaml", Environment.CurrentDirectory, []);
        long baseline = Benchmarks.Baseline(o, RunContext.Serial());
        var clock = Stopwatch.StartNew();
        var sim = new Simulation(o, RunContext.Serial());
        double setup = clock.Elapsed.TotalSeconds;
        var solver = sim.Solver;
        var times = new double[steps];
        double t = 0, dt = sim.TimeStep, energy0 = solver.Balance(0).Mass, previous = energy0, defect = 0;
        int rank = solver.Rank, largest = rank;
        for (int s = 0; s < steps; s++)
        {
            long start = Stopwatch.GetTimestamp();
            var report = solver.Step(t, dt);
            times[s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            t += dt;
            rank = report.Rank;
            largest = Math.Max(largest, rank);
            double energy = solver.Balance(t).Mass;   // outside the timing: one allreduce and the mass of the factors
            defect = Math.Max(defect, Math.Abs(energy - previous - report.MassChange) / Math.Abs(energy));
            previous = energy;
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        long peak = self.PeakWorkingSet64;
        Directory.CreateDirectory(args[1]);
        Write(Path.Combine(args[1], "u.bin"), solver.ScalarFlux());
        Write(Path.Combine(args[1], "v.bin"), ((ISpatialFields)solver).Field(ThermalSolver.MaterialEnergy));
        var result = new ThermalResult(solver.Name, setup, times, rank, largest, peak, baseline, previous, defect);
        solver.Dispose();
        w.WriteLine(Benchmarks.ResultPrefix + JsonSerializer.Serialize(result));
    }

    private static void Write(string path, double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary><c>bench thermal [CELLS [ORDER [STEPS]]]</c>: each solver in a child process, then the table.</summary>
    public static void Run(IReadOnlyList<string> args, TextWriter w)
    {
        var (cells, order, steps) = Size(args, 0);
        int moments = (order + 1) * (order + 2) / 2;
        w.WriteLine(string.Create(Inv, $"bench thermal: 2D beam (jobs/thermal_beam.yaml), {cells} x {cells} cells, P_{order} ({moments} moments), sigma_a = 0.5, " +
                                       $"periodic, {steps} steps at cfl 1; augmented BUG conservative, theta = 5e-4 relative to the solution per step (the authors' tolerance), r_min min(20, n_moments), r_max 100; one child process per run"));
        w.WriteLine($"{Environment.ProcessorCount} cores; memory: 'peak' the process's peak working set, 'solve' the peak above the warmed-up runtime (as bench lowrank)");
        w.WriteLine("energy defect: the largest per-step |E_k - E_(k-1) - reported change| / E_k, E = int (U + V) dx (no source, no outflow: the change is 0)");
        string dir = Directory.CreateTempSubdirectory("pdlra-bench-thermal-").FullName;
        try
        {
            var rows = new List<(ThermalResult R, double[] U, double[] V)>();
            foreach (var solver in Solvers)
            {
                string sub = Path.Combine(dir, solver);
                var (rc, stdout, stderr) = Benchmarks.RunSelf(["bench", "thermal-one", solver, sub, .. new[] { cells, order, steps }.Select(v => v.ToString(Inv))]);
                var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(Benchmarks.ResultPrefix, StringComparison.Ordinal));
                if (rc != 0 || line is null) throw new InvalidOperationException($"bench thermal-one {solver} exited with {rc}: {stderr.Trim()}");
                var r = JsonSerializer.Deserialize<ThermalResult>(line[Benchmarks.ResultPrefix.Length..])!;
                rows.Add((r, Benchmarks.ReadPhi(Path.Combine(sub, "u.bin")), Benchmarks.ReadPhi(Path.Combine(sub, "v.bin"))));
            }
            var full = rows[0];
            w.WriteLine($"{"solver",-50} {"setup s",8} {"median ms",10} {"mean ms",10} {"rank",5} {"max rank",8} {"peak MiB",9} {"solve MiB",9} " +
                        $"{"time full/this",14} {"mem full/this",13} {"energy defect",13} {"|U-U_full|/|U_full|",19} {"|V-V_full|/|V_full|",19}");
            foreach (var (r, u, v) in rows)
                w.WriteLine(string.Create(Inv, $"{r.Solver,-50} {r.SetupSeconds,8:F2} {1e3 * r.MedianStep,10:F2} {1e3 * r.MeanStep,10:F2} {r.FinalRank,5} {r.LargestRank,8} " +
                                               $"{Mib(r.PeakWorkingSet),9:F1} {Mib(r.SolveMemory),9:F1} {full.R.MedianStep / r.MedianStep,14:F2} {(double)full.R.SolveMemory / r.SolveMemory,13:F2} " +
                                               $"{r.EnergyDefect,13:E2} {Benchmarks.RelativeDifference(u, full.U),19:E3} {Benchmarks.RelativeDifference(v, full.V),19:E3}"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static double Mib(long bytes) => bytes / (1024.0 * 1024.0);
}
