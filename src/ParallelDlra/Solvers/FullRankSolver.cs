using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Solvers;

/// <summary>The full-rank reference: evolves all n_cells × n_moments moments u with the same
/// discretisation the low-rank integrators use, du/dt = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ.</summary>
public sealed class FullRankSolver : ISolver, IRelaxable, IAngularMap
{
    private readonly IKineticProblem _op;
    private readonly IComputeBackend _backend;
    private readonly ICommunicator _comm;
    private readonly TimeStepper _stepper;
    private Block _u, _f;
    private readonly Block? _stage;

    /// <summary>The full-rank solver of the separable operator <paramref name="op"/> (a <see cref="KroneckerProblem"/>).</summary>
    public FullRankSolver(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm,
        TimeStepperKind stepper, ReadOnlySpan<double> initialMoments)
        : this(new KroneckerProblem(op, backend, haloExchange, comm), backend, comm, stepper, initialMoments)
    {
    }

    /// <summary>The full-rank solver of any problem: it consumes only <see cref="IKineticProblem.RightHandSide"/> and
    /// the balance terms.</summary>
    public FullRankSolver(IKineticProblem problem, IComputeBackend backend, ICommunicator comm,
        TimeStepperKind stepper, ReadOnlySpan<double> initialMoments)
    {
        _op = problem;
        _backend = backend;
        _comm = comm;
        _stepper = new TimeStepper(stepper, backend);
        int n = problem.Block.Count, m = problem.Basis.Count;
        _u = backend.Allocate(n, m);
        _f = backend.Allocate(n, m);
        _stage = stepper != TimeStepperKind.ForwardEuler ? backend.Allocate(n, m) : null;
        backend.Upload(initialMoments, _u);
        if (problem.Absorption is { } sigmaA)
        {
            _absorption = backend.Allocate(n, 1);
            backend.Upload(sigmaA, _absorption);
        }
        _extraAbsorption = [.. problem.ExtraAbsorption.Select(e => { var b = backend.Allocate(n, 1); backend.Upload(e.Sigma, b); return b; })];
    }

    /// <summary>The σ of <see cref="IKineticProblem.ExtraAbsorption"/> on the local cells.</summary>
    private readonly Block[] _extraAbsorption;

    /// <summary>σ_a on the local cells (n_cells × 1) for the absorption rate; null without absorption.</summary>
    private readonly Block? _absorption;
    /// <summary>The last balance, valid while <see cref="_u"/> is unchanged (the time loop takes one after every step).</summary>
    private (long Version, double Time, SolverBalance Balance)? _lastBalance;
    private long _version;

    public bool Conserves => true;

    public string Name => "full rank";
    public int Rank => _op.Basis.Count;

    /// <summary>out ← F(t, u): the problem's right-hand side.</summary>
    public void RightHandSide(double t, Block u, Block result) => _op.RightHandSide(t, u, result);

    public StepReport Step(double t, double dt)
    {
        var rates = new double[_stepper.Scheme.Stages];
        if (_stepper.Kind == TimeStepperKind.ForwardEuler && _op is KroneckerProblem { FusesUpdate: true } fused)
        {
            // u + Δt F(u) in one pass into the second block, which then becomes u (two copies of u in all).
            rates[0] = _lastBalance is { } known && known.Version == _version && known.Time == t ? known.Balance.NetRate : Balance(_u, t).NetRate;
            fused.RightHandSide(t, _u, _f, dt, _u);
            (_u, _f) = (_f, _u);
            _version++;
            return new StepReport(Rank, 0.0, _stepper.Scheme.MassChange(dt, rates));
        }
        _stepper.Advance(t, dt, _u, RightHandSide, _f, _stage ?? _f, (stage, time, y) =>
            rates[stage] = stage == 0 && _lastBalance is { } last && last.Version == _version && last.Time == time
                ? last.Balance.NetRate : Balance(y, time).NetRate);
        _version++;
        return new StepReport(Rank, 0.0, _stepper.Scheme.MassChange(dt, rates));
    }

    public SolverBalance Balance(double t)
    {
        var balance = Balance(_u, t);
        _lastBalance = (_version, t, balance);
        return balance;
    }

