using System.Buffers;

namespace ParallelDlra.Compute;

/// <summary>A rank-local n_cells × columns block of an n_cells-long matrix (u, X, K, ...), stored
/// column-major where the backend keeps it (host memory or a GPU). Only the backend that allocated it
/// touches its storage.</summary>
public abstract class Block(int rows, int columns) : IDisposable
{
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;
    public long Length => (long)Rows * Columns;
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>A block in host memory: column j is Data[j·Rows .. (j+1)·Rows). Its storage is native memory
/// (<see cref="NativeBuffer"/>, outside the managed heap: the memory of a run is its blocks, and a released
/// buffer goes back to the operating system) and may come from and go back to a <see cref="HostArrayPool"/>,
/// so the time loop does not map new memory; a pooled buffer may be longer than the block.</summary>
public sealed class HostBlock : Block
{
    private readonly HostArrayPool? _pool;
    private readonly BlockCounts? _counts;
    private readonly long _counted;
    private NativeBuffer? _buffer;

    public HostBlock(int rows, int columns, HostArrayPool? pool = null, BlockCounts? counts = null) : base(rows, columns)
    {
        _pool = pool;
        _buffer = pool?.Rent((long)rows * columns) ?? new NativeBuffer((long)rows * columns);
        _counts = counts;
        _counted = (long)rows * columns;
        counts?.Allocated(_counted);
    }

    private HostBlock(int rows, int columns, HostArrayPool? pool, NativeBuffer buffer, BlockCounts? counts, long counted) : base(rows, columns)
    {
        _pool = pool;
        _buffer = buffer;
        _counts = counts;
        _counted = counted;
    }

    /// <summary>Values the storage can hold (≥ <see cref="Block.Length"/>).</summary>
    public long Capacity => Buffer.Length;

    /// <summary>A block of <paramref name="columns"/> columns over this block's storage, which it takes over
    /// (this block is disposed without giving the storage back). The values are as they lie in the storage.</summary>
    public HostBlock Reshape(int columns)
    {
        if ((long)Rows * columns > Capacity) throw new ArgumentOutOfRangeException(nameof(columns), columns, $"storage holds {Capacity} values, not {Rows} × {columns}");
        var buffer = Buffer;
        _buffer = null;
        base.Dispose();
        // The same storage: the same count, or more when the block now uses more of it (a pooled buffer's spare room).
        long counted = Math.Max(_counted, (long)Rows * columns);
        _counts?.Allocated(counted - _counted);
        return new HostBlock(Rows, columns, _pool, buffer, _counts, counted);
    }

    private NativeBuffer Buffer => _buffer ?? throw new ObjectDisposedException(nameof(HostBlock));

    /// <summary>The storage: at least <see cref="Block.Length"/> values, column-major with leading dimension Rows.</summary>
    public Span<double> Data => Buffer.GetSpan();

    /// <summary>The storage as memory (for loops that run on several threads).</summary>
    public Memory<double> Memory => Buffer.Memory;

    /// <summary>The block's values, exactly <see cref="Block.Length"/> of them.</summary>
    public Span<double> Values => Data[..checked((int)Length)];

    public Span<double> Column(int j) => Data.Slice(j * Rows, Rows);

    public override void Dispose()
    {
        if (_buffer is not null)
        {
            if (_pool is not null) _pool.Return(_buffer);
            else ((IDisposable)_buffer).Dispose();
            _counts?.Released(_counted);
        }
        _buffer = null;
        base.Dispose();
    }
}

/// <summary>A zero-filled array of doubles in an anonymous memory map (<see cref="Interop.LibC.MapZeroed"/>):
/// its pages are committed when first touched and go back to the operating system on dispose (or finalisation).</summary>
public sealed unsafe class NativeBuffer : MemoryManager<double>
{
    private nint _address;

    public NativeBuffer(long length)
    {
        if (length < 0 || length > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), length, "a block holds at most 2³¹ − 1 values");
        Length = length;
        // No GC.AddMemoryPressure: the induced collections cost working set; blocks are disposed where they
        // are made (the finaliser is only a safety net).
        _address = Interop.LibC.MapZeroed(Bytes);
    }

    private long Bytes => Math.Max(1, Length) * sizeof(double);

