using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The fused right-hand side of the CPU backend (<see cref="IComputeBackend.StencilProducts"/>).</summary>
public sealed partial class CpuBackend
{
    /// <summary>Rows of one chunk of <see cref="StencilProducts"/>: D_s x of a chunk (rows × columns), the chunk of y
    /// and, along the slowest axis of a 2D block, the rows its stencil reads stay in L2 and L3 for 136 moments, and each
    /// column is read in 2 KiB runs (measured on the 200², P_15 benchmark against 128 and 512: 256 was as fast or
    /// faster). The chunks run on all cores with single-threaded GEMMs; they are fixed (not the threads), so every
    /// row's sums are the same whatever the thread count.</summary>
    public const int ProductRows = 256;

    /// <summary>Per chunk of <see cref="ProductRows"/> rows: y ← 0; each product forms D_s x for the chunk (a scratch
    /// buffer; the identity reads x in place) in the column order of its <see cref="StructuredMatrix"/> and applies
    /// B_s (sparse axpys, per block a GEMM and a scatter-add, or a dense GEMM); the outer products; then
    /// y ← z + alpha·y on the rows still in cache. Stencil rows on a face of the block take the halo's ghost.</summary>
    public void StencilProducts(GridBlock block, Block x, Halo? halo, IReadOnlyList<StencilProduct> products, IReadOnlyList<OuterProduct> outer,
        Block y, double alpha = 1.0, Block? z = null)
    {
        int n = x.Rows, p = x.Columns, q = y.Columns;
        if (y.Rows != n || (z is not null && (z.Rows != n || z.Columns != q)) || n != block.Count)
            throw new ArgumentException($"shapes x {n}x{p}, y {y.Rows}x{q}, z {z?.Rows}x{z?.Columns} on a block of {block.Count} cells");
        if (ReferenceEquals(x, y) || ReferenceEquals(z, y)) throw new ArgumentException("y must not be x or z", nameof(y));
        foreach (var s in products)
        {
            if (s.Matrix.Rows != p || s.Matrix.Columns != q)
                throw new ArgumentException($"product matrix {s.Matrix.Rows}x{s.Matrix.Columns} does not fit {p} → {q} columns");
            if (s.Spatial is StencilOperator st)
            {
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                FaceRows(block, st.Axis, -1);   // geometry cached before the threads read it
                FaceRows(block, st.Axis, +1);
            }
            else if (s.Spatial is not (null or DiagonalOperator))
                throw new NotSupportedException($"{s.Spatial.GetType().Name} in a stencil product (three-point stencils and diagonals only)");
        }
        var xm = H(x).Memory; var ym = H(y).Memory;
        Memory<double>? zm = null;
        if (z is not null) zm = H(z).Memory;
        int chunks = (n + ProductRows - 1) / ProductRows;
        int scratch = Math.Min(ProductRows, n) * Math.Max(p, q);
        int threads = _la.Threads;
        if (threads != 1) _la.Threads = 1;   // one GEMM per chunk and thread
        try
        {
        System.Threading.Tasks.Parallel.For(0, chunks, () => (T: new double[scratch], P: new double[scratch]), (ch, _, buffers) =>
        {
            int lo = ch * ProductRows, rows = Math.Min(ProductRows, n - lo);
            ProductChunk(block, xm.Span, halo, products, outer, ym.Span, alpha, zm, n, p, q, lo, rows, buffers.T, buffers.P);
            return buffers;
        }, _ => { });
        }
        finally
        {
            if (threads != 1) _la.Threads = threads;
        }
    }

