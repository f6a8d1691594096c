namespace ParallelDlra.Parallel;

/// <summary>The collectives the numerics need. All MPI state lives behind this interface; a serial
/// run uses <see cref="SerialCommunicator"/> and goes through the same code.</summary>
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
}

/// <summary>The one-rank communicator of a serial run.</summary>
public sealed class SerialCommunicator : ICommunicator
{
    public static readonly SerialCommunicator Instance = new();
    public int Rank => 0;
    public int Size => 1;
    public void AllreduceSum(Span<double> values) { }
    public void AllreduceMax(Span<double> values) { }
    public void AllreduceMin(Span<double> values) { }
    public void Broadcast(Span<double> values, int root = 0) { }
    public void Barrier() { }
}
