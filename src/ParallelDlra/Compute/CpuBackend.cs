using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The CPU backend: host blocks, loops over spans vectorised with System.Numerics.Vector,
/// threads over columns or fixed row chunks (fixed chunking keeps every reduction bitwise reproducible).</summary>
public sealed partial class CpuBackend(IDenseLinearAlgebra? linearAlgebra = null) : IComputeBackend
{
    private const int Chunk = 2048;
    private readonly IDenseLinearAlgebra _la = linearAlgebra ?? LinearAlgebraProvider.Default;

    public string Name => $"cpu ({Environment.ProcessorCount} threads, Vector<double> width {System.Numerics.Vector<double>.Count}; {_la.Name})";

    private readonly HostArrayPool _pool = new();

    public BlockCounts Blocks { get; } = new();

    public Block Allocate(int rows, int columns) => new HostBlock(rows, columns, _pool, Blocks);

    private static HostBlock H(Block b) => b as HostBlock ?? throw new ArgumentException("block belongs to another backend");

    public void Upload(ReadOnlySpan<double> columnMajor, Block target) => columnMajor.CopyTo(H(target).Values);

    public void Download(Block source, Span<double> columnMajor) => H(source).Values.CopyTo(columnMajor);

    public void CopyColumns(Block x, int sourceColumn, Block y, int targetColumn, int count)
    {
        if (x.Rows != y.Rows) throw new ArgumentException("row counts differ");
        H(x).Data.Slice(sourceColumn * x.Rows, count * x.Rows).CopyTo(H(y).Data.Slice(targetColumn * y.Rows, count * y.Rows));
    }

    public void Clear(Block y) => H(y).Values.Clear();