    private void ProductChunk(GridBlock block, ReadOnlySpan<double> xd, Halo? halo, IReadOnlyList<StencilProduct> products, IReadOnlyList<OuterProduct> outer,
        Span<double> yd, double alpha, Memory<double>? z, int n, int p, int q, int lo, int rows, double[] t, double[] scratch)
    {
        for (int j = 0; j < q; j++) yd.Slice(j * n + lo, rows).Clear();
        foreach (var s in products)
        {
            var b = s.Matrix;
            if (s.Spatial is DiagonalOperator diag && diag.Weights.AsSpan(lo, rows).IndexOfAnyExcept(0.0) < 0) continue;   // (D x) = 0 here
            switch (b.Kind)
            {
                case StructureKind.Zero:
                    break;
                case StructureKind.Sparse:
                {
                    // D x in natural column order (only the columns that carry a nonzero), or x itself.
                    bool identity = s.Spatial is null;
                    if (!identity)
                        foreach (int i in b.UsedRows) Form(block, s.Spatial!, xd, halo, n, i, lo, rows, t.AsSpan(i * rows, rows));
                    for (int j = 0; j < q; j++)
                    {
                        var yc = yd.Slice(j * n + lo, rows);
                        if (identity) Kernels.AddCombination(b.NonzerosByColumn[j], xd, n, lo, yc);
                        else Kernels.AddCombination(b.NonzerosByColumn[j], t, rows, 0, yc);
                    }
                    break;
                }
                case StructureKind.Blocks:
                {
                    foreach (var blk in b.Blocks)
                    {
                        int br = blk.RowIndices.Length, bc = blk.ColumnIndices.Length;
                        for (int r = 0; r < br; r++)
                        {
                            int i = blk.RowIndices[r];
                            var dst = t.AsSpan(r * rows, rows);
                            if (s.Spatial is null) xd.Slice(i * n + lo, rows).CopyTo(dst);
                            else Form(block, s.Spatial, xd, halo, n, i, lo, rows, dst);
                        }
                        _la.Gemm(Transpose.No, Transpose.No, rows, bc, br, 1.0, t, rows, blk.Values, br, 0.0, scratch, rows);
                        for (int c = 0; c < bc; c++)
                        {
                            int j = blk.ColumnIndices[c];
                            Kernels.Axpy(1.0, scratch.AsSpan(c * rows, rows), yd.Slice(j * n + lo, rows));
                        }
                    }
                    break;
                }
                default:
                {
                    ReadOnlySpan<double> a;
                    int lda;
                    if (s.Spatial is null) { a = xd[lo..]; lda = n; }
                    else
                    {
                        for (int i = 0; i < p; i++) Form(block, s.Spatial, xd, halo, n, i, lo, rows, t.AsSpan(i * rows, rows));
                        a = t; lda = rows;
                    }
                    _la.Gemm(Transpose.No, Transpose.No, rows, q, p, 1.0, a, lda, b.Dense, p, 1.0, yd[lo..], n);
                    break;
                }
            }
        }
        foreach (var o in outer)
            for (int j = 0; j < q; j++)
                if (o.Angular[j] != 0.0) Kernels.Axpy(o.Angular[j], o.Spatial.AsSpan(lo, rows), yd.Slice(j * n + lo, rows));
        if (z is { } zm)
        {
            var zd = zm.Span;
            for (int j = 0; j < q; j++) Kernels.Axpby(1.0, zd.Slice(j * n + lo, rows), alpha, yd.Slice(j * n + lo, rows));
        }
        else if (alpha != 1.0)
            for (int j = 0; j < q; j++) Kernels.Scale(alpha, yd.Slice(j * n + lo, rows));
    }

    /// <summary>dst ← rows [lo, lo + count) of column j of D x for a three-point stencil (ghosts on the block's faces)
    /// or a diagonal D.</summary>
    private void Form(GridBlock block, SpatialOperator d, ReadOnlySpan<double> xd, Halo? halo, int n, int j, int lo, int count, Span<double> dst)
    {
        var x = xd.Slice(j * n, n);
        if (d is DiagonalOperator diag)
        {
            Kernels.SetProduct(diag.Weights.AsSpan(lo, count), x.Slice(lo, count), dst);
            return;
        }
        var s = (StencilOperator)d;
        int axis = s.Axis, inner = block.Stride[axis], hi = lo + count;
        double m = s.Minus, c = s.Center, pl = s.Plus;
        // Rows with both neighbours inside the block's storage; the face rows among them are overwritten below.
        int a = Math.Max(lo, inner), e = Math.Min(hi, n - inner);
        if (e > a) Kernels.Set3(m, x.Slice(a - inner, e - a), c, x.Slice(a, e - a), pl, x.Slice(a + inner, e - a), dst.Slice(a - lo, e - a));
        int faceCount = block.FaceCount(2 * axis);
        var gLo = halo!.Ghost[2 * axis].AsSpan(j * faceCount, faceCount);
        var gHi = halo.Ghost[2 * axis + 1].AsSpan(j * faceCount, faceCount);
        bool single = block.Size[axis] == 1;
        var (lower, _) = FaceRows(block, axis, -1);
        var (upper, _) = FaceRows(block, axis, +1);
        for (int f = LowerBound(lower, lo); f < lower.Length && lower[f] < hi; f++)
        {
            int i = lower[f];
            dst[i - lo] = m * gLo[f] + c * x[i] + pl * (single ? gHi[f] : x[i + inner]);
        }
        if (single) return;
        for (int f = LowerBound(upper, lo); f < upper.Length && upper[f] < hi; f++)
        {
            int i = upper[f];
            dst[i - lo] = m * x[i - inner] + c * x[i] + pl * gHi[f];
        }
    }

    /// <summary>The first index of the sorted <paramref name="rows"/> with rows[k] ≥ value.</summary>
    private static int LowerBound(int[] rows, int value)
    {
        int k = Array.BinarySearch(rows, value);
        return k >= 0 ? k : ~k;
    }
}
