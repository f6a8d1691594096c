using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LinearAlgebra;

namespace ParallelDlra.LowRank;

/// <summary>
/// Thin SVD of a small replicated matrix (r × r, n_moments × r): A = U diag(S) Vᵀ with U: m × k, Vᵀ: k × n,
/// k = min(m, n), S non-increasing. A tall A is first reduced by a thin Householder QR (U = Q·U_R, so no m × m
/// factor is formed), a wide one through Aᵀ; the square triangle goes to the LAPACK SVD of
/// <see cref="LinearAlgebraProvider.Default"/> (the same on every rank). It works on the matrix scaled to a
/// largest entry of 1 and scales the singular values back: an unscaled SVD iteration can fail to converge on
/// tiny or subnormal entries (a state that decayed towards zero), and the scaling is exact in the singular
/// vectors. A zero A gives S = 0 and coordinate vectors; a non-finite entry is an error.
/// </summary>
public static class SmallSvd
{
    public static (Matrix<double> U, double[] S, Matrix<double> VT) Of(Matrix<double> a) => Of(a, LinearAlgebraProvider.Default);

    public static (Matrix<double> U, double[] S, Matrix<double> VT) Of(Matrix<double> a, IDenseLinearAlgebra la)
    {
        int m = a.RowCount, n = a.ColumnCount, k = Math.Min(m, n);
        double scale = 0;
        foreach (double v in a.Enumerate())
        {
            if (!double.IsFinite(v)) throw new ArithmeticException($"a {m} × {n} matrix of the low-rank factors holds {v}: the run diverged");
            scale = Math.Max(scale, Math.Abs(v));
        }
        if (scale == 0 || k == 0)
            return (Matrix<double>.Build.DenseIdentity(m, k), new double[k], Matrix<double>.Build.DenseIdentity(k, n));
        if (m < n)
        {
            var (ut, st, vtt) = Of(a.Transpose(), la);
            return (vtt.Transpose(), st, ut.Transpose());
        }
        var scaled = a.Map(v => v / scale).ToColumnMajorArray();   // a true division: 1/scale overflows for a subnormal scale
        Matrix<double>? q = null;
        var square = scaled;
        if (m > n)
        {
            // LAPACK's Householder QR: a column that vanishes gives a zero reflector, not a division by zero.
            square = new double[n * n];
            la.Qr(m, n, scaled, m, square);
            q = Matrix<double>.Build.Dense(m, n, scaled);
        }
        var u = new double[n * n];
        var sigma = new double[n];
        var vt = new double[n * n];
        la.Svd(n, square, u, sigma, vt);
        var uSquare = Matrix<double>.Build.Dense(n, n, u);
        return (q is null ? uSquare : q * uSquare, [.. sigma.Select(s => s * scale)], Matrix<double>.Build.Dense(n, n, vt));
    }
}
