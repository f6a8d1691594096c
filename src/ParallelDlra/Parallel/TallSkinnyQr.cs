using MathNet.Numerics.LinearAlgebra;
using NLog;
using ParallelDlra.Compute;
using ParallelDlra.LinearAlgebra;

namespace ParallelDlra.Parallel;

/// <summary>
/// Orthonormalisation of a tall-skinny matrix distributed by rows, in the weighted inner product
/// ⟨a, b⟩ = w·Σ_i a_i b_i (w = cell volume): A = Q R with w QᵀQ = I, R upper triangular with a
/// non-negative diagonal. Three methods (<see cref="QrMethod"/>):
/// <list type="bullet">
/// <item>TSQR (Demmel, Grigori, Hoemmen and Langou, SIAM J. Sci. Comput. 2012): a Householder QR of the
/// local rows, the local R factors gathered on every rank (one collective), a QR of the stacked R factors
/// computed identically everywhere, and Q_i ← Q_i·(block i of that Q). Householder QR never breaks down,
/// so a rank-deficient A still yields an orthonormal Q (its extra columns then span arbitrary directions).</item>
/// <item>CholeskyQR2: G = w AᵀA (local Gram + one allreduce), R1 = chol(G), Q1 = A R1⁻¹, the same again on
/// Q1, R = R2 R1. Two GEMM-like passes and two small allreduces; accurate while κ(A) ≲ u^(-1/2).</item>
/// <item>Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto and Yanagisawa, SIAM J. Sci. Comput.
/// 2020): a first pass with chol(G + sI), s = 11(mn + n(n+1))·u·‖A‖²_F (m global rows, n columns,
/// u = 2⁻⁵³, ‖A‖²_F = trace G in the weighted norm), then CholeskyQR2; accurate while κ(A) ≲ u⁻¹.</item>
/// </list>
/// Guard: a Cholesky variant gives up when a Gram matrix is not numerically positive definite
/// (<see cref="IDenseLinearAlgebra.TryCholesky"/> false, or non-finite entries), or when the Gram matrix
/// of the block entering the last pass is too ill-conditioned (κ₂(G) &gt; 100, so the last pass could not
/// restore orthogonality: the previous Cholesky "succeeded" on a numerically singular G). Then it falls back to shifted
/// CholeskyQR3 and finally to TSQR, restarting from a copy of A. Every decision is taken from allreduced
/// Gram matrices, identical on all ranks, so all ranks take the same path. The first fallback of each kind
/// is logged at Debug level.
/// </summary>
public sealed class TallSkinnyQr
{
    /// <summary>Unit roundoff u = 2⁻⁵³ of IEEE double precision.</summary>
    private const double UnitRoundoff = 1.1102230246251565e-16;

    /// <summary>Largest κ₂(G) = κ₂(Q)² of the block Q entering the last CholeskyQR pass. Measured on
    /// 10⁵ × 20 blocks, blocks up to κ₂(G) ≈ 70 still came out orthonormal to 3e-14; above the limit
    /// the pass is not trusted and the next method is tried.</summary>

    private static readonly Logger Logger = LogManager.GetCurrentClassLogger();

    private readonly IComputeBackend backend;
    private readonly ICommunicator comm;
    private readonly double weight;
    private readonly IDenseLinearAlgebra la;
    private bool loggedToTsqr;

    /// <param name="backend">owns the blocks</param>
    /// <param name="comm">the ranks over which the rows are distributed</param>
    /// <param name="weight">w of the inner product (cell volume), &gt; 0</param>
    /// <param name="method">the method tried first</param>
    /// <param name="linearAlgebra">computes the small Cholesky factors (default
    /// <see cref="LinearAlgebraProvider.Default"/>); must be the same provider on every rank</param>
    public TallSkinnyQr(IComputeBackend backend, ICommunicator comm, double weight,
        QrMethod method = QrMethod.Tsqr, IDenseLinearAlgebra? linearAlgebra = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        this.backend = backend;
        this.comm = comm;
        this.weight = weight;
        Method = method;
        la = linearAlgebra ?? LinearAlgebraProvider.Default;
    }

    /// <summary>The method tried first.</summary>
    public QrMethod Method { get; }

    /// <summary>The method that produced the last factorisation (differs from <see cref="Method"/>
    /// after a fallback); <see cref="Method"/> before the first call.</summary>
    public QrMethod LastMethod { get; private set; }

