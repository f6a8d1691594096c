using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Uncertainty;

/// <summary>
/// Burgers' equation with uncertain data, u_t + (u²/2)_x = 0, in stochastic-Galerkin form on the velocity space
/// scalar ⊗ chaos (<see cref="ScalarSpace"/>, <see cref="StochasticGalerkinSpace"/>): u(x, ξ) ≈ Σ_j u_j(x) p_j(ξ),
/// u ∈ R^{n_cells × n_ξ} ≈ X S Vᵀ with V over the chaos modes (Kusch, Ceruti, Einkemmer and Frank, "Dynamical low-rank
/// approximation for Burgers' equation with uncertainty", J. Sci. Comput. 2022). Finite volumes with the global
/// Lax–Friedrichs (Rusanov with the global speed α = max|u| over the data, 12 for the paper's case) flux
///   F_{i+1/2} = ½ (f(u_i) + f(u_{i+1})) − ½ α (u_{i+1} − u_i),   f(u) = u²/2,
/// applied pointwise at the nodes ζ_q of a tensor Gauss rule (weights w_q, values Φ[q, j] = p_j(ζ_q)) and projected back:
///   F(u) = D(u Φᵀ) W Φ,   D(U)_{iq} = −(F_{i+1/2,q} − F_{i−1/2,q})/Δx.
/// With ceil(1.5 N + 1) points per parameter for degree &lt; N the rule integrates u² p_j exactly (degree 3N − 3 ≤ 2n_q − 1),
/// so this is the Galerkin product of the T-tensor E[p_j p_l p_m] (tests check it). On the factors the nodal values
/// are formed as in <see cref="QuadratureReactionProblem"/>: K (ΦV)ᵀ, X (ΦL)ᵀ, X S (ΦV)ᵀ, n_cells × n_q blocks, never the
/// n_cells × n_ξ tensor; K-step D (WΦV), L-step (WΦ)ᵀ(w XᵀD)ᵀ, S-step (w XᵀD)(WΦV), one allreduce each for L and S.
/// The ghost cells beyond the physical faces hold the data's states (u_L on the left, u_R on the right, at every node):
/// the inflow/outflow values of u0, which stay the boundary values while the waves are inside (t_end small); between
/// ranks the nodal block's halo is exchanged. The elementwise flux runs on the host (the reaction problem does the same).
/// Mass: M = Δx Σ_i u_{i,0} = E[∫u]; it changes only by the mean boundary fluxes, reported as a nonlinear loss.
/// </summary>
public sealed class BurgersProblem : IKineticProblem
{
    private readonly IHaloExchange _halo;
    private readonly IComputeBackend _backend;
    private readonly ICommunicator _comm;
    private readonly Matrix<double> _values, _valuesTransposed, _weightedValues;
    private readonly double[] _weights, _leftGhost, _rightGhost;
    private readonly double _h;

    public BurgersProblem(GridBlock block, IHaloExchange halo, StochasticGalerkinSpace space, RiemannData data, int points,
        IComputeBackend backend, ICommunicator comm)
    {
        if (space.Angle.Count != 1) throw new ArgumentException("Burgers' equation needs the scalar ⊗ chaos space", nameof(space));
        if (block.Dimension != 1) throw new ArgumentException("Burgers' equation is built in 1D", nameof(block));
        Block = block;
        _halo = halo;
        _backend = backend;
        _comm = comm;
        Space = space;
        Data = data;
        Points = points;
        var chaos = space.Chaos;
        var (nodes, weights) = chaos.Quadrature(points);
        _weights = weights;
        _values = Matrix<double>.Build.Dense(nodes.Length, chaos.Count);
        for (int q = 0; q < nodes.Length; q++) _values.SetRow(q, chaos.Evaluate(nodes[q]));
        _valuesTransposed = _values.Transpose();
        _weightedValues = _values.Clone();   // W Φ: row q scaled by w_q (not a dense n_q × n_q product)
        for (int q = 0; q < nodes.Length; q++) _weightedValues.SetRow(q, _values.Row(q) * weights[q]);
        _leftGhost = [.. nodes.Select(z => data.Left.At(chaos.Parameters, z))];
        _rightGhost = [.. nodes.Select(z => data.Right.At(chaos.Parameters, z))];
        Speed = data.Speed(chaos.Parameters);
        _h = block.Grid.Spacing[0];
    }

