using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Diagnostics;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>
/// Common state and pieces of the BUG-type integrators: the factors u ≈ X S Vᵀ (X distributed by rows and
/// orthonormal in the cell-volume inner product, S and V replicated), the forward-Euler K-, L- and S-substeps,
/// the basis augmentation and the global diagnostics. Each integrator is a short composition of these pieces
/// in one forward-Euler DLRA step (<see cref="EulerStep"/>); <see cref="Step"/> composes such steps into the
/// deck's SSP Runge–Kutta method (<see cref="ShuOsher"/>): every stage is a whole Euler DLRA step, combined with
/// the state at the start of the step and truncated again, so what an Euler step guarantees (exactness at
/// r = n_moments, conservation) holds for every stepper.
/// </summary>
public abstract class LowRankSolver : ISolver, IRelaxable
{
    protected LowRankSolver(LowRankSetup setup)
    {
        var (problem, backend, comm, stepper, options, phi0, padding) = setup;
        Backend = backend;
        Comm = comm;
        Options = options;
        StepperKind = stepper;
        Scheme = ShuOsher.Of(stepper);
        Problem = problem;
        Qr = new TallSkinnyQr(backend, comm, problem.Weight, options.Qr);
        Padding = padding;
        var (x0, s0, v0) = InitialFactors(problem, phi0, padding);
        Factors = new LowRankFactors(x0, s0, v0);
        if (problem.Absorption is { } sigmaA)
        {
            _absorption = backend.Allocate(problem.Block.Count, 1);
            backend.Upload(sigmaA, _absorption);
        }
        _extraAbsorption = [.. problem.ExtraAbsorption.Select(e => { var b = backend.Allocate(problem.Block.Count, 1); backend.Upload(e.Sigma, b); return b; })];
    }

    /// <summary>The σ of <see cref="IKineticProblem.ExtraAbsorption"/> on the local cells.</summary>
    private readonly Block[] _extraAbsorption;

    /// <summary>σ_a on the local cells (n_cells × 1), for the absorption rate of the balance; null without absorption.</summary>
    private readonly Block? _absorption;

    /// <summary>Deterministic functions of the global cell index (local cell, column) used to complete bases:
    /// the same on every decomposition, so serial and MPI runs build the same factors.</summary>
    protected Func<int, int, double> Padding { get; }

    private readonly Dictionary<int, double[]> _paddingColumns = [];

    /// <summary>Column <paramref name="j"/> of the padding functions on the local cells, computed once.</summary>
    private double[] PaddingColumn(int j)
    {
        if (_paddingColumns.TryGetValue(j, out var column)) return column;
        column = new double[X.Rows];
        for (int i = 0; i < column.Length; i++) column[i] = Padding(i, j);
        return _paddingColumns[j] = column;
    }

    /// <summary>New basis directions weaker than this fraction of the matrix they come from are not taken
    /// from the data: rounding (which differs between decompositions) determines such a direction only to
    /// about ε/fraction, and the Galerkin S-step gives it an O(Δt) coefficient — the run would depend on the
    /// rank count. They are replaced by deterministic padding directions instead (see SignificantDirections).
    /// What is dropped so is at most this fraction of the matrix per step: the floor of the agreement with full
    /// rank and of conservation. 1e-12 balances the two (docs/design.md, "Directions from the data"): measured on
    /// the MPI test decks, 1 vs 3 ranks differ by ≤ 7e-14 at 1e-12, ≤ 2.5e-13 at 1e-14; at the earlier 1e-8 the
    /// dropped directions broke conservation by up to 1e-8 and exactness at r = n_moments by 1e-9.</summary>
    public const double ResolvableFraction = 1e-12;

    /// <summary>Kept directions whose singular value is below this fraction of the matrix they come from are
    /// orthogonal to the basis they were projected against only to ε/fraction (block Gram–Schmidt leaves the
    /// residual orthogonal to ε relative to the matrix, and normalising magnifies that): they get one more pass.</summary>
    private const double WeakDirection = 1e-4;

    protected IComputeBackend Backend { get; }
    protected ICommunicator Comm { get; }
    protected SolverOptions Options { get; }
    protected TimeStepperKind StepperKind { get; }
    /// <summary>The SSP Runge–Kutta method whose forward-Euler stages are whole DLRA steps.</summary>
    protected ShuOsher Scheme { get; }
    /// <summary>The problem: the K-, L- and S-step right-hand sides and Galerkin coefficients, the balance terms.
    /// The integrators know nothing else of the equation.</summary>
    protected IKineticProblem Problem { get; }
    protected TallSkinnyQr Qr { get; }
    protected double Weight => Problem.Weight;

    /// <summary>The state u ≈ X S Vᵀ, as one value (the solver steps it).</summary>
    public LowRankFactors Factors { get; }

    /// <summary>X: n_cells × r (local rows), Xᵀ W X = I.</summary>
    public Block X { get => Factors.X; protected set => Factors.X = value; }
    /// <summary>S: r × r.</summary>
    public Matrix<double> S { get => Factors.S; protected set => Factors.S = value; }
    /// <summary>V: n_moments × r, VᵀV = I.</summary>
    public Matrix<double> V { get => Factors.V; protected set => Factors.V = value; }

