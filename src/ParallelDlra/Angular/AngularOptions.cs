namespace ParallelDlra.Angular;

// The velocity space's options (deck key <c>angular</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>The angular discretisation (deck key <c>angular.method</c>): spherical harmonics or discrete ordinates.</summary>
public enum AngularMethod { Pn, Sn }

/// <summary>The filter function f(η) of filtered P_N (deck key <c>angular.filter.type</c>).</summary>
public enum FilterKind { Exponential, SphericalSpline, Lanczos }

/// <summary>deck key <c>angular.filter</c> (P_N only): moment ℓ ≥ 2 is damped at the rate
/// Strength · g(ℓ/(N+1)) / g(N/(N+1)) with g = −log f (Radice et al. 2013), so <paramref name="Strength"/> is the
/// damping rate of the highest degree N, independent of Δt and Δx.</summary>
public sealed record FilterOptions(FilterKind Type, double Strength, int Order);

/// <summary>How rS_N picks the rotation angle of each step (deck key <c>angular.rotation.angle</c>).</summary>
public enum RotationAngle { Fixed, Random }

/// <summary>deck key <c>angular.rotation</c> (S_N on a ring quadrature, 2D/3D): after every step the ordinates turn
/// about z by α = <paramref name="Fraction"/>·Δφ (fixed) or by α uniform in [0, Δφ) drawn from the step number and
/// <paramref name="Seed"/> (random; the same on every rank and in every run), Δφ the azimuthal spacing.</summary>
public sealed record RotationOptions(RotationAngle Angle, double Fraction, long Seed);

/// <summary>The ordinate set of S_N (deck key <c>angular.quadrature</c>): the product Gauss–Legendre set, the
/// level-symmetric sets LQ_N and the Lebedev sets (<c>Angular/Quadratures/</c>).</summary>
public enum QuadratureKind { ProductGaussLegendre, LevelSymmetric, Lebedev }

/// <summary>deck key <c>angular</c>: P_N with order N, or S_N with the quadrature <paramref name="Quadrature"/> of
/// order N (for the product Gauss–Legendre set: N Gauss–Legendre nodes in μ, 2N azimuths).</summary>
public sealed record AngularOptions(int Order, AngularMethod Method = AngularMethod.Pn, QuadratureKind Quadrature = QuadratureKind.ProductGaussLegendre,
    FilterOptions? Filter = null, RotationOptions? Rotation = null);
