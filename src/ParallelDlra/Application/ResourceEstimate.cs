using System.Globalization;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Solvers;

namespace ParallelDlra.Application;

/// <summary>
/// What a run will need per rank, from the deck and the rank count alone — before anything is allocated (issue #18).
/// An upper estimate (bytes): <list type="bullet">
/// <item>state: u (n_local × n_moments) for full rank; X (n_local × r) with r = min(r_max, n_moments) for low rank;</item>
/// <item>work blocks: the stepper's stages of u (2 for forward Euler, 3 for SSP-RK2) for full rank; for low rank the
/// augmented basis, K and stage blocks, 6 blocks of n_local × min(2r, n_moments); the operator's per-cell arrays;</item>
/// <item>output buffers: the copy of the state a checkpoint writes, and on rank 0 the gathered φ (3 n_cells values);</item>
/// <item>a fixed 200 MiB for the runtime, libraries and small matrices.</item>
/// </list>
/// <see cref="Refuse"/> turns an estimate above the memory available to the rank, or a single array beyond .NET's
/// array limit, into an <see cref="InputException"/> that says what to change.
/// </summary>
public sealed record ResourceEstimate(int Ranks, long CellsPerRank, int Moments, int Columns, long StateBytes, long WorkBytes, long OutputBytes)
{
    public const long RuntimeBytes = 200L << 20;
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
        long local = (cells + ranks - 1) / ranks;
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
            state = 8L * local * r;
            work = 6 * 8L * local * columns + perCell * local;
            output = state;
        }
        output += 3 * 8L * cells; // φ gathered on rank 0 (the largest rank's share is what matters)
        var w = o.Output;
        long disk = (1L << 20) + (w.CheckpointEvery > 0 ? state * ranks : 0) + (w.Snapshots ? 8L * cells * (1 + w.Moments.Length) : 0)
                    + (w.WriteField ? 40L * cells : 0);
        return new ResourceEstimate(ranks, local, m, columns, state, work, output) { DiskBytes = disk };
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

    /// <summary>Refuses, before anything is allocated, a run that cannot fit: one array beyond .NET's limit, or the
    /// estimate above the memory available to a rank — the least available over all ranks (one allreduce), so every
    /// rank decides alike even when the nodes differ.</summary>
    /// <exception cref="InputException">names the estimate, what is available and what to change</exception>
    public static void Refuse(RunOptions o, Parallel.ICommunicator comm)
    {
        int ranks = comm.Size;
        var e = Of(o, ranks);
        string change = $"use more ranks (now {ranks}), fewer grid.cells, a lower angular.order (N = {o.Angular.Order})" +
                        (o.Solver.Kind == SolverKind.FullRank ? ", or a low-rank solver.type" : ", or a lower solver.truncation.r_max");
        if (e.LargestArrayEntries > Array.MaxLength)
            throw new InputException($"grid.cells = [{string.Join(", ", o.Grid.Cells)}]: {e.CellsPerRank.ToString("N0", Inv)} cells per rank × {e.Columns} columns " +
                                     $"= {e.LargestArrayEntries.ToString("N0", Inv)} entries in one array, beyond the limit of {Array.MaxLength.ToString("N0", Inv)}; allowed: {change}");
        var local = NodeLocalRank.FromEnvironment();
        var mine = Available(local.Size ?? 1);
        Span<double> least = [mine?.Bytes ?? double.MaxValue];
        if (ranks > 1) least[0] = Parallel.DistributedSums.Min(comm, least[0]);
        (long Bytes, string From)? available = least[0] < double.MaxValue
            ? ((long)least[0], mine is { } m && (long)least[0] == m.Bytes ? m.From : "the least of the ranks' nodes")
            : null;
        if (available is { } a && e.TotalBytes > a.Bytes)
            throw new InputException($"grid.cells = [{string.Join(", ", o.Grid.Cells)}] at P_{o.Angular.Order}: the run needs about {Bytes(e.TotalBytes)} per rank " +
                                     $"(state {Bytes(e.StateBytes)}, work {Bytes(e.WorkBytes)}, output {Bytes(e.OutputBytes)}), but {Bytes(a.Bytes)} is available " +
                                     $"({a.From}); allowed: {change}");
    }

    public static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{(b / (double)(1L << 30)).ToString("F1", Inv)} GiB",
        >= 1L << 20 => $"{(b / (double)(1L << 20)).ToString("F1", Inv)} MiB",
        _ => $"{(b / 1024.0).ToString("F1", Inv)} KiB",
    };
}
