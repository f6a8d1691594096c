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

/// <summary>A block in host memory: column j is Data[j·Rows .. (j+1)·Rows). Its storage may come from
/// and go back to a <see cref="HostArrayPool"/>, so the time loop does not allocate large arrays.</summary>
public sealed class HostBlock : Block
{
    private readonly HostArrayPool? _pool;
    private double[]? _data;

    public HostBlock(int rows, int columns, HostArrayPool? pool = null) : base(rows, columns)
    {
        _pool = pool;
        _data = pool?.Rent((long)rows * columns) ?? new double[(long)rows * columns];
    }

    public double[] Data => _data ?? throw new ObjectDisposedException(nameof(HostBlock));
    public Span<double> Column(int j) => Data.AsSpan(j * Rows, Rows);

    public override void Dispose()
    {
        if (_data is not null) _pool?.Return(_data);
        _data = null;
        base.Dispose();
    }
}

/// <summary>Recycles the large arrays of disposed blocks (exact lengths, zeroed on rent, at most
/// <see cref="Capacity"/> arrays kept, the least recently returned dropped first).</summary>
public sealed class HostArrayPool
{
    private readonly LinkedList<double[]> _free = [];
    private readonly Lock _lock = new();

    public int Capacity { get; init; } = 6;

    public double[] Rent(long length)
    {
        lock (_lock)
        {
            for (var node = _free.Last; node is not null; node = node.Previous)
            {
                if (node.Value.LongLength != length) continue;
                _free.Remove(node);
                Array.Clear(node.Value);
                return node.Value;
            }
        }
        return new double[length];
    }

    public void Return(double[] array)
    {
        lock (_lock)
        {
            _free.AddLast(array);
            while (_free.Count > Capacity) _free.RemoveFirst();
        }
    }
}
