using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Kinetic;

/// <summary>
/// The separable problem F(u) = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ of a <see cref="KineticOperator"/> behind the problem
/// interface: the DLRA projections are <see cref="KroneckerProjections"/> (built here: its setup has collectives, so
/// every rank builds it at the same point, before the time loop), the full-rank right-hand side applies every term to u, and the
/// stability limit, outflow and balance terms are the operator's. The code of both is the code the solvers held
/// before the interface existed, moved, so every result is bit for bit the same.
/// </summary>
public sealed class KroneckerProblem(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm) : IKineticProblem
{
    private readonly KroneckerProjections _projections = new(op, backend, haloExchange, comm);
    private Matrix<double>[]? _angularTransposed;
    private Halo? _halo;

    /// <summary>The operator (its terms and sources; a test may add sources before the first step).</summary>
    public KineticOperator Operator => op;

    public IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => op.ExtraAbsorption;

    /// <summary>The DLRA projections of the operator.</summary>
    public KroneckerProjections Projections => _projections;

    public GridBlock Block => op.Block;
    public IVelocitySpace Basis => op.Basis;
    public double Weight => op.Block.Grid.CellVolume;

    public IAngularCoefficients Angular(Matrix<double> v) => Projections.Angular(v);

    public ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times) =>
        parts.Count == 1 && known is null ? Projections.Spatial(parts[0], times) : Projections.Spatial(parts, (SpatialCoefficients?)known, times);

    public void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra) =>
        Projections.KRightHandSide(t, x, c, (AngularCoefficients)a, alpha, beta, result, extra);

    public Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s) => Projections.LRightHandSide(t, l, (SpatialCoefficients)s);

    public Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a) =>
        Projections.SRightHandSide(t, s, (SpatialCoefficients)g, (AngularCoefficients)a);

    /// <summary>result ← F(t, u). The halo exchange is overlapped with the terms that need no ghosts
    /// (diagonals, sources); the stencil terms run after it completes.</summary>
    public void RightHandSide(double t, Block u, Block result)
    {
        // As deep as the widest stencil reaches (1 for three-point stencils).
        _halo ??= new Halo(op.Block, op.Basis.Count, op.Terms.Select(term => term.Spatial is AxisStencil w ? w.Reach : 1).DefaultIfEmpty(1).Max());
        _angularTransposed ??= [.. op.Terms.Select(term => term.Angular.Transpose())];
        using var work = backend.Allocate(u.Rows, u.Columns);
        haloExchange.Begin(backend, u, _halo);
        backend.Clear(result);
        for (int k = 0; k < op.Terms.Count; k++)
            if (op.Terms[k].Spatial is not (StencilOperator or AxisStencil)) AddTerm(k, u, result, work);
        foreach (var s in op.Sources) backend.AddOuter(s.Spatial(t), s.Angular, 1.0, result);
        haloExchange.End();
        for (int k = 0; k < op.Terms.Count; k++)
            if (op.Terms[k].Spatial is StencilOperator or AxisStencil) AddTerm(k, u, result, work);
    }

    /// <summary>result += (D_k u) B_kᵀ.</summary>
    private void AddTerm(int k, Block u, Block result, Block work)
    {
        backend.Clear(work);
        backend.ApplySpatial(op.Terms[k].Spatial, op.Block, u, _halo, 1.0, work);
        backend.MultiplySmall(work, _angularTransposed![k], 1.0, 1.0, result);
    }

    public double TimeStep(double cfl) => op.TimeStep(cfl);
    public double CheckerboardRate() => op.CheckerboardRate();
    public double LocalSigmaTMax => op.LocalSigmaTMax;
    public IReadOnlyList<FaceOutflow> Outflows => op.Outflows;
    public IReadOnlyList<SourceTerm> VolumeSources => op.VolumeSources;
    public double[]? Absorption => op.Absorption;
    public double SourceSum(SourceTerm source, double t) => op.SourceSum(source, t);
    public double MassWeight => op.MassWeight;
    public double EmissionWeight(SourceTerm source) => op.EmissionWeight(source);
}
