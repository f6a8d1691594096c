using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>
/// Rank-adaptive augmented BUG integrator (Ceruti, Kusch and Lubich, "A rank-adaptive robust integrator for
/// dynamical low-rank approximation", BIT 62, 2022): K- and L-steps from the old factors, augmented bases
/// X̂ = orth([K(t1), X0]), V̂ = orth([L(t1), V0]) of width ≤ 2r, a Galerkin S-step on them from
/// Ŝ0 = X̂ᵀX0 S0 V0ᵀV̂, then truncation of Ŝ(t1).
/// </summary>
public sealed class AugmentedBug(LowRankSetup setup) : LowRankSolver(setup)
{
    public override string Name => Options.Conservative ? "augmented BUG (conservative truncation)" : "augmented BUG";

    protected override StepReport EulerStep(double t, double dt)
    {
        double[] times = [t];
        var a0 = AngularGalerkin(V);
        var g0 = Galerkin(X, times);
        var k1 = KStep(t, dt, X, S, a0);
        var l1 = LStep(t, dt, g0, S, V);
        var (xTilde, _) = AugmentX(X, k1, KnownProjection(t, dt, g0, a0));   // consumes K(t1)
        var (vHat, _) = AugmentV(V, l1);
        // With X̂ = [X0, X̃] and V̂ = [V0, Ṽ]: X̂ᵀ W X0 = [I; 0] and V̂ᵀV0 = [I; 0].
        var s0 = Matrix<double>.Build.Dense(X.Columns + xTilde.Columns, vHat.ColumnCount);
        s0.SetSubMatrix(0, 0, S);
        var sHat = SStep(t, dt, Galerkin(X, g0, xTilde, times), AngularGalerkin(vHat), s0);
        return TruncateAndAdopt(xTilde, vHat, sHat, dt);
    }
}

/// <summary>
/// Parallel rank-adaptive integrator (Ceruti, Kusch and Lubich, "A parallel rank-adaptive integrator for
/// dynamical low-rank approximation", SIAM J. Sci. Comput. 2024): K-, L- and S-steps all start from the old
/// factors (they could run concurrently and share the Galerkin coefficients of X0), then
/// Ŝ(t1) = [[S̄(t1), L(t1)ᵀṼ], [X̃ᵀW K(t1), 0]] on X̂ = [X0, X̃], V̂ = [V0, Ṽ] is truncated.
/// </summary>
public sealed class ParallelBug(LowRankSetup setup) : LowRankSolver(setup)
{
    public override string Name => Options.Conservative ? "parallel BUG (conservative truncation)" : "parallel BUG";

    protected override StepReport EulerStep(double t, double dt)
    {
        double[] times = [t];
        int r = Rank;
        var a0 = AngularGalerkin(V);
        var k1 = KStep(t, dt, X, S, a0);   // consumed by AugmentX
        var g0 = Galerkin(X, times);
        var l1 = LStep(t, dt, g0, S, V);
        var sBar = SStep(t, dt, g0, a0, S);
        // With forward Euler, w X0ᵀK(t1) is S̄(t1) itself.
        var (xTilde, cx) = AugmentX(X, k1, sBar);
        var (vHat, cv) = AugmentV(V, l1);
        int kx = xTilde.Columns, kv = vHat.ColumnCount - r;
        var sHat = Matrix<double>.Build.Dense(r + kx, r + kv);
        sHat.SetSubMatrix(0, 0, sBar);
        if (kv > 0) sHat.SetSubMatrix(0, r, cv.SubMatrix(r, kv, 0, r).Transpose());   // L(t1)ᵀ Ṽ
        if (kx > 0) sHat.SetSubMatrix(r, 0, cx.SubMatrix(r, kx, 0, r));               // X̃ᵀ W K(t1)
        return TruncateAndAdopt(xTilde, vHat, sHat, dt);
    }
}

/// <summary>
/// Fixed-rank BUG ("unconventional") integrator (Ceruti and Lubich, "An unconventional robust integrator for
/// dynamical low-rank approximation", BIT 62, 2022): X1 = orth(K(t1)), V1 = orth(L(t1)), and a Galerkin
/// S-step from (X1ᵀ W X0) S0 (V0ᵀV1); the rank never changes.
/// </summary>
public sealed class FixedRankBug(LowRankSetup setup) : LowRankSolver(setup)
{
    public override string Name => "fixed-rank BUG";

    protected override bool FixedRank => true;

    protected override StepReport EulerStep(double t, double dt)
    {
        double[] times = [t];
        // X1 = orth(K1), completed deterministically when K1 is rank deficient (e.g. the rank-one start).
        var k1 = KStep(t, dt, X, S, AngularGalerkin(V));
        ScaleToUnitMagnitude(k1);   // only its range is used: the scale does not matter
        var (x1, _, _) = SignificantDirections(k1, 0.0, Rank);
        var m = DistributedSums.WeightedGram(Backend, Comm, x1, X, Weight);
        var l1 = LStep(t, dt, Galerkin(X, times), S, V);
        // V1 = orth(L1), completed deterministically when L1 is rank deficient.
        var (lU, lS, _) = SmallSvd.Of(l1);
        int kv = lS.Count(v => v > ResolvableFraction * lS[0]);
        var v1 = Truncation.Complete(lU.SubMatrix(0, l1.RowCount, 0, kv), Rank);
        var s0 = m * S * V.TransposeThisAndMultiply(v1);
        var s1 = SStep(t, dt, Galerkin(x1, times), AngularGalerkin(v1), s0);
        X.Dispose();
        X = x1;
        S = s1;
        V = v1;
        FactorsChanged();
        return new StepReport(Rank, 0.0);
    }
}
