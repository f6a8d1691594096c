using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Diagnostics;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>
/// What the low-rank step functions (<see cref="AugmentedBug"/>, <see cref="ParallelBug"/>, <see cref="FixedRankBug"/>)
/// work with, and the pieces they are composed of: the problem (the K-, L- and S-step right-hand sides and Galerkin
/// coefficients; it holds the halo exchange), the solver options (truncation, conservation, QR method), the
/// communicator and its tall-skinny QR, the compute backend, and the workspace (the padding columns, the phase timers,
/// the count of orthonormalisation collectives). The factors u ≈ X S Vᵀ are not part of it: a step function takes
/// them as a <see cref="LowRankFactors"/> value and replaces them.
/// </summary>
public sealed class LowRankContext
{
    public LowRankContext(IKineticProblem problem, IComputeBackend backend, ICommunicator comm, SolverOptions options, Func<int, int, double> padding)
    {
        Problem = problem;
        Backend = backend;
        Comm = comm;
        Options = options;
        Qr = new TallSkinnyQr(backend, comm, problem.Weight, options.Qr);
        Padding = padding;
    }

    /// <summary>The problem: the K-, L- and S-step right-hand sides and Galerkin coefficients, the balance terms.
    /// The integrators know nothing else of the equation.</summary>
    public IKineticProblem Problem { get; }
    public IComputeBackend Backend { get; }
    public ICommunicator Comm { get; }
    public SolverOptions Options { get; }
    public TallSkinnyQr Qr { get; }
    public double Weight => Problem.Weight;

    /// <summary>Whether the integrator keeps the truncation rank fixed (the fixed-rank BUG).</summary>
    public bool FixedRank => Options.Kind == SolverKind.FixedRankBug;

    /// <summary>Collects the time of each substep when set (K-step, L-step, S-step, augmentation, truncation).</summary>
    public PhaseTimers? Timers { get; set; }

    /// <summary>Times a phase when <see cref="Timers"/> is set.</summary>
    public IDisposable? Phase(string name) => Timers?.Measure(name);

    /// <summary>Deterministic functions of the global cell index (local cell, column) used to complete bases:
    /// the same on every decomposition, so serial and MPI runs build the same factors.</summary>
    public Func<int, int, double> Padding { get; }

    /// <summary>Padding functions <paramref name="first"/>, <paramref name="first"/> + 1, … on the local cells as a new
    /// block of <paramref name="count"/> columns, computed column by column through one n_cells × 1 staging block (no
    /// n_cells × count host array, no cache: the functions are a few operations a cell).</summary>
    private Block PaddingColumns(int first, int count)
    {
        int rows = Problem.Block.Count;
        var block = Backend.Allocate(rows, count);
        var column = new double[rows];
        using var staging = Backend.Allocate(rows, 1);
        for (int j = 0; j < count; j++)
        {
            for (int i = 0; i < rows; i++) column[i] = Padding(i, first + j);
            Backend.Upload(column, staging);
            Backend.CopyColumns(staging, 0, block, j, 1);
        }
        return block;
    }

    /// <summary>Kept directions whose singular value is below this fraction of the matrix they come from are
    /// orthogonal to the basis they were projected against only to ε/fraction (block Gram–Schmidt leaves the
    /// residual orthogonal to ε relative to the matrix, and normalising magnifies that): they get one more pass.</summary>
    private const double WeakDirection = 1e-4;

    /// <summary>New directions whose singular value is below this fraction of the matrix they come from (K's or L's
    /// residual over ‖K‖, ‖L‖) are fixed by the data only to δ/fraction (δ the relative rounding of that matrix), worse
    /// than 1e-8·(1/δ): the augmented BUG's S-step takes no normal block on them (<see cref="DropUnresolvedNormalBlock"/>).
    /// Chosen between the resolvable floor (<see cref="LowRankSolver.ResolvableFraction"/>, 1e-12) and the directions that
    /// carry accuracy at small θ (at 1e-6 and 1e-4 the lattice and small-θ tests of the augmented BUG exceed θ·t;
    /// docs/design.md, "Weak directions and the normal block").</summary>
    public const double UnresolvedDirection = 1e-8;