    /// <summary>Collects the time of each substep when set (K-step, L-step, S-step, augmentation, truncation).</summary>
    public PhaseTimers? Timers { get; set; }

    /// <summary>Times a phase when <see cref="Timers"/> is set.</summary>
    protected IDisposable? Phase(string name) => Timers?.Measure(name);

    public abstract string Name { get; }
    public int Rank => S.RowCount;

    /// <summary>One forward-Euler DLRA step of the integrator from the current factors, truncated with the
    /// tolerance of a step of length <paramref name="dt"/>; the factors are replaced.</summary>
    protected abstract StepReport EulerStep(double t, double dt);

    /// <summary>Whether the integrator keeps the truncation rank fixed (the fixed-rank BUG).</summary>
    protected virtual bool FixedRank => false;

    /// <summary>One step of the deck's stepper: forward Euler is <see cref="EulerStep"/>; an SSP Runge–Kutta
    /// method runs its stages as Euler steps, y⁽ⁱ⁺¹⁾ = aᵢ y(t) + (1 − aᵢ) Φ_Δt(y⁽ⁱ⁾), the convex combination of two
    /// low-rank states being formed on the union of their bases and truncated (<see cref="CombineWithStart"/>).
    /// At r = n_moments every stage is the full-rank stage, so the step is full-rank SSP-RK; with conservative
    /// truncation every stage conserves, and so does the combination (mass is linear).</summary>
    public StepReport Step(double t, double dt)
    {
        Span<double> rates = stackalloc double[Scheme.Stages];
        rates[0] = NetRate(t);
        RestoreOrthonormality();
        if (Scheme.Stages == 1)
        {
            var euler = EulerStep(t, dt);
            return euler with { MassChange = Scheme.MassChange(dt, rates) };
        }
        using var x0 = Backend.Allocate(X.Rows, X.Columns);
        Backend.CopyColumns(X, 0, x0, 0, X.Columns);
        var (s0, v0) = (S, V);
        double tail2 = 0.0;
        for (int i = 0; i < Scheme.Stages; i++)
        {
            if (i > 0) rates[i] = NetRate(t + Scheme.C[i] * dt);
            var stage = EulerStep(t + Scheme.C[i] * dt, dt);
            tail2 += stage.DiscardedTail * stage.DiscardedTail;
            if (Scheme.A[i] == 0.0) continue;
            var combined = CombineWithStart(Scheme.A[i], x0, s0, v0, dt);
            tail2 += combined.DiscardedTail * combined.DiscardedTail;
        }
        return new StepReport(Rank, Math.Sqrt(tail2), Scheme.MassChange(dt, rates));
    }

    /// <summary>X S Vᵀ ← truncation of a·X0 S0 V0ᵀ + (1 − a)·X S Vᵀ: X̂ = [X0, X̃] with X̃ the part of X outside
    /// span(X0) (<see cref="AugmentX"/>, X consumed; X0 copied, it serves later stages), V̂ = [V0, Ṽ]
    /// (<see cref="AugmentV"/>), Ŝ = a [S0 0; 0 0] + (1 − a) Cx S Cvᵀ with X = X̂ Cx, V = V̂ Cv.</summary>
    private StepReport CombineWithStart(double a, Block x0, Matrix<double> s0, Matrix<double> v0, double dt)
    {
        using var _ = Phase("stage combination");
        var first = Backend.Allocate(x0.Rows, x0.Columns);
        Backend.CopyColumns(x0, 0, first, 0, x0.Columns);
        var (xTilde, cx) = AugmentX(first, X, scaleWithS: false);   // X consumed
        var (vHat, cv) = AugmentV(v0, V);
        var sHat = cx * S * cv.Transpose() * (1.0 - a);
        for (int i = 0; i < s0.RowCount; i++)
            for (int j = 0; j < s0.ColumnCount; j++) sHat[i, j] += a * s0[i, j];
        X = first;
        return TruncateAndAdopt(xTilde, vHat, sHat, dt);
    }

