using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>dM/dt (−outflow − absorption + sources) of the low-rank state x s vᵀ at time t, with one allreduce: the
/// balance of a state inside a step, for the mass change the step implies (<see cref="StepReport.MassChange"/>).</summary>
public delegate double MassRate(Block x, Matrix<double> s, Matrix<double> v, double t);

/// <summary>One step of an integrator that is second order by itself (its own stages; no Runge–Kutta method around
/// it): from the factors <paramref name="factors"/> at time <paramref name="t"/> to t + <paramref name="dt"/>,
/// truncated with the tolerance of a step of length dt; the factors are replaced (the old X is consumed). The report's
/// mass change is the one the step's own rates imply (<paramref name="rate"/> evaluates them).</summary>
public delegate StepReport SecondOrderLowRankStep(LowRankContext context, LowRankFactors factors, double t, double dt, MassRate rate);

/// <summary>
/// Midpoint BUG integrator (Ceruti, Einkemmer, Kusch and Lubich, "A robust second-order low-rank BUG integrator based on
/// the midpoint rule", BIT Numer. Math. 64, 2024; arXiv 2402.08607), the variant whose bases are augmented to 4r:
/// <list type="number">
/// <item>a half step Δt/2 of the augmented BUG (<see cref="AugmentedBug"/>), not truncated:
/// Y½ = X̂½ S½ V̂½ᵀ with X̂½ = [X0, X̃½] and V̂½ = [V0, Ṽ½] (width ≤ 2r);</item>
/// <item>the bases augmented by the vector field at the midpoint: X̂ = orth([X̂½, F(t½, Y½) V̂½]),
/// V̂ = orth([V̂½, F(t½, Y½)ᵀ W X̂½]) (width ≤ 4r; X0 and V0 stay their first columns; X̃ holds only the resolved
/// directions, no padding);</item>
/// <item>a Galerkin step on X̂, V̂ with the midpoint rule, Ŝ1 = X̂ᵀW Y0 V̂ + Δt X̂ᵀ W F(t½, Y½) V̂ (Y½ lies in the span of
/// X̂ ⊗ V̂, so the right-hand side is the S-step's at the embedded S½), then truncation of Ŝ1.</item>
/// </list>
/// Second order with an error bound robust to small singular values (the paper's Theorem 1). At r = n_moments the
/// half step is forward Euler and the step is the explicit midpoint rule, i.e. full-rank SSP-RK2 for a linear problem
/// with time-independent sources. Conservation: V̂ contains d (V0's first column) and X̂ the range of F(Y½)V̂½ ∋ F(Y½)d,
/// so the Galerkin step changes the mass by exactly Δt·dM/dt(t½, Y½); conservative truncation keeps it.
/// </summary>
public static class MidpointBug
{
    public static string Name(bool conservative) => conservative ? "midpoint BUG (conservative truncation)" : "midpoint BUG";

    /// <summary>One step (<see cref="SecondOrderLowRankStep"/>).</summary>
    public static StepReport Step(LowRankContext c, LowRankFactors f, double t, double dt, MassRate rate)
    {
        double half = 0.5 * dt, tm = t + half;
        double[] times = [t, tm];
        int r = f.Rank;
        // 1. The augmented BUG half step, not truncated (stage 1: from Y0).
        c.Problem.BeginStage(f.X, f.S, f.V);
        var a0 = c.AngularGalerkin(f.V);
        var g0 = c.Galerkin(f.X, times);
        var k = c.KStep(t, half, f.X, f.S, a0);
        var l = c.LStep(t, half, g0, f.S, f.V);
        var (xHalf, _) = c.AugmentX(f.X, k, f.S, c.KnownProjection(t, half, g0, a0, f.S));   // consumes K(t½)
        var (vHalf, _) = LowRankContext.AugmentV(f.V, l);
        var gHalf = c.Galerkin(f.X, g0, xHalf, times);
        var aHalf = c.AngularGalerkin(vHalf);
        var sHalf = c.SStep(t, half, gHalf, aHalf, Embed(f.S, r + xHalf.Columns, vHalf.ColumnCount));

        // 2. Augmentation by F(t½, Y½): K = X̂½ S½ + Δt F(t½, Y½) V̂½ (its range beyond X̂½ is what is added), and the
        // L-step's counterpart V̂½ S½ᵀ + Δt F(t½, Y½)ᵀ W X̂½.
        var basisHalf = Concatenate(c.Backend, f.X, xHalf);   // X̂½ as one block (the K-step right-hand side takes one)
        c.Problem.BeginStage(basisHalf, sHalf, vHalf);   // stage 2: from Y½, for the augmentation and the Galerkin step
        double midRate = rate(basisHalf, sHalf, vHalf, tm);
        var kMid = KStep(c, tm, dt, basisHalf, sHalf, aHalf);
        var (xNew, _) = c.AugmentX(basisHalf, kMid, sHalf, c.KnownProjection(tm, dt, gHalf, aHalf, sHalf), complete: false);   // consumes kMid; no padding
        var lMid = c.LStep(tm, dt, gHalf, sHalf, vHalf);
        var (vHat, _) = LowRankContext.AugmentV(vHalf, lMid);

        // 3. The Galerkin step with the midpoint rule on X̂ = [X̂½, X̃], V̂.
        var gHat = c.Galerkin(basisHalf, gHalf, xNew, [tm]);
        var aHat = c.AngularGalerkin(vHat);
        int rows = basisHalf.Columns + xNew.Columns, cols = vHat.ColumnCount;
        Matrix<double> sHat;
        using (c.Phase("S-step"))
            sHat = Embed(f.S, rows, cols) + c.Problem.SRightHandSide(tm, Embed(sHalf, rows, cols), gHat, aHat) * dt;

        f.X.Dispose();
        xHalf.Dispose();
        f.X = basisHalf;   // X̂ = [X̂½, X̃]: X̂½ plays X0's part in the truncation
        var report = c.TruncateAndAdopt(f, xNew, vHat, sHat, dt);
        return report with { MassChange = dt * midRate };
    }

