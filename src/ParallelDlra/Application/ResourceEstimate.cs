using System.Globalization;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Application;

/// <summary>
/// What a run will need per rank, from the deck and the rank count alone — before anything is allocated (issue #18).
/// An upper estimate (bytes): <list type="bullet">
/// <item>state: u (n_local × n_moments) for full rank; X (n_local × r) with r = min(r_max, n_moments) for low rank;</item>
/// <item>work blocks: the stepper's stages of u (2 for forward Euler, 3 for SSP-RK2) for full rank; for low rank the
/// blocks a step keeps alive besides X, as counted by <c>StepMemoryTests</c> (docs/design.md, "Memory of a low-rank
/// step": at most 3 n_local × r blocks with X under forward Euler, 4 with an SSP Runge–Kutta stepper), so 2 or 3 blocks
/// of n_local × r (for the midpoint BUG and the second-order parallel BUG, whose bases grow to 4r, blocks of width 4r:
/// an estimate, not counted); the operator's per-cell arrays;</item>
/// <item>output buffers: the copy of the state a checkpoint writes (low rank: only when checkpoints are written), the moments a snapshot writes (n_local ×
/// output.moments, one array: counted in <see cref="Columns"/> too), and the chunks in which the field files come to
/// rank 0 (<c>Parallel.ChunkedGather</c>: at most 2^20 cells of φ and one spatial field, received and assembled);
/// with uncertainty, on the root, the whole-grid statistics (3 n_cells values);</item>
/// <item>a fixed 96 MiB for the runtime, libraries and small matrices (an 8³ run at P_7, r = 30 peaks at 91–94 MiB here
/// with one or two BLAS threads; jobs/bench/memory3d.sh).</item>
/// </list>
/// Counts are 64-bit throughout (a grid may have more than 2^31 cells; the deck reader bounds n_cells × n_moments by
/// 2^53, so no byte count here overflows). <see cref="CellsPerRank"/> is the largest block of the decomposition
/// <c>pdlra run</c> makes (<see cref="CartesianDecomposition.Factor"/>), not the average.
/// <see cref="Refuse"/> turns an estimate above the memory available to the rank, or a rank-local array beyond .NET's
/// array limit (a rank's blocks stay 32-bit indexed), into an <see cref="InputException"/> that says what to change.
/// </summary>
public sealed record ResourceEstimate(int Ranks, long CellsPerRank, int Moments, int Columns, long StateBytes, long WorkBytes, long OutputBytes)
{
    public const long RuntimeBytes = 96L << 20;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public long TotalBytes => StateBytes + WorkBytes + OutputBytes + RuntimeBytes;

    /// <summary>Disk space the first outputs need (checked at start): one checkpoint of the whole state when checkpoints
    /// are asked for, one snapshot (φ and the moments listed, 8 bytes a cell each), the field files (about 40 bytes a
    /// cell: phi.csv and phi.bin) when written, and 1 MiB for diagnostics and metadata.</summary>
    public long DiskBytes { get; init; } = 1L << 20;

    /// <summary>Largest number of entries of one rank-local array (a stack of <see cref="Columns"/> fields).</summary>
    public long LargestArrayEntries => CellsPerRank * Columns;