    /// <summary>Rank-one factors of the isotropic initial condition u0 = φ0 ιᵀ/norm (the velocity space's isotropic
    /// state), padded to the initial rank with deterministic functions of the global cell index (the same on any
    /// decomposition). V0's first column is the mass direction d (conservative truncation keeps V's first column),
    /// completed by coordinate vectors (<see cref="Truncation.Complete"/>).</summary>
    private (Block, Matrix<double>, Matrix<double>) InitialFactors(IKineticProblem op, double[] phi0, Func<int, int, double> padding)
    {
        int m = op.Basis.Count, n = op.Block.Count;
        int hi = Math.Min(Options.Truncation.RMax, m);
        int r = Math.Clamp(Options.InitialRank, Math.Min(Math.Max(1, Options.Truncation.RMin), hi), hi);
        if (Options.Kind == SolverKind.FixedRankBug) r = Math.Min(Options.InitialRank, m);
        r = (int)Math.Min(r, op.Block.Grid.CellCount);   // at most as many orthonormal columns as cells
        Span<double> norm = [DistributedSums.Sum(Comm, phi0.Sum(v => v * v))];
        var x = Backend.Allocate(n, r);
        var column = new double[n];
        using (var staging = Backend.Allocate(n, 1))   // one column at a time: no second n_cells × r array
        {
            for (int j = 0; j < r; j++)
            {
                if (j == 0 && norm[0] > 0) phi0.CopyTo(column, 0);
                else for (int i = 0; i < n; i++) column[i] = padding(i, j);   // (a zero initial state: S0 = 0, any basis will do)
                Backend.Upload(column, staging);
                Backend.CopyColumns(staging, 0, x, j, 1);
            }
        }
        var rFactor = Orthonormalize(x);
        var v0 = InitialAngularBasis(op.Basis, r);
        var iota = op.Basis.Isotropic;
        var inV0 = VelocitySpaces.RowCombination(v0, iota.Direction);   // V0ᵀι: ι ∈ span(V0)
        var d = Matrix<double>.Build.Dense(r, r);
        for (int j = 0; j < r; j++) d[0, j] = norm[0] > 0 ? inV0[j] / iota.Norm : 0.0;   // u0 = φ0 ιᵀ/norm (or 0)
        return (x, rFactor * d, v0);
    }

    /// <summary>[d, coordinate vectors orthogonalised against it] (n_moments × r): the mass direction first; the
    /// isotropic direction must lie in its span (it is d for P_N).</summary>
    private static Matrix<double> InitialAngularBasis(IVelocitySpace basis, int r)
    {
        var d = Matrix<double>.Build.Dense(basis.Count, 1, basis.Mass.Direction);
        var v0 = Truncation.Complete(d, r);
        var iota = Vector<double>.Build.Dense(basis.Isotropic.Direction);
        var residual = iota - v0 * VelocitySpaces.RowCombination(v0, basis.Isotropic.Direction);
        if (residual.L2Norm() > 1e-12)
            throw new NotSupportedException("the isotropic direction of this velocity space is not in the initial angular basis");
        return v0;
    }

    // ---- substeps ---------------------------------------------------------------------------------

    /// <summary>Forward-Euler K-step: K = X0 S0 evolved with V0 fixed from t to t + dt, taken from X0 and S0
    /// without forming K: K1 = X0 S0 + dt·[Σ_k (D_k X0)(S0 M_k) + Q A]. X0 and one n_cells × r block are alive.</summary>
    protected Block KStep(double t, double dt, Block x0, Matrix<double> s0, IAngularCoefficients a)
    {
        using var _ = Phase("K-step");
        var k1 = Backend.Allocate(x0.Rows, x0.Columns);
        Problem.KRightHandSide(t, x0, s0, a, dt, 0.0, k1, extra: s0);
        return k1;
    }

    /// <summary>w X0ᵀK(t1) without a cell sum: after the forward-Euler K-step from K = X0 S0,
    /// w X0ᵀK1 = S0 + Δt·[Σ_k G_k S0 M_k + s(t) A] — the forward-Euler Galerkin S-step from S0 on X0, V0
    /// (<paramref name="g0"/>, <paramref name="a0"/>).</summary>
    protected Matrix<double> KnownProjection(double t, double dt, ISpatialCoefficients g0, IAngularCoefficients a0) => SStep(t, dt, g0, a0, S);

    /// <summary>L-step: L = V0 S0ᵀ evolved with X0 fixed (its Galerkin coefficients g).</summary>
    protected Matrix<double> LStep(double t, double dt, ISpatialCoefficients g, Matrix<double> s0, Matrix<double> v0)
    {
        using var _ = Phase("L-step");
        var l0 = v0 * s0.Transpose();
        return l0 + Problem.LRightHandSide(t, l0, g) * dt;
    }

    /// <summary>Galerkin coefficients of an orthonormal basis (one allreduce).</summary>
    protected ISpatialCoefficients Galerkin(Block x, double[] times)
    {
        using var _ = Phase("Galerkin coefficients");
        return Problem.Spatial([x], null, times);
    }

    /// <summary>Angular coefficients of V.</summary>
    protected IAngularCoefficients AngularGalerkin(Matrix<double> v)
    {
        using var _ = Phase("angular coefficients");
        return Problem.Angular(v);
    }

    /// <summary>S-step (Galerkin): S evolved on fixed bases.</summary>
    protected Matrix<double> SStep(double t, double dt, ISpatialCoefficients g, IAngularCoefficients a, Matrix<double> s0)
    {
        using var _ = Phase("S-step");
        return s0 + Problem.SRightHandSide(t, s0, g, a) * dt;
    }

    // ---- bases ------------------------------------------------------------------------------------