    public void Axpby(double a, Block x, double b, Block y)
    {
        var xm = H(x).Memory; var ym = H(y).Memory;
        int n = (int)y.Length;
        ForChunks(n, (lo, hi) => Kernels.Axpby(a, xm.Span.Slice(lo, hi - lo), b, ym.Span.Slice(lo, hi - lo)));
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
            case AxisStencil wide:
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                if (halo.Depth < wide.Reach) throw new ArgumentException($"a stencil of reach {wide.Reach} needs a halo of depth {wide.Reach}, not {halo.Depth}", nameof(halo));
                System.Threading.Tasks.Parallel.For(0, x.Columns, j => HostStencils.Apply(wide, block, hx.Column(j), halo, alpha, hy.Column(j), j));
                break;
            case CellSwap swap:
                System.Threading.Tasks.Parallel.For(0, x.Columns, j => swap.Apply(hx.Column(j), alpha, hy.Column(j)));
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

    /// <summary>Shifted views instead of shifted copies. Along an axis with stride <c>inner</c> (the block seen
    /// as outer × n × inner), S₋x is x moved down by <c>inner</c> rows except on the rows of the lower face
    /// (k = 0), where it is the ghost. So y[inner..N) += x[0..N−inner)·B is one GEMM on offset views, and the
    /// face rows get (ghost − what the GEMM gave them)·B (a GEMM of face-count rows); S₊ mirrors it.</summary>
    public void AddShiftedProducts(GridBlock block, Block x, Halo halo, IReadOnlyList<ShiftProduct> shifts, Block y)
    {
        var xd = H(x).Data; var yd = H(y).Data;
        int rows = x.Rows, p = x.Columns, q = y.Columns;
        if (y.Rows != rows) throw new ArgumentException("row counts differ");
        foreach (var s in shifts)
        {
            if (s.Matrix.RowCount != p || s.Matrix.ColumnCount != q)
                throw new ArgumentException($"shift matrix {s.Matrix.RowCount}x{s.Matrix.ColumnCount} does not fit {p} → {q} columns");
            int inner = block.Stride[s.Axis];
            var b = s.Matrix.AsColumnMajorArray() ?? s.Matrix.ToColumnMajorArray();
            if (rows > inner)
            {
                if (s.Direction < 0) _la.Gemm(Transpose.No, Transpose.No, rows - inner, q, p, 1.0, xd, rows, b, p, 1.0, yd[inner..], rows);
                else _la.Gemm(Transpose.No, Transpose.No, rows - inner, q, p, 1.0, xd[inner..], rows, b, p, 1.0, yd, rows);
            }
            var (faceRows, correction) = FaceCorrection(block, xd, rows, p, halo, s.Axis, s.Direction);
            var product = new double[faceRows.Length * q];
            _la.Gemm(Transpose.No, Transpose.No, faceRows.Length, q, p, 1.0, correction, faceRows.Length, b, p, 0.0, product, faceRows.Length);
            for (int j = 0; j < q; j++)
                for (int f = 0; f < faceRows.Length; f++) yd[j * rows + faceRows[f]] += product[j * faceRows.Length + f];
        }
    }

    /// <summary>xᵀ(S₋y) = x[inner..N)ᵀ·y[0..N−inner) (one GEMM on offset views) + x_faceᵀ·(ghost − what that
    /// GEMM paired the lower-face rows with); S₊ mirrors it.</summary>
    public Matrix<double> ShiftGram(GridBlock block, Block x, Block y, Halo haloY, int axis, int direction)
    {
        var xd = H(x).Data; var yd = H(y).Data;
        int rows = x.Rows, p = x.Columns, q = y.Columns, inner = block.Stride[axis];
        if (y.Rows != rows) throw new ArgumentException("row counts differ");
        var g = new double[p * q];
        if (direction < 0) GramRows(xd, yd, rows, inner, 0, rows - inner, p, q, g, 0.0);
        else GramRows(xd, yd, rows, 0, inner, rows - inner, p, q, g, 0.0);
        var (faceRows, correction) = FaceCorrection(block, yd, rows, q, haloY, axis, direction);
        var xFace = new double[faceRows.Length * p];
        for (int j = 0; j < p; j++)
            for (int f = 0; f < faceRows.Length; f++) xFace[j * faceRows.Length + f] = xd[j * rows + faceRows[f]];
        _la.Gemm(Transpose.Yes, Transpose.No, p, q, faceRows.Length, 1.0, xFace, faceRows.Length, correction, faceRows.Length, 1.0, g, p);
        return Matrix<double>.Build.Dense(p, q, g);
    }

    /// <summary>The rows of the face a shift reaches across (lower face for S₋, upper for S₊), in the face layout
    /// of the halo, and per row and column: ghost − the row the whole-block offset view pairs it with (that of
    /// the neighbouring slab, or nothing past the block's end).</summary>
    private (int[] Rows, double[] Correction) FaceCorrection(GridBlock block, ReadOnlySpan<double> xd, int rows, int columns, Halo halo, int axis, int direction)
    {
        var (faceRows, wrong) = FaceRows(block, axis, direction);
        int faceCount = faceRows.Length;
        var ghost = halo.Ghost[2 * axis + (direction < 0 ? 0 : 1)];
        var correction = new double[faceCount * columns];
        for (int j = 0; j < columns; j++)
            for (int f = 0; f < faceCount; f++)
                correction[j * faceCount + f] = ghost[j * faceCount + f] - (wrong[f] >= 0 ? xd[j * rows + wrong[f]] : 0.0);
        return (faceRows, correction);
    }

    private readonly Dictionary<(GridBlock Block, int Axis, int Direction), (int[] Rows, int[] Paired)> _faceRows = [];

    /// <summary>The face rows a shift reaches across, in the halo's face layout, and the row the whole-block offset
    /// view pairs each with (−1 for none): geometry only, computed once per block, axis and side.</summary>
    private (int[] Rows, int[] Paired) FaceRows(GridBlock block, int axis, int direction)
    {
        if (_faceRows.TryGetValue((block, axis, direction), out var known)) return known;
        int rows = block.Count, n = block.Size[axis], inner = block.Stride[axis], outer = rows / (n * inner);
        var faceRows = new int[outer * inner];
        var paired = new int[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int f = o * inner + i;
                int row = direction < 0 ? o * n * inner + i : (o * n + n - 1) * inner + i;
                faceRows[f] = row;
                int other = row + direction * inner;
                paired[f] = other >= 0 && other < rows ? other : -1;
            }
        return _faceRows[(block, axis, direction)] = (faceRows, paired);
    }

    /// <summary>Rows handled at once by <see cref="Recombine"/> in place.</summary>
    private const int RecombineRows = 4096;

    /// <summary>In x's storage when it has room for q columns: row block by row block, the block's rows of
    /// x·B + z·C go to a small buffer and then over the same rows of x (no other row reads them).</summary>
    public Block Recombine(Block x, Matrix<double> b, Block? z = null, Matrix<double>? c = null)
    {
        var hx = H(x);
        int n = x.Rows, p = x.Columns, q = b.ColumnCount, s = z?.Columns ?? 0;
        if (b.RowCount != p || (s > 0 && (c is null || c.RowCount != s || c.ColumnCount != q || z!.Rows != n)))
            throw new ArgumentException($"shapes {n}x{p} · {b.RowCount}x{b.ColumnCount} (+ {z?.Rows}x{s} · {c?.RowCount}x{c?.ColumnCount})");
        if (hx.Capacity < (long)n * q) return IComputeBackend.RecombineIntoNew(this, x, b, z, c);   // no room
        var bd = b.AsColumnMajorArray() ?? b.ToColumnMajorArray();
        var cd = s > 0 ? c!.AsColumnMajorArray() ?? c.ToColumnMajorArray() : null;
        var chunk = new double[Math.Min(RecombineRows, Math.Max(n, 1)) * q];
        var xd = hx.Data;
        var zd = s > 0 ? H(z!).Data : default;
        for (int lo = 0; lo < n; lo += RecombineRows)
        {
            int m = Math.Min(RecombineRows, n - lo);
            _la.Gemm(Transpose.No, Transpose.No, m, q, p, 1.0, xd[lo..], n, bd, p, 0.0, chunk, m);
            if (s > 0) _la.Gemm(Transpose.No, Transpose.No, m, q, s, 1.0, zd[lo..], n, cd!, s, 1.0, chunk, m);
            for (int j = 0; j < q; j++) chunk.AsSpan(j * m, m).CopyTo(xd.Slice(j * n + lo, m));
        }
        return hx.Reshape(q);
    }

    /// <summary>x ← x·B row block by row block (as <see cref="Recombine"/> in place): no second n_cells × p block. The same
    /// arithmetic as <see cref="MultiplySmall"/> into another block (a dense B by GEMM, a sparse or tiny one by the
    /// per-nonzero AXPYs), each row block's result through a small buffer.</summary>
    public void MultiplyInPlace(Block x, Matrix<double> b)
    {
        int n = x.Rows, p = x.Columns;
        if (b.RowCount != p || b.ColumnCount != p) throw new ArgumentException($"{b.RowCount}x{b.ColumnCount} is not {p}x{p}");
        var xm = H(x).Memory;
        int nonzeros = 0;
        for (int col = 0; col < p; col++)
            for (int row = 0; row < p; row++) if (b[row, col] != 0.0) nonzeros++;
        if (nonzeros > 0.25 * p * p && p * p >= 16)
        {
            // Fixed row blocks on all cores, one single-threaded GEMM each (the rows of a block depend on nothing else).
            var bd = b.AsColumnMajorArray() ?? b.ToColumnMajorArray();
            ForFixedChunks(n, RecombineRows, (_, lo, m) =>
            {
                var chunk = new double[m * p];
                _la.Gemm(Transpose.No, Transpose.No, m, p, p, 1.0, xm.Span[lo..], n, bd, p, 0.0, chunk, m);
                for (int j = 0; j < p; j++) chunk.AsSpan(j * m, m).CopyTo(xm.Span.Slice(j * n + lo, m));
            });
            return;
        }
        var nz = new (int Row, double Value)[p][];
        for (int col = 0; col < p; col++)
        {
            var list = new List<(int, double)>();
            for (int row = 0; row < p; row++) { double v = b[row, col]; if (v != 0.0) list.Add((row, v)); }
            nz[col] = [.. list];
        }
        ForChunks(n, (lo, hi) =>
        {
            int len = hi - lo;
            var result = new double[len * p];
            for (int col = 0; col < p; col++)
            {
                var yc = result.AsSpan(col * len, len);
                foreach (var (row, v) in nz[col]) Kernels.Axpy(v, xm.Span.Slice(row * n + lo, len), yc);
            }
            for (int col = 0; col < p; col++) result.AsSpan(col * len, len).CopyTo(xm.Span.Slice(col * n + lo, len));
        });
    }

    public void MultiplySmall(Block x, Matrix<double> b, double alpha, double beta, Block y)
    {
        if (b.RowCount != x.Columns || b.ColumnCount != y.Columns || x.Rows != y.Rows)
            throw new ArgumentException($"shapes {x.Rows}x{x.Columns} · {b.RowCount}x{b.ColumnCount} → {y.Rows}x{y.Columns}");
        var xm = H(x).Memory; var ym = H(y).Memory;
        int n = x.Rows, p = x.Columns, q = y.Columns;
        int nonzeros = 0;
        for (int col = 0; col < q; col++)
            for (int row = 0; row < p; row++) if (b[row, col] != 0.0) nonzeros++;
        if (nonzeros > 0.25 * p * q && p * q >= 16)
        {
            // Dense B: one BLAS GEMM over the whole block.
            _la.Gemm(Transpose.No, Transpose.No, n, q, p, alpha, xm.Span, n, b.AsColumnMajorArray() ?? b.ToColumnMajorArray(), p, beta, ym.Span, n);
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
                var yc = ym.Span.Slice(col * n + lo, len);
                if (beta == 0.0) yc.Clear(); else if (beta != 1.0) Kernels.Scale(beta, yc);
                foreach (var (row, v) in nz[col]) Kernels.Axpy(v, xm.Span.Slice(row * n + lo, len), yc);
            }
        });
    }

    /// <summary>Rows summed by one GEMM of <see cref="GramRows"/>: a Gram matrix xᵀy of a tall block is a GEMM with
    /// a tiny result and a long inner dimension, which BLAS runs faster over blocks of rows that stay in cache.</summary>
    private const int GramChunk = 2048;

    /// <summary>g ← beta·g + Σ over <paramref name="count"/> rows of x[xOffset + i]ᵀ y[yOffset + i] (p × q, leading
    /// dimension p; x and y column-major with leading dimension <paramref name="ld"/>), in blocks of rows.</summary>
    private void GramRows(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int ld, int xOffset, int yOffset, int count, int p, int q, double[] g, double beta)
    {
        if (count <= 0)
        {
            if (beta == 0.0) Array.Clear(g);
            return;
        }
        for (int lo = 0; lo < count; lo += GramChunk)
        {
            int m = Math.Min(GramChunk, count - lo);
            _la.Gemm(Transpose.Yes, Transpose.No, p, q, m, 1.0, x[(xOffset + lo)..], ld, y[(yOffset + lo)..], ld, lo == 0 ? beta : 1.0, g, p);
        }
    }

    public Matrix<double> Gram(Block x, Block y)
    {
        var xm = H(x).Memory; var ym = H(y).Memory;
        int n = x.Rows, p = x.Columns, q = y.Columns;
        if (p * q >= 64) return Matrix<double>.Build.Dense(p, q, ChunkedGram(xm, ym, n, p, q));
        int chunks = (n + Chunk - 1) / Chunk;
        var partial = new double[chunks][];
        System.Threading.Tasks.Parallel.For(0, chunks, ch =>
        {
            int lo = ch * Chunk, len = Math.Min(Chunk, n - lo);
            var g = new double[p * q];
            for (int b = 0; b < q; b++)
            {
                var yc = ym.Span.Slice(b * n + lo, len);
                for (int a = 0; a < p; a++) g[a + p * b] = Kernels.Dot(xm.Span.Slice(a * n + lo, len), yc);
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

    public double SumAlong(Block x, ReadOnlySpan<double> direction)
    {
        if (direction.Length != x.Columns) throw new ArgumentException($"{direction.Length} direction entries for {x.Columns} columns", nameof(direction));
        var hx = H(x);
        double sum = 0.0;
        for (int a = 0; a < direction.Length; a++)
            if (direction[a] != 0.0) sum += direction[a] * Kernels.Sum(hx.Column(a));
        return sum;
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

    /// <summary>Doubles of one row chunk of the cache-blocked local QR (<see cref="LocalQr"/>): 512 KiB, inside a core's L2.</summary>
    private const int QrChunkDoubles = 65536;

    /// <summary>Householder QR of the local rows, cache-blocked as a flat TSQR (Demmel, Grigori, Hoemmen and Langou 2012):
    /// the rows are cut into chunks of about <see cref="QrChunkDoubles"/> doubles (at least 2p rows; the last chunk takes the
    /// remainder), each chunk is factored in place while it sits in cache (dgeqrf + dorgqr with the block's leading dimension:
    /// A_i = Q_i R_i), the stacked R_i are factored once ([R_i] = Q_s R) and each chunk becomes Q_i · (block i of Q_s) through
    /// one GEMM per chunk. Two passes over the block instead of the 2p sweeps of an unblocked dgeqrf/dorgqr on p ≤ 128
    /// columns (LAPACK's crossover to blocked code). The chunks are fixed by the block's shape (not by the thread count), so the
    /// result is reproducible. Stable as Householder QR; R has a non-negative diagonal.</summary>
    public Matrix<double> LocalQr(Block a)
    {
        int m = a.Rows, p = a.Columns;
        if (m < p) throw new InvalidOperationException($"local QR needs at least as many cells ({m}) as columns ({p}): use fewer ranks or a lower r_max");
        var r = new double[p * p];
        var data = H(a).Data;
        int rows = Math.Max(2 * p, QrChunkDoubles / Math.Max(1, p));
        int chunks = m / rows;
        if (chunks < 2 || p == 0)
        {
            _la.Qr(m, p, data, m, r);
            return Matrix<double>.Build.Dense(p, p, r);
        }
        int ls = chunks * p;   // leading dimension of the stack of R factors
        var stack = new double[ls * p];
        for (int i = 0; i < chunks; i++)
        {
            int lo = i * rows, len = i == chunks - 1 ? m - lo : rows;
            _la.Qr(len, p, data[lo..], m, r);   // Q_i in place, R_i in r
            for (int j = 0; j < p; j++)
                for (int k = 0; k <= j; k++) stack[i * p + k + j * ls] = r[k + j * p];
        }
        _la.Qr(ls, p, stack, ls, r);   // [R_i] = Q_s R
        var work = new double[(m - (chunks - 1) * rows) * p];
        for (int i = 0; i < chunks; i++)
        {
            int lo = i * rows, len = i == chunks - 1 ? m - lo : rows;
            _la.Gemm(Transpose.No, Transpose.No, len, p, p, 1.0, data[lo..], m, stack.AsSpan(i * p), ls, 0.0, work, len);
            for (int j = 0; j < p; j++) work.AsSpan(j * len, len).CopyTo(data.Slice(lo + j * m, len));
        }
        return Matrix<double>.Build.Dense(p, p, r);
    }

    public void PackLayers(GridBlock block, Block x, int face, int depth, Span<double> buffer) =>
        HostStencils.PackLayers(block, H(x).Data, x.Columns, face, depth, buffer);

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

