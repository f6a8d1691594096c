using System.Diagnostics;
using System.Globalization;
using ParallelDlra.Application;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Kinetic;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.LowRank;
using ParallelDlra.Solvers;

namespace ParallelDlra.Cli;

/// <summary>
/// <c>pdlra bench roofline [CELLS [ORDER [STEPS [roe|rusanov]]]]</c> (issue #19 item 4): measures in this process the
/// triad bandwidth B (a = b + s·c over three arrays far larger than the caches, all cores, best of
/// <see cref="Repetitions"/>; 24 bytes per element as STREAM counts them) and the DGEMM rate F (n = <see cref="GemmSize"/>,
/// the BLAS threads of the run, best of <see cref="Repetitions"/>), then times full rank, the augmented BUG and the
/// parallel BUG on the benchmark line source (CELLS² cells, P_ORDER, r_min = <see cref="RankFloor"/>, STEPS steps after
/// one untimed step) and prints per phase the minimal bytes and flops of a step (below), the achieved GB/s and GF/s and the
/// fraction of the limit max(bytes/B, flops/F) / time, then one line per step kind (<c>full rank</c>,
/// <c>augmented BUG</c>, <c>parallel BUG</c>) for the whole step, ending with that fraction as a percentage.
/// <para>Minimal work per step (n cells, m moments, d axes, r the rank at the step's start, R = 2r the augmented width;
/// 8-byte values; a lower bound, so the fraction is a fraction of what the step could reach):</para>
/// <list type="bullet">
/// <item>full rank: read u once and write the new u once, 16 n m bytes; flops n·Σ (the products of the right-hand
/// side in their structured form, <see cref="RightHandSidePlan"/>: 2 per sparse nonzero and per entry of a dense block);</item>
/// <item>K-step: read X, write K, 16 n r; 2 n r² (1 + 2d) (the centre and the two shifts per axis);</item>
/// <item>Galerkin coefficients (both calls of a step): read X and the new part once, 8 n (r + R); 2 d n R² (one shift
/// Gram per axis of the augmented basis);</item>
/// <item>basis augmentation: read and write the n × R block, 16 n R; Householder QR with Q formed, 4 n R²;</item>
/// <item>truncation: read the n × R basis, write n × r, 8 n (R + r); 2 n R r;</item>
/// <item>S-step: per operator term G_k S M_k on R × R matrices, 16 R² bytes and 4 R³ flops;</item>
/// <item>the other moment-side phases (L-step, angular coefficients): one dense pass per operator term over m × r,
/// 16 m r bytes and 2 m r² flops per term.</item>
/// </list>
/// Nothing is asserted: figures to compare.
/// </summary>
public static class RooflineBenchmark
{
    public const int Repetitions = 5;
    public const int GemmSize = 1000;
    public const int RankFloor = 15;

    /// <summary>Elements per triad array: 8 Mi doubles (64 MiB), twice the 32 MiB L3 of the development machine.</summary>
    public const int TriadLength = 8 << 20;