    /// <summary>The augmented basis X̂ = [X0, X̃] (width 2r), returned as X̃ (X0 is not copied), with X̃ an
    /// orthonormal basis of the part of K outside span(X0), and the coefficients of K in X̂: K = X̂ C.
    /// <paramref name="projection"/>, when given, is w X0ᵀK known without a cell sum (see
    /// <see cref="KnownProjection"/>) and replaces the first of the two Gram–Schmidt passes' sums.
    /// <paramref name="k"/> is consumed: the residual K − X0 X0ᵀWK (block Gram–Schmidt twice) is formed in its
    /// storage and factored by TSQR, Q R; directions whose singular values in R are at rounding level (K nearly
    /// in span X0) are replaced by deterministic padding directions orthogonal to X0 and the kept ones —
    /// Householder would fill them with rounding noise that depends on the decomposition. The padding keeps the
    /// width 2r of orth([K, X0]) (extra room for the Galerkin S-step) and makes every decomposition build the
    /// same X̂.</summary>
    protected (Block XTilde, Matrix<double> Coefficients) AugmentX(Block x0, Block k, Matrix<double>? projection = null, bool scaleWithS = true)
    {
        using var _ = Phase("basis augmentation");
        int r = x0.Columns, kc = k.Columns;
        int e = scaleWithS ? ScaleToUnitMagnitude(k) : 0;   // K·2⁻ᵉ; the coefficients are scaled back below
        Matrix<double> p;
        if (projection is null || e != 0) p = ProjectOut(x0, k) + ProjectOut(x0, k);
        else
        {
            // The first Gram–Schmidt pass with the known w X0ᵀK (no cell sum, no allreduce), the second computed.
            // Not for a rescaled state: the known projection was computed from S at its own (extreme) magnitude.
            p = projection;
            Backend.MultiplySmall(x0, p, -1.0, 1.0, k);
            p += ProjectOut(x0, k);
        }
        // Width kc as orth([K, X0]), but X̂ cannot have more columns than the grid has cells.
        int width = (int)Math.Min(kc, Problem.Block.Grid.CellCount - r);
        var (q, coefficients, along) = SignificantDirections(k, p.FrobeniusNorm(), width, x0);
        if (along is not null) p += along;   // the X0 part removed from weak directions by their extra pass
        int kx = q.Columns;
        var coeff = Matrix<double>.Build.Dense(r + kx, kc);
        coeff.SetSubMatrix(0, 0, p);
        if (kx > 0) coeff.SetSubMatrix(r, 0, coefficients);
        return (q, e == 0 ? coeff : coeff * Math.ScaleB(1.0, e));
    }

    /// <summary>The parts of X̂ = [X0, X̃] that have columns.</summary>
    protected static Block[] Parts(Block x0, Block xTilde) => xTilde.Columns > 0 ? [x0, xTilde] : [x0];

    /// <summary>Galerkin coefficients of X̂ = [X0, X̃] (one allreduce), reusing those of X0.</summary>
    protected ISpatialCoefficients Galerkin(Block x0, ISpatialCoefficients g0, Block xTilde, double[] times)
    {
        using var _ = Phase("Galerkin coefficients");
        return xTilde.Columns > 0 ? Problem.Spatial([x0, xTilde], g0, times) : g0;
    }

    /// <summary>An orthonormal basis of the range of <paramref name="a"/> (consumed) and the coefficients of a
    /// in it: a = Q C (+ X0·Along when <paramref name="orthogonalTo"/> = X0 is given). Directions with singular
    /// values ≤ ResolvableFraction·(‖a‖ + <paramref name="scale"/>) are dropped. A kept direction weaker than
    /// <see cref="WeakDirection"/> of that is orthogonal to X0 only to ε/its size (a is X0's residual, orthogonal
    /// to ε relative to ‖a‖ + scale): the kept block gets one more Gram–Schmidt pass against X0, whose
    /// coefficients are returned as Along. With <paramref name="width"/> &gt; 0 the basis is completed to that
    /// width with <see cref="Padding"/> directions (<see cref="PaddingDirections"/>; their coefficients are zero).
    /// All decisions are taken on replicated R factors, so every rank takes the same one.</summary>
    protected (Block Q, Matrix<double> Coefficients, Matrix<double>? Along) SignificantDirections(Block a, double scale, int width, Block? orthogonalTo = null)
    {
        int c = a.Columns;
        var r = Orthonormalize(a);
        var (rU, rS, _) = SmallSvd.Of(r);
        double reference = r.FrobeniusNorm() + scale;
        int keep = Math.Min(rS.Count(sv => sv > ResolvableFraction * reference), width);   // width: at most the free directions of the grid
        bool weak = orthogonalTo is not null && keep > 0 && rS[keep - 1] < WeakDirection * reference;
        if (keep == c && width <= c && !weak) return (a, r, null);   // every direction resolved: Q itself, a = Q R
        Block kept;
        Matrix<double> coefficients;
        if (keep == c && !weak) (kept, coefficients) = (a, r);
        else
        {
            // Rotated to the singular directions of R (ordered), so that the weak ones are the last columns.
            var u = rU.SubMatrix(0, c, 0, keep);
            kept = Backend.Recombine(a, u);   // a·U in a's storage (a consumed): no second n_cells × c block
            coefficients = u.TransposeThisAndMultiply(r);
        }
        Matrix<double>? along = null;
        if (weak)
        {
            // Only the weak columns (singular values below WeakDirection·reference; the last ones, the SVD orders them)
            // need the pass: w = X0 C + Q2 R2  ⇒  a = strong·coef_s + X0 (C·coef_w) + Q2 (R2·coef_w). Q2 stays orthogonal
            // to the strong columns (they and w are orthonormal, and C is at rounding level relative to them).
            int first = Array.FindIndex(rS, v => v < WeakDirection * reference), kw = keep - first;
            using var w = Backend.Allocate(kept.Rows, kw);
            Backend.CopyColumns(kept, first, w, 0, kw);
            var weakCoefficients = coefficients.SubMatrix(first, kw, 0, c);
            along = ProjectOut(orthogonalTo!, w) * weakCoefficients;
            coefficients.SetSubMatrix(first, 0, Orthonormalize(w) * weakCoefficients);
            Backend.CopyColumns(w, 0, kept, first, kw);
        }
        if (width <= keep) return (kept, coefficients, along);

        int fill = width - keep;
        var extra = PaddingDirections(a.Rows, fill, orthogonalTo, keep > 0 ? kept : null);
        var basis = Backend.Allocate(a.Rows, width);
        if (keep > 0) Backend.CopyColumns(kept, 0, basis, 0, keep);
        Backend.CopyColumns(extra, 0, basis, keep, fill);
        kept.Dispose();
        extra.Dispose();
        var widened = Matrix<double>.Build.Dense(width, c);
        if (keep > 0) widened.SetSubMatrix(0, 0, coefficients);
        return (basis, widened, along);
    }

