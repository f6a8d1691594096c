using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Diagnostics;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>
/// The low-rank solver: the factors u ≈ X S Vᵀ (X distributed by rows and orthonormal in the cell-volume inner
/// product, S and V replicated), one integrator's forward-Euler DLRA step (a step function over a
/// <see cref="LowRankContext"/>: <see cref="AugmentedBug"/>, <see cref="ParallelBug"/>, <see cref="FixedRankBug"/>,
/// chosen by <c>solver.kind</c>) and the global diagnostics. <see cref="Step"/> composes Euler steps into the
/// deck's SSP Runge–Kutta method (<see cref="ShuOsher"/>): every stage is a whole Euler DLRA step, combined with
/// the state at the start of the step and truncated again, so what an Euler step guarantees (exactness at
/// r = n_moments, conservation) holds for every stepper.
/// </summary>
public sealed class LowRankSolver : ISolver, IRelaxable, IAngularMap
{
    public LowRankSolver(LowRankSetup setup)
    {
        var (problem, backend, comm, stepper, options, phi0, padding, angle) = setup;
        Context = new LowRankContext(problem, backend, comm, options, padding);
        (_eulerStep, Name) = options.Kind switch
        {
            SolverKind.AugmentedBug => ((LowRankStep)AugmentedBug.EulerStep, AugmentedBug.Name(options.Conservative)),
            SolverKind.ParallelBug => (ParallelBug.EulerStep, ParallelBug.Name(options.Conservative)),
            SolverKind.FixedRankBug => (FixedRankBug.EulerStep, FixedRankBug.Name),
            SolverKind.MidpointBug => (null!, MidpointBug.Name(options.Conservative)),
            SolverKind.ParallelBug2 => (null!, ParallelBug2.Name(options.Conservative)),
            _ => throw new ArgumentException($"solver kind {options.Kind} is not a low-rank integrator", nameof(setup)),
        };
        _ownStep = options.Kind switch
        {
            SolverKind.MidpointBug => MidpointBug.Step,
            SolverKind.ParallelBug2 => ParallelBug2.Step,
            _ => null,
        };
        // A second-order integrator steps by itself: no Runge–Kutta method around it (the deck accepts only time.stepper: euler).
        if (_ownStep is not null && stepper != TimeStepperKind.ForwardEuler)
            throw new ArgumentException($"{Name} is second order by itself and takes no time stepper around it (got {stepper})", nameof(setup));
        Scheme = ShuOsher.Of(stepper);
        var (x0, s0, v0) = InitialFactors(problem, phi0, padding, angle ?? problem.Basis.Isotropic);
        Factors = new LowRankFactors(x0, s0, v0);
        if (problem.Absorption is { } sigmaA)
        {
            _absorption = backend.Allocate(problem.Block.Count, 1);
            backend.Upload(sigmaA, _absorption);
        }
        _extraAbsorption = [.. problem.ExtraAbsorption.Select(e => { var b = backend.Allocate(problem.Block.Count, 1); backend.Upload(e.Sigma, b); return b; })];
    }

    /// <summary>The integrator's forward-Euler DLRA step: from the current factors, truncated with the tolerance of a
    /// step of length dt; the factors are replaced.</summary>
    private readonly LowRankStep _eulerStep;

    /// <summary>The step of an integrator that is second order by itself (<see cref="MidpointBug"/>,
    /// <see cref="ParallelBug2"/>), used instead of <see cref="_eulerStep"/> and the stepper; null for the others.</summary>
    private readonly SecondOrderLowRankStep? _ownStep;

    /// <summary>What the step functions work with: problem, options, communicator and QR, backend, workspace.</summary>
    public LowRankContext Context { get; }

    /// <summary>The σ of <see cref="IKineticProblem.ExtraAbsorption"/> on the local cells.</summary>
    private readonly Block[] _extraAbsorption;

    /// <summary>σ_a on the local cells (n_cells × 1), for the absorption rate of the balance; null without absorption.</summary>
    private readonly Block? _absorption;

    /// <summary>New basis directions weaker than this fraction of the matrix they come from are not taken
    /// from the data: rounding (which differs between decompositions) determines such a direction only to
    /// about ε/fraction, and the Galerkin S-step gives it an O(Δt) coefficient — the run would depend on the
    /// rank count. They are replaced by deterministic padding directions instead (see SignificantDirections).
    /// What is dropped so is at most this fraction of the matrix per step: the floor of the agreement with full
    /// rank and of conservation. 1e-12 balances the two (docs/design.md, "Directions from the data"): measured on
    /// the MPI test decks, 1 vs 3 ranks differ by ≤ 7e-14 at 1e-12, ≤ 2.5e-13 at 1e-14; at the earlier 1e-8 the
    /// dropped directions broke conservation by up to 1e-8 and exactness at r = n_moments by 1e-9.</summary>
    public const double ResolvableFraction = 1e-12;