    public static ResourceEstimate Of(RunOptions o, int ranks)
    {
        long cells = o.Grid.Cells.Aggregate(1L, (a, n) => a * n);
        long local = LargestBlock(o.Grid.Cells, ranks);
        int m = DeckReader.CoefficientCount(o);
        long state, work, output;
        int columns;
        long perCell = 8L * (4 + 2 * o.Grid.Dimension); // operator: cross sections, sources, volumes, face terms
        if (o.Solver.Kind == SolverKind.FullRank)
        {
            columns = m;
            state = 8L * local * m;
            work = (o.Time.Stepper == TimeStepperKind.SspRk2 ? 3 : 2) * state + perCell * local;
            output = state;
        }
        else
        {
            int r = Math.Min(Math.Max(o.Solver.Truncation.RMax, o.Solver.InitialRank), m);
            columns = Math.Min(2 * r, m);
            if (DeckReader.SecondOrderByItself(o.Solver.Kind)) columns *= 2;   // bases of width up to 4r (LowRank/SecondOrderIntegrators.cs)
            state = 8L * local * r;
            int width = DeckReader.SecondOrderByItself(o.Solver.Kind) ? 4 : 1;   // their bases grow to 4r
            work = (o.Time.Stepper == TimeStepperKind.ForwardEuler ? 2 : 3) * width * state + perCell * local;
            output = o.Output.CheckpointEvery > 0 ? state : 0;
        }
        int snapshotMoments = o.Output.Snapshots ? o.Output.Moments.Length : 0;
        output += 8L * local * snapshotMoments;                                 // the moments a snapshot writes, one array
        columns = Math.Max(columns, snapshotMoments);
        output += 6 * 8L * Math.Min(cells, ChunkedGather.DefaultChunkCells); // field chunks: packed, received, assembled (2 fields)
        if (o.Uncertainty is not null) output += 3 * 8L * cells;              // whole-grid statistics on the root
        var w = o.Output;
        long disk = (1L << 20) + (w.CheckpointEvery > 0 ? state * ranks : 0) + (w.Snapshots ? 8L * cells * (1 + w.Moments.Length) : 0)
                    + (w.WriteField ? 40L * cells : 0);
        return new ResourceEstimate(ranks, local, m, columns, state, work, output) { DiskBytes = disk };
    }

    /// <summary>Cells of the largest block when <paramref name="cells"/> are split over <paramref name="ranks"/> ranks as
    /// <c>pdlra run</c> splits them: Π_d ⌈n_d / P_d⌉ with the ranks per axis P of <see cref="CartesianDecomposition.Factor"/>
    /// (64-bit; nothing is allocated).</summary>
    /// <exception cref="InputException">the grid cannot be split over that many ranks</exception>
    public static long LargestBlock(IReadOnlyList<int> cells, int ranks)
    {
        var dims = CartesianDecomposition.Factor(ranks, cells);
        long largest = 1;
        for (int d = 0; d < cells.Count; d++) largest *= CartesianDecomposition.Split(cells[d], dims[d], 0).Size;
        return largest;
    }

    /// <summary>Memory available to one rank here: the smaller of MemAvailable (/proc/meminfo) and the cgroup's
    /// limit less its usage, divided by the ranks on this node; null when unknown.</summary>
    public static (long Bytes, string From)? Available(int ranksOnNode)
    {
        long? meminfo = null, cgroup = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    meminfo = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) * 1024;
            string max = File.Exists("/sys/fs/cgroup/memory.max") ? File.ReadAllText("/sys/fs/cgroup/memory.max").Trim() : "max";
            if (max != "max" && long.TryParse(max, NumberStyles.Integer, Inv, out long limit))
            {
                long used = long.TryParse(File.ReadAllText("/sys/fs/cgroup/memory.current").Trim(), NumberStyles.Integer, Inv, out long u) ? u : 0;
                cgroup = limit - used;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        long? bytes = (meminfo, cgroup) switch
        {
            ({ } a, { } b) => Math.Min(a, b),
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => null,
        };
        if (bytes is null) return null;
        string from = cgroup is { } c && c <= (meminfo ?? long.MaxValue) ? "the cgroup's memory limit" : "MemAvailable";
        int n = Math.Max(1, ranksOnNode);
        return (bytes.Value / n, n > 1 ? $"{from} / {n} ranks on this node" : from);
    }

    /// <summary>The estimate as lines for <c>pdlra check</c>.</summary>
    public IEnumerable<string> Describe((long Bytes, string From)? available)
    {
        yield return $"memory estimate per rank ({Ranks} rank(s), {CellsPerRank.ToString("N0", Inv)} cells per rank, n_moments = {Moments}): " +
                     $"state {Bytes(StateBytes)}, work blocks {Bytes(WorkBytes)}, output buffers {Bytes(OutputBytes)}, runtime {Bytes(RuntimeBytes)}; " +
                     $"total {Bytes(TotalBytes)}";
        yield return available is { } a
            ? $"memory available per rank here: {Bytes(a.Bytes)} ({a.From}){(TotalBytes > a.Bytes ? " — pdlra run would refuse this run here" : "")}"
            : "memory available per rank here: unknown";
    }