    /// <summary>First padding function tried for basis completion, and how many are tried at most.</summary>
    private const int FirstPadding = 1000, PaddingAttempts = 16;

    /// <summary><paramref name="count"/> orthonormal directions orthogonal to the given bases, deterministic (the
    /// same on every decomposition): the padding functions of the global cell index, orthonormalised, projected
    /// against both bases twice and orthonormalised again. A set that lost more than 90 % of a direction in the
    /// projection lies (nearly) in the bases already — padding functions taken in earlier steps are in X0 — and
    /// is replaced by the next set of padding functions; the test uses the replicated R factor only.</summary>
    private Block PaddingDirections(int rows, int count, Block? first, Block? second)
    {
        var cols = new double[rows * count];
        for (int attempt = 0; attempt < PaddingAttempts; attempt++)
        {
            for (int j = 0; j < count; j++) PaddingColumn(FirstPadding + attempt * count + j).CopyTo(cols, j * rows);
            var extra = Backend.Allocate(rows, count);
            Backend.Upload(cols, extra);
            Orthonormalize(extra);
            for (int pass = 0; pass < 2; pass++)
            {
                if (first is not null) ProjectOut(first, extra);
                if (second is not null) ProjectOut(second, extra);
            }
            var (_, sigma, _) = SmallSvd.Of(Orthonormalize(extra));
            if (sigma[^1] >= 0.1) return extra;
            extra.Dispose();
        }
        throw new InvalidOperationException($"no {count} padding directions independent of the basis in {PaddingAttempts} attempts");
    }

    /// <summary>Collectives spent on orthonormalisation (TSQR / CholeskyQR and the block Gram–Schmidt
    /// projections of the basis augmentation): the "QR's own" synchronisation points.</summary>
    public long OrthonormalisationCollectives { get; private set; }

    /// <summary>Largest entries of S within which K is not rescaled (<see cref="MagnitudeExponent"/>).</summary>
    private static readonly double UnscaledBelow = Math.ScaleB(1.0, -400), UnscaledAbove = Math.ScaleB(1.0, 400);

    /// <summary>The power of two e by which a block that scales with S (K, the residual of its augmentation) is
    /// divided before it is orthogonalised: 0 while the largest entry of S lies in [2⁻⁴⁰⁰, 2⁴⁰⁰], else its
    /// exponent (at most ±1000). A state that decayed towards zero would otherwise reach subnormal numbers,
    /// whose lost precision breaks the orthogonality of the new basis; scaling by a power of two is exact and
    /// the same on every rank (S is replicated), and within the range nothing changes, bit for bit.</summary>
    /// <summary>Divides <paramref name="k"/> (a block that scales with S) by 2^<see cref="MagnitudeExponent"/> and
    /// returns the exponent.</summary>
    protected int ScaleToUnitMagnitude(Block k)
    {
        int e = MagnitudeExponent();
        if (e != 0) Backend.Axpby(0.0, k, Math.ScaleB(1.0, -e), k);
        return e;
    }

    private int MagnitudeExponent()
    {
        double largest = 0;
        foreach (double v in S.Enumerate()) largest = Math.Max(largest, Math.Abs(v));
        if (largest == 0.0 || !double.IsFinite(largest) || (largest >= UnscaledBelow && largest <= UnscaledAbove)) return 0;
        return Math.Clamp(Math.ILogB(largest), -1000, 1000);
    }

    /// <summary><see cref="TallSkinnyQr.Orthonormalize"/>, counting its collectives.</summary>
    protected Matrix<double> Orthonormalize(Block a)
    {
        long before = Comm.Counters.CollectiveCalls;
        var r = Qr.Orthonormalize(a);
        OrthonormalisationCollectives += Comm.Counters.CollectiveCalls - before;
        return r;
    }

