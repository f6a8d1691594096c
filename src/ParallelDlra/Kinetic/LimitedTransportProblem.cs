using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Kinetic;

/// <summary>
/// The limited second-order scheme (<c>solver.limiter: minmod | mc</c>, full rank only): MUSCL on the characteristic
/// variables of each axis (van Leer 1979; LeVeque 2002, §6.9 and §16.3). With A_d = R Λ Rᵀ (symmetric), w = Rᵀu, each
/// characteristic field k is reconstructed with the limited slope σ_i = lim(w_i − w_{i−1}, w_{i+1} − w_i) (minmod, or
/// the monotonised central limiter MC = minmod(2a, 2b, (a + b)/2)), w_L = w_i + σ_i/2, w_R = w_{i+1} − σ_{i+1}/2, and
/// the face flux is the first-order one on these states, F_k = λ⁺_k w_L + λ⁻_k w_R with λ^± = (λ_k ± δ_k)/2 (δ_k = |λ_k|
/// Roe, ρ(A_d) Rusanov). So F = F₁(u) + Σ_d C_d(u): the first-order operator (its boundary terms, collisions and
/// sources: the problem this one wraps) plus per axis the flux correction ΔF = λ⁺σ_i/2 − λ⁻σ_{i+1}/2 across each
/// face. Slopes are zero in the first cell layer at a physical (non-periodic) face and in its ghosts, so no correction
/// crosses a physical face: the boundary treatment, the outflow functionals and the balance are first order's, exactly,
/// and the ghosts of physical faces are never read. Between ranks and across periodic faces the slopes come from the
/// two ghost layers of the halo (depth 2). The work is on host copies (two n_cells × n_moments products by R per axis).
/// </summary>
public sealed class LimitedTransportProblem : IKineticProblem, IVelocitySpaceSwap
{
    private readonly IKineticProblem _first;
    private readonly IComputeBackend _backend;
    private readonly IHaloExchange _haloExchange;
    private readonly bool[] _periodic;
    private readonly SlopeLimiter _limiter;
    private readonly IDenseLinearAlgebra _la = LinearAlgebraProvider.Default;
    private (double[] R, double[] Plus, double[] Minus)[] _axes = [];
    private readonly FluxKind _flux;
    private Halo? _ghosts;

    public LimitedTransportProblem(IKineticProblem firstOrder, FluxKind flux, SlopeLimiter limiter, IComputeBackend backend, IHaloExchange haloExchange, bool[] periodic)
    {
        if (limiter == SlopeLimiter.None) throw new ArgumentException("no limiter", nameof(limiter));
        _first = firstOrder;
        _backend = backend;
        _haloExchange = haloExchange;
        _periodic = periodic;
        _limiter = limiter;
        _flux = flux;
        SetAngular();
    }

    /// <summary>Per axis the eigenvectors R of A_d and the split speeds (λ ± δ)/2 of the current velocity space.</summary>
    private void SetAngular()
    {
        var basis = _first.Basis;
        int m = basis.Count;
        var axes = new (double[], double[], double[])[_first.Block.Dimension];
        for (int d = 0; d < axes.Length; d++)
        {
            var a = basis.Flux(d).ToColumnMajorArray();
            var lambda = new double[m];
            var r = new double[m * m];
            _la.SymmetricEigen(m, a, lambda, r);
            double rho = basis.SpectralRadius(d);
            var delta = lambda.Select(l => _flux == FluxKind.Roe ? Math.Abs(l) : rho).ToArray();
            axes[d] = (r, [.. lambda.Zip(delta, (l, s) => 0.5 * (l + s))], [.. lambda.Zip(delta, (l, s) => 0.5 * (l - s))]);
        }
        _axes = axes;
    }

    public bool CanSwapVelocitySpace => _first is IVelocitySpaceSwap { CanSwapVelocitySpace: true };

    /// <summary>The first-order problem's swap, then the characteristic data of the new space (<see cref="IVelocitySpaceSwap"/>).</summary>
    public void SwapVelocitySpace(IVelocitySpace basis)
    {
        if (_first is not IVelocitySpaceSwap swap) throw new NotSupportedException($"{_first.GetType().Name} cannot swap its velocity space");
        swap.SwapVelocitySpace(basis);
        SetAngular();
    }

    public GridBlock Block => _first.Block;
    public IVelocitySpace Basis => _first.Basis;
    public double Weight => _first.Weight;

