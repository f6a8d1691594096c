using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;

namespace ParallelDlra.Cli;

/// <summary>One benchmark of <c>pdlra bench NAME [ARGS]</c>.</summary>
/// <param name="Name">the name on the command line</param>
/// <param name="Description">one line for the help text</param>
/// <param name="Listed">shown in the list of benchmarks (false for helpers such as <c>lowrank-one</c>)</param>
/// <param name="Run">runs it: the extra arguments, where to print</param>
public sealed record Benchmark(string Name, string Description, bool Listed, Action<IReadOnlyList<string>, TextWriter> Run);

/// <summary>Timings and memory of a few time steps of one configuration.</summary>
/// <param name="Solver">the solver's name</param>
/// <param name="SetupSeconds">building the discretisation and the solver</param>
/// <param name="StepSeconds">wall time of each step (Solver.Step only, setup excluded)</param>
/// <param name="FinalRank">rank after the last step</param>
/// <param name="FinalMass">mass after the last step</param>
/// <param name="PeakWorkingSet">Process.PeakWorkingSet64 at the end, bytes</param>
/// <param name="GcHeap">live managed heap after the steps (GC.GetTotalMemory after a full collection, solver still alive), bytes</param>
/// <param name="BaselineWorkingSet">working set just before the simulation was built, after a warm-up run of the same
/// solver on a tiny grid (runtime, compiled code and native libraries in place, nothing of the deck allocated), bytes</param>
public sealed record BenchmarkResult(string Solver, double SetupSeconds, double[] StepSeconds, int FinalRank, double FinalMass,
    long PeakWorkingSet, long GcHeap, long BaselineWorkingSet)
{
    /// <summary>Peak memory of the solve: the peak working set above <see cref="BaselineWorkingSet"/>, bytes.</summary>
    public long SolveMemory => PeakWorkingSet - BaselineWorkingSet;

    public double MedianStep
    {
        get
        {
            if (StepSeconds.Length == 0) return double.NaN;
            var s = StepSeconds.Order().ToArray();
            int n = s.Length;
            return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
        }
    }

    public double MeanStep => StepSeconds.Length == 0 ? double.NaN : StepSeconds.Average();
}

/// <summary>
/// The benchmarks of <c>pdlra bench</c> (figures printed, nothing asserted), as a name → benchmark table
/// (<see cref="All"/>): add an entry to add a benchmark.
/// <list type="bullet">
/// <item><c>fullrank</c>: full-rank line source, 200² cells, P_15 (136 moments), 20 steps: time per step,
/// cell-moment updates per second, peak memory.</item>
/// <item><c>lowrank</c>: line source, 256² cells, P_29 (465 moments), 20 steps, full rank vs augmented BUG
/// vs parallel BUG at θ = 1e-2 relative and rank floors <see cref="DefaultRankFloors"/>, each in a fresh child process (<c>bench lowrank-one KIND DIR [R_MIN]</c>)
/// so that peak memory is per solver; time per step, memory, final rank, ‖φ − φ_full‖/‖φ_full‖.</item>
/// <item><c>gpu</c>: augmented-BUG line source, 1024² cells, P_29, θ = 1e-2 relative, r_min = 30,
/// <see cref="GpuSteps"/> steps on the GPU backend (CUDA device 0) and on the CPU backend: time per step of
/// each, ‖φ_gpu − φ_cpu‖/‖φ_cpu‖, and the achieved memory bandwidth of the stencil (flux) kernel. Without a
/// CUDA device it is bad input ("no CUDA device", exit 2).</item>
/// </list>
/// </summary>
public static class Benchmarks
{
    /// <summary>Steps timed by every benchmark.</summary>
    public const int Steps = 20;

    /// <summary>Steps timed by <c>gpu</c> (fewer than <see cref="Steps"/>: the CPU side of 1024² cells is slow).</summary>
    public const int GpuSteps = 10;