    /// <summary>The forward-Euler K-step x s + Δt F(t, x s Vᵀ) V (V the basis of <paramref name="a"/>) for coefficients s
    /// that need not be square (<see cref="LowRankContext.KStep"/> assumes they are): x has s.RowCount columns, the
    /// result V's s.ColumnCount.</summary>
    internal static Block KStep(LowRankContext c, double t, double dt, Block x, Matrix<double> s, Kinetic.IAngularCoefficients a)
    {
        using var _ = c.Phase("K-step");
        var k = c.Backend.Allocate(x.Rows, s.ColumnCount);
        c.Problem.KRightHandSide(t, x, s, a, dt, 0.0, k, extra: s);
        return k;
    }

    /// <summary>[a, b] as one new block (neither consumed).</summary>
    internal static Block Concatenate(IComputeBackend backend, Block a, Block b)
    {
        var joined = backend.Allocate(a.Rows, a.Columns + b.Columns);
        backend.CopyColumns(a, 0, joined, 0, a.Columns);
        if (b.Columns > 0) backend.CopyColumns(b, 0, joined, a.Columns, b.Columns);
        return joined;
    }

    /// <summary>s in the upper left corner of a rows × cols zero matrix: the coefficients of a state on bases that
    /// extend its own by further columns.</summary>
    internal static Matrix<double> Embed(Matrix<double> s, int rows, int cols)
    {
        var e = Matrix<double>.Build.Dense(rows, cols);
        e.SetSubMatrix(0, 0, s);
        return e;
    }
}

/// <summary>
/// Second-order robust parallel integrator (Kusch, "Second-order robust parallel integrators for dynamical low-rank
/// approximation", 2024; arXiv 2403.02834), its variant with bases of width 4r:
/// <list type="number">
/// <item>bases augmented first by the vector field at the start: X̂0 = orth([X0, F(t, Y0) V0]),
/// V̂0 = orth([V0, F(t, Y0)ᵀ W X0]) (width ≤ 2r, X0 and V0 first);</item>
/// <item>K-, L- and S̄-steps all from the same data, each with SSP-RK2 (Heun) over the whole step: K on V̂0 from
/// K0 = X0 [S0, 0], L on X̂0 from L0 = V0 [S0, 0]ᵀ, S̄ on X̂0, V̂0 from S̄0 = [S0 0; 0 0];</item>
/// <item>X̂1 = [X̂0, X̃] with X̃ the part of K(t1) outside X̂0, V̂1 = [V̂0, Ṽ] likewise from L(t1), and
/// Ŝ1 = [[S̄(t1), L(t1)ᵀṼ], [X̃ᵀW K(t1), 0]] truncated (as the first-order parallel BUG, <see cref="ParallelBug"/>).</item>
/// </list>
/// The three substeps need no result of each other (their Galerkin coefficients are those of X̂0 and V̂0). At
/// r = n_moments it is full-rank SSP-RK2. As published the step does not keep the mass: S̄(t1) and X̂0ᵀ W K(t1) differ
/// by O(Δt²·‖(I − X̂0X̂0ᵀW) F(Y0) V̂0‖) (the K-step leaves X̂0 in its second stage). With conservative truncation this
/// code therefore takes the conserved column of the X̂0 block from the K-step, X̂0ᵀ W K(t1) d (a change of the same
/// O(Δt²·normal part) as that difference, so the error bound's form is kept): Ŝ1 d is then K(t1) d in X̂1, the mass
/// changes by the K-step's Heun quadrature of dM/dt exactly, and the truncation keeps it (our variant, not the paper's).
/// </summary>
public static class ParallelBug2
{
    public static string Name(bool conservative) => conservative ? "second-order parallel BUG (conservative truncation)" : "second-order parallel BUG";

