namespace ParallelDlra.LinearAlgebra;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum Transpose { No, Yes }

/// <summary>
/// The seam for dense linear algebra on the host: tall-skinny work (n_cells × r GEMMs, Gram
/// matrices, Householder QR) and small r × r work (SVD, symmetric eigenproblems, Cholesky).
/// All matrices are column-major with a leading dimension (element (i, j) of A is
/// <c>a[i + j*lda]</c>). Implementations: <see cref="NativeLinearAlgebra"/> (MKL or
/// OpenBLAS + LAPACKE) and <see cref="ManagedLinearAlgebra"/> (C# + MathNet.Numerics); pick one
/// with <see cref="LinearAlgebraProvider"/>.
/// </summary>
public interface IDenseLinearAlgebra
{
    /// <summary>What computes, e.g. "OpenBLAS 0.3.21 Haswell kernels + LAPACKE (libopenblas.so.0, liblapacke.so.3)".</summary>
    string Name { get; }

    /// <summary>Threads one call may use (BLAS threads for the native provider, the degree of
    /// parallelism of the managed loops). At least 1.</summary>
    int Threads { get; set; }

    /// <summary>C ← α op(A) op(B) + β C with op(A) m × k, op(B) k × n, C m × n. With β = 0, C is
    /// not read (NaN in C does not propagate).</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc);

    /// <summary>Gram matrix G = AᵀA (n × n, both triangles filled, leading dimension n) of the
    /// m × n matrix A.</summary>
    void Gram(int m, int n, ReadOnlySpan<double> a, int lda, Span<double> g);

    /// <summary>Thin Householder QR of the m × n matrix A, m ≥ n: on return A holds Q (m × n,
    /// orthonormal columns) and <paramref name="r"/> the n × n upper triangular R (leading
    /// dimension n, zeros below the diagonal) with A = Q R. The diagonal of R is made
    /// non-negative, so the factorisation of a full-rank A does not depend on the provider.</summary>
    void Qr(int m, int n, Span<double> a, int lda, Span<double> r);

    /// <summary>SVD A = U diag(σ) Vᵀ of the n × n matrix A (leading dimension n, not modified);
    /// U and Vᵀ are n × n (leading dimension n), σ is non-increasing and non-negative.</summary>
    void Svd(int n, ReadOnlySpan<double> a, Span<double> u, Span<double> sigma, Span<double> vt);

    /// <summary>A = Z diag(λ) Zᵀ of the symmetric n × n matrix A (leading dimension n, only its
    /// lower triangle is read, not modified); λ in ascending order, Z orthogonal, n × n.</summary>
    void SymmetricEigen(int n, ReadOnlySpan<double> a, Span<double> eigenvalues, Span<double> eigenvectors);

    /// <summary>Cholesky factor A = L Lᵀ of the symmetric n × n matrix A, in place: on success the
    /// lower triangle holds L and the strict upper triangle is zeroed. Returns false (A partly
    /// overwritten) when A is not numerically positive definite — the guard CholeskyQR needs.</summary>
    bool TryCholesky(int n, Span<double> a, int lda);
}

/// <summary>Conveniences over <see cref="IDenseLinearAlgebra"/>.</summary>
public static class DenseLinearAlgebraExtensions
{
    /// <summary><see cref="IDenseLinearAlgebra.TryCholesky"/> that throws
    /// <see cref="LinearAlgebraException"/> when A is not positive definite.</summary>
    public static void Cholesky(this IDenseLinearAlgebra la, int n, Span<double> a, int lda)
    {
        if (!la.TryCholesky(n, a, lda))
            throw new LinearAlgebraException("Cholesky", 1, "Cholesky: the matrix is not positive definite");
    }
}
