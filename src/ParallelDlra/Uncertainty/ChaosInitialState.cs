using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Uncertainty;

/// <summary>
/// Puts an initial state u0 = A Bᵀ (A: n_cells × p, column-major, rank-local rows; B: n_moments × p) into a solver: the
/// moments for full rank; for low rank the factors of its truncation to the solver's rank r with the mass direction d as
/// V's first column (what conservative truncation keeps): u0 = Q M with Q = A U Λ^{−1/2} orthonormal (w AᵀA = U Λ Uᵀ,
/// allreduced with the cell weight w), M (I − d dᵀ) = P Σ Wᵀ, V = [d, W_{r−1}], X S = Q [M d, P Σ]_{r} by a thin QR of the
/// small factor (then, with <c>reorthonormalise</c>, X orthonormalised again). Collective. Used by Burgers' Riemann data and by the stochastic-Galerkin Gaussian whose centre or
/// width is uncertain.
/// </summary>
public static class ChaosInitialState
{
    public static void Apply(ISolver solver, double[] a, Matrix<double> b, int p, int n, double[] massDirection, ICommunicator comm, double weight,
        bool reorthonormalise = false)
    {
        int m = b.RowCount;
        switch (solver.Save())
        {
            case MomentsState s:
            {
                var am = Matrix<double>.Build.Dense(n, p, a);
                (am * b.Transpose()).ToColumnMajorArray().CopyTo(s.U, 0);
                solver.Restore(s);
                return;
            }
            case FactorsState f:
            {
                int r = f.S.RowCount;
                var am = Matrix<double>.Build.Dense(n, p, a);
                var gram = am.TransposeThisAndMultiply(am).ToColumnMajorArray();
                DistributedSums.Complete(comm, gram, weight);
                var evd = Matrix<double>.Build.Dense(p, p, gram).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
                double top = evd.EigenValues.Max(v => v.Real);
                int[] kept = [.. Enumerable.Range(0, p).Where(i => evd.EigenValues[i].Real > 1e-14 * top).OrderByDescending(i => evd.EigenValues[i].Real)];
                var basis = Matrix<double>.Build.Dense(p, kept.Length);   // U Λ^{−1/2}
                var scaled = Matrix<double>.Build.Dense(kept.Length, p);  // Λ^{1/2} Uᵀ
                for (int c = 0; c < kept.Length; c++)
                {
                    double lambda = evd.EigenValues[kept[c]].Real;
                    basis.SetColumn(c, evd.EigenVectors.Column(kept[c]) / Math.Sqrt(lambda));
                    scaled.SetRow(c, evd.EigenVectors.Column(kept[c]) * Math.Sqrt(lambda));
                }
                var q = am * basis;               // n × k, w QᵀQ = I
                var coefficients = scaled * b.Transpose();   // M: k × n_moments, u0 = Q M
                var d = Vector<double>.Build.Dense(massDirection);
                var mean = coefficients * d;
                var rest = coefficients - mean.ToColumnMatrix() * d.ToRowMatrix();
                var svd = rest.Svd(true);
                int resolved = svd.S.Count(sv => sv > 1e-14 * Math.Max(svd.S[0], mean.L2Norm()));   // directions ⟂ d
                int rank = Math.Min(r, 1 + resolved);
                var v = Matrix<double>.Build.Dense(m, rank);
                v.SetColumn(0, d);
                var z = Matrix<double>.Build.Dense(kept.Length, rank);
                z.SetColumn(0, mean);
                for (int c = 1; c < rank; c++)
                {
                    v.SetColumn(c, svd.VT.Row(c - 1));
                    z.SetColumn(c, svd.U.Column(c - 1) * svd.S[c - 1]);
                }
                var qr = z.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                var x = q * qr.Q;
                var sFactor = qr.R;
                // Columns of A that are nearly dependent (the chaos modes of a smooth family decay fast) leave X orthonormal only
                // to ε·κ(A)²: two Cholesky passes X ← X L⁻ᵀ, S ← Lᵀ S (w XᵀX = L Lᵀ, allreduced) restore it ("twice is enough").
                for (int pass = 0; reorthonormalise && pass < 2; pass++)
                {
                    var g = x.TransposeThisAndMultiply(x).ToColumnMajorArray();
                    DistributedSums.Complete(comm, g, weight);
                    var lower = Matrix<double>.Build.Dense(rank, rank, g).Cholesky().Factor;
                    x = x * lower.Transpose().Inverse();
                    sFactor = lower.Transpose() * sFactor;
                }
                if (rank < r) (x, sFactor, v) = Pad(x, sFactor, v, Matrix<double>.Build.Dense(n, r, f.X), r, comm, weight);
                solver.Restore(new FactorsState(x.ToColumnMajorArray(), sFactor, v));
                return;
            }
            default:
                throw new NotSupportedException($"no chaos initial state for a {solver.StateKind} state");
        }
    }

    /// <summary>Factors of rank r from those of u0's smaller rank (the fixed-rank BUG keeps the deck's rank): X completed
    /// by the solver's own start basis <paramref name="start"/> (deterministic padding functions of the global cell index,
    /// the same on every decomposition) projected out of span X and orthonormalised (Cholesky of the allreduced Gram), V by
    /// coordinate vectors orthogonalised against V, S by zeros. Collective.</summary>
    private static (Matrix<double> X, Matrix<double> S, Matrix<double> V) Pad(Matrix<double> x, Matrix<double> s, Matrix<double> v, Matrix<double> start, int r,
        ICommunicator comm, double weight)
    {
        int k = x.ColumnCount, extra = r - k, n = x.RowCount, m = v.RowCount;
        var candidates = start.SubMatrix(0, n, 0, extra);
        var overlap = (x.TransposeThisAndMultiply(candidates)).ToColumnMajorArray();
        DistributedSums.Complete(comm, overlap, weight);
        var y = candidates - x * Matrix<double>.Build.Dense(k, extra, overlap);
        var gram = y.TransposeThisAndMultiply(y).ToColumnMajorArray();
        DistributedSums.Complete(comm, gram, weight);
        var lower = Matrix<double>.Build.Dense(extra, extra, gram).Cholesky().Factor;
        var xPad = x.Append(y * lower.Transpose().Inverse());
        var vPad = v.Clone();
        for (int e = 0; vPad.ColumnCount < r && e < m; e++)
        {
            var c = Vector<double>.Build.Dense(m);
            c[e] = 1.0;
            for (int pass = 0; pass < 2; pass++) c -= vPad * vPad.TransposeThisAndMultiply(c);
            if (c.L2Norm() > 0.5) vPad = vPad.Append(c.Normalize(2).ToColumnMatrix());
        }
        var sPad = Matrix<double>.Build.Dense(r, r);
        sPad.SetSubMatrix(0, 0, s);
        return (xPad, sPad, vPad);
    }
}
