using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;

namespace ParallelDlra.Solvers;

/// <summary>The full-rank reference: evolves all n_cells × n_moments moments u with the same
/// discretisation the low-rank integrators use, du/dt = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ.</summary>
public sealed class FullRankSolver : ISolver
{
    private readonly KineticOperator _op;
    private readonly IComputeBackend _backend;
    private readonly IHaloExchange _haloExchange;
    private readonly ICommunicator _comm;
    private readonly TimeStepper _stepper;
    private readonly Block _u, _f, _term;
    private readonly Block? _stage;
    private readonly Halo _halo;
    private readonly Matrix<double>[] _angularTransposed;

    public FullRankSolver(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm,
        TimeStepperKind stepper, ReadOnlySpan<double> initialMoments)
    {
        _op = op;
        _backend = backend;
        _haloExchange = haloExchange;
        _comm = comm;
        _stepper = new TimeStepper(stepper, backend);
        int n = op.Block.Count, m = op.Basis.Count;
        _u = backend.Allocate(n, m);
        _f = backend.Allocate(n, m);
        _stage = stepper == TimeStepperKind.SspRk2 ? backend.Allocate(n, m) : null;
        _term = backend.Allocate(n, m);
        _halo = new Halo(op.Block, m);
        _angularTransposed = [.. op.Terms.Select(t => t.Angular.Transpose())];
        backend.Upload(initialMoments, _u);
    }

    public string Name => "full rank";
    public int Rank => _op.Basis.Count;

    /// <summary>out ← F(t, u). The halo exchange is overlapped with the terms that need no ghosts
    /// (diagonals, sources); the stencil terms run after it completes.</summary>
    public void RightHandSide(double t, Block u, Block result)
    {
        _haloExchange.Begin(_backend, u, _halo);
        _backend.Clear(result);
        for (int k = 0; k < _op.Terms.Count; k++)
            if (_op.Terms[k].Spatial is not StencilOperator) AddTerm(k, u, result);
        foreach (var s in _op.Sources) _backend.AddOuter(s.Spatial(t), s.Angular, 1.0, result);
        _haloExchange.End();
        for (int k = 0; k < _op.Terms.Count; k++)
            if (_op.Terms[k].Spatial is StencilOperator) AddTerm(k, u, result);
    }

    /// <summary>result += (D_k u) B_kᵀ.</summary>
    private void AddTerm(int k, Block u, Block result)
    {
        _backend.Clear(_term);
        _backend.ApplySpatial(_op.Terms[k].Spatial, _op.Block, u, _halo, 1.0, _term);
        _backend.MultiplySmall(_term, _angularTransposed[k], 1.0, 1.0, result);
    }

    public StepReport Step(double t, double dt)
    {
        _stepper.Advance(t, dt, _u, RightHandSide, _f, _stage ?? _f);
        return new StepReport(Rank, 0.0);
    }

    public SolverBalance Balance()
    {
        // One buffer: Σ_i u_i0, then per physical face Σ_{i ∈ face} u_i (all moments).
        int m = _op.Basis.Count;
        var faces = _op.Outflows;
        var packed = new double[1 + faces.Count * m];
        packed[0] = _backend.ColumnSums(_u)[0];
        for (int f = 0; f < faces.Count; f++) _backend.ColumnSums(_u, faces[f].Cells).CopyTo(packed, 1 + f * m);
        _comm.AllreduceSum(packed);
        double rate = 0.0;
        for (int f = 0; f < faces.Count; f++)
        {
            for (int a = 0; a < m; a++) rate += faces[f].Weights[a] * packed[1 + f * m + a];
            rate += faces[f].Constant; // the whole face's: added once, after the sum over ranks
        }
        return new SolverBalance(packed[0] * _op.MassWeight, rate, 0.0);
    }

    public double[] ScalarFlux()
    {
        var u0 = new double[_u.Rows];
        var all = Moments();
        for (int i = 0; i < u0.Length; i++) u0[i] = all[i] * _op.Basis.IsotropicMomentNorm;
        return u0;
    }

    public double[] Moments()
    {
        var all = new double[_u.Length];
        _backend.Download(_u, all);
        return all;
    }

    /// <summary>Replaces the state by <paramref name="moments"/> (rank-local u, n_cells × n_moments, column-major),
    /// bit for bit: a restart from a checkpoint.</summary>
    public void RestoreMoments(ReadOnlySpan<double> moments)
    {
        if (moments.Length != _u.Length)
            throw new ArgumentException($"{moments.Length} values for a state of {_u.Rows} × {_u.Columns}", nameof(moments));
        _backend.Upload(moments, _u);
    }

    public void Dispose()
    {
        _u.Dispose();
        _f.Dispose();
        _term.Dispose();
        _stage?.Dispose();
    }
}
