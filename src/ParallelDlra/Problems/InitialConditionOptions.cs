using System.Collections.Immutable;

namespace ParallelDlra.Problems;

// The initial condition's options (deck key <c>initial</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Shape of the initial condition.</summary>
public enum InitialKind { Zero, Gaussian, Constant }

/// <summary>deck key <c>initial</c>. Gaussian: φ(x) = mass · N(center, σ² I) (unit integral times mass);
/// Constant: φ = value everywhere. The initial angular flux is isotropic: ψ = φ / |S|.</summary>
public sealed record InitialConditionOptions(InitialKind Kind, ImmutableArray<double> Center, double Sigma, double Mass, double Value)
{
    public bool Equals(InitialConditionOptions? other)
        => other is not null && Kind == other.Kind && ValueEquality.Same(Center, other.Center)
           && Sigma.Equals(other.Sigma) && Mass.Equals(other.Mass) && Value.Equals(other.Value);

    public override int GetHashCode() => HashCode.Combine(Kind, ValueEquality.Hash(Center), Sigma, Mass, Value);
}