    private IComputeBackend Backend => Context.Backend;
    private ICommunicator Comm => Context.Comm;
    public SolverOptions Options => Context.Options;
    private IKineticProblem Problem => Context.Problem;
    private double Weight => Context.Weight;
    /// <summary>The SSP Runge–Kutta method whose forward-Euler stages are whole DLRA steps.</summary>
    private ShuOsher Scheme { get; }

    /// <summary>The state u ≈ X S Vᵀ, as one value (the solver steps it).</summary>
    public LowRankFactors Factors { get; }

    /// <summary>X: n_cells × r (local rows), Xᵀ W X = I.</summary>
    public Block X { get => Factors.X; private set => Factors.X = value; }
    /// <summary>S: r × r.</summary>
    public Matrix<double> S { get => Factors.S; private set => Factors.S = value; }
    /// <summary>V: n_moments × r, VᵀV = I.</summary>
    public Matrix<double> V { get => Factors.V; private set => Factors.V = value; }

    /// <summary>Collects the time of each substep when set (K-step, L-step, S-step, augmentation, truncation).</summary>
    public PhaseTimers? Timers { get => Context.Timers; set => Context.Timers = value; }

    private IDisposable? Phase(string name) => Context.Phase(name);

    public string Name { get; }
    public int Rank => S.RowCount;

    /// <summary>One forward-Euler DLRA step of the integrator (<see cref="_eulerStep"/>).</summary>
    private StepReport EulerStep(double t, double dt)
    {
        Problem.BeginStage(X, S, V);   // a stage of the stepper: the problem may freeze what it evaluates per stage
        var report = _eulerStep(Context, Factors, t, dt);
        _version++;
        return report;
    }

    /// <summary>Whether the integrator keeps the truncation rank fixed (the fixed-rank BUG).</summary>
    private bool FixedRank => Context.FixedRank;

    /// <summary>Collectives spent on orthonormalisation (TSQR / CholeskyQR and the block Gram–Schmidt
    /// projections of the basis augmentation): the "QR's own" synchronisation points.</summary>
    public long OrthonormalisationCollectives => Context.OrthonormalisationCollectives;

    /// <summary><see cref="LowRankContext.TruncateAndAdopt"/> on the solver's factors.</summary>
    private StepReport TruncateAndAdopt(Block xTilde, Matrix<double> vHat, Matrix<double> sHat, double dt)
    {
        var report = Context.TruncateAndAdopt(Factors, xTilde, vHat, sHat, dt);
        _version++;
        return report;
    }

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
        if (_ownStep is not null)
        {
            var own = _ownStep(Context, Factors, t, dt, RateOf);
            _version++;
            return own;
        }
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
    /// span(X0) (<see cref="LowRankContext.AugmentX"/>, X consumed; X0 copied, it serves later stages), V̂ = [V0, Ṽ]
    /// (<see cref="LowRankContext.AugmentV"/>), Ŝ = a [S0 0; 0 0] + (1 − a) Cx S Cvᵀ with X = X̂ Cx, V = V̂ Cv.</summary>
    private StepReport CombineWithStart(double a, Block x0, Matrix<double> s0, Matrix<double> v0, double dt)
    {
        using var _ = Phase("stage combination");
        var first = Backend.Allocate(x0.Rows, x0.Columns);
        Backend.CopyColumns(x0, 0, first, 0, x0.Columns);
        var (xTilde, cx) = Context.AugmentX(first, X, magnitude: null);   // X consumed
        var (vHat, cv) = LowRankContext.AugmentV(v0, V);
        var sHat = cx * S * cv.Transpose() * (1.0 - a);
        for (int i = 0; i < s0.RowCount; i++)
            for (int j = 0; j < s0.ColumnCount; j++) sHat[i, j] += a * s0[i, j];
        X = first;
        return TruncateAndAdopt(xTilde, vHat, sHat, dt);
    }

