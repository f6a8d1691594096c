using SimdVector = System.Numerics.Vector;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace ParallelDlra.LinearAlgebra;

/// <summary>
/// Dense linear algebra in C#: blocked GEMM / Gram loops over spans with
/// <see cref="System.Threading.Tasks.Parallel.For(int, int, ParallelOptions, Action{int})"/>, and MathNet.Numerics'
/// managed QR, SVD and eigen-decompositions. The fallback when no native BLAS/LAPACK loads
/// (about 6× slower than OpenBLAS on a tall-skinny QR).
/// </summary>
public sealed unsafe class ManagedLinearAlgebra : DenseLinearAlgebra
{
    /// <summary>Rows of C per task in the no-transpose GEMM (a block of C and A stays in cache).</summary>
    private const int RowBlock = 1024;

    /// <summary>Rows per partial sum in the transposed GEMM / Gram reduction.</summary>
    private const int ReductionBlock = 8192;

    private int threads = Math.Max(1, Environment.ProcessorCount);

    public override string Name => "managed (C# loops + MathNet.Numerics 5.0.0)";

    protected override int GetThreads() => threads;
    protected override void SetThreads(int value) => threads = value;

    private ParallelOptions Options => new() { MaxDegreeOfParallelism = threads };

    protected override void GemmCore(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc)
    {
        // op(B) as a contiguous k × n column-major matrix when B is transposed (B is the small
        // operand in every DLRA use of transB: r × r or n_moments × r).
        ReadOnlySpan<double> bOp = b;
        int ldbOp = ldb;
        if (transB == Transpose.Yes)
        {
            var t = new double[Math.Max(1, k * n)];
            ldbOp = Math.Max(1, k);
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                    t[p + j * ldbOp] = b[j + p * ldb];
            bOp = t;
        }

        for (int j = 0; j < n; j++)
        {
            var cj = c.Slice(j * ldc, m);
            if (beta == 0) cj.Clear(); // C is not read: NaN in C does not propagate
            else if (beta != 1) for (int i = 0; i < m; i++) cj[i] *= beta;
        }
        if (k == 0 || alpha == 0) return;

        fixed (double* pa = a)
        fixed (double* pb = bOp)
        fixed (double* pc = c)
        {
            if (transA == Transpose.No) GemmNN(m, n, k, alpha, pa, lda, pb, ldbOp, pc, ldc);
            else GemmTN(m, n, k, alpha, pa, lda, pb, ldbOp, pc, ldc);
        }
    }

    /// <summary>C += α A B, A m × k: parallel over blocks of rows of C, axpy on column pieces.</summary>
    private void GemmNN(int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        int blocks = (m + RowBlock - 1) / RowBlock;
        System.Threading.Tasks.Parallel.For(0, blocks, Options, blk =>
        {
            double* A = (double*)pa, B = (double*)pb, C = (double*)pc;
            int i0 = blk * RowBlock, len = Math.Min(RowBlock, m - i0);
            for (int j = 0; j < n; j++)
            {
                var cj = new Span<double>(C + i0 + (long)j * ldc, len);
                for (int p = 0; p < k; p++)
                {
                    double s = alpha * B[p + (long)j * ldb];
                    if (s != 0) Axpy(s, new ReadOnlySpan<double>(A + i0 + (long)p * lda, len), cj);
                }
            }
        });
    }

