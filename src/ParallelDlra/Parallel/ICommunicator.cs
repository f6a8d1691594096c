namespace ParallelDlra.Parallel;

/// <summary>The collectives the numerics need. All MPI state lives behind this interface; a serial
/// run uses <see cref="SerialCommunicator"/> and goes through the same code.</summary>
/// <remarks>Every method is collective (all ranks call it, in the same order) except <see cref="Abort"/>.
/// Errors of the message layer are thrown as exceptions (<c>MpiException</c>); a rank that cannot go on
/// calls <see cref="Abort"/>, which ends every rank of the job.</remarks>
public interface ICommunicator
{
    int Rank { get; }
    int Size { get; }
    bool IsRoot => Rank == 0;

    /// <summary>Element-wise sum over all ranks, in place, bitwise identical on every rank.</summary>
    void AllreduceSum(Span<double> values);

    /// <summary>Element-wise maximum over all ranks, in place.</summary>
    void AllreduceMax(Span<double> values);

    /// <summary>Element-wise minimum over all ranks, in place.</summary>
    void AllreduceMin(Span<double> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every rank.</summary>
    void Broadcast(Span<double> values, int root = 0);

    void Barrier();

    /// <summary>Every rank contributes <paramref name="send"/> (the same length on all ranks); rank k's
    /// values land in <paramref name="recv"/>[k·n, (k+1)·n) on every rank (recv has Size·n values).</summary>
    void Allgather(ReadOnlySpan<double> send, Span<double> recv)
    {
        if (Size != 1) throw new NotSupportedException($"{GetType().Name} has no Allgather for {Size} ranks");
        send.CopyTo(recv);
    }

    /// <summary>Concatenates every rank's <paramref name="send"/> on <paramref name="root"/> in rank order:
    /// rank k contributes <paramref name="counts"/>[k] values. <paramref name="counts"/> and
    /// <paramref name="recv"/> (Σ counts values) are only read on the root; other ranks may pass empty spans.</summary>
    void Gatherv(ReadOnlySpan<double> send, Span<double> recv, ReadOnlySpan<int> counts, int root = 0)
    {
        if (Size != 1) throw new NotSupportedException($"{GetType().Name} has no Gatherv for {Size} ranks");
        send.CopyTo(recv);
    }

    /// <summary>MPI_Comm_split: the ranks calling with the same <paramref name="color"/> form a new communicator, ordered
    /// by <paramref name="key"/> (then by rank). Collective. A one-rank communicator splits into itself.</summary>
    ICommunicator Split(int color, int key)
    {
        if (Size != 1) throw new NotSupportedException($"{GetType().Name} has no Split for {Size} ranks");
        return this;
    }

    /// <summary>Ends every rank of the job with exit code <paramref name="code"/>; under MPI it does not
    /// return (MPI_Abort). Not collective: one failing rank calls it. The caller logs the reason first.</summary>
    void Abort(int code) => Environment.Exit(code);

    /// <summary>How many collectives this communicator has done and how many bytes they carried
    /// (the payload one rank contributes), and the point-to-point traffic of halo exchanges.</summary>
    CommunicatorCounters Counters => CommunicatorCounters.None;
}

/// <summary>Running totals of communication, for benchmarks and the run summary. Not thread-safe: one
/// thread calls the communicator (MPI_THREAD_FUNNELED).</summary>
public sealed class CommunicatorCounters
{
    /// <summary>A shared instance for communicators that count nothing.</summary>
    public static readonly CommunicatorCounters None = new();

    /// <summary>Collective calls (allreduce, broadcast, barrier, allgather, gatherv).</summary>
    public long CollectiveCalls { get; private set; }
    /// <summary>Bytes this rank contributed to collectives.</summary>
    public long CollectiveBytes { get; private set; }
    /// <summary>Point-to-point messages this rank sent.</summary>
    public long MessagesSent { get; private set; }
    /// <summary>Bytes this rank sent point to point.</summary>
    public long BytesSent { get; private set; }

    public void AddCollective(long bytes) { CollectiveCalls++; CollectiveBytes += bytes; }
    public void AddSend(long bytes) { MessagesSent++; BytesSent += bytes; }
    public void Reset() { CollectiveCalls = CollectiveBytes = MessagesSent = BytesSent = 0; }

    public override string ToString() =>
        $"{CollectiveCalls} collectives ({CollectiveBytes} B), {MessagesSent} messages ({BytesSent} B)";
}

/// <summary>The one-rank communicator of a serial run. It counts the collectives the same code would do
/// under MPI (a serial benchmark sees the synchronisation points).</summary>
public sealed class SerialCommunicator : ICommunicator
{
    public static readonly SerialCommunicator Instance = new();
    public int Rank => 0;
    public int Size => 1;
    public CommunicatorCounters Counters { get; } = new();
    public void AllreduceSum(Span<double> values) => Counters.AddCollective(8L * values.Length);
    public void AllreduceMax(Span<double> values) => Counters.AddCollective(8L * values.Length);
    public void AllreduceMin(Span<double> values) => Counters.AddCollective(8L * values.Length);
    public void Broadcast(Span<double> values, int root = 0) => Counters.AddCollective(8L * values.Length);
    public void Barrier() => Counters.AddCollective(0);

    public void Allgather(ReadOnlySpan<double> send, Span<double> recv)
    {
        Counters.AddCollective(8L * send.Length);
        send.CopyTo(recv);
    }

    public void Gatherv(ReadOnlySpan<double> send, Span<double> recv, ReadOnlySpan<int> counts, int root = 0)
    {
        Counters.AddCollective(8L * send.Length);
        send.CopyTo(recv);
    }

    public void Abort(int code) => Environment.Exit(code);
}
