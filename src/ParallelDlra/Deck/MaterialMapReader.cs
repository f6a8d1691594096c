using System.Collections.Immutable;
using ParallelDlra.Problems;

namespace ParallelDlra.Deck;

/// <summary>Reads a material map file (format in meshes/README.md and docs/deck.md): name,
/// description, dimension, background material and regions made of boxes; the last region that
/// contains a cell's centre gives its material.</summary>
public static class MaterialMapReader
{
    internal static readonly string[] MaterialKeys = ["sigma_s", "sigma_a", "source"];
    private static readonly string[] TopKeys = ["name", "description", "dimension", "background", "regions"];
    private static readonly string[] RegionKeys = ["name", .. MaterialKeys, "boxes"];

    public static MaterialMap Load(string path, int expectedDimension)
    {
        if (!File.Exists(path))
            throw new InputException($"{path}: material map file not found; allowed: a YAML material map, e.g. meshes/lattice.yaml");
        return Parse(File.ReadAllText(path), path, expectedDimension);
    }

    public static MaterialMap Parse(string yamlText, string sourceName, int expectedDimension)
    {
        var source = YamlSource.Parse(yamlText, sourceName, "material map");
        var root = Section.Root(source, TopKeys);

        string name = root.Required("name", "any text").Text("any text");
        root.Optional("description")?.Text("any text");
        string dimAllowed = $"{expectedDimension} (the deck's grid dimension)";
        int dim = root.Required("dimension", dimAllowed).Int(dimAllowed,
            d => d == expectedDimension ? null : $"does not match the deck's grid dimension {expectedDimension}");

        var background = ReadMaterial(root.Sub("background", MaterialKeys), new Material(0, 0, 0));

        var regions = ImmutableArray.CreateBuilder<MaterialRegion>();
        if (root.Optional("regions") is { } list)
        {
            foreach (var item in list.List("a list of regions, each a map with keys " + string.Join(", ", RegionKeys)))
            {
                var r = item.Map(RegionKeys);
                string regionName = r.Required("name", "any text").Text("any text");
                var material = ReadMaterial(r, background);
                string boxAllowed = $"a list of boxes, each a list of {dim} [min, max] (one per dimension)";
                var boxes = r.Required("boxes", boxAllowed).List(boxAllowed, min: 1)
                    .Select(b => new Box(b.List($"{dim} intervals [min, max], one per dimension", dim, dim).Select(i => i.Interval()).ToImmutableArray()))
                    .ToImmutableArray();
                regions.Add(new MaterialRegion(regionName, material, boxes));
            }
        }
        return new MaterialMap(name, dim, background, regions.ToImmutable());
    }

    /// <summary>sigma_s, sigma_a and source of a section; absent values take <paramref name="defaults"/>.</summary>
    internal static Material ReadMaterial(Section s, Material defaults)
    {
        static Func<double, string?> NonNegative(string what) => v => v >= 0 ? null : $"is a negative {what}";
        double sigmaS = s.Optional("sigma_s")?.Double("a cross section sigma_s >= 0", NonNegative("cross section")) ?? defaults.SigmaS;
        double sigmaA = s.Optional("sigma_a")?.Double("a cross section sigma_a >= 0", NonNegative("cross section")) ?? defaults.SigmaA;
        double q = s.Optional("source")?.Double("an emission density source >= 0", NonNegative("source")) ?? defaults.Source;
        return new Material(sigmaS, sigmaA, q);
    }
}
