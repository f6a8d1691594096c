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
public sealed class KroneckerProblem(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm) : IKineticProblem, IVelocitySpaceSwap
{
    private readonly KroneckerProjections _projections = new(op, backend, haloExchange, comm);
    private Matrix<double>[]? _angularTransposed;
    private Halo? _halo;
    private RightHandSidePlan? _plan;

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

    /// <summary>result ← F(t, u) (<see cref="RightHandSide(double, Block, Block, double, Block?)"/>).</summary>
    public void RightHandSide(double t, Block u, Block result) => RightHandSide(t, u, result, 1.0, null);

    /// <summary>result ← z + alpha·F(t, u) (z = 0 when null; z = u, alpha = Δt is a forward-Euler step), in one pass of the
    /// backend over u (<see cref="IComputeBackend.StencilProducts"/>): the three-point stencil terms of each axis regrouped
    /// by stencil shape (<see cref="RightHandSidePlan"/>), the centres and spatially constant diagonals in one product, the
    /// varying diagonals and the sources in the same pass. Wide stencils and cell swaps (the second-order scheme) are added
    /// term by term after it, through one temporary (then z must be null).</summary>
    public void RightHandSide(double t, Block u, Block result, double alpha, Block? z)
    {
        // As deep as the widest stencil reaches (1 for three-point stencils).
        _halo ??= new Halo(op.Block, op.Basis.Count, op.Terms.Select(term => term.Spatial is AxisStencil w ? w.Reach : 1).DefaultIfEmpty(1).Max());
        _plan ??= new RightHandSidePlan(op);
        if (_plan.Rest.Length > 0 && (z is not null || alpha != 1.0))
            throw new InvalidOperationException("a fused update needs an operator of three-point stencils and diagonals only");
        haloExchange.Exchange(backend, u, _halo);
        var outer = op.Sources.Select(s => new OuterProduct(s.Spatial(t), s.Angular)).ToArray();
        backend.StencilProducts(op.Block, u, _halo, _plan.Products, outer, result, alpha, z);
        if (_plan.Rest.Length == 0) return;
        _angularTransposed ??= [.. op.Terms.Select(term => term.Angular.Transpose())];
        using var work = backend.Allocate(u.Rows, u.Columns);
        foreach (int k in _plan.Rest) AddTerm(k, u, result, work);
    }

    /// <summary>Whether <see cref="RightHandSide(double, Block, Block, double, Block?)"/> can fuse an update (z, alpha).</summary>
    public bool FusesUpdate => (_plan ??= new RightHandSidePlan(op)).Rest.Length == 0;

    /// <summary>result += (D_k u) B_kᵀ.</summary>
    private void AddTerm(int k, Block u, Block result, Block work)
    {
        backend.Clear(work);
        backend.ApplySpatial(op.Terms[k].Spatial, op.Block, u, _halo, 1.0, work);
        backend.MultiplySmall(work, _angularTransposed![k], 1.0, 1.0, result);
    }

    public bool CanSwapVelocitySpace => op.CanSwapVelocitySpace;

