using System.Collections.Immutable;

namespace ParallelDlra.Problems;

// The initial condition's options (deck key <c>initial</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Shape of the initial condition.</summary>
public enum InitialKind { Zero, Gaussian, Constant, Beam }

/// <summary>deck key <c>initial</c>. Gaussian: φ(x) = mass · N(center, σ² I) (unit integral times mass);
/// Constant: φ = value everywhere. The initial angular flux is isotropic, ψ = φ / |S|, except for Beam:
/// ψ(x, Ω) = mass · N(center, σ² I)(x) · Π_d N(direction_d, angular_sigma²)(Ω_d), the product over the grid's axes d of
/// Gaussians in the direction components (the 2D beam of the Baumann–Kusch Su–Olson code, docs/deck.md).</summary>
public sealed record InitialConditionOptions(InitialKind Kind, ImmutableArray<double> Center, double Sigma, double Mass, double Value,
    ImmutableArray<double> Direction = default, double AngularSigma = 0.0)
{
    public bool Equals(InitialConditionOptions? other)
        => other is not null && Kind == other.Kind && ValueEquality.Same(Center, other.Center)
           && Sigma.Equals(other.Sigma) && Mass.Equals(other.Mass) && Value.Equals(other.Value)
           && Direction.IsDefault == other.Direction.IsDefault && (Direction.IsDefault || ValueEquality.Same(Direction, other.Direction))
           && AngularSigma.Equals(other.AngularSigma);

    public override int GetHashCode() => HashCode.Combine(Kind, ValueEquality.Hash(Center), Sigma, Mass, Value,
        Direction.IsDefault ? 0 : ValueEquality.Hash(Direction), AngularSigma);
}