    // CA2015: a span outlives nothing here. A buffer belongs to one HostBlock (or the pool); the backend takes
    // spans of it only inside calls that receive the block, whose callers hold the block across the call. The
    // finalizer only reclaims the memory of blocks nobody disposed.
#pragma warning disable CA2015
    ~NativeBuffer() => Dispose(false);
#pragma warning restore CA2015

    /// <summary>Number of doubles.</summary>
    public long Length { get; }

    public override Span<double> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new Span<double>((void*)_address, (int)Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new MemoryHandle((double*)_address + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        if (_address == 0) return;
        Interop.LibC.Unmap(_address, Bytes);
        _address = 0;
        if (disposing) GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Recycles the buffers of disposed blocks, so that a time loop whose block sizes repeat maps no new memory
/// after its first step and the process's memory stays at the largest set of blocks alive at once. Lengths
/// are rounded up to size classes (eight per power of two, at most 1/8 wasted); a request takes the smallest
/// free buffer of at least its class and at most twice it (a rank that went down reuses the larger buffers),
/// zeroed over the requested length. Free buffers a little (under 1/4) too short for a request are released
/// by it: they are the same block from before the rank grew; a request no free buffer fits releases every
/// shorter one (the blocks grew: a shorter block needed again is mapped anew). A free buffer not taken for
/// <see cref="StaleAfter"/> requests is released too, and at most <see cref="Capacity"/> free buffers are
/// kept, the least recently returned released first. A released buffer's memory goes back to the operating
/// system at once.
/// </summary>
public sealed class HostArrayPool
{
    private readonly List<(NativeBuffer Buffer, long ReturnedAt)> _free = [];
    private readonly Lock _lock = new();
    private long _requests;

    /// <summary>Free buffers kept at most.</summary>
    public int Capacity { get; init; } = 32;

    /// <summary>Requests after which a free buffer nobody took is released.</summary>
    public int StaleAfter { get; init; } = 64;

    /// <summary>The size class of a length: the smallest m·2^e ≥ length with 8 ≤ m &lt; 16 (the length itself below 16).</summary>
    public static long SizeClass(long length)
    {
        if (length < 16) return length;
        int e = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)length) - 3;   // 2^(e+3) ≤ length < 2^(e+4)
        long step = 1L << e;
        return (length + step - 1) / step * step;
    }

    public NativeBuffer Rent(long length)
    {
        long size = SizeClass(length);
        var released = new List<NativeBuffer>();
        NativeBuffer? taken = null;
        lock (_lock)
        {
            _requests++;
            int best = -1;
            for (int i = _free.Count - 1; i >= 0; i--)
            {
                long have = _free[i].Buffer.Length;
                // Stale, or a little too short for this request (the same block before the rank grew): released.
                bool obsolete = _requests - _free[i].ReturnedAt > StaleAfter || (have < size && 4 * have > 3 * size);
                if (obsolete) { released.Add(_free[i].Buffer); _free.RemoveAt(i); if (best > i) best--; continue; }
                if (have < size || have > 2 * size) continue;
                if (best < 0 || have < _free[best].Buffer.Length) best = i;
            }
            if (best >= 0)
            {
                taken = _free[best].Buffer;
                _free.RemoveAt(best);
            }
            else
            {
                // A miss: the blocks grew (the rank went up). The shorter free buffers are the blocks of before.
                released.AddRange(_free.Where(f => f.Buffer.Length < size).Select(f => f.Buffer));
                _free.RemoveAll(f => f.Buffer.Length < size);
            }
        }
        foreach (var b in released) ((IDisposable)b).Dispose();
        if (taken is not null)
        {
            taken.GetSpan()[..checked((int)length)].Clear();
            return taken;
        }
        return new NativeBuffer(size);
    }

    public void Return(NativeBuffer buffer)
    {
        NativeBuffer? released = null;
        lock (_lock)
        {
            _free.Add((buffer, _requests));
            if (_free.Count > Capacity)
            {
                released = _free[0].Buffer;
                _free.RemoveAt(0);
            }
        }
        ((IDisposable?)released)?.Dispose();
    }

    /// <summary>Free buffers held now (for tests).</summary>
    public int FreeCount { get { lock (_lock) return _free.Count; } }
}
