namespace ParallelDlra.LinearAlgebra;

/// <summary>Validates the arguments of every <see cref="IDenseLinearAlgebra"/> call, then calls the
/// provider's core implementation, which may assume them valid.</summary>
public abstract class DenseLinearAlgebra : IDenseLinearAlgebra
{
    public abstract string Name { get; }

    public int Threads
    {
        get => GetThreads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            SetThreads(value);
        }
    }

    public override string ToString() => Name;

    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var (ar, ac) = transA == Transpose.No ? (m, k) : (k, m);
        var (br, bc) = transB == Transpose.No ? (k, n) : (n, k);
        CheckMatrix(a.Length, ar, ac, lda, nameof(a));
        CheckMatrix(b.Length, br, bc, ldb, nameof(b));
        CheckMatrix(c.Length, m, n, ldc, nameof(c));
        if (m == 0 || n == 0) return;
        GemmCore(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    public void Gram(int m, int n, ReadOnlySpan<double> a, int lda, Span<double> g)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckMatrix(a.Length, m, n, lda, nameof(a));
        CheckMatrix(g.Length, n, n, Math.Max(1, n), nameof(g));
        if (n == 0) return;
        GramCore(m, n, a, lda, g);
    }

    public void Qr(int m, int n, Span<double> a, int lda, Span<double> r)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (m < n) throw new ArgumentException($"Qr needs m ≥ n (tall-skinny), got m = {m}, n = {n}", nameof(m));
        CheckMatrix(a.Length, m, n, lda, nameof(a));
        CheckMatrix(r.Length, n, n, Math.Max(1, n), nameof(r));
        if (n == 0) return;
        QrCore(m, n, a, lda, r);
        // Unique factor: diag(R) ≥ 0 (flip the sign of row j of R and column j of Q together).
        for (int j = 0; j < n; j++)
        {
            if (r[j + j * n] >= 0) continue;
            for (int jj = j; jj < n; jj++) r[j + jj * n] = -r[j + jj * n];
            var q = a.Slice(j * lda, m);
            for (int i = 0; i < m; i++) q[i] = -q[i];
        }
    }

    public void Svd(int n, ReadOnlySpan<double> a, Span<double> u, Span<double> sigma, Span<double> vt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckMatrix(a.Length, n, n, Math.Max(1, n), nameof(a));
        CheckMatrix(u.Length, n, n, Math.Max(1, n), nameof(u));
        CheckMatrix(vt.Length, n, n, Math.Max(1, n), nameof(vt));
        CheckVector(sigma.Length, n, nameof(sigma));
        if (n == 0) return;
        SvdCore(n, a, u, sigma, vt);
    }

    public void SymmetricEigen(int n, ReadOnlySpan<double> a, Span<double> eigenvalues, Span<double> eigenvectors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckMatrix(a.Length, n, n, Math.Max(1, n), nameof(a));
        CheckMatrix(eigenvectors.Length, n, n, Math.Max(1, n), nameof(eigenvectors));
        CheckVector(eigenvalues.Length, n, nameof(eigenvalues));
        if (n == 0) return;
        SymmetricEigenCore(n, a, eigenvalues, eigenvectors);
    }

    public bool TryCholesky(int n, Span<double> a, int lda)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckMatrix(a.Length, n, n, lda, nameof(a));
        if (n == 0) return true;
        if (!TryCholeskyCore(n, a, lda)) return false;
        for (int j = 1; j < n; j++)
            a.Slice(j * lda, j).Clear();
        return true;
    }

    protected abstract int GetThreads();
    protected abstract void SetThreads(int threads);

    protected abstract void GemmCore(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc);

    protected abstract void GramCore(int m, int n, ReadOnlySpan<double> a, int lda, Span<double> g);

    /// <summary>Thin QR; the caller fixes the signs of diag(R) afterwards.</summary>
    protected abstract void QrCore(int m, int n, Span<double> a, int lda, Span<double> r);

    protected abstract void SvdCore(int n, ReadOnlySpan<double> a, Span<double> u, Span<double> sigma, Span<double> vt);

    protected abstract void SymmetricEigenCore(int n, ReadOnlySpan<double> a, Span<double> eigenvalues, Span<double> eigenvectors);

    /// <summary>Lower-triangular Cholesky in place; the caller zeroes the strict upper triangle.</summary>
    protected abstract bool TryCholeskyCore(int n, Span<double> a, int lda);

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(1, rows))
            throw new ArgumentOutOfRangeException(name, $"leading dimension {ld} < max(1, rows = {rows})");
        long needed = cols == 0 || rows == 0 ? 0 : (long)ld * (cols - 1) + rows;
        if (length < needed)
            throw new ArgumentException($"{name}: {rows} × {cols} with leading dimension {ld} needs {needed} elements, got {length}", name);
    }

    private static void CheckVector(int length, int n, string name)
    {
        if (length < n) throw new ArgumentException($"{name}: needs {n} elements, got {length}", name);
    }
}