    // ---- substeps ---------------------------------------------------------------------------------

    /// <summary>Forward-Euler K-step: K = X0 S0 evolved with V0 fixed from t to t + dt, taken from X0 and S0
    /// without forming K: K1 = X0 S0 + dt·[Σ_k (D_k X0)(S0 M_k) + Q A]. X0 and one n_cells × r block are alive.</summary>
    public Block KStep(double t, double dt, Block x0, Matrix<double> s0, IAngularCoefficients a)
    {
        using var _ = Phase("K-step");
        var k1 = Backend.Allocate(x0.Rows, x0.Columns);
        Problem.KRightHandSide(t, x0, s0, a, dt, 0.0, k1, extra: s0);
        return k1;
    }

    /// <summary>w X0ᵀK(t1) without a cell sum: after the forward-Euler K-step from K = X0 S0,
    /// w X0ᵀK1 = S0 + Δt·[Σ_k G_k S0 M_k + s(t) A] — the forward-Euler Galerkin S-step from S0 on X0, V0
    /// (<paramref name="g0"/>, <paramref name="a0"/>).</summary>
    public Matrix<double> KnownProjection(double t, double dt, ISpatialCoefficients g0, IAngularCoefficients a0, Matrix<double> s0) => SStep(t, dt, g0, a0, s0);

    /// <summary>L-step: L = V0 S0ᵀ evolved with X0 fixed (its Galerkin coefficients g).</summary>
    public Matrix<double> LStep(double t, double dt, ISpatialCoefficients g, Matrix<double> s0, Matrix<double> v0)
    {
        using var _ = Phase("L-step");
        var l0 = v0 * s0.Transpose();
        return l0 + Problem.LRightHandSide(t, l0, g) * dt;
    }

    /// <summary>Galerkin coefficients of an orthonormal basis (one allreduce).</summary>
    public ISpatialCoefficients Galerkin(Block x, double[] times)
    {
        using var _ = Phase("Galerkin coefficients");
        return Problem.Spatial([x], null, times);
    }

    /// <summary>Angular coefficients of V.</summary>
    public IAngularCoefficients AngularGalerkin(Matrix<double> v)
    {
        using var _ = Phase("angular coefficients");
        return Problem.Angular(v);
    }

    /// <summary>S-step (Galerkin): S evolved on fixed bases.</summary>
    public Matrix<double> SStep(double t, double dt, ISpatialCoefficients g, IAngularCoefficients a, Matrix<double> s0)
    {
        using var _ = Phase("S-step");
        return s0 + Problem.SRightHandSide(t, s0, g, a) * dt;
    }

    // ---- bases ------------------------------------------------------------------------------------

    /// <summary>The augmented basis X̂ = [X0, X̃] (width 2r), returned as X̃ (X0 is not copied), with X̃ an
    /// orthonormal basis of the part of K outside span(X0), and the coefficients of K in X̂: K = X̂ C.
    /// <paramref name="magnitude"/> is the S that K scales with (K is divided by a power of two first when S is far from
    /// unit size, <see cref="ScaleToUnitMagnitude"/>); null: K is taken as it is.
    /// <paramref name="projection"/>, when given, is w X0ᵀK known without a cell sum (see
    /// <see cref="KnownProjection"/>) and replaces the first of the two Gram–Schmidt passes' sums.
    /// <paramref name="k"/> is consumed: the residual K − X0 X0ᵀWK (block Gram–Schmidt twice) is formed in its
    /// storage and factored by TSQR, Q R; directions whose singular values in R are at rounding level (K nearly
    /// in span X0) are replaced by deterministic padding directions orthogonal to X0 and the kept ones —
    /// Householder would fill them with rounding noise that depends on the decomposition. The padding keeps the
    /// width 2r of orth([K, X0]) (extra room for the Galerkin S-step) and makes every decomposition build the
    /// same X̂. <paramref name="complete"/> false: no padding, X̃ has only the resolved directions (for a basis that is
    /// already wide, such as the second augmentation of the midpoint BUG, where padding of a wide complement fails on
    /// small grids and adds nothing the step needs).</summary>
    public Augmentation<Block> AugmentX(Block x0, Block k, Matrix<double>? magnitude, Matrix<double>? projection = null, bool complete = true)
    {
        using var _ = Phase("basis augmentation");
        int r = x0.Columns, kc = k.Columns;
        int e = magnitude is null ? 0 : ScaleToUnitMagnitude(k, magnitude);   // K·2⁻ᵉ; the coefficients are scaled back below
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
        var (q, coefficients, along, unresolved) = SignificantDirections(k, p.FrobeniusNorm(), width, x0, complete);
        if (along is not null) p += along;   // the X0 part removed from weak directions by their extra pass
        int kx = q.Columns;
        var coeff = Matrix<double>.Build.Dense(r + kx, kc);
        coeff.SetSubMatrix(0, 0, p);
        if (kx > 0) coeff.SetSubMatrix(r, 0, coefficients);
        return new(q, e == 0 ? coeff : coeff * Math.ScaleB(1.0, e), unresolved);
    }

