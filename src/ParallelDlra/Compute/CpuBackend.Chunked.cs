using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The tall-skinny products of the CPU backend threaded over fixed row chunks (issue #19): each chunk one
/// single-threaded GEMM on rows that stay in cache, the chunks on all cores, reductions summed chunk by chunk in chunk
/// order. The chunks, not the threads, fix every sum, so results are bit-for-bit the same whatever the thread count
/// and from run to run. (Two BLAS threads on one r × r × 2048 product were slower under load than one.)</summary>
public sealed partial class CpuBackend
{
    /// <summary>Runs <paramref name="body"/>(chunk, first row, rows) over the fixed chunks of <paramref name="chunkRows"/>
    /// rows on all cores, with the linear algebra single-threaded meanwhile.</summary>
    private void ForFixedChunks(int n, int chunkRows, Action<int, int, int> body)
    {
        int chunks = (n + chunkRows - 1) / chunkRows;
        if (chunks <= 1)
        {
            if (n > 0) body(0, 0, n);
            return;
        }
        int threads = _la.Threads;
        if (threads != 1) _la.Threads = 1;
        try
        {
            System.Threading.Tasks.Parallel.For(0, chunks, ch =>
            {
                int lo = ch * chunkRows;
                body(ch, lo, Math.Min(chunkRows, n - lo));
            });
        }
        finally
        {
            if (threads != 1) _la.Threads = threads;
        }
    }

    /// <summary>Σ of the per-chunk partial sums in chunk order (the fixed reduction order).</summary>
    private static double[] SumInOrder(double[][] partial, int length)
    {
        var sum = new double[length];
        foreach (var part in partial)
            if (part is not null) Kernels.Axpy(1.0, part, sum);
        return sum;
    }

    /// <summary>xᵀy over fixed chunks of <see cref="GramChunk"/> rows in parallel, one single-threaded GEMM per chunk.</summary>
    private double[] ChunkedGram(ReadOnlyMemory<double> x, ReadOnlyMemory<double> y, int n, int p, int q)
    {
        int chunks = (n + GramChunk - 1) / GramChunk;
        var partial = new double[chunks][];
        ForFixedChunks(n, GramChunk, (ch, lo, m) =>
        {
            var g = new double[p * q];
            _la.Gemm(Transpose.Yes, Transpose.No, p, q, m, 1.0, x.Span[lo..], n, y.Span[lo..], n, 0.0, g, p);
            partial[ch] = g;
        });
        return SumInOrder(partial, p * q);
    }

    public Matrix<double> MultiplyInPlaceGram(Block x, Matrix<double> b)
    {
        int n = x.Rows, p = x.Columns;
        if (b.RowCount != p || b.ColumnCount != p) throw new ArgumentException($"{b.RowCount}x{b.ColumnCount} is not {p}x{p}");
        var xm = H(x).Memory;
        var bd = b.AsColumnMajorArray() ?? b.ToColumnMajorArray();
        int chunks = (n + GramChunk - 1) / GramChunk;
        var partial = new double[chunks][];
        ForFixedChunks(n, GramChunk, (ch, lo, m) =>
        {
            var buffer = new double[m * p];
            var xs = xm.Span;
            _la.Gemm(Transpose.No, Transpose.No, m, p, p, 1.0, xs[lo..], n, bd, p, 0.0, buffer, m);
            for (int j = 0; j < p; j++) buffer.AsSpan(j * m, m).CopyTo(xs.Slice(j * n + lo, m));
            var g = new double[p * p];
            _la.Gemm(Transpose.Yes, Transpose.No, p, p, m, 1.0, buffer, m, buffer, m, 0.0, g, p);   // the rows still in cache
            partial[ch] = g;
        });
        return Matrix<double>.Build.Dense(p, p, SumInOrder(partial, p * p));
    }

    /// <summary>One pass over the rows for all products: per fixed chunk of <see cref="GramChunk"/> rows and per product
    /// (X, axis, direction) one GEMM of the chunk's rows of xs[X] with the rows of y the shift pairs them with (an offset
    /// view, as <see cref="ShiftGram"/>), and the face rows of the chunk corrected with y's ghosts; the chunks on all cores,
    /// summed in chunk order. The chunk's rows of every block are read once, from memory, for all products.</summary>
    public Matrix<double>[] ShiftGrams(GridBlock block, IReadOnlyList<Block> xs, Block y, Halo haloY, IReadOnlyList<(int X, int Axis, int Direction)> products)
    {
        int n = y.Rows, q = y.Columns, count = products.Count;
        foreach (var x in xs)
            if (x.Rows != n) throw new ArgumentException("row counts differ");
        var xm = xs.Select(x => H(x).Memory).ToArray();
        var ym = H(y).Memory;
        var width = xs.Select(x => x.Columns).ToArray();
        // Geometry per product (cached before the threads read it): face rows (ascending) and the rows they pair with.
        var faces = new (int[] Rows, int[] Paired, double[] Ghost, int Inner)[count];
        for (int k = 0; k < count; k++)
        {
            var (axis, direction) = (products[k].Axis, products[k].Direction);
            var (rows, paired) = FaceRows(block, axis, direction);
            faces[k] = (rows, paired, haloY.Ghost[2 * axis + (direction < 0 ? 0 : 1)], block.Stride[axis]);
        }
        int chunks = (n + GramChunk - 1) / GramChunk;
        var partial = new double[chunks][][];
        ForFixedChunks(n, GramChunk, (ch, lo, m) =>
        {
            int hi = lo + m;
            var sums = new double[count][];
            var xSpans = xm;
            for (int k = 0; k < count; k++)
            {
                var (xi, _, direction) = products[k];
                int p = width[xi], inner = faces[k].Inner;
                var g = new double[p * q];
                var xd = xSpans[xi].Span; var yd = ym.Span;
                // Rows i of the chunk whose partner i ± inner lies in the block: one GEMM on offset views.
                int from = direction < 0 ? Math.Max(lo, inner) : lo, to = direction < 0 ? hi : Math.Min(hi, n - inner);
                if (to > from && p > 0 && q > 0)
                    _la.Gemm(Transpose.Yes, Transpose.No, p, q, to - from, 1.0, xd[from..], n, yd[(from + direction * inner)..], n, 0.0, g, p);
                // Face rows of the chunk: + x_fᵀ(ghost_f − the row the view paired f with).
                var (rows, paired, ghost, _) = faces[k];
                int faceCount = rows.Length;
                int f0 = LowerBound(rows, lo), f1 = LowerBound(rows, hi);
                for (int f = f0; f < f1; f++)
                {
                    int row = rows[f], other = paired[f];
                    for (int j = 0; j < q; j++)
                    {
                        double c = ghost[j * faceCount + f] - (other >= 0 ? yd[j * n + other] : 0.0);
                        if (c == 0.0) continue;
                        for (int a = 0; a < p; a++) g[a + p * j] += xd[a * n + row] * c;
                    }
                }
                sums[k] = g;
            }
            partial[ch] = sums;
        });
        var result = new Matrix<double>[count];
        for (int k = 0; k < count; k++)
        {
            int p = width[products[k].X];
            var total = new double[p * q];
            foreach (var part in partial) Kernels.Axpy(1.0, part[k], total);
            result[k] = Matrix<double>.Build.Dense(p, q, total);
        }
        return result;
    }
}