    /// <summary>y ← y − X0 (w X0ᵀ y); returns the removed coefficients w X0ᵀ y (one allreduce).</summary>
    private Matrix<double> ProjectOut(Block x0, Block y)
    {
        var proj = DistributedSums.WeightedGram(Backend, Comm, x0, y, Weight);
        OrthonormalisationCollectives++;
        Backend.MultiplySmall(x0, proj, -1.0, 1.0, y);
        return proj;
    }

    /// <summary>V̂ = [V0, Ṽ] with Ṽ the left singular vectors of (I − V0V0ᵀ)L above
    /// <see cref="ResolvableFraction"/> (at most n_moments − r of them), completed deterministically, and the
    /// coefficients V̂ᵀL.</summary>
    protected static (Matrix<double> VHat, Matrix<double> Coefficients) AugmentV(Matrix<double> v0, Matrix<double> l)
    {
        int m = v0.RowCount, r = v0.ColumnCount;
        var residual = l - v0 * v0.TransposeThisAndMultiply(l);
        residual -= v0 * v0.TransposeThisAndMultiply(residual);
        int room = m - r;
        var tilde = Matrix<double>.Build.Dense(m, 0);
        if (room > 0)
        {
            var (u, sigma, _) = SmallSvd.Of(residual);
            double cut = ResolvableFraction * Math.Max(l.FrobeniusNorm(), double.Epsilon);
            int keep = Math.Min(room, sigma.Count(s => s > cut));
            tilde = u.SubMatrix(0, m, 0, keep);
            tilde -= v0 * v0.TransposeThisAndMultiply(tilde);
            if (keep > 0) tilde = tilde.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        }
        // Width min(n_moments, r + columns of L), as orth([L, V0]); missing directions are the coordinate
        // (moment) vectors orthogonalised against the rest — deterministic, see ResolvableFraction.
        var vHat = Truncation.Complete(v0.Append(tilde), Math.Min(m, r + l.ColumnCount));
        return (vHat, vHat.TransposeThisAndMultiply(l));
    }

    /// <summary>Truncates the augmented coefficients Ŝ of the bases X̂ = [X0, X̃], V̂ and adopts the result:
    /// X ← X0 Px[0:r] + X̃ Px[r:], S, V ← V̂ Pv (X̃ is disposed). Returns the step's report.</summary>
    protected StepReport TruncateAndAdopt(Block xTilde, Matrix<double> vHat, Matrix<double> sHat, double dt)
    {
        using var _ = Phase("truncation");
        var options = FixedRank ? Options.Truncation with { RMin = Rank, RMax = Rank } : Options.Truncation;
        double density = options.RelativeTo == RelativeScale.Density ? (sHat * Problem.Basis.Mass.In(vHat)).L2Norm() : double.NaN;
        var t = Truncation.Truncate(sHat, options, Options.Conservative, dt, density);
        int r = X.Columns, kx = xTilde.Columns;
        // X1 = X0 Px[0:r] + X̃ Px[r:], in X0's storage where it has room (X0 is consumed).
        X = Backend.Recombine(X, t.Px.SubMatrix(0, r, 0, t.Rank), xTilde, kx > 0 ? t.Px.SubMatrix(r, kx, 0, t.Rank) : null);
        xTilde.Dispose();
        S = t.S;
        V = vHat * t.Pv;
        _version++;
        return new StepReport(Rank, t.DiscardedTail);
    }

    /// <summary>A per-cell relaxation of the mass density (<see cref="IRelaxable"/>) with V fixed: with K = X S and
    /// g = Vᵀd, K' = diag(c) K + (φ'/norm − c ∘ Kg) gᵀ is u' V for u' = the relaxed u (exactly so when d ∈ span V, as
    /// conservative truncation keeps it); X̂ = [X, X̃] with X̃ the part of K' outside span(X) (<see cref="AugmentX"/>,
    /// deterministic padding for weak directions), Ŝ = X̂ᵀW K' ((r + k) × r) on V̂ = V, truncated as every step (V's
    /// first column d is kept exactly by conservative truncation, and with it the new φ').</summary>
    public StepReport Relax(CellRelaxation relax, double dt)
    {
        using var _ = Phase("relaxation");
        int n = X.Rows, r = Rank;
        var mass = Problem.Basis.Mass;
        var g = mass.In(V);   // Vᵀd
        var k = Backend.Allocate(n, r);
        Backend.MultiplySmall(X, S, 1.0, 0.0, k);
        var kh = new double[n * r];
        Backend.Download(k, kh);
        var phi = new double[n];
        for (int j = 0; j < r; j++)
        {
            double gj = g[j];
            if (gj == 0.0) continue;
            for (int i = 0; i < n; i++) phi[i] += kh[j * n + i] * gj;
        }
        var along = (double[])phi.Clone();   // dᵀu_i = (K g)_i
        for (int i = 0; i < n; i++) phi[i] *= mass.Norm;
        var damping = new double[n];
        relax(phi, damping);
        for (int j = 0; j < r; j++)
        {
            double gj = g[j];
            var column = kh.AsSpan(j * n, n);
            if (gj == 0.0) for (int i = 0; i < n; i++) column[i] *= damping[i];
            else for (int i = 0; i < n; i++) column[i] = damping[i] * (column[i] - along[i] * gj) + phi[i] / mass.Norm * gj;
        }
        Backend.Upload(kh, k);
        var (xTilde, coefficients) = AugmentX(X, k);   // consumes K' (its storage may become X̃)
        return TruncateAndAdopt(xTilde, V, coefficients, dt);
    }

