using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Deck;

namespace ParallelDlra.LowRank;

/// <summary>The outcome of truncating an augmented coefficient matrix Ŝ (a × b) of bases X̂, V̂:
/// X1 = X̂ Px, S1, V1 = V̂ Pv, and the ℓ2 norm of the discarded singular values.</summary>
public sealed record TruncationResult(Matrix<double> Px, Matrix<double> S, Matrix<double> Pv, double DiscardedTail)
{
    public int Rank => S.RowCount;
}

/// <summary>
/// Rank truncation by singular values (Ceruti, Kusch and Lubich, BIT 2022): the new rank is the smallest
/// r1 with (Σ_{i>r1} σ_i²)^{1/2} ≤ ϑ, ϑ = θ (absolute) or θ‖Ŝ‖_F (relative), clamped to [r_min, r_max].
/// The conservative variant (Einkemmer, Kusch and Schotthöfer 2024) requires V̂'s first column to be the
/// isotropic moment e_0: that column of Ŝ is kept exactly and only the rest is truncated, so the
/// truncation does not change the mass.
/// The decision depends only on replicated data (Ŝ), so every rank takes the same one.
/// </summary>
public static class Truncation
{
    public static TruncationResult Truncate(Matrix<double> sHat, TruncationOptions o, bool conservative)
    {
        if (!conservative)
        {
            var svd = sHat.Svd(true);
            var sigma = svd.S.ToArray();
            int r1 = ChooseRank(sigma, o, Math.Min(sHat.RowCount, sHat.ColumnCount), out double tail, reserved: 0);
            return new(svd.U.SubMatrix(0, sHat.RowCount, 0, r1),
                Matrix<double>.Build.DenseOfDiagonalArray(sigma[..r1]),
                svd.VT.SubMatrix(0, r1, 0, sHat.ColumnCount).Transpose(), tail);
        }

        // Ŝ = [ŝ0, Ŝ⊥] with V̂ = [e0, Ṽ]: truncate Ŝ⊥ = P Σ Qᵀ, keep ŝ0.
        int a = sHat.RowCount, b = sHat.ColumnCount;
        var s0 = sHat.Column(0);
        int rPerp = 0;
        double discarded = 0;
        Matrix<double> p = Matrix<double>.Build.Dense(a, 0), q = Matrix<double>.Build.Dense(b - 1, 0);
        Vector<double> sig = Vector<double>.Build.Dense(0);
        if (b > 1)
        {
            var rest = sHat.SubMatrix(0, a, 1, b - 1);
            var svd = rest.Svd(true);
            var sigma = svd.S.ToArray();
            rPerp = ChooseRank(sigma, o, Math.Min(Math.Min(a - 1, b - 1), sigma.Length), out discarded, reserved: 1);
            p = svd.U.SubMatrix(0, a, 0, rPerp);
            q = svd.VT.SubMatrix(0, rPerp, 0, b - 1).Transpose();
            sig = Vector<double>.Build.Dense(sigma[..rPerp]);
        }
        // X̂ [ŝ0, P Σ] [e0, Ṽ Q]ᵀ; orthonormalise the coefficient block C = [ŝ0, P Σ] = Qc Rc.
        var c = Matrix<double>.Build.Dense(a, 1 + rPerp);
        c.SetColumn(0, s0);
        for (int j = 0; j < rPerp; j++) c.SetColumn(1 + j, p.Column(j) * sig[j]);
        var qr = c.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        var pv = Matrix<double>.Build.Dense(b, 1 + rPerp);
        pv[0, 0] = 1.0;
        if (rPerp > 0) pv.SetSubMatrix(1, 0 + 1, q);
        return new(qr.Q, qr.R, pv, discarded);
    }

    /// <summary>Smallest rank whose discarded tail is within the tolerance, clamped to the bounds;
    /// <paramref name="reserved"/> columns are kept outside the truncated block (the conserved mode).</summary>
    public static int ChooseRank(double[] sigma, TruncationOptions o, int available, out double tail, int reserved)
    {
        double total = Math.Sqrt(sigma.Sum(s => s * s));
        double tolerance = o.Kind == ToleranceKind.Absolute ? o.Theta : o.Theta * total;
        int r1 = sigma.Length;
        double t2 = 0;
        // Walk from the smallest singular value while the tail stays within the tolerance.
        while (r1 > 0 && Math.Sqrt(t2 + sigma[r1 - 1] * sigma[r1 - 1]) <= tolerance) { t2 += sigma[r1 - 1] * sigma[r1 - 1]; r1--; }
        r1 = Math.Clamp(r1, Math.Max(0, o.RMin - reserved), Math.Max(0, o.RMax - reserved));
        r1 = Math.Min(r1, available);
        if (reserved == 0) r1 = Math.Max(r1, Math.Min(1, available));
        tail = Math.Sqrt(sigma.Skip(r1).Sum(s => s * s));
        return r1;
    }
}
