using ParallelDlra.Problems;

namespace ParallelDlra.Uncertainty;

/// <summary>The deterministic materials of an uncertain deck at given parameter values.</summary>
public static class UncertainMaterials
{
    /// <summary>The material of one class (a region's name or "background") at ξ; the expectations E[σ_s], E[σ_a], E[Q]
    /// when <paramref name="xi"/> is null (for an affine dependence the material at E[ξ]).</summary>
    public static Material At(UncertaintyOptions u, string region, Material material, IReadOnlyList<double>? xi)
    {
        double Value(UncertainTarget target) => u.Of(target, region, material).At(u.Parameters, xi);
        return new Material(Value(UncertainTarget.SigmaS), Value(UncertainTarget.SigmaA), Value(UncertainTarget.Source));
    }

    /// <summary>The inflow faces' φ_in at ξ (its expectation when null) for the deterministic faces <paramref name="faces"/>:
    /// each inflow face gets φ_in(ξ) (<see cref="UncertaintyOptions.Inflow"/>); the faces themselves when the inflow is
    /// certain.</summary>
    public static System.Collections.Immutable.ImmutableArray<Mesh.BoundaryFace> Faces(UncertaintyOptions u,
        System.Collections.Immutable.ImmutableArray<Mesh.BoundaryFace> faces, IReadOnlyList<double>? xi)
    {
        if (!u.On(UncertainTarget.Inflow).Any()) return faces;
        return [.. faces.Select(f =>
        {
            if (f.Kind != Mesh.BoundaryKind.Inflow) return f;
            return f with { InflowScalarFlux = u.Inflow(f.InflowScalarFlux).At(u.Parameters, xi) };
        })];
    }

    /// <summary>The material map at ξ (the expectations when null): the regions and boxes of <paramref name="map"/>.</summary>
    public static MaterialMap Map(UncertaintyOptions u, MaterialMap map, IReadOnlyList<double>? xi) => map with
    {
        Background = At(u, "background", map.Background, xi),
        Regions = [.. map.Regions.Select(r => r with { Material = At(u, r.Name, r.Material, xi) })],
    };
}
