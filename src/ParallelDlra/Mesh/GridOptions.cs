using System.Collections.Immutable;

namespace ParallelDlra.Mesh;

// The grid's options (deck key <c>grid</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Boundary condition on one face of the box.</summary>
public enum BoundaryKind { Vacuum, Periodic, Reflective, Inflow }

/// <summary>A closed interval [Min, Max] of one coordinate.</summary>
public readonly record struct Interval(double Min, double Max)
{
    public double Length => Max - Min;
}

/// <summary>Condition on one face: the kind, and for <see cref="BoundaryKind.Inflow"/> the incoming scalar flux φ_in:
/// isotropic (the angular flux is φ_in / |S|), or with an angular <paramref name="Profile"/> ψ_in(Ω) = φ_in g(Ω)/∫g dΩ.</summary>
public readonly record struct BoundaryFace(BoundaryKind Kind, double InflowScalarFlux = 0.0, InflowProfile? Profile = null);

/// <summary>The angular shape of an anisotropic inflow (deck <c>grid.boundary.FACE: {type: inflow, direction, angular_sigma}</c>):
/// g(Ω) = Π_d N(direction_d, angular_sigma²)(Ω_d) over the grid's axes d (as <c>initial.type: beam</c>).</summary>
public sealed record InflowProfile(ImmutableArray<double> Direction, double AngularSigma)
{
    public bool Equals(InflowProfile? other) => other is not null && ValueEquality.Same(Direction, other.Direction) && AngularSigma.Equals(other.AngularSigma);
    public override int GetHashCode() => HashCode.Combine(ValueEquality.Hash(Direction), AngularSigma);
}

/// <summary>deck key <c>grid</c>: uniform Cartesian cells on a box; the dimension is the length of
/// <see cref="Cells"/>. Faces are ordered x_min, x_max, y_min, y_max, z_min, z_max.</summary>
public sealed record GridOptions(ImmutableArray<int> Cells, ImmutableArray<Interval> Extent, ImmutableArray<BoundaryFace> Faces)
{
    public int Dimension => Cells.Length;

    public bool Equals(GridOptions? other)
        => other is not null && ValueEquality.Same(Cells, other.Cells) && ValueEquality.Same(Extent, other.Extent) && ValueEquality.Same(Faces, other.Faces);

    public override int GetHashCode() => HashCode.Combine(ValueEquality.Hash(Cells), ValueEquality.Hash(Extent), ValueEquality.Hash(Faces));
}