    /// <summary>C += α Aᵀ B, A k × m with k long: dot products of column pieces, partial sums per
    /// block of rows, added in block order (the result does not depend on the thread schedule).</summary>
    private void GemmTN(int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        nint pa = (nint)a, pb = (nint)b;
        int blocks = (k + ReductionBlock - 1) / ReductionBlock;
        var partial = new double[blocks][];
        System.Threading.Tasks.Parallel.For(0, blocks, Options, blk =>
        {
            double* A = (double*)pa, B = (double*)pb;
            int p0 = blk * ReductionBlock, len = Math.Min(ReductionBlock, k - p0);
            var acc = new double[m * n];
            for (int j = 0; j < n; j++)
            {
                var bj = new ReadOnlySpan<double>(B + p0 + (long)j * ldb, len);
                for (int i = 0; i < m; i++)
                    acc[i + j * m] = Dot(new ReadOnlySpan<double>(A + p0 + (long)i * lda, len), bj);
            }
            partial[blk] = acc;
        });
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                double sum = 0;
                for (int blk = 0; blk < blocks; blk++) sum += partial[blk][i + j * m];
                c[i + (long)j * ldc] += alpha * sum;
            }
    }

    protected override void GramCore(int m, int n, ReadOnlySpan<double> a, int lda, Span<double> g)
    {
        g[..(n * n)].Clear();
        if (m > 0)
            fixed (double* pa = a)
            fixed (double* pg = g)
                GemmTN(n, n, m, 1.0, pa, lda, pa, lda, pg, n);
        // Exactly symmetric, like the native syrk result.
        for (int j = 0; j < n; j++)
            for (int i = j + 1; i < n; i++)
                g[j + i * n] = g[i + j * n];
    }

    protected override void QrCore(int m, int n, Span<double> a, int lda, Span<double> r)
    {
        var matrix = Matrix<double>.Build.Dense(m, n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
                matrix[i, j] = a[i + j * lda];
        var qr = matrix.QR(QRMethod.Thin);
        var q = qr.Q;
        var rr = qr.R;
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++) a[i + j * lda] = q[i, j];
            for (int i = 0; i < n; i++) r[i + j * n] = i <= j ? rr[i, j] : 0.0;
        }
    }

    protected override void SvdCore(int n, ReadOnlySpan<double> a, Span<double> u, Span<double> sigma, Span<double> vt)
    {
        var matrix = Matrix<double>.Build.Dense(n, n, a[..(n * n)].ToArray());
        Svd<double> svd;
        try
        {
            svd = matrix.Svd(computeVectors: true);
        }
        catch (MathNet.Numerics.NonConvergenceException e)
        {
            throw new LinearAlgebraException("Svd", 1, $"Svd: {e.Message}");
        }
        // MathNet returns σ in non-increasing order, like LAPACK.
        var s = svd.S;
        var uu = svd.U;
        var v = svd.VT;
        for (int j = 0; j < n; j++)
        {
            sigma[j] = s[j];
            for (int i = 0; i < n; i++)
            {
                u[i + j * n] = uu[i, j];
                vt[i + j * n] = v[i, j];
            }
        }
    }

    protected override void SymmetricEigenCore(int n, ReadOnlySpan<double> a, Span<double> eigenvalues, Span<double> eigenvectors)
    {
        // Symmetrise from the lower triangle (the contract reads only that one).
        var matrix = Matrix<double>.Build.Dense(n, n);
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++)
                matrix[i, j] = matrix[j, i] = a[i + j * n];
        var evd = matrix.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues;
        var vectors = evd.EigenVectors;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i].Real).ToArray();
        for (int jj = 0; jj < n; jj++)
        {
            int j = order[jj];
            eigenvalues[jj] = values[j].Real;
            for (int i = 0; i < n; i++) eigenvectors[i + jj * n] = vectors[i, j];
        }
    }

    protected override bool TryCholeskyCore(int n, Span<double> a, int lda)
    {
        // Left-looking, column by column (n is small: r or 2r).
        for (int j = 0; j < n; j++)
        {
            double d = a[j + j * lda];
            for (int p = 0; p < j; p++) d -= a[j + p * lda] * a[j + p * lda];
            if (!(d > 0)) return false; // also catches NaN
            double ljj = Math.Sqrt(d);
            a[j + j * lda] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i + j * lda];
                for (int p = 0; p < j; p++) s -= a[i + p * lda] * a[j + p * lda];
                a[i + j * lda] = s / ljj;
            }
        }
        return true;
    }

    private static void Axpy(double s, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0;
        if (SimdVector.IsHardwareAccelerated)
        {
            var vs = new System.Numerics.Vector<double>(s);
            int w = System.Numerics.Vector<double>.Count;
            for (; i <= x.Length - w; i += w)
                (new System.Numerics.Vector<double>(y[i..]) + vs * new System.Numerics.Vector<double>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++) y[i] += s * x[i];
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int i = 0;
        double sum = 0;
        if (SimdVector.IsHardwareAccelerated)
        {
            var acc = System.Numerics.Vector<double>.Zero;
            int w = System.Numerics.Vector<double>.Count;
            for (; i <= x.Length - w; i += w)
                acc += new System.Numerics.Vector<double>(x[i..]) * new System.Numerics.Vector<double>(y[i..]);
            sum = SimdVector.Sum(acc);
        }
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }
}
