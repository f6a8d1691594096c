using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Kinetic;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The CPU backend: host blocks, loops over spans vectorised with System.Numerics.Vector,
/// threads over columns or fixed row chunks (fixed chunking keeps every reduction bitwise reproducible).</summary>
public sealed class CpuBackend(IDenseLinearAlgebra? linearAlgebra = null) : IComputeBackend
{
    private const int Chunk = 2048;
    private readonly IDenseLinearAlgebra _la = linearAlgebra ?? LinearAlgebraProvider.Default;

    public string Name => $"cpu ({Environment.ProcessorCount} threads, Vector<double> width {System.Numerics.Vector<double>.Count}; {_la.Name})";

    private readonly HostArrayPool _pool = new();

    public Block Allocate(int rows, int columns) => new HostBlock(rows, columns, _pool);

    private static HostBlock H(Block b) => b as HostBlock ?? throw new ArgumentException("block belongs to another backend");

    public void Upload(ReadOnlySpan<double> columnMajor, Block target) => columnMajor.CopyTo(H(target).Data);

    public void Download(Block source, Span<double> columnMajor) => H(source).Data.AsSpan(0, (int)source.Length).CopyTo(columnMajor);

    public void CopyColumns(Block x, int sourceColumn, Block y, int targetColumn, int count)
    {
        if (x.Rows != y.Rows) throw new ArgumentException("row counts differ");
        H(x).Data.AsSpan(sourceColumn * x.Rows, count * x.Rows).CopyTo(H(y).Data.AsSpan(targetColumn * y.Rows, count * y.Rows));
    }

    public void Clear(Block y) => Array.Clear(H(y).Data);

    public void Axpby(double a, Block x, double b, Block y)
    {
        var xd = H(x).Data; var yd = H(y).Data;
        int n = (int)y.Length;
        ForChunks(n, (lo, hi) => Kernels.Axpby(a, xd.AsSpan(lo, hi - lo), b, yd.AsSpan(lo, hi - lo)));
    }

    public void ApplySpatial(SpatialOperator d, GridBlock block, Block x, Halo? halo, double alpha, Block y)
    {
        var hx = H(x); var hy = H(y);
        switch (d)
        {
            case DiagonalOperator diag:
                System.Threading.Tasks.Parallel.For(0, x.Columns, j =>
                    Kernels.AddProduct(alpha, diag.Weights, hx.Column(j), hy.Column(j)));
                break;
            case StencilOperator s:
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                System.Threading.Tasks.Parallel.For(0, x.Columns, j => Stencil(s, block, hx, halo, alpha, hy, j));
                break;
            default:
                throw new NotSupportedException(d.GetType().Name);
        }
    }

