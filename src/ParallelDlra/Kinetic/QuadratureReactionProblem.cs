using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Kinetic;

/// <summary>
/// A non-separable problem: a linear problem (transport and collisions: any <see cref="IKineticProblem"/>) plus the
/// nonlinear loss −κ |ψ| ψ, pointwise in space and direction,
///   ∂t ψ + Ω·∇ψ + σ_t ψ = σ_s φ/|S| + Q/|S| − κ |ψ| ψ,
/// projected onto the moments with a velocity quadrature (nodes Ω_q, weights w_q, values M[q, a] = m_a(Ω_q)):
///   N(u)_i = −κ Mᵀ W_q f(M u_i),   f(ψ) = |ψ| ψ,   i.e. N(u) = −κ f(u Mᵀ) W_q M for u (n_cells × n_moments).
/// No Kronecker form exists, so the DLRA projections are evaluated on the factors by quadrature (DESIGN §1, §8):
/// ψ at the nodes is never formed from u but from the factors, an n_cells × n_q block,
///   K-step  N(K Vᵀ) V          = −κ f(K (MV)ᵀ) (W_q M V)
///   L-step  N(X Lᵀ)ᵀ W X       = −κ Mᵀ W_q (w f(X (ML)ᵀ)ᵀ X)
///   S-step  Xᵀ W N(X S Vᵀ) V   = −κ (w Xᵀ f(X S (MV)ᵀ)) (W_q M V),
/// each L- and S-step with one collective (the n_q × r cell sum). Cost n_cells × n_q × r, never n_cells × n_moments.
/// The loss removes mass at the rate κ Σ_i |cell| Σ_q w_q (M d)_q norm f(ψ_iq) (= κ ∫∫ |ψ| ψ for P_N), which the
/// balance counts as absorption. The elementwise f runs on the host (a download and an upload of the n_cells × n_q
/// block per evaluation): a model problem for the seam, not tuned for a GPU.
/// The stability limit is the linear part's: the linearised reaction adds the damping 2κ|ψ|, which a deck must
/// keep small against 2/Δt.
/// </summary>
public sealed class QuadratureReactionProblem : IKineticProblem
{
    private readonly IKineticProblem _linear;
    private readonly IComputeBackend _backend;
    private readonly ICommunicator _comm;
    private readonly double _kappa;
    /// <summary>M (n_q × n_moments), W_q M, and (M d)_q ∘ w_q · norm (the mass weight of each node).</summary>
    private readonly Matrix<double> _values, _weightedValues;
    private readonly double[] _massAtNodes;

    public QuadratureReactionProblem(IKineticProblem linear, VelocityQuadrature quadrature, double kappa, IComputeBackend backend, ICommunicator comm)
    {
        if (quadrature.Values.ColumnCount != linear.Basis.Count)
            throw new ArgumentException($"a quadrature of {quadrature.Values.ColumnCount} moments for a velocity space of {linear.Basis.Count}", nameof(quadrature));
        ArgumentOutOfRangeException.ThrowIfNegative(kappa);
        _linear = linear;
        _backend = backend;
        _comm = comm;
        _kappa = kappa;
        Quadrature = quadrature;
        _values = quadrature.Values;
        _weightedValues = Matrix<double>.Build.DenseOfDiagonalArray(quadrature.Weights) * _values;
        var mass = linear.Basis.Mass;
        var md = VelocitySpaces.ColumnCombination(_values, mass.Direction);
        _massAtNodes = [.. Enumerable.Range(0, quadrature.Count).Select(q => md[q] * quadrature.Weights[q] * mass.Norm)];
    }

    /// <summary>The velocity quadrature the reaction is evaluated with.</summary>
    public VelocityQuadrature Quadrature { get; }

    /// <summary>κ of the loss −κ|ψ|ψ.</summary>
    public double Kappa => _kappa;

    private sealed record Spatial_(ISpatialCoefficients Linear, Block[] Parts) : ISpatialCoefficients;

    /// <summary>The linear part's coefficients, V and (M V, W_q M V).</summary>
    private sealed record Angular_(IAngularCoefficients Linear, Matrix<double> V, Matrix<double> AtNodes, Matrix<double> WeightedAtNodes) : IAngularCoefficients;

    public GridBlock Block => _linear.Block;
    public IVelocitySpace Basis => _linear.Basis;
    public double Weight => _linear.Weight;

    public IAngularCoefficients Angular(Matrix<double> v) => new Angular_(_linear.Angular(v), v, _values * v, _weightedValues * v);

