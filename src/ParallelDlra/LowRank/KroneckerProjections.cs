using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;

namespace ParallelDlra.LowRank;

/// <summary>The Galerkin coefficients of one basis pair, what every substep consumes.
/// Spatial side (needs a sum over cells): G_k = w XᵀD_kX and s_j(t) = w Xᵀq_j(t).
/// Angular side (replicated): M_k = VᵀB_kᵀV and a_j = Vᵀc_j.</summary>
public sealed record SpatialCoefficients(Matrix<double>[] G, Func<double, Matrix<double>> Source);

/// <inheritdoc cref="SpatialCoefficients"/>
public sealed record AngularCoefficients(Matrix<double>[] M, Matrix<double> Source);

/// <summary>
/// The three projections of the separable operator F(u) = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ that the
/// BUG-type integrators need (DESIGN §1):
///   K-step  dK/dt = F(K Vᵀ) V        = Σ_k D_k K M_k + Q_t A            (Q_t = [q_j(t)], A = [a_jᵀ])
///   L-step  dL/dt = F(X Lᵀ)ᵀ W X     = Σ_k B_k L G_kᵀ + C Sᵀ_t           (C = [c_j])
///   S-step  dS/dt = Xᵀ W F(X S Vᵀ) V = Σ_k G_k S M_k + S_t A
/// All spatial sums of one basis are packed into one allreduce. A nonlinear model would supply the same
/// three right-hand sides by quadrature.
/// Cost savers, all exact: for an orthonormal X the Galerkin matrices of the stencils along an axis follow
/// from the single product T_d = w XᵀS₋X with the shift S₋ (since S₊ = S₋ᵀ and w XᵀX = I:
/// w XᵀD X = m·T_d + c·I + p·T_dᵀ for D = m S₋ + c I + p S₊); spatially constant diagonals (uniform σ)
/// give c·I without any cell sum; angular products use the structure of B_k (<see cref="AngularMatrix"/>).
/// </summary>
public sealed class KroneckerProjections
{
    private readonly KineticOperator _op;
    private readonly IComputeBackend _backend;
    private readonly IHaloExchange _haloExchange;
    private readonly ICommunicator _comm;
    private readonly Dictionary<int, Halo> _halos = [];
    private readonly AngularMatrix[] _angular, _angularT;
    /// <summary>Per term: the spatially constant value of a diagonal term, or null.</summary>
    private readonly double?[] _constant;
    /// <summary>Axes that carry stencil terms, in order.</summary>
    private readonly int[] _axes;

    public KroneckerProjections(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm)
    {
        _op = op;
        _backend = backend;
        _haloExchange = haloExchange;
        _comm = comm;
        _angular = [.. op.Terms.Select(t => new AngularMatrix(t.Angular))];
        _angularT = [.. op.Terms.Select(t => new AngularMatrix(t.Angular.Transpose()))];
        _constant = new double?[op.Terms.Count];
        for (int k = 0; k < op.Terms.Count; k++)
        {
            if (op.Terms[k].Spatial is not DiagonalOperator diag) continue;
            Span<double> lo = [diag.Weights.Length > 0 ? diag.Weights.Min() : double.PositiveInfinity];
            Span<double> hi = [diag.Weights.Length > 0 ? diag.Weights.Max() : double.NegativeInfinity];
            comm.AllreduceMin(lo);
            comm.AllreduceMax(hi);
            if (lo[0] == hi[0]) _constant[k] = lo[0];
        }
        _axes = [.. op.Terms.Select(t => t.Spatial).OfType<StencilOperator>().Select(s => s.Axis).Distinct().Order()];
    }

    public KineticOperator Operator => _op;
    public double Weight => _op.Block.Grid.CellVolume;
    public int Moments => _op.Basis.Count;

    public AngularCoefficients Angular(Matrix<double> v)
    {
        var m = _angularT.Select(bt => v.TransposeThisAndMultiply(bt.Multiply(v))).ToArray();
        var a = Matrix<double>.Build.Dense(_op.Sources.Count, v.ColumnCount);
        for (int j = 0; j < _op.Sources.Count; j++) a.SetRow(j, v.TransposeThisAndMultiply(Vector<double>.Build.Dense(_op.Sources[j].Angular)));
        return new(m, a);
    }