    /// <summary>The balance of the moments <paramref name="u"/> at time t with one allreduce of
    /// [Σ_i dᵀu_i, per physical face Σ_{i ∈ face} u_i (all moments), Σ_i σ_a,i dᵀu_i, source sums], d the mass direction.</summary>
    private SolverBalance Balance(Block u, double t)
    {
        int m = _op.Basis.Count;
        var faces = _op.Outflows;
        var sources = _op.VolumeSources;
        int absorption = 1 + faces.Count * m, source = absorption + 1;
        int extra = source + sources.Count;
        var packed = new double[extra + _extraAbsorption.Length];
        var mass = _op.Basis.Mass;
        packed[0] = _backend.SumAlong(u, mass.Direction);   // only the columns the mass direction holds
        for (int f = 0; f < faces.Count; f++) _backend.ColumnSums(u, faces[f].Cells).CopyTo(packed, 1 + f * m);
        if (_absorption is not null) packed[absorption] = mass.Along(_backend.Gram(_absorption, u).ToColumnMajorArray());   // σ_aᵀu: 1 × n_moments
        for (int j = 0; j < sources.Count; j++) packed[source + j] = _op.SourceSum(sources[j], t);
        for (int e = 0; e < _extraAbsorption.Length; e++)
            packed[extra + e] = VelocitySpaces.Dot(_op.ExtraAbsorption[e].Direction, _backend.Gram(_extraAbsorption[e], u).ToColumnMajorArray());
        if (_op.HasNonlinearLoss) packed = [.. packed, _op.LocalNonlinearLoss(t, u, Matrix<double>.Build.DenseIdentity(m))];
        DistributedSums.Complete(_comm, packed);
        for (int e = 0; e < _extraAbsorption.Length; e++) packed[absorption] += packed[extra + e];
        double rate = 0.0;
        for (int f = 0; f < faces.Count; f++)
        {
            for (int a = 0; a < m; a++) rate += faces[f].Weights[a] * packed[1 + f * m + a];
            rate += faces[f].Constant; // the whole face's: added once, after the sum over ranks
        }
        double emitted = 0.0;
        for (int j = 0; j < sources.Count; j++) emitted += _op.MassWeight * _op.EmissionWeight(sources[j]) * packed[source + j];
        double absorbed = packed[absorption] * _op.MassWeight;
        if (_op.HasNonlinearLoss) absorbed += packed[^1];   // the nonlinear loss counts as absorption
        return new SolverBalance(packed[0] * _op.MassWeight, rate, 0.0, absorbed, emitted);
    }

    public double[] ScalarFlux()
    {
        return _op.Basis.Mass.Density(Moments(), _u.Rows);   // φ is the mass density
    }

    public double[] Moments()
    {
        var all = new double[_u.Length];
        _backend.Download(_u, all);
        return all;
    }

    public double[] Moments(IReadOnlyList<int> indices)
    {
        var all = Moments();
        int n = _u.Rows, k = indices.Count;
        var result = new double[n * k];
        for (int c = 0; c < k; c++) Array.Copy(all, indices[c] * n, result, c * n, n);
        return result;
    }

    /// <summary>u_i ← c_i (u_i − (dᵀu_i) d) + (φ'_i/norm) d per cell (<see cref="IRelaxable"/>), on a host copy of u.</summary>
    public StepReport Relax(CellRelaxation relax, double dt)
    {
        var u = Moments();
        int n = _u.Rows, m = _u.Columns;
        var mass = _op.Basis.Mass;
        var direction = mass.Direction;
        var phi = mass.Density(u, n);
        var along = new double[n];
        for (int i = 0; i < n; i++) along[i] = phi[i] / mass.Norm;   // dᵀu_i
        var damping = new double[n];
        relax(phi, damping);
        for (int a = 0; a < m; a++)
        {
            double da = direction[a];
            var column = u.AsSpan(a * n, n);
            if (da == 0.0) for (int i = 0; i < n; i++) column[i] *= damping[i];
            else for (int i = 0; i < n; i++) column[i] = damping[i] * (column[i] - along[i] * da) + phi[i] / mass.Norm * da;
        }
        _backend.Upload(u, _u);
        _version++;
        return new StepReport(Rank, 0.0);
    }

    /// <summary>u ← u Rᵀ on the backend, into the second block, which then becomes u (<see cref="IAngularMap"/>).</summary>
    public void MapAngular(Matrix<double> r)
    {
        if (r.RowCount != _u.Columns || r.ColumnCount != _u.Columns)
            throw new ArgumentException($"a {r.RowCount} × {r.ColumnCount} map for {_u.Columns} moments", nameof(r));
        _backend.MultiplySmall(_u, Matrix<double>.Build.DenseOfMatrix(r.Transpose()), 1.0, 0.0, _f);   // dense: cheap lookups, zeros skipped
        (_u, _f) = (_f, _u);
        _version++;
    }

    public SolverStateKind StateKind => SolverStateKind.Moments;

    public SolverState Save() => new MomentsState(Moments());

    public void Restore(SolverState state)
    {
        if (state is not MomentsState m) throw new ArgumentException($"{Name} keeps the moments u, not a {state.GetType().Name}", nameof(state));
        RestoreMoments(m.U);
    }

    /// <summary>Replaces the state by <paramref name="moments"/> (rank-local u, n_cells × n_moments, column-major),
    /// bit for bit: a restart from a checkpoint.</summary>
    public void RestoreMoments(ReadOnlySpan<double> moments)
    {
        if (moments.Length != _u.Length)
            throw new ArgumentException($"{moments.Length} values for a state of {_u.Rows} × {_u.Columns}", nameof(moments));
        _backend.Upload(moments, _u);
        _version++;
    }

    public void Dispose()
    {
        _u.Dispose();
        _f.Dispose();
        _stage?.Dispose();
        _absorption?.Dispose();
        foreach (var b in _extraAbsorption) b.Dispose();
    }
}
