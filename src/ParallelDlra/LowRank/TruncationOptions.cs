using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

// Options of the low-rank integrators (deck key <c>solver</c>: truncation, rank, conservation, QR), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Whether the truncation tolerance θ is absolute or relative to ‖S‖.</summary>
public enum ToleranceKind { Relative, Absolute }

/// <summary>What the truncation tolerance θ is measured against in time: per unit time (ϑ = θ·Δt per
/// truncation, so n steps discard at most θ·t: the same meaning on every grid and step size; Ceruti, Kusch
/// and Lubich, BIT 2022, bound the error by the truncations' sum n·ϑ) or per step (ϑ = θ, the setting of
/// earlier versions).</summary>
public enum TruncationScaling { UnitTime, Step }

/// <summary>What a relative tolerance is relative to: the whole solution (‖Ŝ‖_F = ‖u‖, the norm of every
/// coefficient, angular detail included) or its density (‖Ŝ V̂ᵀd‖ = ‖u d‖, d the mass direction: the part that
/// is the scalar flux φ). ‖u‖ grows with the angular resolution where ψ is peaked in angle (the uncollided flux
/// of a pulse), so θ relative to it loosens as N is refined; the density's norm does not depend on N.</summary>
public enum RelativeScale { Solution, Density }

/// <summary>deck key <c>solver.truncation</c>: discard the singular-value tail whose ℓ2 norm is ≤ ϑ with
/// ϑ = θ·Δt (<see cref="TruncationScaling.UnitTime"/>, the default) or θ (<see cref="TruncationScaling.Step"/>),
/// times ‖Ŝ‖_F (or the density's norm, <see cref="RelativeScale"/>) when relative, keeping a rank in [RMin, RMax].</summary>
public sealed record TruncationOptions(double Theta, ToleranceKind Kind, int RMin, int RMax, TruncationScaling Per = TruncationScaling.UnitTime,
    RelativeScale RelativeTo = RelativeScale.Density)
{
    /// <summary>The tolerance ϑ on the ℓ2 norm of the discarded singular values of one truncation in a step of
    /// length <paramref name="dt"/>, for a matrix of Frobenius norm <paramref name="norm"/>.</summary>
    public double Tolerance(double dt, double norm) =>
        Theta * (Per == TruncationScaling.UnitTime ? dt : 1.0) * (Kind == ToleranceKind.Relative ? norm : 1.0);
}

/// <summary>deck key <c>solver</c>. <see cref="SpaceOrder"/> (<c>solver.space_order</c>): 1, first-order upwind, or 2,
/// Fromm's linear second-order upwind scheme (five-point stencils, two ghost layers; SSP-RK2 or SSP-RK3 in time).
/// <see cref="Limiter"/> (<c>solver.limiter</c>): with space order 2 and full rank, MUSCL with limited slopes on the
/// characteristic variables instead. <see cref="StepRejection"/> (<c>solver.step_rejection</c>, read by the parallel and the augmented BUG;
/// on by default) and <see cref="RejectionConstant"/> (<c>solver.rejection_constant</c>, c_η): the step rejection of
/// Ceruti, Kusch and Lubich's parallel integrator (<see cref="ParallelBug"/>), and its first rule plus the normal-block
/// test for the augmented BUG (<see cref="AugmentedBug"/>). <see cref="LimiterShare"/> (<c>solver.limiter_share</c>): the share c of
/// the slope norm in ε² of the smooth density limiter (<c>density_vanalbada</c>).</summary>
public sealed record SolverOptions(
    SolverKind Kind,
    FluxKind Flux,
    int InitialRank,
    TruncationOptions Truncation,
    bool Conservative,
    QrMethod Qr = QrMethod.CholeskyQr2,
    int SpaceOrder = 1,
    SlopeLimiter Limiter = SlopeLimiter.None,
    bool StepRejection = true,
    double RejectionConstant = 1.0,
    double LimiterShare = SolverOptions.DefaultLimiterShare)
{
    /// <summary>The share c of the slope norm in ε² of <c>density_vanalbada</c> (<c>solver.limiter_share</c>) when the deck
    /// gives none.</summary>
    public const double DefaultLimiterShare = DensityLimitedProblem.DefaultShare;
}