    /// <summary>G_k and the source projections at the given times, with one allreduce.
    /// Precondition: x is orthonormal in the cell-volume inner product (w xᵀx = I), as every basis of the
    /// integrators is.</summary>
    public SpatialCoefficients Spatial(Block x, IReadOnlyList<double> times)
    {
        int r = x.Columns, terms = _op.Terms.Count, sources = _op.Sources.Count;
        var variable = Enumerable.Range(0, terms).Where(k => _op.Terms[k].Spatial is DiagonalOperator && _constant[k] is null).ToArray();
        var halo = HaloFor(r);
        _haloExchange.Begin(_backend, x, halo);   // overlapped with the sums that need no ghosts
        int blocks = _axes.Length + variable.Length;
        var packed = new double[blocks * r * r + times.Count * sources * r];
        using var dx = _backend.Allocate(x.Rows, r);
        int slot = _axes.Length;
        foreach (int k in variable)
        {
            _backend.Clear(dx);
            _backend.ApplySpatial(_op.Terms[k].Spatial, _op.Block, x, null, 1.0, dx);
            _backend.Gram(x, dx).AsColumnMajorArray().CopyTo(packed, slot++ * r * r);
        }
        int offset = blocks * r * r;
        using var q = sources > 0 ? _backend.Allocate(x.Rows, 1) : null;
        foreach (double t in times)
            for (int j = 0; j < sources; j++, offset += r)
            {
                _backend.Upload(_op.Sources[j].Spatial(t), q!);
                _backend.Gram(x, q!).AsColumnMajorArray().CopyTo(packed, offset);
            }
        _haloExchange.End();
        slot = 0;
        foreach (int axis in _axes)
        {
            _backend.Clear(dx);
            _backend.ApplySpatial(new StencilOperator(axis, 1.0, 0.0, 0.0), _op.Block, x, halo, 1.0, dx);
            _backend.Gram(x, dx).AsColumnMajorArray().CopyTo(packed, slot++ * r * r);
        }
        _comm.AllreduceSum(packed);
        for (int i = 0; i < packed.Length; i++) packed[i] *= Weight;

        Matrix<double> Slot(int i) => Matrix<double>.Build.Dense(r, r, packed.AsSpan(i * r * r, r * r).ToArray());
        var shifts = _axes.Select((_, i) => Slot(i)).ToArray();
        var identity = Matrix<double>.Build.DenseIdentity(r);
        var g = new Matrix<double>[terms];
        for (int k = 0; k < terms; k++)
        {
            g[k] = _op.Terms[k].Spatial switch
            {
                StencilOperator s => shifts[Array.IndexOf(_axes, s.Axis)] * s.Minus + identity * s.Center + shifts[Array.IndexOf(_axes, s.Axis)].Transpose() * s.Plus,
                DiagonalOperator when _constant[k] is double c => identity * c,
                _ => Slot(_axes.Length + Array.IndexOf(variable, k)),
            };
        }
        var bySource = new Dictionary<double, Matrix<double>>();
        offset = blocks * r * r;
        foreach (double t in times)
        {
            var s = Matrix<double>.Build.Dense(r, sources);
            for (int j = 0; j < sources; j++, offset += r) s.SetColumn(j, packed.AsSpan(offset, r).ToArray());
            bySource[t] = s;
        }
        return new(g, t => bySource.TryGetValue(t, out var s) ? s
            : throw new InvalidOperationException($"source projection at t = {t} was not prepared"));
    }

    /// <summary>result ← F(K Vᵀ) V for the angular coefficients of V.</summary>
    public void KRightHandSide(double t, Block k, AngularCoefficients a, Block result, Block work)
    {
        var halo = HaloFor(k.Columns);
        _haloExchange.Begin(_backend, k, halo);   // overlapped with the terms that need no ghosts
        // Spatially constant diagonals (uniform σ) together: K·Σ_k c_k M_k.
        var p0 = Matrix<double>.Build.Dense(k.Columns, k.Columns);
        for (int term = 0; term < _op.Terms.Count; term++)
            if (_constant[term] is double c) p0 += a.M[term] * c;
        _backend.MultiplySmall(k, p0, 1.0, 0.0, result);
        for (int term = 0; term < _op.Terms.Count; term++)
            if (_constant[term] is null && _op.Terms[term].Spatial is not StencilOperator) AddTerm(term, k, halo, a, result, work);
        for (int j = 0; j < _op.Sources.Count; j++) _backend.AddOuter(_op.Sources[j].Spatial(t), a.Source.Row(j).ToArray(), 1.0, result);
        _haloExchange.End();
        for (int term = 0; term < _op.Terms.Count; term++)
            if (_op.Terms[term].Spatial is StencilOperator) AddTerm(term, k, halo, a, result, work);
    }

    /// <summary>result += (D_term K) M_term.</summary>
    private void AddTerm(int term, Block k, Halo halo, AngularCoefficients a, Block result, Block work)
    {
        _backend.Clear(work);
        _backend.ApplySpatial(_op.Terms[term].Spatial, _op.Block, k, halo, 1.0, work);
        _backend.MultiplySmall(work, a.M[term], 1.0, 1.0, result);
    }

    /// <summary>dL/dt = Σ_k B_k L G_kᵀ + C s(t)ᵀ.</summary>
    public Matrix<double> LRightHandSide(double t, Matrix<double> l, SpatialCoefficients s)
    {
        var result = Matrix<double>.Build.Dense(l.RowCount, l.ColumnCount);
        for (int k = 0; k < _op.Terms.Count; k++) result += _angular[k].Multiply(l.TransposeAndMultiply(s.G[k]));
        if (_op.Sources.Count > 0)
        {
            var src = s.Source(t);
            for (int j = 0; j < _op.Sources.Count; j++)
                result += Vector<double>.Build.Dense(_op.Sources[j].Angular).OuterProduct(src.Column(j));
        }
        return result;
    }

    /// <summary>dS/dt = Σ_k G_k S M_k + s(t) A.</summary>
    public Matrix<double> SRightHandSide(double t, Matrix<double> sMat, SpatialCoefficients s, AngularCoefficients a)
    {
        var result = Matrix<double>.Build.Dense(sMat.RowCount, sMat.ColumnCount);
        for (int k = 0; k < _op.Terms.Count; k++) result += s.G[k] * sMat * a.M[k];
        if (_op.Sources.Count > 0) result += s.Source(t) * a.Source;
        return result;
    }

    private Halo HaloFor(int columns)
    {
        if (!_halos.TryGetValue(columns, out var h)) _halos[columns] = h = new Halo(_op.Block, columns);
        return h;
    }
}