    private static NotSupportedException FullRankOnly() => new("the limited scheme (solver.limiter) is nonlinear: full rank only");
    public IAngularCoefficients Angular(Matrix<double> v) => throw FullRankOnly();
    public ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times) => throw FullRankOnly();
    public void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra) => throw FullRankOnly();
    public Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s) => throw FullRankOnly();
    public Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a) => throw FullRankOnly();

    /// <summary>result ← F₁(t, u) + Σ_d C_d(u).</summary>
    /// <summary>Passed to the problem wrapped (this one freezes nothing).</summary>
    public void BeginStage(Block x, Matrix<double> s, Matrix<double> v) => _first.BeginStage(x, s, v);

    public void RightHandSide(double t, Block u, Block result)
    {
        _first.RightHandSide(t, u, result);
        var block = Block;
        int n = block.Count, m = Basis.Count;
        _ghosts ??= new Halo(block, m, 2);
        _haloExchange.Exchange(_backend, u, _ghosts);
        var uh = new double[n * m];
        _backend.Download(u, uh);
        var correction = new double[n * m];
        var w = new double[n * m];
        var dw = new double[n * m];
        for (int d = 0; d < block.Dimension; d++)
        {
            var (r, plus, minus) = _axes[d];
            _la.Gemm(Transpose.No, Transpose.No, n, m, m, 1.0, uh, n, r, m, 0.0, w, n);   // W = U R
            var lo = GhostLayers(2 * d, r);
            var hi = GhostLayers(2 * d + 1, r);
            Array.Clear(dw);
            AxisCorrection(d, w, lo, hi, plus, minus, dw);
            _la.Gemm(Transpose.No, Transpose.Yes, n, m, m, 1.0, dw, n, r, m, 1.0, correction, n);   // += dW Rᵀ
        }
        using var work = _backend.Allocate(n, m);
        _backend.Upload(correction, work);
        _backend.Axpby(1.0, work, 1.0, result);
    }

    /// <summary>The two ghost layers of face f in characteristic variables (layer l: FaceCount × n_moments, column-major).</summary>
    private double[][] GhostLayers(int face, double[] r)
    {
        int m = Basis.Count, count = Block.FaceCount(face);
        var layers = new double[2][];
        for (int l = 0; l < 2; l++)
        {
            var g = new double[count * m];
            for (int k = 0; k < m; k++) _ghosts!.Layer(face, l + 1, k).CopyTo(g.AsSpan(k * count, count));
            layers[l] = new double[count * m];
            _la.Gemm(Transpose.No, Transpose.No, count, m, m, 1.0, g, count, r, m, 0.0, layers[l], count);
        }
        return layers;
    }

    /// <summary>dW along axis d: per line of cells and characteristic field, the limited slopes on cells −1..n and the
    /// flux corrections on faces −½..n − ½.</summary>
    private void AxisCorrection(int d, double[] w, double[][] lo, double[][] hi, double[] plus, double[] minus, double[] dw)
    {
        var block = Block;
        int axis = d, n = block.Size[axis], inner = block.Stride[axis], cells = block.Count, outer = cells / (n * inner), m = Basis.Count;
        int count = block.FaceCount(2 * axis);
        double h = block.Grid.Spacing[axis];
        bool loPhysical = block.OnPhysicalBoundary[2 * axis] && !_periodic[axis];
        bool hiPhysical = block.OnPhysicalBoundary[2 * axis + 1] && !_periodic[axis];
        var values = new double[n + 4];   // w at cells −2..n+1
        var slope = new double[n + 2];    // σ at cells −1..n
        var face = new double[n + 1];     // ΔF at faces −½..n−½ (face j between cells j−1 and j)
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int position = o * inner + i;
                for (int k = 0; k < m; k++)
                {
                    for (int c = 0; c < n; c++) values[c + 2] = w[k * cells + (o * n + c) * inner + i];
                    values[1] = lo[0][k * count + position];
                    values[0] = lo[1][k * count + position];
                    values[n + 2] = hi[0][k * count + position];
                    values[n + 3] = hi[1][k * count + position];
                    for (int c = -1; c <= n; c++)
                    {
                        bool zero = (loPhysical && c <= 0) || (hiPhysical && c >= n - 1);
                        slope[c + 1] = zero ? 0.0 : Limit(values[c + 2] - values[c + 1], values[c + 3] - values[c + 2]);
                    }
                    for (int j = 0; j <= n; j++) face[j] = 0.5 * (plus[k] * slope[j] - minus[k] * slope[j + 1]);   // between cells j−1 and j
                    for (int c = 0; c < n; c++) dw[k * cells + (o * n + c) * inner + i] -= (face[c + 1] - face[c]) / h;
                }
            }
    }

    /// <summary>The limited slope from the backward and forward differences.</summary>
    private double Limit(double a, double b) => Limit(_limiter == SlopeLimiter.Minmod, a, b);

    /// <summary>The minmod (or MC) slope of the backward and forward differences a, b: 0 at an extremum (a·b ≤ 0), else
    /// sign(a)·min(|a|, |b|) (minmod) or sign(a)·min(2|a|, 2|b|, (|a| + |b|)/2) (MC). Shared with the density limiter.</summary>
    internal static double Limit(bool minmod, double a, double b)
    {
        if (a * b <= 0.0) return 0.0;
        double s = Math.Sign(a), x = Math.Abs(a), y = Math.Abs(b);
        return minmod ? s * Math.Min(x, y) : s * Math.Min(Math.Min(2 * x, 2 * y), 0.5 * (x + y));
    }

    public double TimeStep(double cfl) => _first.TimeStep(cfl);
    public double CheckerboardRate() => _first.CheckerboardRate();
    public double LocalSigmaTMax => _first.LocalSigmaTMax;
    public IReadOnlyList<FaceOutflow> Outflows => _first.Outflows;
    public IReadOnlyList<SourceTerm> VolumeSources => _first.VolumeSources;
    public double[]? Absorption => _first.Absorption;
    public double SourceSum(SourceTerm source, double t) => _first.SourceSum(source, t);
    public double MassWeight => _first.MassWeight;
    public double EmissionWeight(SourceTerm source) => _first.EmissionWeight(source);
    public IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => _first.ExtraAbsorption;
}
