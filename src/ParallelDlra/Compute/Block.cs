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

/// <summary>A block in host memory: column j is Data[j·Rows .. (j+1)·Rows).</summary>
public sealed class HostBlock(int rows, int columns) : Block(rows, columns)
{
    public double[] Data { get; } = new double[(long)rows * columns];
    public Span<double> Column(int j) => Data.AsSpan(j * Rows, Rows);
}
