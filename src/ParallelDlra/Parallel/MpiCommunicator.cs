using System.Buffers;
using System.Text;
using ParallelDlra.Interop;

namespace ParallelDlra.Parallel;

/// <summary>An error returned by the MPI library, with its code and text.</summary>
public sealed class MpiException(string function, int code, string text)
    : Exception($"{function} failed: MPI error {code}: {text}")
{
    public string Function { get; } = function;
    public int Code { get; } = code;
}

/// <summary>
/// <see cref="ICommunicator"/> over the system MPI library through the C shim <c>libpdlra_mpi.so</c>
/// (src/native/pdlra_mpi.c), on a duplicate of MPI_COMM_WORLD. MPI errors are returned, not fatal
/// (MPI_ERRORS_RETURN), and become <see cref="MpiException"/>s. One thread calls MPI (FUNNELED).
/// Besides the collectives it offers non-blocking point-to-point messages for the halo exchange.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator, IMpiCommunicatorHandle, IDisposable
{
    private static MpiCommunicator? _world;
    private readonly List<MemoryHandle> _pinned = [];
    private readonly List<long> _requests = [];

    /// <summary>The shim's index of this communicator: 0 for the job's, others made by <see cref="Split"/>.</summary>
    private readonly int _index;

    private MpiCommunicator(int rank, int size, int index = 0)
    {
        Rank = rank;
        Size = size;
        _index = index;
    }

    /// <summary>MPI_Comm_split (collective): the ranks with the same <paramref name="color"/> form a communicator, ordered
    /// by <paramref name="key"/>. Used for the groups of ranks of an ensemble; dispose it (collectively) when done.</summary>
    public ICommunicator Split(int color, int key)
    {
        int child, rank, size;
        Counters.AddCollective(0);
        Check(LibPdlraMpi.pdlra_mpi_comm_split(_index, color, key, &child, &rank, &size), "MPI_Comm_split");
        return new MpiCommunicator(rank, size, child);
    }

    public int Rank { get; }

    /// <summary>The shim's duplicate of MPI_COMM_WORLD as a raw handle (for parallel HDF5).</summary>
    public nint MpiComm => LibPdlraMpi.pdlra_mpi_comm_handle_on(_index);

    /// <summary>MPI_INFO_NULL of the MPI library the shim was built against.</summary>
    public nint MpiInfoNull => LibPdlraMpi.pdlra_mpi_info_null();
    public int Size { get; }
    public bool IsRoot => Rank == 0;
    public CommunicatorCounters Counters { get; } = new();

    /// <summary>Whether the MPI shim can be loaded (false with the reason otherwise).</summary>
    public static bool IsAvailable(out string pathOrReason) => LibPdlraMpi.TryLoad(out pathOrReason);

    /// <summary>Initialises MPI once (MPI_Init_thread, FUNNELED) and returns the world communicator.</summary>
    /// <exception cref="InvalidOperationException">the shim cannot be loaded or has another ABI version</exception>
    public static MpiCommunicator InitializeWorld()
    {
        if (_world is not null) return _world;
        if (!LibPdlraMpi.TryLoad(out var reason))
            throw new InvalidOperationException($"the MPI shim {NativeLibraryResolver.PdlraMpiFile} cannot be loaded ({reason}); " +
                                                "build it with `make native` (needs mpicc) or point PDLRA_MPI_SHIM at it");
        int abi = LibPdlraMpi.pdlra_mpi_abi();
        if (abi != LibPdlraMpi.Abi)
            throw new InvalidOperationException($"{NativeLibraryResolver.PdlraMpiFile} has ABI version {abi}, this build expects {LibPdlraMpi.Abi}: rebuild with `make native`");
        int rank, size;
        Check(LibPdlraMpi.pdlra_mpi_init(&rank, &size), "MPI_Init_thread");
        return _world = new MpiCommunicator(rank, size);
    }

    /// <summary>The MPI library's version line (callable before initialisation); null without the shim.</summary>
    public static string? LibraryVersion()
    {
        if (!LibPdlraMpi.TryLoad(out _)) return null;
        var buffer = new byte[8192];
        fixed (byte* p = buffer)
            if (LibPdlraMpi.pdlra_mpi_library_version(p, buffer.Length) != 0) return null;
        return Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0) is int n and >= 0 ? n : buffer.Length).Split('\n', 2)[0].Trim();
    }

    public void AllreduceSum(Span<double> values) => Allreduce(values, LibPdlraMpi.OpSum, "MPI_Allreduce(sum)");
    public void AllreduceMax(Span<double> values) => Allreduce(values, LibPdlraMpi.OpMax, "MPI_Allreduce(max)");
    public void AllreduceMin(Span<double> values) => Allreduce(values, LibPdlraMpi.OpMin, "MPI_Allreduce(min)");

    private void Allreduce(Span<double> values, int op, string what)
    {
        Counters.AddCollective(8L * values.Length);
        if (values.IsEmpty) return; // every rank passes the same length (collective contract)
        fixed (double* p = values) Check(LibPdlraMpi.pdlra_mpi_allreduce_on(_index, p, values.Length, op), what);
    }

    public void Broadcast(Span<double> values, int root = 0)
    {
        Counters.AddCollective(8L * values.Length);
        if (values.IsEmpty) return;
        fixed (double* p = values) Check(LibPdlraMpi.pdlra_mpi_bcast_on(_index, p, values.Length, root), "MPI_Bcast");
    }

    public void Barrier()
    {
        Counters.AddCollective(0);
        Check(LibPdlraMpi.pdlra_mpi_barrier_on(_index), "MPI_Barrier");
    }

    public void Allgather(ReadOnlySpan<double> send, Span<double> recv)
    {
        if (recv.Length < send.Length * Size) throw new ArgumentException($"Allgather: recv has {recv.Length} values, needs {send.Length * Size}");
        Counters.AddCollective(8L * send.Length);
        double dummy = 0;
        fixed (double* s = send)
        fixed (double* r = recv)
            Check(LibPdlraMpi.pdlra_mpi_allgather_on(_index, s == null ? &dummy : s, send.Length, r == null ? &dummy : r), "MPI_Allgather");
    }

    public void Gatherv(ReadOnlySpan<double> send, Span<double> recv, ReadOnlySpan<int> counts, int root = 0)
    {
        int[] displs = [];
        if (Rank == root)
        {
            if (counts.Length != Size) throw new ArgumentException($"Gatherv: {counts.Length} counts for {Size} ranks");
            displs = new int[Size];
            long total = 0;
            for (int k = 0; k < Size; k++) { displs[k] = checked((int)total); total += counts[k]; }
            if (recv.Length < total) throw new ArgumentException($"Gatherv: recv has {recv.Length} values, needs {total}");
        }
        Counters.AddCollective(8L * send.Length);
        double dummy = 0;
        int zero = 0;
        fixed (double* s = send)
        fixed (double* r = recv)
        fixed (int* c = counts)
        fixed (int* d = displs)
            Check(LibPdlraMpi.pdlra_mpi_gatherv_on(_index, s == null ? &dummy : s, send.Length, r == null ? &dummy : r,
                c == null ? &zero : c, d == null ? &zero : d, root), "MPI_Gatherv");
    }

    /// <summary>Starts sending <paramref name="buffer"/> to <paramref name="dest"/>; the buffer stays pinned
    /// and must not change until <see cref="WaitAll"/>.</summary>
    public void Isend(Memory<double> buffer, int dest, int tag)
    {
        var h = buffer.Pin();
        _pinned.Add(h);
        long request;
        Counters.AddSend(8L * buffer.Length);
        Check(LibPdlraMpi.pdlra_mpi_isend_on(_index, (double*)h.Pointer, buffer.Length, dest, tag, &request), $"MPI_Isend(to {dest}, tag {tag})");
        _requests.Add(request);
    }

    /// <summary>Starts receiving into <paramref name="buffer"/> from <paramref name="source"/> (exactly its length).</summary>
    public void Irecv(Memory<double> buffer, int source, int tag)
    {
        var h = buffer.Pin();
        _pinned.Add(h);
        long request;
        Check(LibPdlraMpi.pdlra_mpi_irecv_on(_index, (double*)h.Pointer, buffer.Length, source, tag, &request), $"MPI_Irecv(from {source}, tag {tag})");
        _requests.Add(request);
    }

    /// <summary>Completes every message started since the last call and unpins the buffers.</summary>
    public void WaitAll()
    {
        try
        {
            if (_requests.Count == 0) return;
            var requests = _requests.ToArray();
            fixed (long* p = requests) Check(LibPdlraMpi.pdlra_mpi_waitall(requests.Length, p), "MPI_Waitall");
        }
        finally
        {
            _requests.Clear();
            foreach (var h in _pinned) h.Dispose();
            _pinned.Clear();
        }
    }

    /// <summary>MPI_Abort: ends every rank of the job. Does not return.</summary>
    public void Abort(int code)
    {
        LibPdlraMpi.pdlra_mpi_abort(code);
        Environment.Exit(code); // only if MPI_Abort returned
    }

    /// <summary>MPI_Finalize (collective: every rank must reach it).</summary>
    public void Dispose()
    {
        if (_index != 0)
        {
            Check(LibPdlraMpi.pdlra_mpi_comm_free(_index), "MPI_Comm_free");
            return;
        }
        if (!ReferenceEquals(_world, this)) return;
        _world = null;
        Check(LibPdlraMpi.pdlra_mpi_finalize(), "MPI_Finalize");
    }

    private static void Check(int rc, string function)
    {
        if (rc == 0) return;
        var buffer = new byte[1024];
        fixed (byte* p = buffer) LibPdlraMpi.pdlra_mpi_error_string(rc, p, buffer.Length);
        int n = Array.IndexOf(buffer, (byte)0);
        throw new MpiException(function, rc, Encoding.UTF8.GetString(buffer, 0, n < 0 ? buffer.Length : n));
    }
}