    /// <summary>Replaces the factors, bit for bit (a restart from a checkpoint): <paramref name="x"/> the rank-local
    /// rows of X (n_cells × r, column-major), <paramref name="s"/> r × r, <paramref name="v"/> n_moments × r.</summary>
    public void RestoreFactors(ReadOnlySpan<double> x, Matrix<double> s, Matrix<double> v)
    {
        int r = s.RowCount;
        if (s.ColumnCount != r || v.ColumnCount != r || v.RowCount != V.RowCount || x.Length != X.Rows * r)
            throw new ArgumentException($"factors X {x.Length} values, S {s.RowCount} × {s.ColumnCount}, V {v.RowCount} × {v.ColumnCount} " +
                                        $"do not fit n_cells = {X.Rows}, n_moments = {V.RowCount}");
        var restored = Backend.Allocate(X.Rows, r);
        Backend.Upload(x, restored);
        X.Dispose();
        X = restored;
        S = s.Clone();
        V = v.Clone();
        _version++;
    }

    // ---- global quantities ------------------------------------------------------------------------

    /// <summary>To be called when a subclass replaced the factors.</summary>
    protected void FactorsChanged() => _version++;

    /// <summary>w XᵀX of the last balance (replicated), for <see cref="RestoreOrthonormality"/>.</summary>
    private (long Version, Matrix<double> Gram)? _lastGram;

    /// <summary>Defects of the bases above which <see cref="RestoreOrthonormality"/> acts.</summary>
    private const double RestoreAbove = 1e-14;

    /// <summary>X1 = X̂ Px and V1 = V̂ Pv inherit the defect of the old bases plus the rounding of the products
    /// (≈ ε·r), so left alone the defect grows with the steps — and with it the error of every Galerkin projection,
    /// the mass of conservative truncation included (≈ the defect per step). When the defect of the last balance
    /// exceeds <see cref="RestoreAbove"/>, the bases are made orthonormal again without changing u = X S Vᵀ:
    /// X ← X Rx⁻¹, V ← V Rv⁻¹, S ← Rx S Rvᵀ with Rxᵀ Rx = w XᵀX (that balance's allreduced Gram: no collective,
    /// the same decision on every rank) and Rvᵀ Rv = VᵀV. V's first column (the conserved direction) stays itself
    /// exactly (Rv[0, 0] = 1).</summary>
    private void RestoreOrthonormality()
    {
        var identity = Matrix<double>.Build.DenseIdentity(Rank);
        if (_lastGram is { } g && g.Version == _version && (g.Gram - identity).Enumerate().Max(Math.Abs) > RestoreAbove)
        {
            var rx = g.Gram.Cholesky().Factor.Transpose();   // upper triangular, Rxᵀ Rx = G
            X = Backend.Recombine(X, rx.Inverse());   // in X's storage: no new n_cells × r block
            S = rx * S;
            _version++;
        }
        var gv = V.TransposeThisAndMultiply(V);
        if ((gv - identity).Enumerate().Max(Math.Abs) > RestoreAbove)
        {
            var rv = gv.Cholesky().Factor.Transpose();
            V *= rv.Inverse();
            S *= rv.Transpose();
            _version++;
        }
    }

    /// <summary>Incremented whenever the factors change: tells whether the last balance is still the current one.</summary>
    private long _version;
    private (long Version, double Time, SolverBalance Balance)? _lastBalance;

    /// <summary>Whether the integrator promises that mass changes only by outflow, absorption and sources (to
    /// rounding): the augmented and parallel BUG with conservative truncation.</summary>
    public bool Conserves => Options.Conservative && !FixedRank;

    /// <summary>dM/dt at the current factors and time <paramref name="t"/>: from the last balance when nothing changed
    /// since (the time loop takes one after every step), else one allreduce.</summary>
    private double NetRate(double t) =>
        _lastBalance is { } last && last.Version == _version && last.Time == t ? last.Balance.NetRate : Balance(t).NetRate;