    /// <summary>The parts of X̂ = [X0, X̃] that have columns.</summary>
    public static Block[] Parts(Block x0, Block xTilde) => xTilde.Columns > 0 ? [x0, xTilde] : [x0];

    /// <summary>Galerkin coefficients of X̂ = [X0, X̃] (one allreduce), reusing those of X0.</summary>
    public ISpatialCoefficients Galerkin(Block x0, ISpatialCoefficients g0, Block xTilde, double[] times)
    {
        using var _ = Phase("Galerkin coefficients");
        return xTilde.Columns > 0 ? Problem.Spatial([x0, xTilde], g0, times) : g0;
    }

    /// <summary>An orthonormal basis of the range of <paramref name="a"/> (consumed) and the coefficients of a
    /// in it: a = Q C (+ X0·Along when <paramref name="orthogonalTo"/> = X0 is given). Directions with singular
    /// values ≤ LowRankSolver.ResolvableFraction·(‖a‖ + <paramref name="scale"/>) are dropped. A kept direction weaker than
    /// <see cref="WeakDirection"/> of that is orthogonal to X0 only to ε/its size (a is X0's residual, orthogonal
    /// to ε relative to ‖a‖ + scale): the kept block gets one more Gram–Schmidt pass against X0, whose
    /// coefficients are returned as Along. With <paramref name="width"/> &gt; 0 the basis is completed to that
    /// width with <see cref="Padding"/> directions (<see cref="PaddingDirections"/>; their coefficients are zero).
    /// Unresolved: the columns of Q weaker than <see cref="UnresolvedDirection"/> of that (when <paramref name="orthogonalTo"/>
    /// is given; they follow the stronger ones and precede the padding).
    /// All decisions are taken on replicated R factors, so every rank takes the same one.</summary>
    public (Block Q, Matrix<double> Coefficients, Matrix<double>? Along, Range Unresolved) SignificantDirections(Block a, double scale, int width, Block? orthogonalTo = null, bool complete = true)
    {
        int c = a.Columns;
        var r = Orthonormalize(a);
        var (rU, rS, _) = SmallSvd.Of(r);
        double reference = r.FrobeniusNorm() + scale;
        int keep = Math.Min(rS.Count(sv => sv > LowRankSolver.ResolvableFraction * reference), width);   // width: at most the free directions of the grid
        bool weak = orthogonalTo is not null && keep > 0 && rS[keep - 1] < WeakDirection * reference;
        if (keep == c && width <= c && !weak) return (a, r, null, 0..0);   // every direction resolved: Q itself, a = Q R
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
        var unresolved = keep..keep;
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
            int firstUnresolved = Array.FindIndex(rS, v => v < UnresolvedDirection * reference);   // ≥ first: UnresolvedDirection < WeakDirection
            unresolved = (firstUnresolved < 0 || firstUnresolved > keep ? keep : firstUnresolved)..keep;
        }
        if (width <= keep || !complete) return (kept, coefficients, along, unresolved);

