using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.LowRank;

/// <summary>The outcome of truncating an augmented coefficient matrix Ŝ (a × b) of bases X̂, V̂:
/// X1 = X̂ Px, S1, V1 = V̂ Pv, and the ℓ2 norm of the discarded singular values.</summary>
public sealed record TruncationResult(Matrix<double> Px, Matrix<double> S, Matrix<double> Pv, double DiscardedTail)
{
    public int Rank => S.RowCount;
}

/// <summary>
/// Rank truncation by singular values (Ceruti, Kusch and Lubich, BIT 2022): the new rank is the smallest
/// r1 with (Σ_{i>r1} σ_i²)^{1/2} ≤ ϑ, clamped to [r_min, r_max]. ϑ = θ·Δt per unit time (the default: the
/// error bound of the rank-adaptive integrators grows with the sum of the truncation tolerances, n·ϑ = θ·t, so θ
/// means the same on every grid and step size) or θ per step, times ‖Ŝ‖_F when relative
/// (<see cref="TruncationOptions.Tolerance"/>).
/// The conservative variant (Einkemmer, Kusch and Schotthöfer 2024) requires V̂'s first column to be the
/// conserved direction d of the velocity space (<c>IVelocitySpace.Mass</c>; the low-rank solver puts it there at
/// the start and every step keeps it first): that column of Ŝ is kept exactly and only the rest is truncated, so
/// the truncation does not change the conserved quantity. (Truncation sees only the position in V̂, never a
/// velocity-space index.)
/// The decision depends only on replicated data (Ŝ), so every rank takes the same one.
/// </summary>
public static class Truncation
{
    /// <param name="sHat">the augmented coefficients Ŝ (a × b)</param>
    /// <param name="o">θ, its kind and scaling, and the rank bounds</param>
    /// <param name="conservative">keep Ŝ's first column (the conserved direction, V̂'s first column) exactly</param>
    /// <param name="dt">the step size (for θ per unit time)</param>
    /// <param name="densityNorm">‖Ŝ V̂ᵀd‖, the norm of the density part (d the mass direction): the scale of a
    /// tolerance relative to the density (<see cref="RelativeScale.Density"/>); ‖Ŝ‖_F otherwise.</param>
    public static TruncationResult Truncate(Matrix<double> sHat, TruncationOptions o, bool conservative, double dt, double densityNorm = double.NaN)
    {
        int a = sHat.RowCount, b = sHat.ColumnCount;
        double scale = o.RelativeTo == RelativeScale.Density && !double.IsNaN(densityNorm) ? densityNorm : sHat.FrobeniusNorm();
        double tolerance = o.Tolerance(dt, scale);
        if (!conservative)
        {
            var (u, sigma, vt) = SmallSvd.Of(sHat);
            int r1 = ChooseRank(sigma, o, tolerance, Math.Min(a, b), out double tail, reserved: 0);
            int k = Math.Min(r1, Significant(sigma));
            var px = Complete(u.SubMatrix(0, a, 0, k), r1);
            var pvFull = Complete(vt.SubMatrix(0, k, 0, b).Transpose(), r1);
            var s1 = Matrix<double>.Build.Dense(r1, r1);
            for (int i = 0; i < k; i++) s1[i, i] = sigma[i];
            return new(px, s1, pvFull, tail);
        }

        // Ŝ = [ŝ0, Ŝ⊥] with V̂ = [d, Ṽ] (d the conserved direction, V̂'s first column): truncate Ŝ⊥ = P Σ Qᵀ, keep ŝ0.
        var s0 = sHat.Column(0);
        int rPerp = 0, kPerp = 0;
        double discarded = 0;
        Matrix<double> p = Matrix<double>.Build.Dense(a, 0), q = Matrix<double>.Build.Dense(b - 1, 0);
        double[] sig = [];
        if (b > 1)
        {
            var rest = sHat.SubMatrix(0, a, 1, b - 1);
            var (u, sigma, vt) = SmallSvd.Of(rest);
            sig = sigma;
            rPerp = ChooseRank(sig, o, tolerance, Math.Min(Math.Min(a - 1, b - 1), sig.Length), out discarded, reserved: 1);
            kPerp = Math.Min(rPerp, Significant(sig));
            p = u.SubMatrix(0, a, 0, kPerp);
            q = Complete(vt.SubMatrix(0, kPerp, 0, b - 1).Transpose(), rPerp);
        }
        // X̂ [ŝ0, P Σ] [d, Ṽ Q]ᵀ: an orthonormal basis Qc of span[ŝ0, P] (completed to 1 + r⊥ columns) and
        // S1 = Qcᵀ [ŝ0, P Σ, 0] (the completed directions carry zero coefficients). Qc's first column is ŝ0/‖ŝ0‖
        // itself and the rest is orthogonal to it, so Qc Qcᵀ ŝ0 = ŝ0 to rounding: the mass is kept exactly. (An
        // SVD of [ŝ0, P] would drop ŝ0's part outside span(P) with the weak directions when ŝ0 nearly lies in it.)
        var c = Matrix<double>.Build.Dense(a, 1 + rPerp);
        c.SetColumn(0, s0);
        for (int j = 0; j < kPerp; j++) c.SetColumn(1 + j, p.Column(j) * sig[j]);
        var qc = Complete(ConservedFirst(s0, p), 1 + rPerp);
        var pv = Matrix<double>.Build.Dense(b, 1 + rPerp);
        pv[0, 0] = 1.0;   // d stays V1's first column
        if (rPerp > 0) pv.SetSubMatrix(1, 1, q);
        return new(qc, qc.TransposeThisAndMultiply(c), pv, discarded);
    }

