namespace ParallelDlra.Kinetic;

// Options of the kinetic operator (deck keys <c>solver.flux</c>, <c>reaction</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Numerical flux of the finite-volume discretisation.</summary>
public enum FluxKind { Roe, Rusanov }

/// <summary>Slope limiter of the limited second-order scheme (<c>solver.limiter</c>): none (Fromm's linear scheme),
/// minmod or the monotonised central limiter (van Leer 1977) on the characteristic variables (full rank only,
/// <see cref="LimitedTransportProblem"/>), or one factor per face from the density's MC or minmod slope ratio on every
/// moment (every solver, <see cref="DensityLimitedProblem"/>).</summary>
public enum SlopeLimiter { None, Minmod, Mc, DensityMc, DensityMinmod, DensityVanAlbada }

/// <summary>deck key <c>reaction</c>: the nonlinear loss −κ |ψ| ψ added to the transport equation, evaluated by a
/// velocity quadrature with <see cref="QuadraturePoints"/> points per polar direction (<c>reaction.kappa</c>,
/// <c>reaction.quadrature_points</c>).</summary>
public sealed record ReactionOptions(double Kappa, int QuadraturePoints);