        int fill = width - keep;
        var extra = PaddingDirections(a.Rows, fill, orthogonalTo, keep > 0 ? kept : null);
        Block basis;
        if (keep == 0) { kept.Dispose(); basis = extra; }
        else
        {
            // [kept, extra] = kept·[I 0] + extra·[0 I] in kept's storage (a's, of c ≥ width columns): exact (products
            // with 1 and 0), and no third n_cells-long block beside X0, kept and extra.
            var first = Matrix<double>.Build.Dense(keep, width);
            var second = Matrix<double>.Build.Dense(fill, width);
            for (int j = 0; j < keep; j++) first[j, j] = 1.0;
            for (int j = 0; j < fill; j++) second[j, keep + j] = 1.0;
            basis = Backend.Recombine(kept, first, extra, second);
            extra.Dispose();
        }
        var widened = Matrix<double>.Build.Dense(width, c);
        if (keep > 0) widened.SetSubMatrix(0, 0, coefficients);
        return (basis, widened, along, unresolved);
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
        for (int attempt = 0; attempt < PaddingAttempts; attempt++)
        {
            var extra = PaddingColumns(FirstPadding + attempt * count, count);
            Orthonormalize(extra);
            bool lost = false;
            for (int pass = 0; pass < 2 && !lost; pass++)
            {
                if (first is not null)
                {
                    var proj = ProjectOut(first, extra);
                    // The columns are orthonormal, so column j keeps 1 − Σ_i proj_ij² of its squared norm; projections
                    // never lengthen a column and the smallest singular value of the final R is at most its shortest
                    // column, so a column already below the 0.1 of the test (with a margin far above rounding) decides
                    // the attempt as the full test would: skip the remaining passes (the set lies in X0, typically the
                    // padding functions an earlier step adopted).
                    if (pass == 0) lost = Enumerable.Range(0, count).Any(j => 1.0 - proj.Column(j).DotProduct(proj.Column(j)) < 0.01 * (1 - 1e-6));
                }
                if (!lost && second is not null) ProjectOut(second, extra);
            }
            if (!lost)
            {
                var (_, sigma, _) = SmallSvd.Of(Orthonormalize(extra));
                if (sigma[^1] >= 0.1) return extra;
            }
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
    /// <summary>Divides <paramref name="k"/> (a block that scales with <paramref name="s"/>) by 2^<see cref="MagnitudeExponent"/> and
    /// returns the exponent.</summary>
    public int ScaleToUnitMagnitude(Block k, Matrix<double> s)
    {
        int e = MagnitudeExponent(s);
        if (e != 0) Backend.Axpby(0.0, k, Math.ScaleB(1.0, -e), k);
        return e;
    }

    private static int MagnitudeExponent(Matrix<double> s)
    {
        double largest = 0;
        foreach (double v in s.Enumerate()) largest = Math.Max(largest, Math.Abs(v));
        if (largest == 0.0 || !double.IsFinite(largest) || (largest >= UnscaledBelow && largest <= UnscaledAbove)) return 0;
        return Math.Clamp(Math.ILogB(largest), -1000, 1000);
    }

    /// <summary><see cref="TallSkinnyQr.Orthonormalize"/>, counting its collectives.</summary>
    public Matrix<double> Orthonormalize(Block a)
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
    /// <see cref="LowRankSolver.ResolvableFraction"/> (at most n_moments − r of them), completed deterministically, and the
    /// coefficients V̂ᵀL. Unresolved: the columns of Ṽ (counted from V̂'s column r) whose singular value is below
    /// <see cref="UnresolvedDirection"/> of ‖L‖ (<see cref="DropUnresolvedNormalBlock"/>).</summary>
    public static Augmentation<Matrix<double>> AugmentV(Matrix<double> v0, Matrix<double> l)
    {
        int m = v0.RowCount, r = v0.ColumnCount;
        var residual = l - v0 * v0.TransposeThisAndMultiply(l);
        residual -= v0 * v0.TransposeThisAndMultiply(residual);
        int room = m - r;
        var tilde = Matrix<double>.Build.Dense(m, 0);
        var unresolved = 0..0;
        if (room > 0)
        {
            var (u, sigma, _) = SmallSvd.Of(residual);
            double cut = LowRankSolver.ResolvableFraction * Math.Max(l.FrobeniusNorm(), double.Epsilon);
            int keep = Math.Min(room, sigma.Count(s => s > cut));
            double below = UnresolvedDirection * l.FrobeniusNorm();
            int resolved = Math.Min(keep, sigma.Count(s => s >= below));   // the SVD orders them: resolved, then unresolved
            unresolved = resolved..keep;
            tilde = u.SubMatrix(0, m, 0, keep);
            tilde -= v0 * v0.TransposeThisAndMultiply(tilde);
            if (keep > 0) tilde = tilde.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        }
        // Width min(n_moments, r + columns of L), as orth([L, V0]); missing directions are the coordinate
        // (moment) vectors orthogonalised against the rest — deterministic, see LowRankSolver.ResolvableFraction.
        var vHat = Truncation.Complete(v0.Append(tilde), Math.Min(m, r + l.ColumnCount));
        return new(vHat, vHat.TransposeThisAndMultiply(l), unresolved);
    }

    /// <summary>Zeroes the normal block of the augmented Galerkin coefficients Ŝ on X̂ = [X0, X̃], V̂ = [V0, Ṽ] (X0 and V0
    /// of <paramref name="r"/> columns) in the rows of X̃'s unresolved directions and the columns of Ṽ's: the entries
    /// Δt·x̃ᵀF(Y0)ṽ with x̃ or ṽ weaker than <see cref="UnresolvedDirection"/> of its source (K's or L's residual).
    /// Such a direction is fixed by the data only to δ/c (c its strength, δ the relative rounding of its source),
    /// yet the Galerkin S-step gives it coefficients of the size of Δt·F, independent of c: rounding amplified by
    /// Δt‖F‖/c, which made runs depend on the decomposition (docs/design.md, "Weak directions and the normal block").
    /// The other blocks — the columns of V0 (X̂ᵀK) and the rows of X0 — are untouched: they carry these directions with
    /// their own small weights, so K ∈ span X̂, exactness at r = n_moments (no Ṽ) and the conserved column (d ∈ V0)
    /// stay as they were. Without unresolved directions nothing changes, bit for bit.</summary>
    public static void DropUnresolvedNormalBlock(Matrix<double> sHat, int r, Range unresolvedX, Range unresolvedV)
    {
        int rows = sHat.RowCount, cols = sHat.ColumnCount;
        var (x0, xn) = unresolvedX.GetOffsetAndLength(rows - r);
        var (v0, vn) = unresolvedV.GetOffsetAndLength(cols - r);
        for (int i = r + x0; i < r + x0 + xn; i++)
            for (int j = r; j < cols; j++) sHat[i, j] = 0.0;
        for (int j = r + v0; j < r + v0 + vn; j++)
            for (int i = r; i < rows; i++) sHat[i, j] = 0.0;
    }

    /// <summary>The density's norm ‖Ŝ V̂ᵀd‖ when the tolerance is relative to it, else NaN (<see cref="Truncation.Truncate"/>).</summary>
    private double DensityNorm(Matrix<double> sHat, Matrix<double> vHat, TruncationOptions o) =>
        o.RelativeTo == RelativeScale.Density ? (sHat * Problem.Basis.Mass.In(vHat)).L2Norm() : double.NaN;

    /// <summary>The truncation of Ŝ on V̂ the step would make (<see cref="TruncateAndAdopt"/>), without adopting it.</summary>
    public TruncationResult Truncate(Matrix<double> sHat, Matrix<double> vHat, double dt)
    {
        var options = Options.Truncation;   // (the fixed-rank BUG does not ask: its rank is set, see TruncateAndAdopt)
        return Truncation.Truncate(sHat, options, Options.Conservative, dt, DensityNorm(sHat, vHat, options));
    }

    /// <summary>ϑ, the ℓ2 norm of singular values the truncation of Ŝ on V̂ may discard in a step of length dt.</summary>
    public double Tolerance(Matrix<double> sHat, Matrix<double> vHat, double dt)
    {
        var o = Options.Truncation;
        double density = DensityNorm(sHat, vHat, o);
        return o.Tolerance(dt, double.IsNaN(density) ? sHat.FrobeniusNorm() : density);
    }

    /// <summary>Truncations whose rank r_max held below what θ asked for (the discarded tail above ϑ), and the largest
    /// ratio tail / ϑ among them: the run log warns at the end (<c>RunDriver</c>), since θ did not decide there.</summary>
    public long CappedTruncations { get; private set; }

    /// <inheritdoc cref="CappedTruncations"/>
    public double CappedExcess { get; private set; }

    /// <summary>Steps the parallel BUG's step rejection repeated (<see cref="ParallelBug"/>).</summary>
    public long Rejections { get; set; }

    /// <summary>The factors on the augmented bases, for a repeated step: X ← [X0, X̃[:, :m]], V ← V̂[:, :r + m],
    /// S ← [[S0, 0], [0, 0]] (u unchanged; V's first column, the conserved direction, stays first). X0 = f.X and X̃
    /// are consumed.</summary>
    public void Lift(LowRankFactors f, Block xTilde, Matrix<double> vHat, int m)
    {
        int r = f.Rank;
        var x = Backend.Allocate(f.X.Rows, r + m);
        Backend.CopyColumns(f.X, 0, x, 0, r);
        Backend.CopyColumns(xTilde, 0, x, r, m);
        f.X.Dispose();
        xTilde.Dispose();
        var s = Matrix<double>.Build.Dense(r + m, r + m);
        s.SetSubMatrix(0, 0, f.S);
        f.X = x;
        f.S = s;
        f.V = vHat.SubMatrix(0, vHat.RowCount, 0, r + m);
    }

    /// <summary>Truncates the augmented coefficients Ŝ of the bases X̂ = [X0, X̃], V̂ and adopts the result:
    /// X ← X0 Px[0:r] + X̃ Px[r:], S, V ← V̂ Pv in <paramref name="f"/> (X0 = f.X consumed, X̃ disposed). Returns the step's report.</summary>
    public StepReport TruncateAndAdopt(LowRankFactors f, Block xTilde, Matrix<double> vHat, Matrix<double> sHat, double dt)
    {
        using var _ = Phase("truncation");
        var options = FixedRank ? Options.Truncation with { RMin = f.Rank, RMax = f.Rank } : Options.Truncation;
        double density = DensityNorm(sHat, vHat, options);
        var t = Truncation.Truncate(sHat, options, Options.Conservative, dt, density);
        if (!FixedRank && t.Rank >= options.RMax)
        {
            // The rank is at r_max and the tail it leaves may exceed ϑ: θ is then not what decided (reported at the end).
            double tolerance = options.Tolerance(dt, double.IsNaN(density) ? sHat.FrobeniusNorm() : density);
            if (t.DiscardedTail > tolerance) { CappedTruncations++; CappedExcess = Math.Max(CappedExcess, t.DiscardedTail / tolerance); }
        }
        int r = f.X.Columns, kx = xTilde.Columns;
        // X1 = X0 Px[0:r] + X̃ Px[r:], in X0's storage where it has room (X0 is consumed).
        f.X = Backend.Recombine(f.X, t.Px.SubMatrix(0, r, 0, t.Rank), xTilde, kx > 0 ? t.Px.SubMatrix(r, kx, 0, t.Rank) : null);
        xTilde.Dispose();
        f.S = t.S;
        f.V = vHat * t.Pv;
        return new StepReport(f.Rank, t.DiscardedTail);
    }
}

/// <summary>New basis directions and the coefficients of their source in the augmented basis (<see cref="LowRankContext.AugmentX"/>,
/// <see cref="LowRankContext.AugmentV"/>); <paramref name="Unresolved"/>: the new columns weaker than
/// <see cref="LowRankContext.UnresolvedDirection"/> of their source (<see cref="LowRankContext.DropUnresolvedNormalBlock"/>).</summary>
public readonly record struct Augmentation<TBasis>(TBasis Basis, Matrix<double> Coefficients, Range Unresolved)
{
    public void Deconstruct(out TBasis basis, out Matrix<double> coefficients)
    {
        basis = Basis;
        coefficients = Coefficients;
    }
}
