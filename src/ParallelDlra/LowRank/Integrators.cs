using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>One forward-Euler DLRA step of an integrator over <paramref name="context"/>: from the factors
/// <paramref name="factors"/> at time <paramref name="t"/>, truncated with the tolerance of a step of length
/// <paramref name="dt"/>; the factors are replaced (the old X is consumed).</summary>
public delegate StepReport LowRankStep(LowRankContext context, LowRankFactors factors, double t, double dt);

/// <summary>
/// Rank-adaptive augmented BUG integrator (Ceruti, Kusch and Lubich, "A rank-adaptive robust integrator for
/// dynamical low-rank approximation", BIT 62, 2022): K- and L-steps from the old factors, augmented bases
/// X̂ = orth([K(t1), X0]), V̂ = orth([L(t1), V0]) of width ≤ 2r, a Galerkin S-step on them from
/// Ŝ0 = X̂ᵀX0 S0 V0ᵀV̂, then truncation of Ŝ(t1).
/// </summary>
public static class AugmentedBug
{
    public static string Name(bool conservative) => conservative ? "augmented BUG (conservative truncation)" : "augmented BUG";

    /// <summary>One forward-Euler step (<see cref="LowRankStep"/>).</summary>
    public static StepReport EulerStep(LowRankContext c, LowRankFactors f, double t, double dt)
    {
        double[] times = [t];
        while (true)
        {
            var a0 = c.AngularGalerkin(f.V);
            var g0 = c.Galerkin(f.X, times);
            var k1 = c.KStep(t, dt, f.X, f.S, a0);
            var l1 = c.LStep(t, dt, g0, f.S, f.V);
            var xAug = c.AugmentX(f.X, k1, f.S, c.KnownProjection(t, dt, g0, a0, f.S));   // consumes K(t1)
            var vAug = LowRankContext.AugmentV(f.V, l1);
            var (xTilde, vHat) = (xAug.Basis, vAug.Basis);
            // With X̂ = [X0, X̃] and V̂ = [V0, Ṽ]: X̂ᵀ W X0 = [I; 0] and V̂ᵀV0 = [I; 0].
            var s0 = Matrix<double>.Build.Dense(f.X.Columns + xTilde.Columns, vHat.ColumnCount);
            s0.SetSubMatrix(0, 0, f.S);
            var sHat = c.SStep(t, dt, c.Galerkin(f.X, g0, xTilde, times), c.AngularGalerkin(vHat), s0);
            // No normal block on directions the data fixes only to rounding/strength (it would amplify rounding).
            LowRankContext.DropUnresolvedNormalBlock(sHat, f.Rank, xAug.Unresolved, vAug.Unresolved);
            int grow = c.Options.StepRejection ? SaturationGrowth(c, f, xTilde, vHat, sHat, dt) : 0;
            if (grow == 0) return c.TruncateAndAdopt(f, xTilde, vHat, sHat, dt);
            c.Lift(f, xTilde, vHat, grow);   // and repeat the step from rank r + grow
        }
    }

    /// <summary>The step rejection's first rule (Ceruti, Kusch and Lubich, SISC 2024), for the augmented BUG: when the
    /// truncation of Ŝ(t1) would keep every new direction of X̂ and V̂, the rank wants to grow faster than the at most
    /// doubling one step allows (from a rank-one start the true rank grows faster than that, and the error made while
    /// the rank catches up stays: docs/design.md). The step is then repeated from the lifted factors
    /// [X0, X̃] [[S0, 0], [0, 0]] [V0, Ṽ]ᵀ (the same u), whose augmented bases are twice as wide. Returns the number m of
    /// new directions to lift, 0 to accept the step. The augmented BUG needs no second rule: its Galerkin step has the
    /// normal block Δt·X̃ᵀF(Y0)Ṽ that the parallel BUG's rule (b) watches. Every rank takes the same decision (it
    /// depends on replicated matrices only).</summary>
    private static int SaturationGrowth(LowRankContext c, LowRankFactors f, Block xTilde, Matrix<double> vHat, Matrix<double> sHat, double dt)
    {
        int r = f.Rank, kx = xTilde.Columns, kv = vHat.ColumnCount - r;
        var o = c.Options.Truncation;
        int grow = Math.Min(Math.Min(kx, kv), Math.Min(o.RMax, vHat.RowCount) - r);
        if (grow <= 0 || r + grow <= o.RMin) return 0;
        bool saturated = c.Truncate(sHat, vHat, dt).Rank >= r + Math.Min(kx, kv);
        if (!saturated && (
            sHat.SubMatrix(r, kx, r, kv).FrobeniusNorm() <= c.Options.RejectionConstant * c.Tolerance(sHat, vHat, dt))) return 0;
        c.Rejections++;
        return grow;
    }
}