    /// <summary>The operator's angular parts made on <paramref name="basis"/> (<see cref="KineticOperator.SwapVelocitySpace"/>),
    /// then what this problem derived from them: the structured B_k of the projections, the transposes of the term-by-term
    /// path and the products of the plan (its grouping of the terms is kept). The halo and the projections' spatial data stay.</summary>
    public void SwapVelocitySpace(IVelocitySpace basis)
    {
        op.SwapVelocitySpace(basis);
        _projections.RefreshAngular();
        _angularTransposed = null;
        _plan = _plan?.Reassembled(op);
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

/// <summary>The terms Σ_k (D_k u) B_kᵀ of a <see cref="KineticOperator"/> as few structured products (D x)·B, built once.
/// A three-point stencil m S₋ + c I + p S₊ along an axis is ((m − p)/2) δ + ((m + p)/2) Δ² + (m + c + p) I with the central
/// difference δ = S₋ − S₊ and the second difference Δ² = S₋ − 2I + S₊, so per axis all its terms make one δ product (the
/// advection: Σ (m_k − p_k)/2 B_kᵀ, sparse A_d) and one Δ² product (the numerical diffusion: Σ (m_k + p_k)/2 B_kᵀ, block
/// diagonal |A_d| or ρ I); the identity parts and the diagonals that are constant on this block (σ_t, σ_s of a uniform
/// material) join one centre product. Varying diagonals stay products of their own; wide stencils and cell swaps are
/// left to the term-by-term path (<see cref="Rest"/>). Grouping by shift instead (S₋: A + |A|) would mix A_d's and
/// |A_d|'s patterns and lose the block structure. Every B is analysed by <see cref="StructuredMatrix"/>.</summary>
public sealed class RightHandSidePlan
{
    public RightHandSidePlan(KineticOperator op)
    {
        int dim = op.Block.Dimension;
        var centre = new List<(int, double?)>();
        var delta = new List<(int, double?)>?[dim];
        var second = new List<(int, double?)>?[dim];
        var varying = new List<(SpatialOperator Spatial, int Term)>();
        var rest = new List<int>();
        for (int k = 0; k < op.Terms.Count; k++)
        {
            var term = op.Terms[k];
            switch (term.Spatial)
            {
                case StencilOperator s:
                    if (s.Minus != s.Plus) (delta[s.Axis] ??= []).Add((k, 0.5 * (s.Minus - s.Plus)));
                    if (s.Minus != -s.Plus) (second[s.Axis] ??= []).Add((k, 0.5 * (s.Minus + s.Plus)));
                    if (s.Minus + s.Center + s.Plus != 0.0) centre.Add((k, s.Minus + s.Center + s.Plus));
                    break;
                case DiagonalOperator d when d.Weights.Length > 0 && d.Weights.AsSpan().IndexOfAnyExcept(d.Weights[0]) < 0:
                    if (d.Weights[0] != 0.0) centre.Add((k, d.Weights[0]));
                    break;
                case DiagonalOperator d:
                    varying.Add((d, k));
                    break;
                default:
                    rest.Add(k);
                    break;
            }
        }
        // The recipe of every product: its spatial part and the terms (with coefficients) whose B_kᵀ it sums, in term order.
        var recipe = new List<(SpatialOperator? Spatial, (int Term, double? Coefficient)[] Parts)>();
        if (centre.Count > 0) recipe.Add((null, [.. centre]));
        foreach (var (spatial, k) in varying) recipe.Add((spatial, [(k, null)]));
        for (int a = 0; a < dim; a++)
        {
            if (second[a] is { } s2) recipe.Add((new StencilOperator(a, 1.0, -2.0, 1.0), [.. s2]));
            if (delta[a] is { } s1) recipe.Add((new StencilOperator(a, 1.0, 0.0, -1.0), [.. s1]));
        }
        _recipe = [.. recipe];
        Products = Assemble(op, _recipe);
        Rest = [.. rest];
    }

    private RightHandSidePlan(KineticOperator op, RightHandSidePlan grouping)
    {
        _recipe = grouping._recipe;
        Products = Assemble(op, _recipe);
        Rest = grouping.Rest;
    }

    private readonly (SpatialOperator? Spatial, (int Term, double? Coefficient)[] Parts)[] _recipe;

    /// <summary>The plan of the same grouping on the operator's current angular matrices (after
    /// <see cref="KineticOperator.SwapVelocitySpace"/>): the products' matrices summed again, the classification of the
    /// spatial parts (an n_cells scan of each diagonal) kept.</summary>
    public RightHandSidePlan Reassembled(KineticOperator op) => new(op, this);

    /// <summary>Σ coefficient · B_kᵀ per product (a null coefficient: B_kᵀ itself), in term order.</summary>
    private static StencilProduct[] Assemble(KineticOperator op, (SpatialOperator? Spatial, (int Term, double? Coefficient)[] Parts)[] recipe)
    {
        var products = new StencilProduct[recipe.Length];
        for (int i = 0; i < recipe.Length; i++)
        {
            Matrix<double>? sum = null;
            foreach (var (k, coefficient) in recipe[i].Parts)
            {
                var bt = op.Terms[k].Angular.Transpose();
                if (coefficient is double c) bt *= c;
                sum = sum is null ? bt : sum + bt;
            }
            products[i] = new StencilProduct(recipe[i].Spatial, sum!);
        }
        return products;
    }

    /// <summary>The products, the centre first, then per axis Δ² and δ, with the varying diagonals in between.</summary>
    public IReadOnlyList<StencilProduct> Products { get; }

    /// <summary>The terms not in <see cref="Products"/> (wide stencils, cell swaps), in order.</summary>
    public int[] Rest { get; }
}
