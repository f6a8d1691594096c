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
/// </summary>
public sealed class KroneckerProjections(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm)
{
    private readonly Dictionary<int, Halo> _halos = [];
    private readonly Matrix<double>[] _angularT = [.. op.Terms.Select(t => t.Angular.Transpose())];

    public KineticOperator Operator => op;
    public double Weight => op.Block.Grid.CellVolume;
    public int Moments => op.Basis.Count;
    public int CollectiveCalls { get; private set; }

    public AngularCoefficients Angular(Matrix<double> v)
    {
        var m = _angularT.Select(bt => v.TransposeThisAndMultiply(bt * v)).ToArray();
        var a = Matrix<double>.Build.Dense(op.Sources.Count, v.ColumnCount);
        for (int j = 0; j < op.Sources.Count; j++) a.SetRow(j, v.TransposeThisAndMultiply(Vector<double>.Build.Dense(op.Sources[j].Angular)));
        return new(m, a);
    }

    /// <summary>G_k and the source projections at the given times, with one allreduce.</summary>
    public SpatialCoefficients Spatial(Block x, IReadOnlyList<double> times)
    {
        int r = x.Columns, terms = op.Terms.Count, sources = op.Sources.Count;
        var halo = HaloFor(r);
        haloExchange.Exchange(backend, x, halo);
        var packed = new double[terms * r * r + times.Count * sources * r];
        using var dx = backend.Allocate(x.Rows, r);
        for (int k = 0; k < terms; k++)
        {
            backend.Clear(dx);
            backend.ApplySpatial(op.Terms[k].Spatial, op.Block, x, halo, 1.0, dx);
            backend.Gram(x, dx).AsColumnMajorArray().CopyTo(packed, k * r * r);
        }
        int offset = terms * r * r;
        using var q = sources > 0 ? backend.Allocate(x.Rows, 1) : null;
        foreach (double t in times)
            for (int j = 0; j < sources; j++, offset += r)
            {
                backend.Upload(op.Sources[j].Spatial(t), q!);
                backend.Gram(x, q!).AsColumnMajorArray().CopyTo(packed, offset);
            }
        comm.AllreduceSum(packed);
        CollectiveCalls++;
        for (int i = 0; i < packed.Length; i++) packed[i] *= Weight;
        var g = Enumerable.Range(0, terms).Select(k => Matrix<double>.Build.Dense(r, r, packed.AsSpan(k * r * r, r * r).ToArray())).ToArray();
        var bySource = new Dictionary<double, Matrix<double>>();
        offset = terms * r * r;
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
        haloExchange.Exchange(backend, k, halo);
        backend.Clear(result);
        for (int term = 0; term < op.Terms.Count; term++)
        {
            backend.Clear(work);
            backend.ApplySpatial(op.Terms[term].Spatial, op.Block, k, halo, 1.0, work);
            backend.MultiplySmall(work, a.M[term], 1.0, 1.0, result);
        }
        for (int j = 0; j < op.Sources.Count; j++) backend.AddOuter(op.Sources[j].Spatial(t), a.Source.Row(j).ToArray(), 1.0, result);
    }

    /// <summary>dL/dt = Σ_k B_k L G_kᵀ + C s(t)ᵀ.</summary>
    public Matrix<double> LRightHandSide(double t, Matrix<double> l, SpatialCoefficients s)
    {
        var result = Matrix<double>.Build.Dense(l.RowCount, l.ColumnCount);
        for (int k = 0; k < op.Terms.Count; k++) result += op.Terms[k].Angular * l.TransposeAndMultiply(s.G[k]);
        if (op.Sources.Count > 0)
        {
            var src = s.Source(t);
            for (int j = 0; j < op.Sources.Count; j++)
                result += Vector<double>.Build.Dense(op.Sources[j].Angular).OuterProduct(src.Column(j));
        }
        return result;
    }

    /// <summary>dS/dt = Σ_k G_k S M_k + s(t) A.</summary>
    public Matrix<double> SRightHandSide(double t, Matrix<double> sMat, SpatialCoefficients s, AngularCoefficients a)
    {
        var result = Matrix<double>.Build.Dense(sMat.RowCount, sMat.ColumnCount);
        for (int k = 0; k < op.Terms.Count; k++) result += s.G[k] * sMat * a.M[k];
        if (op.Sources.Count > 0) result += s.Source(t) * a.Source;
        return result;
    }

    private Halo HaloFor(int columns)
    {
        if (!_halos.TryGetValue(columns, out var h)) _halos[columns] = h = new Halo(op.Block, columns);
        return h;
    }
}