    /// <summary>One column of y += alpha·(m·x[−] + c·x + p·x[+]) along one axis, viewing the block as
    /// outer × n × inner with inner = stride of the axis.</summary>
    private static void Stencil(StencilOperator s, GridBlock block, HostBlock hx, Halo halo, double alpha, HostBlock hy, int j)
    {
        int axis = s.Axis, n = block.Size[axis], inner = block.Stride[axis], outer = block.Count / (n * inner);
        double m = alpha * s.Minus, c = alpha * s.Center, p = alpha * s.Plus;
        var x = hx.Column(j); var y = hy.Column(j);
        int faceCount = block.FaceCount(2 * axis);
        var gLo = halo.Ghost[2 * axis].AsSpan(j * faceCount, faceCount);
        var gHi = halo.Ghost[2 * axis + 1].AsSpan(j * faceCount, faceCount);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var xl = x.Slice(o * n, n); var yl = y.Slice(o * n, n);
                if (n == 1) { yl[0] += m * gLo[o] + c * xl[0] + p * gHi[o]; continue; }
                yl[0] += m * gLo[o] + c * xl[0] + p * xl[1];
                Kernels.Combine3(m, xl[..(n - 2)], c, xl[1..(n - 1)], p, xl[2..], yl[1..(n - 1)]);
                yl[n - 1] += m * xl[n - 2] + c * xl[n - 1] + p * gHi[o];
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var lo = gLo.Slice(o * inner, inner); var hi = gHi.Slice(o * inner, inner);
            for (int k = 0; k < n; k++)
            {
                int at = (o * n + k) * inner;
                var prev = k == 0 ? lo : x.Slice(at - inner, inner);
                var next = k == n - 1 ? hi : x.Slice(at + inner, inner);
                Kernels.Combine3(m, prev, c, x.Slice(at, inner), p, next, y.Slice(at, inner));
            }
        }
    }

    public void MultiplySmall(Block x, Matrix<double> b, double alpha, double beta, Block y)
    {
        if (b.RowCount != x.Columns || b.ColumnCount != y.Columns || x.Rows != y.Rows)
            throw new ArgumentException($"shapes {x.Rows}x{x.Columns} · {b.RowCount}x{b.ColumnCount} → {y.Rows}x{y.Columns}");
        var xd = H(x).Data; var yd = H(y).Data;
        int n = x.Rows, p = x.Columns, q = y.Columns;
        int nonzeros = 0;
        for (int col = 0; col < q; col++)
            for (int row = 0; row < p; row++) if (b[row, col] != 0.0) nonzeros++;
        if (nonzeros > 0.25 * p * q && p * q >= 16)
        {
            // Dense B: one BLAS GEMM over the whole block.
            _la.Gemm(Transpose.No, Transpose.No, n, q, p, alpha, xd, n, b.AsColumnMajorArray() ?? b.ToColumnMajorArray(), p, beta, yd, n);
            return;
        }
        // Nonzero structure of each column of B, so sparse angular matrices (A_d) cost only their nonzeros.
        var nz = new (int Row, double Value)[q][];
        for (int col = 0; col < q; col++)
        {
            var list = new List<(int, double)>();
            for (int row = 0; row < p; row++) { double v = b[row, col]; if (v != 0.0) list.Add((row, alpha * v)); }
            nz[col] = [.. list];
        }
        ForChunks(n, (lo, hi) =>
        {
            int len = hi - lo;
            for (int col = 0; col < q; col++)
            {
                var yc = yd.AsSpan(col * n + lo, len);
                if (beta == 0.0) yc.Clear(); else if (beta != 1.0) Kernels.Scale(beta, yc);
                foreach (var (row, v) in nz[col]) Kernels.Axpy(v, xd.AsSpan(row * n + lo, len), yc);
            }
        });
    }

    public Matrix<double> Gram(Block x, Block y)
    {
        var xd = H(x).Data; var yd = H(y).Data;
        int n = x.Rows, p = x.Columns, q = y.Columns;
        if (p * q >= 64)
        {
            var g = new double[p * q];
            _la.Gemm(Transpose.Yes, Transpose.No, p, q, n, 1.0, xd, n, yd, n, 0.0, g, p);
            return Matrix<double>.Build.Dense(p, q, g);
        }
        int chunks = (n + Chunk - 1) / Chunk;
        var partial = new double[chunks][];
        System.Threading.Tasks.Parallel.For(0, chunks, ch =>
        {
            int lo = ch * Chunk, len = Math.Min(Chunk, n - lo);
            var g = new double[p * q];
            for (int b = 0; b < q; b++)
            {
                var yc = yd.AsSpan(b * n + lo, len);
                for (int a = 0; a < p; a++) g[a + p * b] = Kernels.Dot(xd.AsSpan(a * n + lo, len), yc);
            }
            partial[ch] = g;
        });
        var sum = new double[p * q];
        foreach (var g in partial) Kernels.Axpy(1.0, g, sum);
        return Matrix<double>.Build.Dense(p, q, sum);
    }

    public void AddOuter(ReadOnlySpan<double> q, ReadOnlySpan<double> c, double alpha, Block y)
    {
        var hy = H(y);
        for (int j = 0; j < y.Columns; j++)
            if (c[j] != 0.0) Kernels.Axpy(alpha * c[j], q, hy.Column(j));
    }

    public double[] ColumnSums(Block x, int[]? rows = null)
    {
        var hx = H(x);
        var sums = new double[x.Columns];
        for (int j = 0; j < x.Columns; j++)
        {
            var col = hx.Column(j);
            if (rows is null) sums[j] = Kernels.Sum(col);
            else { double s = 0; foreach (int r in rows) s += col[r]; sums[j] = s; }
        }
        return sums;
    }

    public Matrix<double> LocalQr(Block a)
    {
        if (a.Rows < a.Columns) throw new InvalidOperationException($"local QR needs at least as many cells ({a.Rows}) as columns ({a.Columns}): use fewer ranks or a lower r_max");
        var r = new double[a.Columns * a.Columns];
        _la.Qr(a.Rows, a.Columns, H(a).Data, a.Rows, r);
        return Matrix<double>.Build.Dense(a.Columns, a.Columns, r);
    }

    public void PackFace(GridBlock block, Block x, int face, Span<double> buffer)
    {
        var hx = H(x);
        var cells = block.FaceCells(face);
        for (int j = 0; j < x.Columns; j++)
        {
            var col = hx.Column(j);
            var dst = buffer.Slice(j * cells.Length, cells.Length);
            for (int i = 0; i < cells.Length; i++) dst[i] = col[cells[i]];
        }
    }

    private static void ForChunks(int n, Action<int, int> body)
    {
        int chunks = (n + Chunk - 1) / Chunk;
        if (chunks <= 1) { body(0, n); return; }
        System.Threading.Tasks.Parallel.For(0, chunks, ch => body(ch * Chunk, Math.Min(n, (ch + 1) * Chunk)));
    }

    public void Dispose() { }
}

