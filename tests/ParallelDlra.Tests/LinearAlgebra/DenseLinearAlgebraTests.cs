using ParallelDlra.LinearAlgebra;
using Xunit;

namespace ParallelDlra.Tests.LinearAlgebra;

/// <summary>The contract of <see cref="IDenseLinearAlgebra"/>, written once and run for every
/// provider. A provider whose library is absent skips at run time with the reason.</summary>
public abstract class DenseLinearAlgebraTests
{
    /// <summary>The provider under test, or null with the reason it is not available here.</summary>
    protected abstract IDenseLinearAlgebra? Create(out string reason);

    private IDenseLinearAlgebra Provider()
    {
        var la = Create(out var reason);
        Skip.If(la is null, reason);
        return la!;
    }

    private static double[] Random(int rows, int cols, int seed, int ld = 0)
    {
        var rng = new Random(seed);
        var a = new double[Math.Max(ld, rows) * cols];
        for (int i = 0; i < a.Length; i++) a[i] = 2 * rng.NextDouble() - 1;
        return a;
    }

    /// <summary>op(A) op(B) by the definition, A/B column-major.</summary>
    private static double[] NaiveGemm(Transpose ta, Transpose tb, int m, int n, int k,
        double alpha, double[] a, int lda, double[] b, int ldb, double beta, double[] c, int ldc)
    {
        var r = (double[])c.Clone();
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double aip = ta == Transpose.No ? a[i + p * lda] : a[p + i * lda];
                    double bpj = tb == Transpose.No ? b[p + j * ldb] : b[j + p * ldb];
                    s += aip * bpj;
                }
                r[i + j * ldc] = alpha * s + beta * c[i + j * ldc];
            }
        return r;
    }

    [SkippableTheory]
    [InlineData(Transpose.No, Transpose.No)]
    [InlineData(Transpose.No, Transpose.Yes)]
    [InlineData(Transpose.Yes, Transpose.No)]
    [InlineData(Transpose.Yes, Transpose.Yes)]
    public void Gemm_matches_the_definition_for_every_transpose_combination(Transpose ta, Transpose tb)
    {
        var la = Provider();
        // Sizes that cross the managed blocking (1024 rows, 8192-row reductions), padded leading dimensions.
        foreach (var (m, n, k) in new[] { (37, 5, 11), (2100, 7, 9), (6, 5, 9000), (1, 1, 1) })
        {
            int lda = (ta == Transpose.No ? m : k) + 3, ldb = (tb == Transpose.No ? k : n) + 2, ldc = m + 1;
            var a = Random(lda, ta == Transpose.No ? k : m, 1);
            var b = Random(ldb, tb == Transpose.No ? n : k, 2);
            var c = Random(ldc, n, 3);
            var expected = NaiveGemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, ldc);
            la.Gemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, ldc);
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++)
                    // rounding: k-term sums of products in [−1, 1]: random-walk error √k·ε per unit term (≈ 1e-14·√k); bound 1e-11·√k.
                    Assert.Equal(expected[i + j * ldc], c[i + j * ldc], 1e-11 * Math.Sqrt(k));
            // Padding rows of C are untouched.
            for (int j = 0; j < n; j++)
                Assert.Equal(expected[m + j * ldc], c[m + j * ldc]);
        }
    }

    [SkippableFact]
    public void Gemm_with_beta_zero_does_not_read_C()
    {
        var la = Provider();
        var a = Random(4, 3, 4);
        var b = Random(3, 2, 5);
        var c = Enumerable.Repeat(double.NaN, 8).ToArray();
        la.Gemm(Transpose.No, Transpose.No, 4, 2, 3, 1.0, a, 4, b, 3, 0.0, c, 4);
        Assert.All(c, x => Assert.False(double.IsNaN(x)));
    }

    [SkippableFact]
    public void Gram_is_AtA_and_exactly_symmetric()
    {
        var la = Provider();
        const int m = 3000, n = 6;
        var a = Random(m, n, 6);
        var g = new double[n * n];
        la.Gram(m, n, a, m, g);
        var expected = NaiveGemm(Transpose.Yes, Transpose.No, n, n, m, 1, a, m, a, m, 0, new double[n * n], n);
        for (int t = 0; t < n * n; t++) Assert.Equal(expected[t], g[t], 1e-10); // rounding: 3000-term sums of size ≤ 1000: √3000·ε·1000 ≈ 6e-12
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                Assert.Equal(g[i + j * n], g[j + i * n]);
    }

    [SkippableFact]
    public void Qr_of_a_tall_skinny_matrix_is_orthonormal_and_reproduces_A()
    {
        var la = Provider();
        const int m = 2000, n = 30;
        var a = Random(m, n, 7);
        var q = (double[])a.Clone();
        var r = new double[n * n];
        la.Qr(m, n, q, m, r);

        var qtq = NaiveGemm(Transpose.Yes, Transpose.No, n, n, m, 1, q, m, q, m, 0, new double[n * n], n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                Assert.Equal(i == j ? 1.0 : 0.0, qtq[i + j * n], 1e-13); // rounding: ‖QᵀQ − I‖ = O(ε·n) for Householder QR / SVD / eigenvectors; m-term dot products

        var qr = NaiveGemm(Transpose.No, Transpose.No, m, n, n, 1, q, m, r, n, 0, new double[m * n], m);
        for (int t = 0; t < m * n; t++) Assert.Equal(a[t], qr[t], 1e-13); // rounding: backward stable, ‖A − QR‖ = O(ε·n·‖A‖) with entries ≤ 1

        for (int j = 0; j < n; j++)
        {
            Assert.True(r[j + j * n] >= 0, "diag(R) is non-negative");
            for (int i = j + 1; i < n; i++) Assert.Equal(0.0, r[i + j * n]);
        }
    }

    [SkippableFact]
    public void Qr_respects_the_leading_dimension()
    {
        var la = Provider();
        const int m = 50, n = 4, lda = 53;
        var a = Random(lda, n, 8);
        var q = (double[])a.Clone();
        var r = new double[n * n];
        la.Qr(m, n, q, lda, r);
        var qr = NaiveGemm(Transpose.No, Transpose.No, m, n, n, 1, q, lda, r, n, 0, new double[m * n], m);
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++) Assert.Equal(a[i + j * lda], qr[i + j * m], 1e-13); // rounding: as above
            for (int i = m; i < lda; i++) Assert.Equal(a[i + j * lda], q[i + j * lda]); // padding untouched
        }
    }

    [SkippableFact]
    public void Svd_reproduces_A_with_ordered_singular_values_and_orthogonal_factors()
    {
        var la = Provider();
        const int n = 12;
        var a = Random(n, n, 9);
        var u = new double[n * n];
        var s = new double[n];
        var vt = new double[n * n];
        la.Svd(n, a, u, s, vt);

        for (int i = 1; i < n; i++) Assert.True(s[i - 1] >= s[i], $"σ non-increasing at {i}");
        Assert.True(s[n - 1] >= 0);

        var us = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                us[i + j * n] = u[i + j * n] * s[j];
        var usvt = NaiveGemm(Transpose.No, Transpose.No, n, n, n, 1, us, n, vt, n, 0, new double[n * n], n);
        for (int t = 0; t < n * n; t++) Assert.Equal(a[t], usvt[t], 1e-13); // rounding: backward stable SVD of a 12×12 matrix of entries ≤ 1

        AssertOrthogonal(u, n);
        var v = NaiveGemm(Transpose.Yes, Transpose.No, n, n, n, 1, vt, n, Identity(n), n, 0, new double[n * n], n);
        AssertOrthogonal(v, n);
    }

    [SkippableFact]
    public void Svd_of_a_rank_deficient_matrix_has_zero_tail()
    {
        var la = Provider();
        const int n = 8;
        var x = Random(n, 3, 10);
        var y = Random(n, 3, 11);
        var a = NaiveGemm(Transpose.No, Transpose.Yes, n, n, 3, 1, x, n, y, n, 0, new double[n * n], n);
        var s = new double[n];
        la.Svd(n, a, new double[n * n], s, new double[n * n]);
        Assert.True(s[2] > 1e-3); // theory: generic 3-term outer products have rank 3 (a precondition)
        for (int i = 3; i < n; i++) Assert.True(s[i] < 1e-13 * s[0], $"σ[{i}] = {s[i]}"); // theory: rank 3, so σ_4… are 0 up to the SVD's backward error ~n·ε·σ_1
    }

    [SkippableFact]
    public void SymmetricEigen_diagonalises_with_ascending_eigenvalues()
    {
        var la = Provider();
        const int n = 10;
        var b = Random(n, n, 12);
        var a = NaiveGemm(Transpose.No, Transpose.Yes, n, n, n, 1, b, n, b, n, 0, new double[n * n], n);
        for (int i = 0; i < n; i++) a[i + i * n] -= 2; // some negative eigenvalues
        var w = new double[n];
        var z = new double[n * n];
        la.SymmetricEigen(n, a, w, z);

        for (int i = 1; i < n; i++) Assert.True(w[i - 1] <= w[i]);
        AssertOrthogonal(z, n);
        var az = NaiveGemm(Transpose.No, Transpose.No, n, n, n, 1, a, n, z, n, 0, new double[n * n], n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                Assert.Equal(w[j] * z[i + j * n], az[i + j * n], 1e-12); // rounding: backward stable eigensolver, ‖AZ − ZΛ‖ = O(n·ε·‖A‖), ‖A‖ ≲ 10
    }

    [SkippableFact]
    public void SymmetricEigen_of_the_slab_P1_flux_matrix_is_plus_minus_one_over_sqrt3()
    {
        var la = Provider();
        double off = 1 / Math.Sqrt(3); // A[0,1] = 1/√3 for normalized Legendre (conventions.md)
        var a = new[] { 0, off, off, 0 };
        var w = new double[2];
        la.SymmetricEigen(2, a, w, new double[4]);
        Assert.Equal(-off, w[0], 1e-15); // theory: eigenvalues ±1/√3 (the P_1 flux matrix); a few ε
        Assert.Equal(off, w[1], 1e-15);
    }

    [SkippableFact]
    public void Cholesky_factor_reproduces_an_spd_matrix()
    {
        var la = Provider();
        const int n = 9, lda = 11;
        var b = Random(n, n, 13);
        var spd = NaiveGemm(Transpose.No, Transpose.Yes, n, n, n, 1, b, n, b, n, 0, new double[n * n], n);
        for (int i = 0; i < n; i++) spd[i + i * n] += n;
        var l = new double[lda * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                l[i + j * lda] = spd[i + j * n];
        la.Cholesky(n, l, lda);

        for (int j = 0; j < n; j++)
            for (int i = 0; i < j; i++)
                Assert.Equal(0.0, l[i + j * lda]);
        var llt = NaiveGemm(Transpose.No, Transpose.Yes, n, n, n, 1, l, lda, l, lda, 0, new double[n * n], n);
        for (int t = 0; t < n * n; t++) Assert.Equal(spd[t], llt[t], 1e-12); // rounding: Cholesky is backward stable, ‖A − LLᵀ‖ = O(n·ε·‖A‖), ‖A‖ ≲ 10
    }

    [SkippableFact]
    public void Cholesky_reports_an_indefinite_matrix()
    {
        var la = Provider();
        var a = new double[] { 1, 2, 2, 1 }; // eigenvalues 3, -1
        Assert.False(la.TryCholesky(2, a, 2));
        Assert.Throws<LinearAlgebraException>(() => la.Cholesky(2, new double[] { 1, 2, 2, 1 }, 2));
    }

    [SkippableFact]
    public void Bad_arguments_are_rejected_before_any_work()
    {
        var la = Provider();
        var a = new double[10];
        Assert.Throws<ArgumentOutOfRangeException>(() => la.Gemm(Transpose.No, Transpose.No, 4, 2, 3, 1, a, 3, a, 3, 0, a, 4));
        Assert.Throws<ArgumentException>(() => la.Gemm(Transpose.No, Transpose.No, 4, 4, 3, 1, a, 4, a, 3, 0, a, 4));
        Assert.Throws<ArgumentException>(() => la.Qr(2, 3, a, 2, new double[9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => la.Threads = 0);
    }

    [SkippableFact]
    public void Name_and_threads_are_reported()
    {
        var la = Provider();
        Assert.False(string.IsNullOrWhiteSpace(la.Name));
        la.Threads = 1;
        Assert.Equal(1, la.Threads);
    }

    private static double[] Identity(int n)
    {
        var id = new double[n * n];
        for (int i = 0; i < n; i++) id[i + i * n] = 1;
        return id;
    }

    private static void AssertOrthogonal(double[] q, int n)
    {
        var qtq = NaiveGemm(Transpose.Yes, Transpose.No, n, n, n, 1, q, n, q, n, 0, new double[n * n], n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                Assert.Equal(i == j ? 1.0 : 0.0, qtq[i + j * n], 1e-13); // rounding: ‖QᵀQ − I‖ = O(ε·n) for Householder QR / SVD / eigenvectors; m-term dot products
    }
}

public sealed class NativeLinearAlgebraTests : DenseLinearAlgebraTests
{
    protected override IDenseLinearAlgebra? Create(out string reason)
    {
        NativeLinearAlgebra.TryCreate(out var la, out reason);
        return la;
    }

    [SkippableFact]
    public void Name_says_which_libraries_were_loaded()
    {
        var la = Create(out var reason);
        Skip.If(la is null, reason);
        Assert.Matches(@"(OpenBLAS \S+ \S+ kernels( \(.+\))? \+ LAPACKE \(.+\.so.*, .+\.so.*\)|MKL|Math Kernel Library)", la!.Name);
    }
}

public sealed class ManagedLinearAlgebraTests : DenseLinearAlgebraTests
{
    protected override IDenseLinearAlgebra? Create(out string reason)
    {
        reason = "";
        return new ManagedLinearAlgebra();
    }
}