/// <summary>
/// Parallel rank-adaptive integrator (Ceruti, Kusch and Lubich, "A parallel rank-adaptive integrator for
/// dynamical low-rank approximation", SIAM J. Sci. Comput. 2024): K-, L- and S-steps all start from the old
/// factors (they could run concurrently and share the Galerkin coefficients of X0), then
/// Ŝ(t1) = [[S̄(t1), L(t1)ᵀṼ], [X̃ᵀW K(t1), 0]] on X̂ = [X0, X̃], V̂ = [V0, Ṽ] is truncated.
/// With the paper's step rejection (<c>solver.step_rejection</c>, <see cref="SolverOptions.StepRejection"/>) a step is
/// repeated from the augmented factors [X0, X̃] [[S0, 0], [0, 0]] [V0, Ṽ]ᵀ (rank r + m) when the truncation would keep
/// every new direction (the rank wants to grow faster than one step allows) or when the block Ŝ lacks,
/// Δt·X̃ᵀF(Y0)Ṽ (the normal part of the vector field), is larger than c_η·ϑ, the tolerance the truncation works to.
/// </summary>
public static class ParallelBug
{
    public static string Name(bool conservative) => conservative ? "parallel BUG (conservative truncation)" : "parallel BUG";

    /// <summary>One forward-Euler step (<see cref="LowRankStep"/>).</summary>
    public static StepReport EulerStep(LowRankContext c, LowRankFactors f, double t, double dt)
    {
        double[] times = [t];
        while (true)
        {
            int r = f.Rank;
            var a0 = c.AngularGalerkin(f.V);
            var k1 = c.KStep(t, dt, f.X, f.S, a0);   // consumed by AugmentX
            var g0 = c.Galerkin(f.X, times);
            var l1 = c.LStep(t, dt, g0, f.S, f.V);
            var sBar = c.SStep(t, dt, g0, a0, f.S);
            // With forward Euler, w X0ᵀK(t1) is S̄(t1) itself.
            var (xTilde, cx) = c.AugmentX(f.X, k1, f.S, sBar);
            var (vHat, cv) = LowRankContext.AugmentV(f.V, l1);
            int kx = xTilde.Columns, kv = vHat.ColumnCount - r;
            var sHat = Matrix<double>.Build.Dense(r + kx, r + kv);
            sHat.SetSubMatrix(0, 0, sBar);
            if (kv > 0) sHat.SetSubMatrix(0, r, cv.SubMatrix(r, kv, 0, r).Transpose());   // L(t1)ᵀ Ṽ
            if (kx > 0) sHat.SetSubMatrix(r, 0, cx.SubMatrix(r, kx, 0, r));               // X̃ᵀ W K(t1)
            int grow = c.Options.StepRejection ? RejectionGrowth(c, f, g0, xTilde, vHat, sHat, t, dt) : 0;
            if (grow == 0) return c.TruncateAndAdopt(f, xTilde, vHat, sHat, dt);
            c.Lift(f, xTilde, vHat, grow);   // and repeat the step from rank r + grow
        }
    }