    /// <summary>Singular values above LowRankSolver.ResolvableFraction of the largest: their singular vectors are determined well beyond rounding.
    /// Directions kept beyond them (r_min) would be arbitrary, i.e. depend on rounding and so on the
    /// decomposition; <see cref="Complete"/> replaces them by deterministic ones.</summary>
    private static int Significant(double[] sigma) =>
        sigma.Length == 0 ? 0 : sigma.Count(v => v > LowRankSolver.ResolvableFraction * sigma[0]);

    /// <summary>An orthonormal basis of span[s0, P] whose first column is s0/‖s0‖ (when s0 ≠ 0), followed by the
    /// significant directions of P's part orthogonal to it (P has orthonormal columns; two Gram–Schmidt passes).</summary>
    private static Matrix<double> ConservedFirst(Vector<double> s0, Matrix<double> p)
    {
        int a = s0.Count;
        double norm = s0.L2Norm();
        if (norm == 0.0 || !double.IsFinite(norm))
        {
            var (u0, sigma0, _) = SmallSvd.Of(p);
            return u0.SubMatrix(0, a, 0, Significant(sigma0));
        }
        var q0 = s0 / norm;
        var rest = p.Clone();
        for (int pass = 0; pass < 2; pass++) rest -= q0.ToColumnMatrix() * q0.ToRowMatrix() * rest;
        var basis = Matrix<double>.Build.Dense(a, 1);
        basis.SetColumn(0, q0);
        if (p.ColumnCount == 0) return basis;
        var (u, sigma, _) = SmallSvd.Of(rest);
        // P's columns have unit norm: a direction of its residual weaker than ResolvableFraction lies in span(s0).
        int k = sigma.Count(v => v > LowRankSolver.ResolvableFraction);
        if (k == 0) return basis;
        var uk = u.SubMatrix(0, a, 0, k);
        uk -= q0.ToColumnMatrix() * q0.ToRowMatrix() * uk;   // orthogonal to q0 to rounding
        return basis.Append(uk);
    }

    /// <summary>Completes the orthonormal columns of <paramref name="basis"/> to <paramref name="width"/> columns with
    /// the coordinate vectors e_0, e_1, … orthogonalised against it (skipping those nearly inside its span): the
    /// added directions depend only on the span of the basis, not on rounding noise.</summary>
    public static Matrix<double> Complete(Matrix<double> basis, int width)
    {
        int n = basis.RowCount;
        if (basis.ColumnCount >= width) return basis.SubMatrix(0, n, 0, width);
        var result = Matrix<double>.Build.Dense(n, width);
        result.SetSubMatrix(0, 0, basis);
        int filled = basis.ColumnCount;
        var used = new bool[n];
        foreach (double threshold in new[] { 0.5, 1e-6 })
            for (int j = 0; j < n && filled < width; j++)
            {
                if (used[j]) continue;
                var v = Vector<double>.Build.Dense(n);
                v[j] = 1.0;
                for (int pass = 0; pass < 2; pass++)
                    for (int c = 0; c < filled; c++) v -= result.Column(c) * result.Column(c).DotProduct(v);
                double norm = v.L2Norm();
                if (norm < threshold) continue;
                used[j] = true;
                result.SetColumn(filled++, v / norm);
            }
        if (filled < width) throw new InvalidOperationException($"cannot complete a basis of {n} rows to {width} columns");
        return result;
    }

    /// <summary>Smallest rank whose discarded tail is within the tolerance, clamped to the bounds;
    /// <paramref name="reserved"/> columns are kept outside the truncated block (the conserved mode).</summary>
    public static int ChooseRank(double[] sigma, TruncationOptions o, double tolerance, int available, out double tail, int reserved)
    {
        int r1 = sigma.Length;
        double t2 = 0;
        // Walk from the smallest singular value while the tail stays within the tolerance.
        while (r1 > 0 && Math.Sqrt(t2 + sigma[r1 - 1] * sigma[r1 - 1]) <= tolerance) { t2 += sigma[r1 - 1] * sigma[r1 - 1]; r1--; }
        int lo = Math.Min(Math.Max(0, o.RMin - reserved), available), hi = Math.Min(Math.Max(0, o.RMax - reserved), available);
        r1 = Math.Clamp(r1, lo, hi);
        if (reserved == 0) r1 = Math.Max(r1, Math.Min(1, available));
        // Never cut through a cluster of (nearly) equal significant singular values (symmetric problems have
        // them, e.g. the x ↔ y symmetry of the line source): inside a cluster the singular vectors are
        // arbitrary, so a cut there would depend on rounding and the run on the rank count. Extend the cut
        // past the cluster when r_max allows, else move it before the cluster when r_min allows.
        bool Splits(int r) => r > 0 && r < sigma.Length && sigma[r] > LowRankSolver.ResolvableFraction * sigma[0]
                              && sigma[r - 1] - sigma[r] <= 1e-6 * sigma[r - 1];
        int up = r1;
        while (Splits(up) && up < hi) up++;
        if (!Splits(up)) r1 = up;
        else
        {
            int down = r1;
            while (Splits(down) && down > Math.Max(lo, reserved == 0 ? 1 : 0)) down--;
            if (!Splits(down)) r1 = down;
        }
        tail = Math.Sqrt(sigma.Skip(r1).Sum(s => s * s));
        return r1;
    }
}