    /// <summary>Mass, outflow, absorption, source and orthonormality defect with one allreduce of
    /// [1ᵀX, face sums of X, σ_aᵀX, XᵀX, source sums].</summary>
    public SolverBalance Balance(double t)
    {
        int r = Rank;
        var faces = Problem.Outflows;
        var sources = Problem.VolumeSources;
        int absorption = r + faces.Count * r, gram = absorption + (_absorption is null ? 0 : r), source = gram + r * r;
        int extra = source + sources.Count;
        var packed = new double[extra + _extraAbsorption.Length * r];
        Backend.ColumnSums(X).CopyTo(packed, 0);
        for (int f = 0; f < faces.Count; f++) Backend.ColumnSums(X, faces[f].Cells).CopyTo(packed, r + f * r);
        if (_absorption is not null) Backend.Gram(_absorption, X).AsColumnMajorArray().CopyTo(packed, absorption);
        Backend.Gram(X, X).AsColumnMajorArray().CopyTo(packed, gram);
        for (int j = 0; j < sources.Count; j++) packed[source + j] = Problem.SourceSum(sources[j], t);
        for (int e = 0; e < _extraAbsorption.Length; e++) Backend.Gram(_extraAbsorption[e], X).AsColumnMajorArray().CopyTo(packed, extra + e * r);
        if (Problem.HasNonlinearLoss) packed = [.. packed, Problem.LocalNonlinearLoss(t, X, S.TransposeAndMultiply(V))];
        DistributedSums.Complete(Comm, packed);
        var sv = S * Problem.Basis.Mass.In(V);   // S Vᵀd, d the mass direction
        double mass = Problem.MassWeight * Vector<double>.Build.Dense(packed[..r]).DotProduct(sv);
        double rate = 0;
        for (int f = 0; f < faces.Count; f++)
        {
            var sums = Vector<double>.Build.Dense(packed.AsSpan(r + f * r, r).ToArray());
            rate += sums.DotProduct(S * V.TransposeThisAndMultiply(Vector<double>.Build.Dense(faces[f].Weights))) + faces[f].Constant;
        }
        double absorbed = _absorption is null ? 0.0 : Problem.MassWeight * Vector<double>.Build.Dense(packed[absorption..gram]).DotProduct(sv);
        for (int e = 0; e < _extraAbsorption.Length; e++)
        {
            var sw = S * VelocitySpaces.RowCombination(V, Problem.ExtraAbsorption[e].Direction);   // S Vᵀw
            absorbed += Problem.MassWeight * Vector<double>.Build.Dense(packed.AsSpan(extra + e * r, r).ToArray()).DotProduct(sw);
        }
        if (Problem.HasNonlinearLoss) absorbed += packed[^1];   // the nonlinear loss counts as absorption
        double emitted = 0.0;
        for (int j = 0; j < sources.Count; j++) emitted += Problem.MassWeight * Problem.EmissionWeight(sources[j]) * packed[source + j];
        var gramX = Matrix<double>.Build.Dense(r, r, packed[gram..source]) * Weight;
        var gx = gramX - Matrix<double>.Build.DenseIdentity(r);
        var gv = V.TransposeThisAndMultiply(V) - Matrix<double>.Build.DenseIdentity(V.ColumnCount);
        var balance = new SolverBalance(mass, rate, Math.Max(gx.Enumerate().Max(Math.Abs), gv.Enumerate().Max(Math.Abs)), absorbed, emitted);
        _lastBalance = (_version, t, balance);
        _lastGram = (_version, gramX);
        return balance;
    }

    public double[] ScalarFlux()
    {
        var mass = Problem.Basis.Mass;
        var coefficient = (S * mass.In(V) * mass.Norm).ToColumnMatrix();   // φ is the mass density
        using var phi = Backend.Allocate(X.Rows, 1);
        Backend.MultiplySmall(X, coefficient, 1.0, 0.0, phi);
        var result = new double[X.Rows];
        Backend.Download(phi, result);
        return result;
    }

    public double[] Moments(IReadOnlyList<int> indices)
    {
        int n = X.Rows, k = indices.Count;
        var result = new double[n * k];
        var coefficients = Matrix<double>.Build.Dense(Rank, k);
        for (int c = 0; c < k; c++) coefficients.SetColumn(c, S * V.Row(indices[c]));   // u_i = X (S V(i,:)ᵀ)
        using var u = Backend.Allocate(n, k);
        Backend.MultiplySmall(X, coefficients, 1.0, 0.0, u);
        Backend.Download(u, result);
        return result;
    }

    public SolverStateKind StateKind => SolverStateKind.Factors;

    public SolverState Save()
    {
        var x = new double[X.Length];
        Backend.Download(X, x);
        return new FactorsState(x, S.Clone(), V.Clone());
    }

    public void Restore(SolverState state)
    {
        if (state is not FactorsState f) throw new ArgumentException($"{Name} keeps low-rank factors, not a {state.GetType().Name}", nameof(state));
        RestoreFactors(f.X, f.S, f.V);
    }

    /// <summary>The dense u = X S Vᵀ: a debugging aid only (it costs the full n_cells × n_moments memory).</summary>
    public double[] Moments()
    {
        using var u = Backend.Allocate(X.Rows, V.RowCount);
        Backend.MultiplySmall(X, S.TransposeAndMultiply(V), 1.0, 0.0, u);
        var result = new double[u.Length];
        Backend.Download(u, result);
        return result;
    }


    public void Dispose()
    {
        X.Dispose();
        _absorption?.Dispose();
        foreach (var b in _extraAbsorption) b.Dispose();
        GC.SuppressFinalize(this);
    }
}
