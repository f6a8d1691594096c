using System.Collections.Immutable;
using ParallelDlra.Mesh;

namespace ParallelDlra.Problems;

// Materials and material maps (deck key <c>material</c>, files in meshes/), mapped from YAML by ParallelDlra.Deck.DeckReader and MaterialMapReader.

/// <summary>Cross sections and isotropic source of one material: σ_s, σ_a (σ_t = σ_s + σ_a) and
/// the total emission density Q (per unit volume, integrated over directions).</summary>
public readonly record struct Material(double SigmaS, double SigmaA, double Source)
{
    public double SigmaT => SigmaS + SigmaA;
}

/// <summary>An axis-aligned box, one interval per dimension.</summary>
public sealed record Box(ImmutableArray<Interval> Sides)
{
    public bool Contains(ReadOnlySpan<double> point)
    {
        for (int d = 0; d < Sides.Length; d++)
            if (point[d] < Sides[d].Min || point[d] > Sides[d].Max) return false;
        return true;
    }

    public bool Equals(Box? other) => other is not null && ValueEquality.Same(Sides, other.Sides);

    public override int GetHashCode() => ValueEquality.Hash(Sides);
}

/// <summary>A named region of a material map: a union of boxes carrying one material.</summary>
public sealed record MaterialRegion(string Name, Material Material, ImmutableArray<Box> Boxes)
{
    public bool Equals(MaterialRegion? other)
        => other is not null && Name == other.Name && Material == other.Material && ValueEquality.Same(Boxes, other.Boxes);

    public override int GetHashCode() => HashCode.Combine(Name, Material, ValueEquality.Hash(Boxes));
}

/// <summary>A material map (file format in docs/deck.md, files in <c>meshes/</c>): a background
/// material and regions; a cell takes the material of the last region containing its centre.</summary>
public sealed record MaterialMap(string Name, int Dimension, Material Background, ImmutableArray<MaterialRegion> Regions)
{
    /// <summary>The name of the region whose material <see cref="At"/> gives at the point, "background" outside every region.</summary>
    public string RegionAt(ReadOnlySpan<double> point)
    {
        for (int i = Regions.Length - 1; i >= 0; i--)
            foreach (var box in Regions[i].Boxes)
                if (box.Contains(point)) return Regions[i].Name;
        return "background";
    }

    public Material At(ReadOnlySpan<double> point)
    {
        for (int i = Regions.Length - 1; i >= 0; i--)
            foreach (var box in Regions[i].Boxes)
                if (box.Contains(point)) return Regions[i].Material;
        return Background;
    }

    /// <summary>The materials that at least one cell centre of <paramref name="grid"/> takes (<see cref="At"/>), found
    /// without visiting every cell: along each axis the faces of the boxes cut the cells into at most 2·boxes + 1 runs
    /// whose centres lie on the same side of every face, so all cells of one product of runs take the same material and
    /// one centre per product decides it — (2·boxes + 1)^dimension evaluations instead of one per cell (a grid of
    /// 10^10 cells and a few boxes costs microseconds).</summary>
    public IReadOnlySet<Material> MaterialsOn(CartesianGrid grid)
    {
        int dim = grid.Dimension;
        var starts = new int[dim][];
        for (int d = 0; d < dim; d++)
        {
            int n = grid.Cells[d];
            var cuts = new SortedSet<int> { 0 };
            foreach (var region in Regions)
                foreach (var box in region.Boxes)
                {
                    if (d >= box.Sides.Length) continue;
                    var side = box.Sides[d];
                    cuts.Add(FirstCentre(grid, d, c => c >= side.Min));   // Contains: Min ≤ x ≤ Max
                    cuts.Add(FirstCentre(grid, d, c => c > side.Max));
                }
            starts[d] = [.. cuts.Where(i => i < n)];
        }
        var found = new HashSet<Material>();
        Span<int> run = stackalloc int[dim];
        Span<double> x = stackalloc double[dim];
        while (true)
        {
            for (int d = 0; d < dim; d++) x[d] = grid.Center(d, starts[d][run[d]]);
            found.Add(At(x));
            int axis = 0;
            while (axis < dim && ++run[axis] == starts[axis].Length) run[axis++] = 0;
            if (axis == dim) return found;
        }
    }

    /// <summary>The smallest cell index i in [0, n] whose centre satisfies <paramref name="from"/> (n when none);
    /// <paramref name="from"/> must hold from some index on (centres increase with i).</summary>
    private static int FirstCentre(CartesianGrid grid, int d, Func<double, bool> from)
    {
        int lo = 0, hi = grid.Cells[d];
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (from(grid.Center(d, mid))) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    public bool Equals(MaterialMap? other)
        => other is not null && Name == other.Name && Dimension == other.Dimension && Background == other.Background
           && ValueEquality.Same(Regions, other.Regions);

    public override int GetHashCode() => HashCode.Combine(Name, Dimension, Background, ValueEquality.Hash(Regions));
}

/// <summary>deck key <c>material</c>: either a material map file from <c>meshes/</c> (path resolved
/// against the deck's folder, stored here absolute) or uniform values, both resolved into <see cref="Map"/>.</summary>
public sealed record MaterialOptions(string? MapFile, MaterialMap Map)
{
    /// <summary>deck key <c>material.thermal</c>: the material energy law of <c>problem.model: thermal</c> (null otherwise).</summary>
    public ThermalOptions? Thermal { get; init; }
}

/// <summary>deck key <c>material.thermal</c> (with <c>problem.model: thermal</c>): the material energy e(x, t) exchanges
/// energy with the radiation by absorption and emission, ∂e/∂t = σ_a (φ − B), and emits σ_a B isotropically, with the
/// linear (Su–Olson) closure e = C·B: a heat capacity c_v ∝ T³ makes e ∝ T⁴ ∝ B. <see cref="HeatCapacity"/> is C (> 0;
/// the Su–Olson benchmark in its dimensionless form has C = 1, e = V). σ_a and the external source Q (emission density
/// integrated over directions) are the material map's <c>sigma_a</c> and <c>source</c>; the source is on while
/// t ≤ <see cref="SourceUntil"/>. <see cref="InitialEnergy"/>: e at t = 0, uniform.</summary>
public sealed record ThermalOptions(double HeatCapacity, double InitialEnergy = 0.0, double SourceUntil = double.PositiveInfinity)
{
    /// <summary>deck key <c>material.thermal.opacity</c>: a temperature-dependent opacity (the Marshak wave). With it
    /// <see cref="HeatCapacity"/> is the constant c_v in e = c_v T and the material emits B = T⁴; the material map's
    /// σ_a is then not used. Null: the linear Su–Olson closure above.</summary>
    public Thermal.PowerLawOpacity? Opacity { get; init; }
}