    /// <summary>Solvers compared by <c>lowrank</c>, as deck words; the first is the reference.</summary>
    public static readonly string[] LowRankSolvers = ["full_rank", "augmented_bug", "parallel_bug"];

    /// <summary>Prefix of the one stdout line in which <c>lowrank-one</c> reports its result (JSON).</summary>
    public const string ResultPrefix = "RESULT ";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>name → benchmark.</summary>
    public static IReadOnlyDictionary<string, Benchmark> All { get; } = new Benchmark[]
    {
        new("fullrank", "full-rank line source, 200x200 cells, P_15, 20 steps", true, (_, w) => FullRank(w)),
        new("lowrank", "line source 256x256, P_29: full rank vs augmented BUG vs parallel BUG (theta = 1e-2 per unit time and per step); optional rank floors: lowrank [R_MIN ...]", true, LowRank),
        new("gpu", "line source 1024x1024, P_29, augmented BUG: GPU vs CPU backend per step, stencil kernel bandwidth (needs CUDA)", true, (_, w) => Gpu(w)),
        new("burgers", "Burgers with an uncertain shock (issue #16): SG full rank vs fixed-rank BUG and augmented BUG, E/Var errors against the exact solution: burgers [NX N [R ...]] (default 1000 30 2 5 10 15 20)", true, BurgersBenchmark.Run),
        new("uq", "uncertain line source (issue #16): SG-DLRA vs SG full rank vs the collocation ensemble (full rank, DLRA), E/Var against a converged collocation, time, memory, 1 -> 2 groups: uq [CELLS [ORDER [DEGREE [REFERENCE_NODES]]]] (default 200 15 7 16)", true, UncertaintyBenchmark.Run),
        new("linesource", "line source t = 1 (issue #15): P_15, filtered P_15, S_16, rS_16, first and second order, full rank and augmented BUG: error, min phi, ms/step, memory, rank: linesource [CELLS [KEEP_DIR|- [PN_ORDER [SN_ORDER]]]] (default 200 - 15 16)", true, LineSourceBenchmark.Run),
        new("linesource-one", "one run of linesource: linesource-one DECK DIR (run in a child process)", false, LineSourceBenchmark.RunOne),
        new("uq-one", "one run of uq: uq-one DECK DIR (run in a child process)", false, UncertaintyBenchmark.RunOne),
        new("lowrank-one", "one configuration of lowrank: lowrank-one SOLVER OUTDIR [R_MIN [unit_time|step]] (run in a child process)", false, LowRankOne),
    }.ToDictionary(b => b.Name, StringComparer.Ordinal);

    /// <summary>The names shown to users.</summary>
    public static IEnumerable<string> Listed => All.Values.Where(b => b.Listed).Select(b => b.Name);

    /// <summary>Runs benchmark <paramref name="name"/>.</summary>
    /// <exception cref="InputException">unknown name or bad arguments</exception>
    public static void Run(string name, IReadOnlyList<string> args, TextWriter stdout)
    {
        if (!All.TryGetValue(name, out var b))
            throw new InputException($"bench {name}: unknown benchmark; allowed: {string.Join(", ", Listed)}");
        b.Run(args, stdout);
    }

    /// <summary>The line-source deck of the benchmarks: σ_s = 1, Gaussian σ = 0.03 at the origin,
    /// vacuum faces on [−1.5, 1.5]², cfl 0.9, forward Euler, <see cref="Steps"/> steps.</summary>
    public static RunOptions LineSource(int cells, int order, SolverKind solver, double theta = 1e-2, int rMin = 2, TruncationScaling per = TruncationScaling.UnitTime)
    {
        var map = new MaterialMap("uniform", 2, new Material(1.0, 0.0, 0.0), []);
        return new RunOptions(
            new ProblemOptions("bench_linesource", "benchmark line source"),
            new GridOptions([cells, cells], [new Interval(-1.5, 1.5), new Interval(-1.5, 1.5)], [.. Enumerable.Repeat(new BoundaryFace(BoundaryKind.Vacuum), 4)]),
            new AngularOptions(order),
            new MaterialOptions(null, map),
            new InitialConditionOptions(InitialKind.Gaussian, [0.0, 0.0], 0.03, 1.0, 0.0),
            new TimeOptions(1.0, 0.9, TimeStepperKind.ForwardEuler, Steps),
            new SolverOptions(solver, FluxKind.Roe, Math.Max(10, rMin), new TruncationOptions(theta, ToleranceKind.Relative, rMin, 200, per), false),
            new OutputOptions(Path.Combine(Path.GetTempPath(), "pdlra-bench"), 10, false));
    }

