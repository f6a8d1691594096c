using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Mesh;

namespace ParallelDlra.Kinetic;

/// <summary>The Galerkin coefficients of a spatial basis X (or of X̂ = [X0, X̃]), as the problem that made them
/// needs them: opaque to the integrators, which only pass them back to the same problem's L- and S-step
/// right-hand sides. A Kronecker-sum operator keeps r × r matrices G_k = w XᵀD_kX (<see cref="SpatialCoefficients"/>);
/// a problem evaluated by quadrature keeps the basis itself.</summary>
public interface ISpatialCoefficients;

/// <summary>The angular coefficients of a basis V (n_moments × r), opaque like <see cref="ISpatialCoefficients"/>:
/// M_k = VᵀB_kᵀV for a Kronecker sum (<see cref="AngularCoefficients"/>), V itself (with its values at the quadrature
/// nodes) for a problem evaluated by quadrature.</summary>
public interface IAngularCoefficients;

/// <summary>
/// What the integrators consume of a semi-discrete kinetic problem du/dt = F(t, u), u ∈ R^{n_cells × n_moments}
/// (rank-local rows, X orthonormal in the cell-volume inner product w = <see cref="Weight"/>; DESIGN §1):
/// <list type="bullet">
/// <item>the three DLRA projections of F: K-step F(K Vᵀ)V, L-step F(X Lᵀ)ᵀ W X, S-step Xᵀ W F(X S Vᵀ) V, from the
/// Galerkin coefficients of X (<see cref="Spatial"/>, cell sums completed over ranks) and of V (<see cref="Angular"/>);</item>
/// <item>F itself on the full moments (the full-rank reference);</item>
/// <item>the conserved directions (those of <see cref="Basis"/>), the stability limit, the boundary outflow and the
/// terms of the balance dM/dt = −outflow − absorption + sources.</item>
/// </list>
/// The integrators never learn how F is evaluated. <see cref="KroneckerProblem"/>: a sum of Kronecker terms
/// Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ (linear transport, collisions); <see cref="QuadratureReactionProblem"/>: that plus
/// a nonlinear term evaluated by quadrature on the factors. Models with several collision terms diag(σ_k(x)) ⊗ M_k
/// are Kronecker problems with more terms; a composite state (radiation plus a material field) is a problem that
/// owns the extra field and adds its coupling to these right-hand sides. Every call with a cell sum completes it
/// with a collective, so all ranks must make the same calls in the same order (the integrators do).
/// </summary>
public interface IKineticProblem
{
    /// <summary>The rank-local block of cells.</summary>
    GridBlock Block { get; }

    /// <summary>The velocity space: its size, conserved directions (<see cref="IVelocitySpace.Conserved"/>, the
    /// mass first) and isotropic state.</summary>
    IVelocitySpace Basis { get; }

    /// <summary>w: the cell volume, the weight of the spatial inner product (w XᵀX = I).</summary>
    double Weight { get; }

    // ---- DLRA projections ------------------------------------------------------------------------

    /// <summary>The angular coefficients of V (replicated, no collective).</summary>
    IAngularCoefficients Angular(Matrix<double> v);

    /// <summary>The Galerkin coefficients of X̂ = [parts₀, parts₁, ...] (columns side by side, never concatenated)
    /// for the source times <paramref name="times"/>, with one collective; <paramref name="known"/>, when given,
    /// are those of parts₀ alone and may be reused. Precondition: X̂ orthonormal in the weighted inner product.
    /// The parts must stay unchanged while the coefficients are in use.</summary>
    ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times);

    /// <summary>result ← beta·result + alpha·F(t, x C Vᵀ) V + x·<paramref name="extra"/> (C = I when
    /// <paramref name="c"/> is null; V the basis of <paramref name="a"/>): the K-step right-hand side at K = x C.</summary>
    void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra);

    /// <summary>dL/dt = F(t, X Lᵀ)ᵀ W X for the basis X of <paramref name="s"/> (n_moments × r).</summary>
    Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s);

    /// <summary>dS/dt = Xᵀ W F(t, X S Vᵀ) V for the bases of <paramref name="g"/> and <paramref name="a"/>.</summary>
    Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a);

    /// <summary>The start of a time-integration stage of a low-rank integrator, its start value the state x s vᵀ (x on the
    /// backend, n_cells × s.RowCount; v: n_moments × s.ColumnCount; s need not be square). A problem whose F depends on the
    /// state through parameters that it freezes per stage (<see cref="DensityLimitedProblem"/>: the limiter factors θ)
    /// evaluates them here and uses them in every K-, L- and S-step right-hand side until the next call, so that within a
    /// stage F is one linear map and every substep projects the same F (the exactness of the integrators at
    /// r = n_moments). Full rank needs no call: its stage is one evaluation of <see cref="RightHandSide"/> at the stage's
    /// start value. The low-rank solver and the second-order integrators call it (all ranks, same order: it may exchange
    /// halos); the default does nothing.</summary>
    void BeginStage(Block x, Matrix<double> s, Matrix<double> v) { }

    // ---- full rank -------------------------------------------------------------------------------

    /// <summary>result ← F(t, u) for the full moments u (n_cells × n_moments).</summary>
    void RightHandSide(double t, Block u, Block result);

    // ---- stability -------------------------------------------------------------------------------

    /// <summary>Δt of the CFL condition for the given CFL number.</summary>
    double TimeStep(double cfl);

    /// <summary>The damping rate of the checkerboard mode by the transport terms (forward Euler is stable for
    /// Δt·(rate + σ_t) ≤ 2); see <see cref="KineticOperator.CheckerboardRate"/>.</summary>
    double CheckerboardRate();

    /// <summary>Largest σ_t over the rank-local cells.</summary>
    double LocalSigmaTMax { get; }

    // ---- boundary outflow and balance ------------------------------------------------------------

    /// <summary>The linear outflow functionals of the physical faces.</summary>
    IReadOnlyList<FaceOutflow> Outflows { get; }

    /// <summary>The sources emitting in the volume.</summary>
    IReadOnlyList<SourceTerm> VolumeSources { get; }

    /// <summary>σ_a on the rank-local cells (linear absorption), or null.</summary>
    double[]? Absorption { get; }

    /// <summary>Σ_i q_i(t) of a source over the rank-local cells.</summary>
    double SourceSum(SourceTerm source, double t);

    /// <summary>M(u) = MassWeight · Σ_i dᵀu_i, d the mass direction.</summary>
    double MassWeight { get; }

    /// <summary>dᵀc of a source's angular vector.</summary>
    double EmissionWeight(SourceTerm source);

    /// <summary>Absorption rates beyond <see cref="Absorption"/>, for the balance: mass leaves at the rate
    /// MassWeight · Σ_i σ_i wᵀu_i (σ on the rank-local cells, w a vector of the velocity space), e.g. the uncertain
    /// part of σ_a in stochastic Galerkin. Every rank has the same list.</summary>
    IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => [];

    /// <summary>Whether F has a nonlinear loss term whose rate the balance must add (<see cref="LocalNonlinearLoss"/>).</summary>
    bool HasNonlinearLoss => false;

    /// <summary>The rank-local part of the rate at which the nonlinear terms remove mass, −MassWeight·Σ_i dᵀN(u)_i,
    /// at u = x C (C: columns(x) × n_moments; C = S Vᵀ for the factors, I for the full moments). Summed over ranks
    /// by the caller, with the rest of its balance. 0 for a linear problem.</summary>
    double LocalNonlinearLoss(double t, Block x, Matrix<double> c) => 0.0;
}