    /// <summary>Rank-one factors of the separable initial condition u0 = φ0 ιᵀ/norm (ι, norm: the velocity space's isotropic
    /// state, or an anisotropic initial angular state), padded to the initial rank with deterministic functions of the
    /// global cell index (the same on any decomposition). V0's first column is the mass direction d (conservative
    /// truncation keeps V's first column), then ι's part orthogonal to d when it has one, completed by coordinate
    /// vectors (<see cref="Truncation.Complete"/>).</summary>
    private (Block, Matrix<double>, Matrix<double>) InitialFactors(IKineticProblem op, double[] phi0, Func<int, int, double> padding, Angular.IsotropicState iota)
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
        var rFactor = Context.Orthonormalize(x);
        var v0 = InitialAngularBasis(op.Basis, r, iota);
        var inV0 = VelocitySpaces.RowCombination(v0, iota.Direction);   // V0ᵀι: ι ∈ span(V0)
        var d = Matrix<double>.Build.Dense(r, r);
        for (int j = 0; j < r; j++) d[0, j] = norm[0] > 0 ? inV0[j] / iota.Norm : 0.0;   // u0 = φ0 ιᵀ/norm (or 0)
        return (x, rFactor * d, v0);
    }

    /// <summary>[d, coordinate vectors orthogonalised against it] (n_moments × r): the mass direction first; the
    /// isotropic direction must lie in its span (it is d for P_N).</summary>
    private static Matrix<double> InitialAngularBasis(IVelocitySpace basis, int r, Angular.IsotropicState state)
    {
        var d = Matrix<double>.Build.Dense(basis.Count, 1, basis.Mass.Direction);
        var iota = Vector<double>.Build.Dense(state.Direction);
        if (!ReferenceEquals(state, basis.Isotropic) && r >= 2)
        {
            // An anisotropic initial direction: [d, its part orthogonal to d] first.
            var perp = iota - d.Column(0) * VelocitySpaces.Dot(basis.Mass.Direction, state.Direction);
            double length = perp.L2Norm();
            if (length > 1e-12)
            {
                var two = Matrix<double>.Build.Dense(basis.Count, 2);
                two.SetColumn(0, d.Column(0));
                two.SetColumn(1, perp / length);
                d = two;
            }
        }
        var v0 = Truncation.Complete(d, r);
        var residual = iota - v0 * VelocitySpaces.RowCombination(v0, state.Direction);
        if (residual.L2Norm() > 1e-12)
            throw new NotSupportedException("the isotropic direction of this velocity space is not in the initial angular basis");
        return v0;
    }

    /// <summary>A per-cell relaxation of the mass density (<see cref="IRelaxable"/>) with V fixed: with K = X S and
    /// g = Vᵀd, K' = diag(c) K + (φ'/norm − c ∘ Kg) gᵀ is u' V for u' = the relaxed u (exactly so when d ∈ span V, as
    /// conservative truncation keeps it); X̂ = [X, X̃] with X̃ the part of K' outside span(X) (<see cref="LowRankContext.AugmentX"/>,
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
        var (xTilde, coefficients) = Context.AugmentX(X, k, S);   // consumes K' (its storage may become X̃)
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
    /// rounding): the augmented, parallel, midpoint and second-order parallel BUG with conservative truncation.</summary>
    public bool Conserves => Options.Conservative && !FixedRank;

    /// <summary>dM/dt at the current factors and time <paramref name="t"/>: from the last balance when nothing changed
    /// since (the time loop takes one after every step), else one allreduce.</summary>
    private double NetRate(double t) =>
        _lastBalance is { } last && last.Version == _version && last.Time == t ? last.Balance.NetRate : Balance(t).NetRate;

    /// <summary>Mass, outflow, absorption, source and orthonormality defect with one allreduce of
    /// [1ᵀX, face sums of X, σ_aᵀX, XᵀX, source sums].</summary>
    public SolverBalance Balance(double t)
    {
        var (balance, gramX) = BalanceOf(X, S, V, t);
        _lastBalance = (_version, t, balance);
        _lastGram = (_version, gramX);
        return balance;
    }

    /// <summary>dM/dt of the state x s vᵀ (<see cref="MassRate"/>), for the states inside a step of a second-order
    /// integrator; one allreduce.</summary>
    private double RateOf(Block x, Matrix<double> s, Matrix<double> v, double t) => BalanceOf(x, s, v, t).Balance.NetRate;

    /// <summary>The balance of the state x s vᵀ and w xᵀx, with one allreduce (<see cref="Balance"/>).</summary>
    private (SolverBalance Balance, Matrix<double> GramX) BalanceOf(Block X, Matrix<double> S, Matrix<double> V, double t)
    {
        int r = S.RowCount;
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
        return (balance, gramX);
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

    /// <summary>u ← u Rᵀ on the factors (<see cref="IAngularMap"/>): V ← R V = Q T, S ← S Tᵀ; X untouched (n_moments × r work).</summary>
    public void MapAngular(Matrix<double> r)
    {
        if (r.RowCount != V.RowCount || r.ColumnCount != V.RowCount)
            throw new ArgumentException($"a {r.RowCount} × {r.ColumnCount} map for {V.RowCount} moments", nameof(r));
        var (q, t) = AngularMap.Turn(V, r);
        S *= t.Transpose();
        V = q;
        _version++;
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
