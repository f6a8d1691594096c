using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.LinearAlgebra;

/// <summary>The small, replicated pieces of CholeskyQR (Fukaya et al. 2020) shared by the distributed
/// <see cref="Parallel.TallSkinnyQr"/> and the GPU backend's local QR: the Cholesky factor of a Gram matrix
/// and the conditioning test that decides whether a last pass can restore orthogonality.</summary>
public static class CholeskyQrSteps
{
    /// <summary>κ(G) above which the block entering the last CholeskyQR pass is not trusted (κ(Q₁) ≤ 10).</summary>
    public const double LastPassConditionLimit = 100.0;

    /// <summary>Upper triangular R with G = RᵀR and a positive diagonal, or false when G is not numerically
    /// positive definite (or not finite).</summary>
    public static bool TryUpperCholesky(IDenseLinearAlgebra la, Matrix<double> g, out Matrix<double> r)
    {
        int n = g.RowCount;
        r = null!;
        var l = g.ToColumnMajorArray();
        foreach (double v in l)
            if (!double.IsFinite(v)) return false;
        if (!la.TryCholesky(n, l, n)) return false;
        var upper = Matrix<double>.Build.Dense(n, n);
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++)
            {
                double v = l[i + n * j];
                if (!double.IsFinite(v) || (i == j && !(v > 0))) return false;
                upper[j, i] = v;
            }
        r = upper;
        return true;
    }

    /// <summary>Whether the symmetric G has finite eigenvalues with 0 &lt; λ_max ≤ <see cref="LastPassConditionLimit"/>·λ_min.</summary>
    public static bool WellConditioned(IDenseLinearAlgebra la, Matrix<double> g) => Condition(la, g) <= LastPassConditionLimit;

    /// <summary>κ₂(G) = λ_max/λ_min of the symmetric G from its eigenvalues; +∞ when G has a non-finite entry or
    /// λ_min ≤ 0 (not numerically positive definite).</summary>
    public static double Condition(IDenseLinearAlgebra la, Matrix<double> g)
    {
        int n = g.RowCount;
        if (n == 0) return 1.0;
        var data = g.ToColumnMajorArray();
        foreach (double v in data)
            if (!double.IsFinite(v)) return double.PositiveInfinity;
        var values = new double[n];
        var vectors = new double[n * n];
        la.SymmetricEigen(n, data, values, vectors);
        double smallest = values.Min(), largest = values.Max();
        return smallest > 0 && double.IsFinite(largest) ? largest / smallest : double.PositiveInfinity;
    }

    /// <summary>R⁻¹ of an upper triangular R by back substitution on the identity (small, host).</summary>
    public static Matrix<double> UpperInverse(Matrix<double> r)
    {
        int n = r.RowCount;
        var inv = Matrix<double>.Build.Dense(n, n);
        for (int j = 0; j < n; j++)
        {
            // Column j of R⁻¹: R z = e_j, z_i = 0 for i > j.
            inv[j, j] = 1.0 / r[j, j];
            for (int i = j - 1; i >= 0; i--)
            {
                double s = 0;
                for (int k = i + 1; k <= j; k++) s += r[i, k] * inv[k, j];
                inv[i, j] = -s / r[i, i];
            }
        }
        return inv;
    }
}