    /// <summary>One step (<see cref="SecondOrderLowRankStep"/>). The reported mass change is the one of the K-step,
    /// (Δt/2)·(dM/dt(Y0) + dM/dt(K* V̂0ᵀ)), K* its Euler stage.</summary>
    public static StepReport Step(LowRankContext c, LowRankFactors f, double t, double dt, MassRate rate)
    {
        double t1 = t + dt;
        double[] times = [t, t1];
        // 1. X̂0, V̂0 from F(t, Y0): K = X0 S0 + Δt F(Y0) V0 and L = V0 S0ᵀ + Δt F(Y0)ᵀ W X0 span the same beyond X0, V0.
        // Stage 1 of Heun: everything evaluated at Y0 (the problem may freeze what it evaluates per stage, BeginStage).
        c.Problem.BeginStage(f.X, f.S, f.V);
        var a0 = c.AngularGalerkin(f.V);
        var g0 = c.Galerkin(f.X, times);
        var k = c.KStep(t, dt, f.X, f.S, a0);
        var (xTilde0, _) = c.AugmentX(f.X, k, f.S, c.KnownProjection(t, dt, g0, a0, f.S));   // consumes K
        var (v0, _) = LowRankContext.AugmentV(f.V, c.LStep(t, dt, g0, f.S, f.V));
        var g = c.Galerkin(f.X, g0, xTilde0, times);
        var a = c.AngularGalerkin(v0);
        var x0 = MidpointBug.Concatenate(c.Backend, f.X, xTilde0);   // X̂0 as one block
        int p = x0.Columns, q = v0.ColumnCount;
        var s0 = MidpointBug.Embed(f.S, p, q);   // Y0 = X̂0 S̄0 V̂0ᵀ

        // 2. The K-, L- and S̄-steps with Heun, stage by stage: first the Euler stages from Y0 (K* = K0 + Δt F(t, K0 V̂0ᵀ) V̂0,
        // L*, S*), then, from the stage value K* V̂0ᵀ (BeginStage), K1 = ½ K0 + ½ K* + (Δt/2) F(t1, K* V̂0ᵀ) V̂0 and L1, S̄1.
        var kStar = MidpointBug.KStep(c, t, dt, x0, s0, a);
        var l0 = v0 * s0.Transpose();
        Matrix<double> lStar, sStar;
        using (c.Phase("L-step")) lStar = l0 + c.Problem.LRightHandSide(t, l0, g) * dt;
        using (c.Phase("S-step")) sStar = s0 + c.Problem.SRightHandSide(t, s0, g, a) * dt;
        var identity = Matrix<double>.Build.DenseIdentity(q);
        c.Problem.BeginStage(kStar, identity, v0);
        var k1 = c.Backend.Allocate(x0.Rows, q);
        using (c.Phase("K-step"))
        {
            c.Problem.KRightHandSide(t1, kStar, null, a, 0.5 * dt, 0.0, k1, extra: identity * 0.5);
            c.Backend.MultiplySmall(x0, s0 * 0.5, 1.0, 1.0, k1);
        }
        double change = 0.5 * dt * (rate(x0, s0, v0, t) + rate(kStar, identity, v0, t1));
        kStar.Dispose();
        Matrix<double> l1, sBar;
        using (c.Phase("L-step")) l1 = (l0 + lStar + c.Problem.LRightHandSide(t1, lStar, g) * dt) * 0.5;
        using (c.Phase("S-step")) sBar = (s0 + sStar + c.Problem.SRightHandSide(t1, sStar, g, a) * dt) * 0.5;

        // 3. Augmentation by K(t1), L(t1) and the coefficient matrix of the parallel BUG.
        var (xTilde, cx) = c.AugmentX(x0, k1, f.S, complete: false);   // consumes K(t1); no padding
        var (v1, cv) = LowRankContext.AugmentV(v0, l1);
        int kx = xTilde.Columns, kv = v1.ColumnCount - q;
        var sHat = Matrix<double>.Build.Dense(p + kx, q + kv);
        sHat.SetSubMatrix(0, 0, sBar);
        if (kv > 0) sHat.SetSubMatrix(0, q, cv.SubMatrix(q, kv, 0, p).Transpose());   // L(t1)ᵀ Ṽ
        if (kx > 0) sHat.SetSubMatrix(p, 0, cx.SubMatrix(p, kx, 0, q));               // X̃ᵀ W K(t1)
        // Conservative variant: the conserved column (d, V̂0's first) of the X̂0 block from the K-step, X̂0ᵀ W K(t1) d, so
        // that Ŝ's first column is the coefficients of K(t1) d in X̂1 and the mass that of the K-step (Heun on dM/dt).
        if (c.Options.Conservative)
            for (int i = 0; i < p; i++) sHat[i, 0] = cx[i, 0];
        f.X.Dispose();
        xTilde0.Dispose();
        f.X = x0;
        var report = c.TruncateAndAdopt(f, xTilde, v1, sHat, dt);
        return report with { MassChange = change };
    }
}