    public StochasticGalerkinSpace Space { get; }
    public RiemannData Data { get; }

    /// <summary>Gauss points per parameter of the flux quadrature.</summary>
    public int Points { get; }

    /// <summary>n_q, the number of quadrature nodes.</summary>
    public int NodeCount => _weights.Length;

    /// <summary>α of the global Lax–Friedrichs flux.</summary>
    public double Speed { get; }

    public GridBlock Block { get; }
    public IVelocitySpace Basis => Space;
    public double Weight => Block.Grid.CellVolume;

    private sealed record Spatial_(Block[] Parts) : ISpatialCoefficients;

    /// <summary>V, ΦV and WΦV.</summary>
    private sealed record Angular_(Matrix<double> V, Matrix<double> AtNodes, Matrix<double> WeightedAtNodes) : IAngularCoefficients;

    public IAngularCoefficients Angular(Matrix<double> v) => new Angular_(v, _values * v, _weightedValues * v);

    public ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times) => new Spatial_([.. parts]);

    public void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra)
    {
        var an = (Angular_)a;
        using var d = DivergenceAtNodes([x], [c is null ? an.AtNodes.Transpose() : c * an.AtNodes.Transpose()]);
        _backend.MultiplySmall(d, an.WeightedAtNodes, alpha, beta, result);
        if (extra is not null) _backend.MultiplySmall(x, extra, 1.0, 1.0, result);
    }

    public Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s)
    {
        var sp = (Spatial_)s;
        var ml = _values * l;   // n_q × r
        using var d = DivergenceAtNodes(sp.Parts, Split(ml.Transpose(), sp.Parts));
        var g = WeightedGrams(sp.Parts, d);   // w X̂ᵀ D: r × n_q
        return (g * _weightedValues).Transpose();
    }

    public Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a)
    {
        var (sp, an) = ((Spatial_)g, (Angular_)a);
        using var d = DivergenceAtNodes(sp.Parts, Split(s * an.AtNodes.Transpose(), sp.Parts));
        return WeightedGrams(sp.Parts, d) * an.WeightedAtNodes;
    }

    public void RightHandSide(double t, Block u, Block result)
    {
        using var d = DivergenceAtNodes([u], [_valuesTransposed]);
        _backend.MultiplySmall(d, _weightedValues, 1.0, 0.0, result);
    }

    /// <summary>The chaos coefficients of the physical flux f(u) = u²/2 of one cell's coefficients u (n_ξ) by the
    /// problem's quadrature: Φᵀ W f(Φ u) (what the Lax–Friedrichs flux applies at the nodes).</summary>
    public double[] ProjectedFlux(ReadOnlySpan<double> u)
    {
        var nodal = _values * Vector<double>.Build.Dense(u.ToArray());
        return [.. _weightedValues.TransposeThisAndMultiply(nodal.Map(v => 0.5 * v * v))];
    }

    /// <summary>D(U) at the nodes of U = Σ_p x_p P_p (n_cells × n_q), the halo exchanged between ranks.</summary>
    private Block DivergenceAtNodes(IReadOnlyList<Block> parts, IReadOnlyList<Matrix<double>> coefficients)
    {
        int n = parts[0].Rows, nq = NodeCount;
        var nodal = _backend.Allocate(n, nq);
        for (int p = 0; p < parts.Count; p++) _backend.MultiplySmall(parts[p], coefficients[p], 1.0, p == 0 ? 0.0 : 1.0, nodal);
        var halo = new Halo(Block, nq);
        _halo.Exchange(_backend, nodal, halo);
        var u = new double[nodal.Length];
        _backend.Download(nodal, u);
        var left = Block.OnPhysicalBoundary[0] ? _leftGhost : halo.Ghost[0];
        var right = Block.OnPhysicalBoundary[1] ? _rightGhost : halo.Ghost[1];
        var d = new double[u.Length];
        double alpha = Speed, inv = 1.0 / _h;
        System.Threading.Tasks.Parallel.For(0, nq, q =>
        {
            var column = u.AsSpan(q * n, n);
            var dq = d.AsSpan(q * n, n);
            double flux = Flux(left[q], n > 0 ? column[0] : right[q], alpha);
            for (int i = 0; i < n; i++)
            {
                double next = Flux(column[i], i + 1 < n ? column[i + 1] : right[q], alpha);
                dq[i] = -(next - flux) * inv;
                flux = next;
            }
        });
        _backend.Upload(d, nodal);
        return nodal;
    }

    /// <summary>The global Lax–Friedrichs flux of Burgers' equation between the states a (left) and b (right).</summary>
    public static double Flux(double a, double b, double alpha) => 0.25 * (a * a + b * b) - 0.5 * alpha * (b - a);

    /// <summary>The row blocks of <paramref name="m"/> (r × ·) that belong to the parts, in order.</summary>
    private static Matrix<double>[] Split(Matrix<double> m, IReadOnlyList<Block> parts) => QuadratureParts.Split(m, parts);

    private Matrix<double> WeightedGrams(IReadOnlyList<Block> parts, Block d) => QuadratureParts.WeightedGrams(_backend, _comm, parts, d, Weight);

    // ---- stability: forward Euler with the Rusanov flux of speed α is stable (and monotone) for α Δt/Δx ≤ 1 ---------

    /// <summary>Δt = cfl · Δx / α.</summary>
    public double TimeStep(double cfl) => cfl * _h / Speed;

    /// <summary>The numerical diffusion ½α Δx (u_{i+1} − 2u_i + u_{i−1})/Δx² damps the checkerboard mode at the rate 2α/Δx,
    /// so the time loop's limit Δt·rate ≤ 2 is cfl ≤ 1.</summary>
    public double CheckerboardRate() => 2.0 * Speed / _h;

    public double LocalSigmaTMax => 0.0;

    // ---- balance: no linear outflow, sources or absorption; the boundary fluxes are nonlinear ------------------------

    public IReadOnlyList<FaceOutflow> Outflows => [];
    public IReadOnlyList<SourceTerm> VolumeSources => [];
    public double[]? Absorption => null;
    public double SourceSum(SourceTerm source, double t) => 0.0;
    public double MassWeight => Weight * Space.Mass.Norm;
    public double EmissionWeight(SourceTerm source) => 0.0;
    public bool HasNonlinearLoss => true;

    /// <summary>The mean flux leaving through the physical faces of this rank's block, E[F_{N+1/2}] − E[F_{1/2}]
    /// (dM/dt = −that), at u = x C.</summary>
    public double LocalNonlinearLoss(double t, Block x, Matrix<double> c)
    {
        double loss = 0.0;
        var chaos = Vector<double>.Build;
        if (Block.OnPhysicalBoundary[0])
        {
            var nodal = _values * (c.TransposeThisAndMultiply(chaos.Dense(_backend.ColumnSums(x, [0]))));
            for (int q = 0; q < NodeCount; q++) loss -= _weights[q] * Flux(_leftGhost[q], nodal[q], Speed);
        }
        if (Block.OnPhysicalBoundary[1])
        {
            var nodal = _values * (c.TransposeThisAndMultiply(chaos.Dense(_backend.ColumnSums(x, [Block.Count - 1]))));
            for (int q = 0; q < NodeCount; q++) loss += _weights[q] * Flux(nodal[q], _rightGhost[q], Speed);
        }
        return loss * Space.Mass.Norm;
    }

    // ---- the initial state --------------------------------------------------------------------------------------------

    /// <summary>
    /// u0 = A Bᵀ exactly, with A (n_cells × (n+2)) = [1, a_0(x), …, a_n(x)] and B (n_ξ × (n+2)): column 0 the chaos
    /// coefficients c_R of u_R, column m+1 the coefficients of (u_L − u_R) times δ(α_k = m). Here k is the shock's
    /// parameter, n the chaos degree and a_m(x) = E[1[x &lt; x_s(ζ_k)] p_m(ζ_k)], exact: for x_s = c0 + c1 ζ (c1 &gt; 0) the
    /// indicator is ζ &gt; s = (x − c0)/c1 and ½∫_s^1 √(2m+1) P_m = √(2m+1)(P_{m−1}(s) − P_{m+1}(s))/(2(2m+1)) for m ≥ 1,
    /// (1 − s)/2 for m = 0 (Abramowitz and Stegun 22.13.9 by (2m+1)P_m = P'_{m+1} − P'_{m−1}). The states do not depend on
    /// the shock's parameter (checked at deck time), so E[(u_L − u_R)·1 p_α] factors into a_{α_k} times the coefficient of
    /// u_L − u_R at α with α_k set to 0. Without a random shock A = [1, 1[x &lt; x_s]].
    /// </summary>
    public (double[] A, Matrix<double> B, int Columns) InitialFactors()
    {
        var chaos = Space.Chaos;
        var parameters = chaos.Parameters;
        int n = Block.Count, deg = chaos.Degree, k = Data.ShockParameter;
        var cR = chaos.Coefficients(z => Data.Right.At(parameters, z), deg + 1);
        var dLR = chaos.Coefficients(z => Data.Left.At(parameters, z) - Data.Right.At(parameters, z), deg + 1);
        int columns = k < 0 ? 2 : deg + 2;
        var a = new double[n * columns];
        var b = Matrix<double>.Build.Dense(chaos.Count, columns);
        b.SetColumn(0, cR);
        Span<double> x = stackalloc double[3];
        for (int i = 0; i < n; i++) a[i] = 1.0;
        var index = new Dictionary<string, int>();
        for (int j = 0; j < chaos.Count; j++) index[string.Join(",", chaos.Indices[j])] = j;
        if (k < 0)
        {
            for (int i = 0; i < n; i++)
            {
                Block.Center(i, x);
                a[n + i] = x[0] < Data.Shock.Mean ? 1.0 : 0.0;
            }
            b.SetColumn(1, dLR);
            return (a, b, columns);
        }
        // x_s = c0 + c1 ζ_k.
        var par = parameters[k];
        double c0 = Data.Shock.Mean + Data.Shock.Spreads[k] * par.Center, c1 = Data.Shock.Spreads[k] * par.Scale;
        var p = new double[deg + 2];
        for (int i = 0; i < n; i++)
        {
            Block.Center(i, x);
            double s = Math.Clamp((x[0] - c0) / c1, -1.0, 1.0);
            OrthonormalPolynomials.Evaluate(ChaosFamily.Legendre, deg + 1, s, p);
            for (int m = 0; m <= deg; m++)
            {
                double upper;   // ½∫_s^1 p_m
                if (m == 0) upper = 0.5 * (1.0 - s);
                else
                {
                    double pm1 = p[m - 1] / Math.Sqrt(2.0 * m - 1.0), pp1 = p[m + 1] / Math.Sqrt(2.0 * m + 3.0);
                    upper = Math.Sqrt(2.0 * m + 1.0) * (pm1 - pp1) / (2.0 * (2.0 * m + 1.0));
                }
                // c1 < 0: the indicator is ζ < s, ½∫_{−1}^s p_m = δ_m0 − ½∫_s^1 p_m.
                a[(m + 1) * n + i] = c1 > 0 ? upper : (m == 0 ? 1.0 : 0.0) - upper;
            }
        }
        for (int j = 0; j < chaos.Count; j++)
        {
            var alpha = (int[])chaos.Indices[j].Clone();
            int m = alpha[k];
            alpha[k] = 0;
            b[j, m + 1] = dLR[index[string.Join(",", alpha)]];
        }
        return (a, b, columns);
    }

    /// <summary>Puts u0 into the solver: the moments A Bᵀ for full rank; for low rank the factors of its truncation to the
    /// solver's rank r with the mean mode e_0 as V's first column (what conservative truncation keeps): u0 = Q M with
    /// Q = A U Λ^{−1/2} orthonormal (w AᵀA = U Λ Uᵀ, allreduced), M (I − e_0e_0ᵀ) = P Σ Wᵀ, V = [e_0, W_{r−1}],
    /// X S = Q [M e_0, P Σ]_{r} by a thin QR of the small factor. Collective.</summary>
    public void ApplyInitialState(ISolver solver)
    {
        var (a, b, p) = InitialFactors();
        ChaosInitialState.Apply(solver, a, b, p, Block.Count, Space.Mass.Direction, _comm, Weight);
    }
}