    /// <summary>Overwrites <paramref name="a"/> with Q and returns R (p × p, upper triangular, diagonal ≥ 0).</summary>
    public Matrix<double> Orthonormalize(Block a)
    {
        if (Method == QrMethod.Tsqr)
        {
            LastMethod = QrMethod.Tsqr;
            return Tsqr(a);
        }

        if (Method == QrMethod.CholeskyQr2) return CholeskyQr2InPlace(a);

        int p = a.Columns;
        using var original = backend.Allocate(a.Rows, p);
        backend.CopyColumns(a, 0, original, 0, p);
        var (g, globalRows) = WeightedGram(a, withRowCount: true);
        Block? scratch = null;
        try
        {
            // Shifted first pass from the original A (its Gram is already known), then CholeskyQR2.
            if (TryShift(g, globalRows, out var r1))
            {
                Solve(original, r1, a);
                scratch = backend.Allocate(a.Rows, p);
                backend.CopyColumns(a, 0, scratch, 0, p);
                var (g1, _) = WeightedGram(a, withRowCount: false);
                if (TryCholeskyQr2(scratch, g1, a, out var r23))
                {
                    LastMethod = QrMethod.ShiftedCholeskyQr3;
                    return r23 * r1;
                }
            }
            if (!loggedToTsqr)
            {
                loggedToTsqr = true;
                Logger.Debug($"tall-skinny QR ({globalRows} × {p}): shifted CholeskyQR3 broke down (rank-deficient or non-finite block); falling back to Householder TSQR (logged once)");
            }
            backend.CopyColumns(original, 0, a, 0, p);
            LastMethod = QrMethod.Tsqr;
            return Tsqr(a);
        }
        finally
        {
            scratch?.Dispose();
        }
    }

    /// <summary>Largest κ₂(G) of the Gram matrix G = w AᵀA for which CholeskyQR2 is taken (κ₂(A) ≲ 3·10³): well inside
    /// its range (κ₂(A) ≲ u^(-1/2) ≈ 10⁸, where the first Cholesky factorisation starts to break down), so two passes
    /// leave Q orthonormal to rounding; a worse-conditioned (or rank-deficient) block goes to Householder TSQR.</summary>
    public const double GramConditionLimit = 1e7;

    /// <summary>Blocks factored by CholeskyQR2 and blocks it handed to TSQR (the Gram condition or a breakdown), since
    /// construction: how often the fast path is taken.</summary>
    public long CholeskyQr2Count { get; private set; }

    /// <inheritdoc cref="CholeskyQr2Count"/>
    public long CholeskyQr2Fallbacks { get; private set; }

    /// <summary>CholeskyQR2 without a copy of A: G = w AᵀA (one pass, one allreduce); when κ₂(G) &gt;
    /// <see cref="GramConditionLimit"/> or its Cholesky factorisation fails, Householder TSQR of the untouched A.
    /// Else A ← A R₁⁻¹ and the Gram matrix of the result in the same pass (one allreduce); when that is too far from I
    /// for a last pass (<see cref="CholeskyQrSteps.WellConditioned"/>) or not positive definite, TSQR of Q₁ = A R₁⁻¹,
    /// R = R_TSQR R₁ (A = Q₁ R₁ exactly as computed); else A ← Q₁ R₂⁻¹ (one more pass), R = R₂ R₁. All decisions from
    /// allreduced matrices: the same path on every rank.</summary>
    private Matrix<double> CholeskyQr2InPlace(Block a)
    {
        int p = a.Columns;
        var (g, globalRows) = WeightedGram(a, withRowCount: true);
        double condition = CholeskyQrSteps.Condition(la, g);
        if (condition > GramConditionLimit || !CholeskyQrSteps.TryUpperCholesky(la, g, out var r1))
        {
            LogFallback($"tall-skinny QR ({globalRows} × {p}): Gram condition {condition:E2} above {GramConditionLimit:E0} (or not positive definite): Householder TSQR (logged once)");
            CholeskyQr2Fallbacks++;
            LastMethod = QrMethod.Tsqr;
            return Tsqr(a);
        }
        var g2 = AllreduceGram(backend.MultiplyInPlaceGram(a, CholeskyQrSteps.UpperInverse(r1)), p);   // a ← Q₁ = A R₁⁻¹
        if (!CholeskyQrSteps.WellConditioned(la, g2) || !CholeskyQrSteps.TryUpperCholesky(la, g2, out var r2))
        {
            LogFallback($"tall-skinny QR ({globalRows} × {p}): the first CholeskyQR pass left Q too far from orthonormal: Householder TSQR of it (logged once)");
            CholeskyQr2Fallbacks++;
            LastMethod = QrMethod.Tsqr;
            return Tsqr(a) * r1;
        }
        backend.MultiplyInPlace(a, CholeskyQrSteps.UpperInverse(r2));
        CholeskyQr2Count++;
        LastMethod = QrMethod.CholeskyQr2;
        return r2 * r1;
    }