    /// <summary>The step kinds, as printed.</summary>
    public static readonly string[] StepKinds = ["full rank", "augmented BUG", "parallel BUG"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(IReadOnlyList<string> args, TextWriter w)
    {
        if (args.Count > 4) throw new InputException($"bench roofline: expected at most 4 arguments, got {args.Count}; allowed: roofline [CELLS [ORDER [STEPS [roe|rusanov]]]]");
        int cells = args.Count > 0 ? Parse(args[0], "CELLS", 4, 4096) : 200;
        int order = args.Count > 1 ? Parse(args[1], "ORDER", 1, 61) : 15;
        int steps = args.Count > 2 ? Parse(args[2], "STEPS", 1, 10_000) : 10;
        var flux = args.Count > 3 ? args[3] switch
        {
            "roe" => FluxKind.Roe,
            "rusanov" => FluxKind.Rusanov,
            _ => throw new InputException($"bench roofline: flux {args[3]} unknown; allowed: roe, rusanov"),
        } : FluxKind.Roe;

        var la = LinearAlgebraProvider.Default;
        double bandwidth = TriadBandwidth();
        double gemm = GemmRate(la);
        int nMoments = (order + 1) * (order + 2) / 2;
        w.WriteLine(string.Create(Inv, $"bench roofline: line source, {cells} x {cells} cells, P_{order} ({nMoments} moments), {flux} flux, {steps} steps (after one untimed), r_min = {Math.Min(RankFloor, nMoments)}"));
        w.WriteLine(string.Create(Inv, $"triad bandwidth {bandwidth / 1e9:G6} GB/s (3 arrays of {TriadLength} doubles, {Environment.ProcessorCount} threads, best of {Repetitions}, 24 B per element)"));
        w.WriteLine(string.Create(Inv, $"dgemm rate {gemm / 1e9:G6} GF/s (n = {GemmSize}, {la.Threads} BLAS thread(s), best of {Repetitions}; {la.Name})"));
        w.WriteLine("limit = max(bytes / triad bandwidth, flops / dgemm rate); of limit = limit / time = max(GB/s / bandwidth, GF/s / dgemm rate)");
        w.WriteLine($"{"step kind",-14} {"phase",-22} {"ms/step",9} {"MB/step",9} {"MFLOP/step",11} {"GB/s",8} {"GF/s",8} {"limit ms",9} {"bound",5} {"of limit",9}");
        var summaries = new List<string>();
        foreach (var (kind, solver) in new[] { (StepKinds[0], SolverKind.FullRank), (StepKinds[1], SolverKind.AugmentedBug), (StepKinds[2], SolverKind.ParallelBug) })
        {
            var o = Benchmarks.LineSource(cells, order, solver, 1e-2, Math.Min(RankFloor, nMoments));
            o = o with { Solver = o.Solver with { Flux = flux }, Time = o.Time with { MaxSteps = steps + 1 } };
            var (phases, seconds, qrCounts) = Time(o, steps);
            if (qrCounts is { } qc)
                w.WriteLine(string.Create(Inv, $"{kind}: {qc.Cholesky} blocks orthonormalised by CholeskyQR2, {qc.Fallbacks} handed to Householder TSQR (Gram condition above {ParallelDlra.Parallel.TallSkinnyQr.GramConditionLimit:E0} or a breakdown), solver.qr = {o.Solver.Qr}"));
            double bytes = phases.Sum(p => p.Bytes), flops = phases.Sum(p => p.Flops);
            if (phases.Count > 1)
                foreach (var p in phases) w.WriteLine(Line(kind, p.Name, p.Seconds, p.Bytes, p.Flops, bandwidth, gemm));
            summaries.Add(Line(kind, "step", seconds, bytes, flops, bandwidth, gemm));
        }
        foreach (var s in summaries) w.WriteLine(s);
    }

    /// <summary>One row: time per step, bytes and flops per step, achieved rates, the limit and the fraction of it.</summary>
    public static string Line(string kind, string phase, double seconds, double bytes, double flops, double bandwidth, double gemm)
    {
        double memory = bytes / bandwidth, compute = flops / gemm, limit = Math.Max(memory, compute);
        double fraction = seconds > 0 ? limit / seconds : double.NaN;
        return string.Create(Inv, $"{kind,-14} {phase,-22} {1e3 * seconds,9:G4} {bytes / 1e6,9:G4} {flops / 1e6,11:G4} {bytes / seconds / 1e9,8:G4} " +
                                  $"{flops / seconds / 1e9,8:G4} {1e3 * limit,9:G4} {(compute > memory ? "flops" : "bytes"),5} {100 * fraction,8:G4} %");
    }

    private static int Parse(string text, string what, int min, int max) =>
        int.TryParse(text, NumberStyles.None, Inv, out int v) && v >= min && v <= max ? v
            : throw new InputException($"bench roofline: {what} {text} is not an integer in [{min}, {max}]");

    /// <summary>Per phase (name, seconds per step, bytes and flops per step) and the median step time.</summary>
    private static (List<(string Name, double Seconds, double Bytes, double Flops)> Phases, double StepSeconds, (long Cholesky, long Fallbacks)? Qr) Time(RunOptions o, int steps)
    {
        var sim = new Simulation(o, RunContext.Serial());
        using var solver = sim.Solver;
        var disc = sim.Discretisation;
        double t = 0, dt = sim.TimeStep;
        solver.Step(t, dt);   // compiled, buffers in place
        t += dt;
        var timers = new PhaseTimers();
        if (solver is LowRankSolver low) low.Timers = timers;
        var times = new double[steps];
        var ranks = new int[steps];
        for (int s = 0; s < steps; s++)
        {
            ranks[s] = solver.Rank;
            long start = Stopwatch.GetTimestamp();
            solver.Step(t, dt);
            times[s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            t += dt;
        }
        double median = times.Order().ElementAt(steps / 2);
        double n = disc.Block.Count, m = disc.Basis.Count, d = disc.Block.Dimension;
        int terms = disc.Operator.Terms.Count;
        if (solver is not LowRankSolver)
        {
            var plan = new RightHandSidePlan(disc.Operator);
            double perRow = plan.Products.Sum(p => (double)p.Matrix.FlopsPerRow);
            return ([("step", median, 16 * n * m, n * perRow)], median, null);
        }
        // Work summed over the timed steps, divided by their number (the rank moves).
        double Mean(Func<double, double> perStep) => ranks.Average(r => perStep(r));
        var model = new Dictionary<string, (double Bytes, double Flops)>
        {
            ["K-step"] = (Mean(r => 16 * n * r), Mean(r => 2 * n * r * r * (1 + 2 * d))),
            ["Galerkin coefficients"] = (Mean(r => 8 * n * 3 * r), Mean(r => 2 * d * n * 4 * r * r)),
            ["basis augmentation"] = (Mean(r => 16 * n * 2 * r), Mean(r => 4 * n * 4 * r * r)),
            ["truncation"] = (Mean(r => 8 * n * 3 * r), Mean(r => 2 * n * 2 * r * r)),
            ["S-step"] = (Mean(r => 16 * 4 * r * r * terms), Mean(r => 2 * 2 * 8 * r * r * r * terms)),
        };
        var phases = new List<(string, double, double, double)>();
        foreach (var p in timers.Phases)
        {
            var (bytes, flops) = model.TryGetValue(p.Name, out var known) ? known : (Mean(r => 16 * m * r * terms), Mean(r => 2 * m * r * r * terms));
            phases.Add((p.Name, p.Total.TotalSeconds / steps, bytes, flops));
        }
        var qr = ((LowRankSolver)solver).Context.Qr;
        return (phases, median, (qr.CholeskyQr2Count, qr.CholeskyQr2Fallbacks));
    }

    /// <summary>Best triad rate a = b + s·c over <see cref="TriadLength"/> elements, all cores (fixed chunks), bytes/s.</summary>
    public static double TriadBandwidth()
    {
        var a = new double[TriadLength];
        var b = new double[TriadLength];
        var c = new double[TriadLength];
        System.Threading.Tasks.Parallel.For(0, 64, ch =>
        {
            int lo = (int)((long)ch * TriadLength / 64), hi = (int)((long)(ch + 1) * TriadLength / 64);
            for (int i = lo; i < hi; i++) { a[i] = 0.0; b[i] = 1.0; c[i] = 2.0; }   // pages touched by the threads that use them
        });
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            System.Threading.Tasks.Parallel.For(0, 64, ch =>
            {
                int lo = (int)((long)ch * TriadLength / 64), hi = (int)((long)(ch + 1) * TriadLength / 64);
                Triad(a.AsSpan(lo, hi - lo), b.AsSpan(lo, hi - lo), 3.0, c.AsSpan(lo, hi - lo));
            });
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 24.0 * TriadLength / best;
    }

    private static void Triad(Span<double> a, ReadOnlySpan<double> b, double s, ReadOnlySpan<double> c)
    {
        var va = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(a);
        var vb = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(b);
        var vc = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(c);
        var vs = new System.Numerics.Vector<double>(s);
        for (int k = 0; k < va.Length; k++) va[k] = vb[k] + vs * vc[k];
        for (int i = va.Length * System.Numerics.Vector<double>.Count; i < a.Length; i++) a[i] = b[i] + s * c[i];
    }

    /// <summary>Best rate of C = A·B for n = <see cref="GemmSize"/> with the provider's threads, flops/s.</summary>
    public static double GemmRate(IDenseLinearAlgebra la)
    {
        int n = GemmSize;
        var a = new double[n * n];
        var b = new double[n * n];
        var c = new double[n * n];
        for (int i = 0; i < a.Length; i++) { a[i] = Math.Sin(i); b[i] = Math.Cos(i); }
        la.Gemm(Transpose.No, Transpose.No, n, n, n, 1.0, a, n, b, n, 0.0, c, n);   // warm
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            la.Gemm(Transpose.No, Transpose.No, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }
}