    /// <summary>Builds the simulation and times <c>time.max_steps</c> calls of Solver.Step (no
    /// diagnostics in between). Returns the result and the final scalar flux.</summary>
    public static (BenchmarkResult Result, double[] Phi, Simulation Simulation) Measure(RunOptions o) => Measure(o, RunContext.Serial());

    /// <summary><see cref="Measure(RunOptions)"/> in a given context (backend).</summary>
    public static (BenchmarkResult Result, double[] Phi, Simulation Simulation) Measure(RunOptions o, RunContext context)
    {
        long baseline = Baseline(o, context);
        var clock = Stopwatch.StartNew();
        var sim = new Simulation(o, context);
        double setup = clock.Elapsed.TotalSeconds;
        var times = new double[o.Time.MaxSteps];
        double t = 0, dt = sim.TimeStep;
        int rank = sim.Solver.Rank;
        for (int s = 0; s < times.Length; s++)
        {
            long start = Stopwatch.GetTimestamp();
            rank = sim.Solver.Step(t, dt).Rank;
            times[s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            t += dt;
        }
        // Memory before anything else is allocated: peak working set, and the live managed heap.
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        long peak = self.PeakWorkingSet64, heap = GC.GetTotalMemory(forceFullCollection: true);
        double mass = sim.Solver.Mass();
        var phi = sim.Solver.ScalarFlux();
        var result = new BenchmarkResult(sim.Solver.Name, setup, times, rank, mass, peak, heap, baseline);
        return (result, phi, sim);
    }

    /// <summary>The working set of the process before the simulation is built, after a warm-up: the same solver
    /// on 8 cells per axis with P_1, stepped for at least 64 steps and half a second (so the runtime has loaded
    /// the code and compiled it in its optimising tier, and the native libraries have set up their buffers:
    /// memory that does not depend on the problem), then a full collection. What the problem takes is the
    /// peak above it.</summary>
    private static long Baseline(RunOptions o, RunContext context)
    {
        var tiny = o with
        {
            Grid = o.Grid with { Cells = [.. o.Grid.Cells.Select(_ => 8)] },
            Angular = o.Angular with { Order = 1 },
            Solver = o.Solver with { InitialRank = 2, Truncation = o.Solver.Truncation with { RMin = 1, RMax = 3 } },
            Time = o.Time with { MaxSteps = int.MaxValue, Cfl = Math.Min(o.Time.Cfl, 0.5) },   // stable on 8 cells
        };
        var warm = new Simulation(tiny, context);
        var clock = Stopwatch.StartNew();
        double t = 0;
        for (int s = 0; s < 10_000 && (s < 64 || clock.Elapsed.TotalSeconds < 0.5); s++, t += warm.TimeStep)
        {
            warm.Solver.Step(t, warm.TimeStep);
            warm.Solver.Balance(0.0);
        }
        warm.Solver.ScalarFlux();
        warm.Solver.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static void FullRank(TextWriter w)
    {
        var o = LineSource(200, 15, SolverKind.FullRank);
        var (r, _, sim) = Measure(o);
        using var solver = sim.Solver;
        var disc = sim.Discretisation;
        long nCells = disc.Grid.CellCount;
        int nMoments = disc.Basis.Count;
        var la = LinearAlgebraProvider.Default;
        void Row(string key, string value) => w.WriteLine($"{key,-24} {value}");

        w.WriteLine(string.Create(Inv, $"bench fullrank: line source, {o.Grid.Cells[0]} x {o.Grid.Cells[1]} cells, P_{o.Angular.Order} ({nMoments} moments), " +
                                       $"sigma_s = 1, Gaussian sigma = 0.03, {Steps} steps of dt = {sim.TimeStep:E3}"));
        Row("setup", string.Create(Inv, $"{r.SetupSeconds:F3} s"));
        Row("time per step", string.Create(Inv, $"median {1e3 * r.MedianStep:F2} ms, mean {1e3 * r.MeanStep:F2} ms ({Steps} steps, setup excluded)"));
        Row("cell-moment updates/s", string.Create(Inv, $"{nCells * nMoments / r.MedianStep:E3} (n_cells·n_moments = {nCells * nMoments} per median step)"));
        Row("peak memory", string.Create(Inv, $"{MiB(r.PeakWorkingSet):F1} MiB working set (peak), {MiB(r.SolveMemory):F1} MiB above the warmed-up runtime, GC heap {MiB(r.GcHeap):F1} MiB live (GC.GetTotalMemory)"));
        Row("state u", string.Create(Inv, $"{MiB(nCells * nMoments * 8L):F1} MiB (n_cells·n_moments·8 B)"));
        Row("linear algebra", $"{la.Name}, {la.Threads} thread(s)");
        Row("backend", sim.Context.Backend.Name);
        Row("cores", Environment.ProcessorCount.ToString(Inv));
        Row("final mass", string.Create(Inv, $"{r.FinalMass:E9}"));
    }

    /// <summary>One configuration of <c>lowrank</c>: prints one <see cref="ResultPrefix"/> line and writes φ
    /// (phi.bin) into the given folder. An unavailable solver is bad input (exit 2) from the factory.</summary>
    private static void LowRankOne(IReadOnlyList<string> args, TextWriter w)
    {
        string allowed = $"lowrank-one SOLVER OUTDIR [R_MIN [unit_time|step]] with SOLVER one of {string.Join(", ", LowRankSolvers)}";
        if (args.Count is not (2 or 3 or 4)) throw new InputException($"bench lowrank-one: expected 2 to 4 arguments, got {args.Count}; allowed: {allowed}");
        var word = DeckWords.Solver.FirstOrDefault(s => s.Word == args[0]);
        if (word.Word is null) throw new InputException($"bench lowrank-one: solver {args[0]} unknown; allowed: {allowed}");
        int rMin = args.Count >= 3 ? ParseRankFloor(args[2]) : DefaultRankFloors[0];
        var per = TruncationScaling.UnitTime;
        if (args.Count == 4)
        {
            var perWord = DeckWords.TruncationPer.FirstOrDefault(p => p.Word == args[3]);
            if (perWord.Word is null) throw new InputException($"bench lowrank-one: {args[3]} unknown; allowed: {allowed}");
            per = perWord.Value;
        }

        var writer = OutputWriter.Prepare(args[1]);
        var o = LowRankOptions(word.Value, rMin, per);
        var (r, phi, sim) = Measure(o);
        using var solver = sim.Solver;
        writer.WriteField(sim.Discretisation.Grid, phi, Steps * sim.TimeStep, Steps, o.Problem.Name);
        w.WriteLine(ResultPrefix + JsonSerializer.Serialize(r));
    }

    /// <summary>The targets of <c>lowrank</c> (issue #3): time per step and solve memory at most 1/TargetRatio of full
    /// rank, at a relative difference of φ of at most TargetDifference.</summary>
    public const double TargetRatio = 10.0, TargetDifference = 0.02;

    /// <summary>Rank floors r_min run by <c>lowrank</c> when none are given. θ = 1e-2 (relative) alone lets the
    /// rank of the line source collapse in the first steps, when the solution is nearly isotropic and the
    /// anisotropic part that appears is below the tolerance; the floor keeps room for it. 15 is the smallest
    /// floor measured to keep both integrators within 1 % of full rank over the 20 steps (10 gives 1.6–2.2 %);
    /// 30 shows the cost of a generous floor.</summary>
    public static readonly int[] DefaultRankFloors = [15, 30];

    private static int ParseRankFloor(string text) =>
        int.TryParse(text, NumberStyles.None, Inv, out int v) && v >= 1 && v <= 465 ? v
            : throw new InputException($"bench lowrank: r_min {text} is not an integer in [1, 465]");

    /// <summary>The <c>lowrank</c> configuration for one solver: 256² cells, P_29, θ = 1e-2 relative, rank floor
    /// <paramref name="rMin"/> (also the initial rank; ignored by full rank).</summary>
    public static RunOptions LowRankOptions(SolverKind kind, int rMin, TruncationScaling per = TruncationScaling.UnitTime) => LineSource(256, 29, kind, 1e-2, rMin, per);

    /// <summary><c>bench lowrank [R_MIN ...]</c>: full rank once, then each low-rank solver at each rank floor,
    /// every configuration in a fresh child process so that its peak memory is its own.</summary>
    private static void LowRank(IReadOnlyList<string> args, TextWriter w)
    {
        var floors = args.Count > 0 ? args.Select(ParseRankFloor).ToArray() : DefaultRankFloors;
        var o = LowRankOptions(SolverKind.FullRank, floors[0]);
        int nMoments = (o.Angular.Order + 1) * (o.Angular.Order + 2) / 2;
        var la = LinearAlgebraProvider.Default;
        w.WriteLine(string.Create(Inv, $"bench lowrank: line source, {o.Grid.Cells[0]} x {o.Grid.Cells[1]} cells, P_{o.Angular.Order} ({nMoments} moments), " +
                                       $"{Steps} steps, theta = {o.Solver.Truncation.Theta:G3} relative per unit time (the default) and per step (earlier versions), r_min (= initial rank) {string.Join(", ", floors)}; one child process per run"));
        w.WriteLine($"linear algebra {la.Name}, {la.Threads} thread(s); {Environment.ProcessorCount} cores");
        w.WriteLine("memory: 'peak' is the process's peak working set; 'solve' is the peak above the working set just before the " +
                    "simulation was built, after a warm-up run of the same solver on 8 cells per axis with P_1 (the runtime, its compiled " +
                    "code and the native libraries: memory that does not grow with the problem) - the memory the problem takes");
        w.WriteLine($"targets: time per step and solve memory at most 1/{TargetRatio:G} of full rank, |phi - phi_full|/|phi_full| <= {TargetDifference:P0}");

        string dir = Directory.CreateTempSubdirectory("pdlra-bench-lowrank-").FullName;
        try
        {
            var runs = new List<(string Solver, int? RMin, string? Per)> { (LowRankSolvers[0], null, null) };
            foreach (string per in new[] { "unit_time", "step" })
                foreach (int rMin in floors)
                    foreach (var kind in LowRankSolvers.Skip(1)) runs.Add((kind, rMin, per));
            var rows = new List<(string Label, BenchmarkResult? Result, double[]? Phi, string? Why)>();
            foreach (var (kind, rMin, per) in runs)
            {
                string label = rMin is int f ? $"{kind} {f} {(per == "step" ? "/step" : "/t")}" : kind;
                string sub = Path.Combine(dir, label.Replace(' ', '_').Replace('/', '_'));
                string[] command = rMin is int floor ? ["bench", "lowrank-one", kind, sub, floor.ToString(Inv), per!] : ["bench", "lowrank-one", kind, sub];
                var (rc, stdout, stderr) = RunSelf(command);
                var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
                if (rc == 0 && line is not null)
                {
                    var result = JsonSerializer.Deserialize<BenchmarkResult>(line[ResultPrefix.Length..])!;
                    rows.Add((label, result, ReadPhi(Path.Combine(sub, OutputWriter.FieldBinaryFile)), null));
                }
                else if (rc == 2)
                {
                    rows.Add((label, null, null, stderr.Trim().Split('\n')[0])); // e.g. not available in this build
                }
                else
                {
                    throw new InvalidOperationException($"bench lowrank-one {kind} exited with {rc}: {stderr.Trim()}");
                }
            }

            var (_, full, reference, _) = rows[0];
            w.WriteLine($"{"solver  r_min  theta per",-24} {"setup s",7} {"median ms",9} {"mean ms",8} {"rank",4} {"peak MiB",8} {"solve MiB",9} {"GC MiB",7} " +
                        $"{"time full/this",14} {"solve mem full/this",19} {"|phi-phi_full|/|phi_full|",25} {"targets",8}");
            foreach (var (label, r, phi, why) in rows)
            {
                if (r is null)
                {
                    w.WriteLine($"{label,-24} {why}");
                    continue;
                }
                double? difference = reference is null || phi is null ? null : RelativeDifference(phi, reference);
                double? timeRatio = full is null ? null : full.MedianStep / r.MedianStep;
                double? memoryRatio = full is null ? null : (double)full.SolveMemory / r.SolveMemory;
                string Format(double? v, string format) => v is double x ? x.ToString(format, Inv) : "n/a";
                string verdict = ReferenceEquals(r, full) || difference is null ? "" :
                    timeRatio >= TargetRatio && memoryRatio >= TargetRatio && difference <= TargetDifference ? "met" : "missed";
                w.WriteLine(string.Create(Inv, $"{label,-24} {r.SetupSeconds,7:F2} {1e3 * r.MedianStep,9:F2} {1e3 * r.MeanStep,8:F2} {r.FinalRank,4} " +
                                               $"{MiB(r.PeakWorkingSet),8:F1} {MiB(r.SolveMemory),9:F1} {MiB(r.GcHeap),7:F1} {Format(timeRatio, "F1"),14} " +
                                               $"{Format(memoryRatio, "F1"),19} {Format(difference, "E3"),25} {verdict,8}"));
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The <c>gpu</c> configuration: 1024² cells, P_29, augmented BUG, θ = 1e-2 relative, r_min = 30, <see cref="GpuSteps"/> steps.</summary>
    public static RunOptions GpuOptions()
    {
        var o = LineSource(1024, 29, SolverKind.AugmentedBug, 1e-2, rMin: 30);
        return o with { Time = o.Time with { MaxSteps = GpuSteps } };
    }

    private static void Gpu(TextWriter w)
    {
        int devices = IlgpuBackend.CudaDeviceCount();
        if (devices == 0)
            throw new InputException("bench gpu: no CUDA device (pdlra info lists the GPUs); allowed: run it on a node with a CUDA GPU");
        var o = GpuOptions();
        int nMoments = (o.Angular.Order + 1) * (o.Angular.Order + 2) / 2;
        w.WriteLine(string.Create(Inv, $"bench gpu: line source, {o.Grid.Cells[0]} x {o.Grid.Cells[1]} cells, P_{o.Angular.Order} ({nMoments} moments), augmented BUG, " +
                                       $"theta = {o.Solver.Truncation.Theta:G3} relative, r_min = {o.Solver.Truncation.RMin}, {GpuSteps} steps; {devices} CUDA device(s), using device 0"));

        using var gpu = IlgpuBackend.OnCuda(0);
        var (rg, phiGpu, simGpu) = Measure(o, new RunContext(SerialCommunicator.Instance, gpu));
        int rank = rg.FinalRank;
        simGpu.Solver.Dispose();
        var (bandwidth, kernelSeconds, bytes) = StencilBandwidth(gpu, simGpu.Discretisation.Block, Math.Max(rank, 1));

        using var cpu = new CpuBackend();
        var (rc, phiCpu, simCpu) = Measure(o, new RunContext(SerialCommunicator.Instance, cpu));
        simCpu.Solver.Dispose();

        w.WriteLine($"{"backend",-8} {"setup s",8} {"median ms",10} {"mean ms",10} {"rank",5}  device");
        w.WriteLine(string.Create(Inv, $"{"gpu",-8} {rg.SetupSeconds,8:F2} {1e3 * rg.MedianStep,10:F2} {1e3 * rg.MeanStep,10:F2} {rg.FinalRank,5}  {gpu.Name}"));
        w.WriteLine(string.Create(Inv, $"{"cpu",-8} {rc.SetupSeconds,8:F2} {1e3 * rc.MedianStep,10:F2} {1e3 * rc.MeanStep,10:F2} {rc.FinalRank,5}  {cpu.Name}"));
        w.WriteLine(string.Create(Inv, $"speedup (median step, cpu / gpu): {rc.MedianStep / rg.MedianStep:F2}"));
        w.WriteLine(string.Create(Inv, $"|phi_gpu - phi_cpu| / |phi_cpu| = {RelativeDifference(phiGpu, phiCpu):E3}"));
        w.WriteLine(string.Create(Inv, $"stencil kernel ({o.Grid.Cells[0]} x {o.Grid.Cells[1]} cells x {Math.Max(rank, 1)} columns, both axes): " +
                                       $"{1e3 * kernelSeconds:F3} ms per application, {bytes / 1e6:F1} MB moved (read x, read and write y), {bandwidth / 1e9:F1} GB/s"));
    }

    /// <summary>Achieved bandwidth of the stencil kernel alone (ghosts uploaded once, kernel launches timed
    /// between two device synchronisations): bytes moved per application / seconds per application, averaged
    /// over both axes.</summary>
    private static (double BytesPerSecond, double Seconds, double Bytes) StencilBandwidth(IlgpuBackend gpu, GridBlock block, int columns)
    {
        const int repetitions = 20;
        using var x = gpu.Allocate(block.Count, columns);
        using var y = gpu.Allocate(block.Count, columns);
        var values = new double[x.Length];
        for (int i = 0; i < values.Length; i++) values[i] = Math.Sin(0.001 * i);
        gpu.Upload(values, x);
        var halo = new Halo(block, columns);
        double seconds = 0;
        for (int axis = 0; axis < block.Dimension; axis++)
            seconds += gpu.StencilKernelSeconds(new StencilOperator(axis, 0.5, -1.0, 0.5), block, x, halo, y, repetitions);
        seconds /= block.Dimension;
        double bytes = 3.0 * sizeof(double) * x.Length;
        return (bytes / seconds, seconds, bytes);
    }

    /// <summary>‖a − b‖₂ / ‖b‖₂ (uniform cells, so the cell-volume weights cancel).</summary>
    public static double RelativeDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < b.Length; i++)
        {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.Sqrt(num / den);
    }

    public static double[] ReadPhi(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var phi = new double[bytes.Length / 8];
        for (int i = 0; i < phi.Length; i++) phi[i] = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * i));
        return phi;
    }

    /// <summary>How to start this program again: <c>[pdlra]</c>, or <c>[dotnet, pdlra.dll]</c> when started through the
    /// dotnet host.</summary>
    public static string[] SelfCommand()
    {
        string exe = Environment.ProcessPath ?? throw new InvalidOperationException("Environment.ProcessPath is unknown: cannot start a child process");
        return Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? [exe, Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly to start again")]
            : [exe];
    }

    /// <summary>Runs this program again (<c>pdlra ARGS</c>) and returns its exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunSelf(IReadOnlyList<string> args)
    {
        var self = SelfCommand();
        return RunWith(self[0], [.. self.Skip(1), .. args]);
    }

    /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/> (no shell) and returns its exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWith(string exe, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private static double MiB(long bytes) => bytes / (1024.0 * 1024.0);
}