    private void LogFallback(string message)
    {
        if (loggedToTsqr) return;
        loggedToTsqr = true;
        Logger.Debug(message);
    }

    /// <summary>The weighted, symmetrised Gram matrix from a rank-local xᵀx (one allreduce).</summary>
    private Matrix<double> AllreduceGram(Matrix<double> local, int p)
    {
        var buffer = new double[p * p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < p; i++) buffer[i + p * j] = local[i, j];
        comm.AllreduceSum(buffer);
        var g = Matrix<double>.Build.Dense(p, p);
        for (int j = 0; j < p; j++)
            for (int i = 0; i < p; i++) g[i, j] = 0.5 * weight * (buffer[i + p * j] + buffer[j + p * i]);
        return g;
    }

    /// <summary>CholeskyQR2 of <paramref name="source"/> (whose weighted Gram matrix is <paramref name="g"/>)
    /// into <paramref name="q"/> (a different block). False, with <paramref name="source"/> untouched, when a
    /// Cholesky factorisation fails or the first pass leaves Q too far from orthonormal; on success
    /// <paramref name="source"/> has been used as workspace.</summary>
    private bool TryCholeskyQr2(Block source, Matrix<double> g, Block q, out Matrix<double> r)
    {
        r = null!;
        if (!CholeskyQrSteps.TryUpperCholesky(la, g, out var r1)) return false;
        Solve(source, r1, q);
        var (g2, _) = WeightedGram(q, withRowCount: false);
        if (!CholeskyQrSteps.WellConditioned(la, g2)) return false;
        if (!CholeskyQrSteps.TryUpperCholesky(la, g2, out var r2)) return false;
        // Committed: the source is no longer needed and serves as the input of the second pass.
        backend.CopyColumns(q, 0, source, 0, q.Columns);
        Solve(source, r2, q);
        r = r2 * r1;
        return true;
    }

    /// <summary>The shifted first pass: R = chol(G + sI)ᵀ with s = 11(mn + n(n+1))·u·trace G.</summary>
    private bool TryShift(Matrix<double> g, double globalRows, out Matrix<double> r)
    {
        int n = g.RowCount;
        double shift = 11.0 * (globalRows * n + n * (n + 1.0)) * UnitRoundoff * g.Trace();
        return CholeskyQrSteps.TryUpperCholesky(la, g + Matrix<double>.Build.DenseIdentity(n) * shift, out r);
    }

    /// <summary>G = w·AᵀA over all ranks (one allreduce), symmetrised; with the global row count.</summary>
    private (Matrix<double> G, double Rows) WeightedGram(Block a, bool withRowCount)
    {
        int p = a.Columns;
        var local = backend.Gram(a, a);
        var buffer = new double[p * p + (withRowCount ? 1 : 0)];
        for (int j = 0; j < p; j++)
            for (int i = 0; i < p; i++) buffer[i + p * j] = local[i, j];
        if (withRowCount) buffer[p * p] = a.Rows;
        comm.AllreduceSum(buffer);
        var g = Matrix<double>.Build.Dense(p, p);
        for (int j = 0; j < p; j++)
            for (int i = 0; i < p; i++) g[i, j] = 0.5 * weight * (buffer[i + p * j] + buffer[j + p * i]);
        return (g, withRowCount ? buffer[p * p] : double.NaN);
    }

    /// <summary>y ← x R⁻¹ for upper triangular R, through the explicit inverse (back substitution on I).</summary>
    private void Solve(Block x, Matrix<double> r, Block y)
    {
        var inv = CholeskyQrSteps.UpperInverse(r);
        backend.MultiplySmall(x, inv, 1.0, 0.0, y);
    }

    /// <summary>Householder TSQR in the weighted inner product.</summary>
    private Matrix<double> Tsqr(Block a)
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
            backend.MultiplyInPlace(a, qs.SubMatrix(comm.Rank * p, p, 0, p));   // Q_i ← Q_i·(block i): no copy of A
        }
        double s = Math.Sqrt(weight);
        backend.Axpby(0.0, a, 1.0 / s, a);
        return r * s;
    }
}
