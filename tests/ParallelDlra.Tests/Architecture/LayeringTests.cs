using ParallelDlra.Application;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Architecture;

/// <summary>Layers the right way up (issue #14, docs/design.md "Layers"): a namespace of src/ParallelDlra references
/// only namespaces of lower layers. <see cref="Layers"/> is the table in docs/design.md; <see cref="KnownViolations"/>
/// are the references the table still has to lose (each with the change that removes it): the test fails on any other
/// violation, and also when a known one is gone (then delete its entry).</summary>
public sealed class LayeringTests(ITestOutputHelper output)
{
    /// <summary>Namespace → layer (0 lowest). Peers (same layer) may not reference each other.</summary>
    public static readonly IReadOnlyDictionary<string, int> Layers = new Dictionary<string, int>
    {
        ["Interop"] = 0, ["Diagnostics"] = 0,
        ["LinearAlgebra"] = 1,
        ["Angular"] = 2, ["Mesh"] = 2,
        ["Problems"] = 3,      // material maps and initial conditions: data on the grid, below the operators that use them
        ["Compute"] = 4,
        ["Parallel"] = 5,
        ["Kinetic"] = 6,
        ["Solvers"] = 7,
        ["LowRank"] = 8, ["Uncertainty"] = 8,   // polynomial chaos and stochastic Galerkin: a velocity space and operator terms
        ["Deck"] = 9,          // maps YAML onto the option records of the layers below (each layer owns its records)
        ["Output"] = 10,       // writes a run from ISolver and a RunDescription; never sees Simulation
        ["Application"] = 11,  // the assembly of a run: Discretisation.Build, SolverFactory, Simulation, RunDriver, guards, resource estimate
        ["Verification"] = 12,
    };

    /// <summary>(file, referenced namespace): the references still pointing up, and what removes them.</summary>
    public static readonly (string File, string To, string Why)[] KnownViolations =
    [
        // none left: Simulation/SolverFactory moved from Solvers/ to Application/ (above LowRank/)
    ];

    private static IEnumerable<(string Path, string Text)> Sources()
    {
        string root = Path.Combine(TestDecks.RepositoryRoot(), "src", "ParallelDlra");
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.StartsWith("bin/", StringComparison.Ordinal) || rel.StartsWith("obj/", StringComparison.Ordinal)) continue;
            yield return (rel, File.ReadAllText(file));
        }
    }

    [Fact]
    public void No_namespace_references_a_higher_or_peer_layer_beyond_the_known_list()
    {
        var found = LayerChecker.Check(Sources(), Layers);
        foreach (var v in found) output.WriteLine(v.ToString());
        var known = KnownViolations.Select(k => (k.File, k.To)).ToHashSet();
        var unexpected = found.Where(v => !known.Contains((v.File, v.To))).ToList();
        Assert.True(unexpected.Count == 0, "references against the layer table (docs/design.md):\n" + string.Join("\n", unexpected));
        var gone = KnownViolations.Where(k => !found.Any(v => v.File == k.File && v.To == k.To)).ToList();
        Assert.True(gone.Count == 0, "known violations that are gone (delete them from KnownViolations): " + string.Join(", ", gone.Select(g => $"{g.File} → {g.To}")));
    }

    [Fact]
    public void Every_folder_of_the_library_is_in_the_table()
    {
        string root = Path.Combine(TestDecks.RepositoryRoot(), "src", "ParallelDlra");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        Assert.All(folders, f => Assert.True(Layers.ContainsKey(f!), $"src/ParallelDlra/{f} has no layer in the table"));
    }

    [Fact]
    public void The_checker_finds_a_deliberate_violation_and_ignores_comments_strings_and_system_parallel()
    {
        var files = new (string, string)[]
        {
            ("Mesh/Bad.cs", "namespace ParallelDlra.Mesh;\nclass Bad\n{\n    LowRank.LowRankSolver? s;\n}\n"),
            ("Mesh/BadUsing.cs", "using ParallelDlra.Solvers;\nnamespace ParallelDlra.Mesh;\nclass BadUsing { }\n"),
            ("Mesh/Peer.cs", "namespace ParallelDlra.Mesh;\nclass Peer { Angular.PnBasis? b; }\n"),
            ("Mesh/Fine.cs", "using ParallelDlra.LinearAlgebra;\nnamespace ParallelDlra.Mesh;\n/// <see cref=\"LowRank.LowRankSolver\"/>\nclass Fine\n{\n    // LowRank.AugmentedBug in a comment\n    /* Output.RunDriver */ string s = \"Solvers.Simulation\";\n    void F() => System.Threading.Tasks.Parallel.For(0, 1, _ => { });\n    void G() => Parallel.For(0, 1, _ => { });\n    Interop.LibC? i;\n}\n"),
            ("Output/Up.cs", "namespace ParallelDlra.Output;\nclass Up { ParallelDlra.LowRank.LowRankSolver? s; Mesh.CartesianGrid? g; }\n"),
        };
        var found = LayerChecker.Check(files, Layers);
        foreach (var v in found) output.WriteLine(v.ToString());
        Assert.Equal(
            [("Mesh/Bad.cs", 4, "LowRank"), ("Mesh/BadUsing.cs", 1, "Solvers"), ("Mesh/Peer.cs", 2, "Angular")],
            found.Select(v => (v.File, v.Line, v.To)).ToList());
    }
}