    /// <summary>The step rejection of Ceruti, Kusch and Lubich (SISC 2024, the parallel integrator with rejection):
    /// the number m of new directions to add before the step is repeated, 0 to accept it. Rejected when the rank can
    /// still grow (m = min(width of X̃, width of Ṽ, min(r_max, n_moments) − r) > 0; the paper lifts by r while 2r &lt; r_max,
    /// we take the leading directions that fit) and either the truncation of Ŝ keeps all its directions, or η = ‖Δt·X̃ᵀF(Y0)Ṽ‖_F — the normal block the parallel BUG's Ŝ leaves out (the augmented
    /// BUG's Galerkin step has it) — exceeds c_η·ϑ (<c>solver.rejection_constant</c>; the paper's c_η = 1). Every
    /// rank takes the same decision: it depends on replicated matrices only.</summary>
    private static int RejectionGrowth(LowRankContext c, LowRankFactors f, ISpatialCoefficients g0, Block xTilde, Matrix<double> vHat,
        Matrix<double> sHat, double t, double dt)
    {
        int r = f.Rank, kx = xTilde.Columns, kv = vHat.ColumnCount - r;
        var o = c.Options.Truncation;
        // At most the room below min(r_max, n_moments): the leading new directions (X̃ and Ṽ are ordered by significance).
        int grow = Math.Min(Math.Min(kx, kv), Math.Min(o.RMax, vHat.RowCount) - r);
        if (grow <= 0 || r + grow <= o.RMin) return 0;
        var trial = c.Truncate(sHat, vHat, dt);
        if (trial.Rank >= r + Math.Min(kx, kv)) { c.Rejections++; return grow; }
        // Δt·X̃ᵀF(Y0)Ṽ: the lower right block of the Galerkin step on X̂, V̂ from [[S0, 0], [0, 0]].
        var s0 = Matrix<double>.Build.Dense(r + kx, r + kv);
        s0.SetSubMatrix(0, 0, f.S);
        var normal = c.SStep(t, dt, c.Galerkin(f.X, g0, xTilde, [t]), c.AngularGalerkin(vHat), s0).SubMatrix(r, kx, r, kv);
        if (normal.FrobeniusNorm() <= c.Options.RejectionConstant * c.Tolerance(sHat, vHat, dt)) return 0;
        c.Rejections++;
        return grow;
    }
}

/// <summary>
/// Fixed-rank BUG ("unconventional") integrator (Ceruti and Lubich, "An unconventional robust integrator for
/// dynamical low-rank approximation", BIT 62, 2022): X1 = orth(K(t1)), V1 = orth(L(t1)), and a Galerkin
/// S-step from (X1ᵀ W X0) S0 (V0ᵀV1); the rank never changes.
/// </summary>
public static class FixedRankBug
{
    public const string Name = "fixed-rank BUG";

    /// <summary>One forward-Euler step (<see cref="LowRankStep"/>).</summary>
    public static StepReport EulerStep(LowRankContext c, LowRankFactors f, double t, double dt)
    {
        double[] times = [t];
        // X1 = orth(K1), completed deterministically when K1 is rank deficient (e.g. the rank-one start).
        var k1 = c.KStep(t, dt, f.X, f.S, c.AngularGalerkin(f.V));
        c.ScaleToUnitMagnitude(k1, f.S);   // only its range is used: the scale does not matter
        var (x1, _, _, _) = c.SignificantDirections(k1, 0.0, f.Rank);
        var m = DistributedSums.WeightedGram(c.Backend, c.Comm, x1, f.X, c.Weight);
        var l1 = c.LStep(t, dt, c.Galerkin(f.X, times), f.S, f.V);
        // V1 = orth(L1), completed deterministically when L1 is rank deficient.
        var (lU, lS, _) = SmallSvd.Of(l1);
        int kv = lS.Count(v => v > LowRankSolver.ResolvableFraction * lS[0]);
        var v1 = Truncation.Complete(lU.SubMatrix(0, l1.RowCount, 0, kv), f.Rank);
        var s0 = m * f.S * f.V.TransposeThisAndMultiply(v1);
        var s1 = c.SStep(t, dt, c.Galerkin(x1, times), c.AngularGalerkin(v1), s0);
        f.X.Dispose();
        f.X = x1;
        f.S = s1;
        f.V = v1;
        return new StepReport(f.Rank, 0.0);
    }
}
