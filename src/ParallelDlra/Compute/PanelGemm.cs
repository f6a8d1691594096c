using System.Runtime.Intrinsics;

namespace ParallelDlra.Compute;

/// <summary>C ← A·B for the small products of a row panel (A: m × k, a few hundred rows and at most a few hundred columns;
/// B: k × n; column-major), with 512-bit vectors where the processor has them: tiles of 16 rows × 8 columns of C kept in
/// registers over the whole k (16 accumulators, two loads of A and eight broadcasts of B per step of k), then 16 × 4 and
/// 8-row tiles at the edges, scalar rows last. Each entry of C is the sum over k in increasing order, fused multiply–adds
/// from zero, so the result does not depend on the tiling or the thread.</summary>
internal static unsafe class PanelGemm
{
    /// <summary>Whether <see cref="Multiply"/> runs vectorised here (else the caller uses its BLAS).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    public static void Multiply(int m, int n, int k, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        int i = 0;
        for (; i + 16 <= m; i += 16)
        {
            int j = 0;
            for (; j + 8 <= n; j += 8) Tile16x8(k, a + i, lda, b + (long)j * ldb, ldb, c + i + (long)j * ldc, ldc);
            for (; j + 4 <= n; j += 4) Tile16x4(k, a + i, lda, b + (long)j * ldb, ldb, c + i + (long)j * ldc, ldc);
            for (; j < n; j++) Tile8x1(k, a + i, lda, b + (long)j * ldb, c + i + (long)j * ldc, 2);
        }
        for (; i + 8 <= m; i += 8)
            for (int j = 0; j < n; j++) Tile8x1(k, a + i, lda, b + (long)j * ldb, c + i + (long)j * ldc, 1);
        for (; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0.0;
                double* bj = b + (long)j * ldb;
                for (int l = 0; l < k; l++) sum = Math.FusedMultiplyAdd(a[i + (long)l * lda], bj[l], sum);
                c[i + (long)j * ldc] = sum;
            }
    }

    private static void Tile16x8(int k, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        var z = Vector512<double>.Zero;
        Vector512<double> c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        Vector512<double> c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        double* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb, b4 = b + 4 * ldb, b5 = b + 5 * ldb, b6 = b + 6 * ldb, b7 = b + 7 * ldb;
        for (int l = 0; l < k; l++)
        {
            double* al = a + (long)l * lda;
            var a0 = Vector512.Load(al);
            var a1 = Vector512.Load(al + 8);
            var v = Vector512.Create(b0[l]); c00 = Vector512.FusedMultiplyAdd(a0, v, c00); c01 = Vector512.FusedMultiplyAdd(a1, v, c01);
            v = Vector512.Create(b1[l]); c10 = Vector512.FusedMultiplyAdd(a0, v, c10); c11 = Vector512.FusedMultiplyAdd(a1, v, c11);
            v = Vector512.Create(b2[l]); c20 = Vector512.FusedMultiplyAdd(a0, v, c20); c21 = Vector512.FusedMultiplyAdd(a1, v, c21);
            v = Vector512.Create(b3[l]); c30 = Vector512.FusedMultiplyAdd(a0, v, c30); c31 = Vector512.FusedMultiplyAdd(a1, v, c31);
            v = Vector512.Create(b4[l]); c40 = Vector512.FusedMultiplyAdd(a0, v, c40); c41 = Vector512.FusedMultiplyAdd(a1, v, c41);
            v = Vector512.Create(b5[l]); c50 = Vector512.FusedMultiplyAdd(a0, v, c50); c51 = Vector512.FusedMultiplyAdd(a1, v, c51);
            v = Vector512.Create(b6[l]); c60 = Vector512.FusedMultiplyAdd(a0, v, c60); c61 = Vector512.FusedMultiplyAdd(a1, v, c61);
            v = Vector512.Create(b7[l]); c70 = Vector512.FusedMultiplyAdd(a0, v, c70); c71 = Vector512.FusedMultiplyAdd(a1, v, c71);
        }
        Vector512.Store(c00, c); Vector512.Store(c01, c + 8); c += ldc;
        Vector512.Store(c10, c); Vector512.Store(c11, c + 8); c += ldc;
        Vector512.Store(c20, c); Vector512.Store(c21, c + 8); c += ldc;
        Vector512.Store(c30, c); Vector512.Store(c31, c + 8); c += ldc;
        Vector512.Store(c40, c); Vector512.Store(c41, c + 8); c += ldc;
        Vector512.Store(c50, c); Vector512.Store(c51, c + 8); c += ldc;
        Vector512.Store(c60, c); Vector512.Store(c61, c + 8); c += ldc;
        Vector512.Store(c70, c); Vector512.Store(c71, c + 8);
    }

    private static void Tile16x4(int k, double* a, int lda, double* b, int ldb, double* c, int ldc)
    {
        var z = Vector512<double>.Zero;
        Vector512<double> c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        double* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        for (int l = 0; l < k; l++)
        {
            double* al = a + (long)l * lda;
            var a0 = Vector512.Load(al);
            var a1 = Vector512.Load(al + 8);
            var v = Vector512.Create(b0[l]); c00 = Vector512.FusedMultiplyAdd(a0, v, c00); c01 = Vector512.FusedMultiplyAdd(a1, v, c01);
            v = Vector512.Create(b1[l]); c10 = Vector512.FusedMultiplyAdd(a0, v, c10); c11 = Vector512.FusedMultiplyAdd(a1, v, c11);
            v = Vector512.Create(b2[l]); c20 = Vector512.FusedMultiplyAdd(a0, v, c20); c21 = Vector512.FusedMultiplyAdd(a1, v, c21);
            v = Vector512.Create(b3[l]); c30 = Vector512.FusedMultiplyAdd(a0, v, c30); c31 = Vector512.FusedMultiplyAdd(a1, v, c31);
        }
        Vector512.Store(c00, c); Vector512.Store(c01, c + 8); c += ldc;
        Vector512.Store(c10, c); Vector512.Store(c11, c + 8); c += ldc;
        Vector512.Store(c20, c); Vector512.Store(c21, c + 8); c += ldc;
        Vector512.Store(c30, c); Vector512.Store(c31, c + 8);
    }

    /// <summary>One column of C over 8·vectors rows (vectors 1 or 2).</summary>
    private static void Tile8x1(int k, double* a, int lda, double* b, double* c, int vectors)
    {
        var c0 = Vector512<double>.Zero;
        var c1 = Vector512<double>.Zero;
        for (int l = 0; l < k; l++)
        {
            double* al = a + (long)l * lda;
            var v = Vector512.Create(b[l]);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Load(al), v, c0);
            if (vectors > 1) c1 = Vector512.FusedMultiplyAdd(Vector512.Load(al + 8), v, c1);
        }
        Vector512.Store(c0, c);
        if (vectors > 1) Vector512.Store(c1, c + 8);
    }
}