    public ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times) =>
        new Spatial_(_linear.Spatial(parts, (known as Spatial_)?.Linear, times), [.. parts]);

    public void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra)
    {
        var an = (Angular_)a;
        _linear.KRightHandSide(t, x, c, an.Linear, alpha, beta, result, extra);
        // ψ at the nodes of K Vᵀ, K = x C: x (C (MV)ᵀ).
        using var f = ReactionAtNodes([x], [c is null ? an.AtNodes.Transpose() : c * an.AtNodes.Transpose()]);
        _backend.MultiplySmall(f, an.WeightedAtNodes, -_kappa * alpha, 1.0, result);
    }

    public Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s)
    {
        var sp = (Spatial_)s;
        var result = _linear.LRightHandSide(t, l, sp.Linear);
        // ψ at the nodes of u = X Lᵀ: Σ_p x_p (M L_p)ᵀ with L_p the columns of L that belong to part p.
        var ml = _values * l;   // n_q × r
        using var f = ReactionAtNodes(sp.Parts, Split(ml.Transpose(), sp.Parts));
        var g = WeightedGrams(sp.Parts, f);   // w X̂ᵀ f: r × n_q
        return result - (g * _weightedValues).Transpose() * _kappa;   // −κ (W_q M)ᵀ gᵀ
    }

    public Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a)
    {
        var (sp, an) = ((Spatial_)g, (Angular_)a);
        var result = _linear.SRightHandSide(t, s, sp.Linear, an.Linear);
        // ψ at the nodes of u = X̂ S Vᵀ: Σ_p x_p (S_p (MV)ᵀ) with S_p the rows of S that belong to part p.
        using var f = ReactionAtNodes(sp.Parts, Split(s * an.AtNodes.Transpose(), sp.Parts));
        var gram = WeightedGrams(sp.Parts, f);   // r × n_q
        return result - gram * an.WeightedAtNodes * _kappa;
    }

    /// <summary>Passed to the problem wrapped (this one freezes nothing).</summary>
    public void BeginStage(Block x, Matrix<double> s, Matrix<double> v) => _linear.BeginStage(x, s, v);

    public void RightHandSide(double t, Block u, Block result)
    {
        _linear.RightHandSide(t, u, result);
        using var f = ReactionAtNodes([u], [_values.Transpose()]);
        _backend.MultiplySmall(f, _weightedValues, -_kappa, 1.0, result);
    }

    public bool HasNonlinearLoss => true;

    public double LocalNonlinearLoss(double t, Block x, Matrix<double> c)
    {
        using var f = ReactionAtNodes([x], [c * _values.Transpose()]);
        var host = new double[f.Length];
        _backend.Download(f, host);
        int n = f.Rows;
        double sum = 0.0;
        for (int q = 0; q < _massAtNodes.Length; q++)
        {
            double column = 0.0;
            for (int i = 0; i < n; i++) column += host[q * n + i];
            sum += column * _massAtNodes[q];
        }
        return _kappa * Weight * sum;
    }

    /// <summary>f(ψ) = |ψ|ψ at the nodes of ψ = Σ_p x_p P_p (n_cells × n_q).</summary>
    private Block ReactionAtNodes(IReadOnlyList<Block> parts, IReadOnlyList<Matrix<double>> coefficients)
    {
        var psi = _backend.Allocate(parts[0].Rows, coefficients[0].ColumnCount);
        for (int p = 0; p < parts.Count; p++) _backend.MultiplySmall(parts[p], coefficients[p], 1.0, p == 0 ? 0.0 : 1.0, psi);
        var host = new double[psi.Length];
        _backend.Download(psi, host);
        for (int k = 0; k < host.Length; k++) host[k] *= Math.Abs(host[k]);
        _backend.Upload(host, psi);
        return psi;
    }

    /// <summary>The row blocks of <paramref name="m"/> (r × ·) that belong to the parts, in order.</summary>
    private static Matrix<double>[] Split(Matrix<double> m, IReadOnlyList<Block> parts) => QuadratureParts.Split(m, parts);

    private Matrix<double> WeightedGrams(IReadOnlyList<Block> parts, Block f) => QuadratureParts.WeightedGrams(_backend, _comm, parts, f, Weight);

    public double TimeStep(double cfl) => _linear.TimeStep(cfl);
    public double CheckerboardRate() => _linear.CheckerboardRate();
    public double LocalSigmaTMax => _linear.LocalSigmaTMax;
    public IReadOnlyList<FaceOutflow> Outflows => _linear.Outflows;
    public IReadOnlyList<SourceTerm> VolumeSources => _linear.VolumeSources;
    public double[]? Absorption => _linear.Absorption;
    public IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => _linear.ExtraAbsorption;
    public double SourceSum(SourceTerm source, double t) => _linear.SourceSum(source, t);
    public double MassWeight => _linear.MassWeight;
    public double EmissionWeight(SourceTerm source) => _linear.EmissionWeight(source);
}
