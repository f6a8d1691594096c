using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;

namespace ParallelDlra.Parallel;

/// <summary>
/// Orthonormalisation of a tall-skinny matrix distributed by rows, in the weighted inner product
/// ⟨a, b⟩ = w·Σ_i a_i b_i (w = cell volume): A = Q R with w QᵀQ = I.
/// TSQR (Demmel, Grigori, Hoemmen and Langou, SIAM J. Sci. Comput. 2012): a Householder QR of the local
/// rows, the local R factors gathered on every rank (one collective), a QR of the stacked R factors computed
/// identically everywhere, and Q_i ← Q_i·(block i of that Q). Householder QR never breaks down, so a
/// rank-deficient A still yields an orthonormal Q (its extra columns then span arbitrary directions).
/// </summary>
public sealed class TallSkinnyQr(IComputeBackend backend, ICommunicator comm, double weight)
{
    /// <summary>Overwrites <paramref name="a"/> with Q and returns R (p × p, upper triangular, diagonal ≥ 0).</summary>
    public Matrix<double> Orthonormalize(Block a)
    {
        int p = a.Columns;
        var r = backend.LocalQr(a);
        if (comm.Size > 1)
        {
            // Gather every rank's R (an allreduce over disjoint slots: exact).
            var all = new double[comm.Size * p * p];
            for (int j = 0; j < p; j++)
                for (int i = 0; i < p; i++) all[comm.Rank * p * p + i + p * j] = r[i, j];
            comm.AllreduceSum(all);
            var stack = Matrix<double>.Build.Dense(comm.Size * p, p);
            for (int k = 0; k < comm.Size; k++)
                for (int j = 0; j < p; j++)
                    for (int i = 0; i < p; i++) stack[k * p + i, j] = all[k * p * p + i + p * j];
            var qr = stack.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
            var qs = qr.Q;
            r = qr.R;
            // Non-negative diagonal, as the local QR.
            for (int i = 0; i < p; i++)
                if (r[i, i] < 0) { r.SetRow(i, r.Row(i).Negate()); qs.SetColumn(i, qs.Column(i).Negate()); }
            using var local = backend.Allocate(a.Rows, p);
            backend.CopyColumns(a, 0, local, 0, p);
            backend.MultiplySmall(local, qs.SubMatrix(comm.Rank * p, p, 0, p), 1.0, 0.0, a);
        }
        double s = Math.Sqrt(weight);
        backend.Axpby(0.0, a, 1.0 / s, a);
        return r * s;
    }
}
