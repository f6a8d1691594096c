using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Compute;

/// <summary>How a small p × q matrix B is applied in products X·B with a tall X (n × p), found from its sparsity
/// pattern once at setup, nothing assumed about which moments are which:
/// <list type="bullet">
/// <item><see cref="StructureKind.Sparse"/>: per nonzero B_ij one y_j += B_ij·x_i (a diagonal, P_N's A_d with a few
/// nonzeros a row, S_N's diagonal matrices, the scattering projector of one nonzero);</item>
/// <item><see cref="StructureKind.Blocks"/>: the connected components of the bipartite graph of the nonzeros (rows and
/// columns joined by a nonzero) are a permutation to block-diagonal form, each block a dense GEMM (|A_d| of P_N is
/// block diagonal in the four parity classes, 25 % nonzero);</item>
/// <item><see cref="StructureKind.Dense"/>: one dense GEMM (no structure worth it).</item>
/// </list>
/// The choice weighs a nonzero of the sparse form as <see cref="SparseWeight"/> flops of a dense block, since
/// single axpys run at a fraction of a GEMM's rate.</summary>
public sealed class StructuredMatrix
{
    /// <summary>Cost of one sparse nonzero in units of one entry of a dense block (axpy vs GEMM throughput).</summary>
    public const double SparseWeight = 4.0;

    /// <summary>Cost of one dense block besides its entries (a GEMM call), in the same units; its gather and scatter
    /// add a row and a column count.</summary>
    public const double BlockOverhead = 64.0;

    /// <summary>The structure of <paramref name="b"/>; its values are copied.</summary>
    public StructuredMatrix(Matrix<double> b)
    {
        Matrix = b;
        Rows = b.RowCount;
        Columns = b.ColumnCount;
        Dense = b.ToColumnMajorArray();
        var entries = new List<(int Row, int Column, double Value)>();
        for (int j = 0; j < Columns; j++)
            for (int i = 0; i < Rows; i++)
                if (Dense[i + j * Rows] != 0.0) entries.Add((i, j, Dense[i + j * Rows]));
        Nonzeros = entries.Count;
        // Components: rows are nodes 0..p−1, columns p..p+q−1, joined by every nonzero.
        var parent = Enumerable.Range(0, Rows + Columns).ToArray();
        int Find(int a) { while (parent[a] != a) a = parent[a] = parent[parent[a]]; return a; }
        foreach (var (i, j, _) in entries) { int a = Find(i), c = Find(Rows + j); if (a != c) parent[Math.Max(a, c)] = Math.Min(a, c); }
        var groups = new SortedDictionary<int, (List<int> R, List<int> C)>();
        foreach (var (i, j, _) in entries)
        {
            int root = Find(i);
            if (!groups.TryGetValue(root, out var g)) groups[root] = g = ([], []);
        }
        for (int i = 0; i < Rows; i++) if (groups.TryGetValue(Find(i), out var g)) g.R.Add(i);
        for (int j = 0; j < Columns; j++) if (groups.TryGetValue(Find(Rows + j), out var g)) g.C.Add(j);
        var blocks = groups.Values.Select(g => new DenseBlock([.. g.R], [.. g.C], Extract(Dense, Rows, g.R, g.C))).ToArray();
        double blockCost = blocks.Sum(x => (double)x.RowIndices.Length * x.ColumnIndices.Length + BlockOverhead + x.RowIndices.Length + x.ColumnIndices.Length);
        if (Nonzeros == 0) Kind = StructureKind.Zero;
        else if (SparseWeight * Nonzeros <= blockCost) Kind = StructureKind.Sparse;
        else if (blocks.Length > 1 && blockCost < Rows * Columns) Kind = StructureKind.Blocks;
        else Kind = StructureKind.Dense;
        Blocks = Kind == StructureKind.Blocks ? blocks : [];
        // Sparse form by column: the nonzeros (row, value) of each column in row order.
        NonzerosByColumn = Kind == StructureKind.Sparse
            ? [.. Enumerable.Range(0, Columns).Select(j => entries.Where(e => e.Column == j).Select(e => (e.Row, e.Value)).ToArray())]
            : [];
        UsedRows = Kind == StructureKind.Sparse ? [.. entries.Select(e => e.Row).Distinct().Order()] : [];
    }

    /// <summary>With <see cref="StructureKind.Sparse"/>: the rows that hold a nonzero, in order.</summary>
    public int[] UsedRows { get; }

    public Matrix<double> Matrix { get; }
    public int Rows { get; }
    public int Columns { get; }
    public StructureKind Kind { get; }
    public int Nonzeros { get; }

    /// <summary>Column-major values (leading dimension <see cref="Rows"/>).</summary>
    public double[] Dense { get; }

    /// <summary>With <see cref="StructureKind.Blocks"/>: the dense blocks, rows and columns in increasing order.</summary>
    public DenseBlock[] Blocks { get; }

    /// <summary>With <see cref="StructureKind.Sparse"/>: per column j the nonzeros (i, B_ij).</summary>
    public (int Row, double Value)[][] NonzerosByColumn { get; }

    /// <summary>Multiply–adds per row of X of a product X·B in the chosen form.</summary>
    public long FlopsPerRow => 2L * Kind switch
    {
        StructureKind.Sparse => Nonzeros,
        StructureKind.Blocks => Blocks.Sum(b => (long)b.RowIndices.Length * b.ColumnIndices.Length),
        StructureKind.Dense => (long)Rows * Columns,
        _ => 0,
    };

    private static double[] Extract(double[] dense, int ld, List<int> rows, List<int> columns)
    {
        var block = new double[rows.Count * columns.Count];
        for (int c = 0; c < columns.Count; c++)
            for (int r = 0; r < rows.Count; r++) block[r + c * rows.Count] = dense[rows[r] + columns[c] * ld];
        return block;
    }
}

/// <summary>The form a <see cref="StructuredMatrix"/> is applied in.</summary>
public enum StructureKind { Zero, Sparse, Blocks, Dense }

/// <summary>One dense block B[RowIndices, ColumnIndices] (column-major, leading dimension RowIndices.Length).</summary>
public sealed record DenseBlock(int[] RowIndices, int[] ColumnIndices, double[] Values);