    /// <summary>Refuses, before anything is allocated, a run that cannot fit: the estimate above the memory available to
    /// a rank — the least available over all ranks (one allreduce), so every rank decides alike even when the nodes
    /// differ —, or one rank-local array beyond .NET's array limit.</summary>
    /// <exception cref="InputException">names the estimate, what is available and what to change</exception>
    /// <param name="o">the resolved deck</param>
    /// <param name="comm">every rank of the job (collective)</param>
    /// <param name="ranks">the ranks one run is split over: <paramref name="comm"/>'s size, or an ensemble group's</param>
    public static void Refuse(RunOptions o, Parallel.ICommunicator comm, int? ranks = null)
    {
        int ranksOfRun = ranks ?? comm.Size;
        var e = Of(o, ranksOfRun);
        var local = NodeLocalRank.FromEnvironment();
        var mine = Available(local.Size ?? 1);
        Span<double> least = [mine?.Bytes ?? double.MaxValue];
        if (comm.Size > 1) least[0] = Parallel.DistributedSums.Min(comm, least[0]);
        (long Bytes, string From)? available = least[0] < double.MaxValue
            ? ((long)least[0], mine is { } m && (long)least[0] == m.Bytes ? m.From : "the least of the ranks' nodes")
            : null;
        if (available is { } a && e.TotalBytes > a.Bytes)
            throw new InputException($"{e.Subject(o)}: the run needs about {Bytes(e.TotalBytes)} of memory per rank " +
                                     $"(state {Bytes(e.StateBytes)}, work {Bytes(e.WorkBytes)}, output {Bytes(e.OutputBytes)}), but {Bytes(a.Bytes)} is available " +
                                     $"({a.From}); allowed: {Change(o, ranksOfRun)}");
        RefuseArrays(o, ranksOfRun);
    }

    /// <summary>Refuses a rank-local array beyond .NET's array limit (machine-independent, so <c>pdlra check</c> refuses it
    /// too): the blocks of a rank are 32-bit indexed; more ranks make them smaller.</summary>
    /// <exception cref="InputException">names the entries, the limit, the memory estimate and what to change</exception>
    public static void RefuseArrays(RunOptions o, int ranks)
    {
        var e = Of(o, ranks);
        if (e.LargestArrayEntries > Array.MaxLength)
            throw new InputException($"{e.Subject(o)}: {e.CellsPerRank.ToString("N0", Inv)} cells per rank × {e.Columns} columns " +
                                     $"= {e.LargestArrayEntries.ToString("N0", Inv)} entries in one rank-local array, beyond the limit of {Array.MaxLength.ToString("N0", Inv)} " +
                                     $"(local indices are 32-bit); the run would need about {Bytes(e.TotalBytes)} of memory per rank; allowed: {Change(o, ranks)}");
    }

    private string Subject(RunOptions o) => $"grid.cells = [{string.Join(", ", o.Grid.Cells)}] at {o.Angular.Describe()} on {Ranks} rank(s)";

    private static string Change(RunOptions o, int ranks)
        => $"use more ranks (now {ranks}), fewer grid.cells, a lower angular.order (N = {o.Angular.Order})" +
           (o.Solver.Kind == SolverKind.FullRank ? ", or a low-rank solver.type" : ", or a lower solver.truncation.r_max");

    public static string Bytes(long b) => b switch
    {
        >= 1L << 50 => $"{(b / (double)(1L << 50)).ToString("F1", Inv)} PiB",
        >= 1L << 40 => $"{(b / (double)(1L << 40)).ToString("F1", Inv)} TiB",
        >= 1L << 30 => $"{(b / (double)(1L << 30)).ToString("F1", Inv)} GiB",
        >= 1L << 20 => $"{(b / (double)(1L << 20)).ToString("F1", Inv)} MiB",
        _ => $"{(b / 1024.0).ToString("F1", Inv)} KiB",
    };
}
