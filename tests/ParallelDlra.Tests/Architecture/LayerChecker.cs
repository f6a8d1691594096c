using System.Text.RegularExpressions;

namespace ParallelDlra.Tests.Architecture;

/// <summary>A source scan of the layering (docs/design.md, "Layers"): every folder of src/ParallelDlra is a
/// namespace ParallelDlra.X with a layer number; a file may reference only namespaces of lower layers (and its own).
/// References are <c>using ParallelDlra.X</c>, <c>ParallelDlra.X.</c> and the short form <c>X.Name</c> that C#
/// resolves inside ParallelDlra; comments and string literals are ignored.</summary>
internal static partial class LayerChecker
{
    public sealed record Violation(string File, int Line, string From, string To)
    {
        public override string ToString() => $"{File}:{Line}: {From} (layer) references {To} (a higher or peer layer)";
    }

    [GeneratedRegex(@"^\s*namespace\s+ParallelDlra\.([A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceOf();

    [GeneratedRegex(@"\bParallelDlra\.([A-Z][A-Za-z]*)")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"(?<![\w.])([A-Z][A-Za-z]*)\.([A-Z]\w*)")]
    private static partial Regex Short();

    [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)'")]
    private static partial Regex StringLiteral();

    /// <summary>System types whose names are also layer names (System.Threading.Tasks.Parallel).</summary>
    private static readonly HashSet<string> NotOurs = ["Parallel.For", "Parallel.ForEach", "Parallel.Invoke"];

    /// <summary>The violations of <paramref name="layers"/> (namespace → layer) in <paramref name="files"/>
    /// (path relative to src/ParallelDlra, text): a reference from a file of layer a to a namespace of layer b ≥ a
    /// other than its own.</summary>
    public static List<Violation> Check(IEnumerable<(string Path, string Text)> files, IReadOnlyDictionary<string, int> layers)
    {
        var found = new List<Violation>();
        foreach (var (path, text) in files)
        {
            var ns = NamespaceOf().Match(text);
            if (!ns.Success) continue;
            string from = ns.Groups[1].Value;
            if (!layers.TryGetValue(from, out int own))
            {
                found.Add(new(path, 1, from, "(a namespace missing from the layer table)"));
                continue;
            }
            var lines = text.Split('\n');
            bool inBlockComment = false;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = StripComments(lines[i], ref inBlockComment);
                line = StringLiteral().Replace(line, "\"\"");
                var targets = new HashSet<string>();
                foreach (Match m in Qualified().Matches(line)) targets.Add(m.Groups[1].Value);
                foreach (Match m in Short().Matches(line))
                    if (!NotOurs.Contains($"{m.Groups[1].Value}.{m.Groups[2].Value}") && m.Index >= 0 && !line[..m.Index].EndsWith("ParallelDlra.", StringComparison.Ordinal))
                        targets.Add(m.Groups[1].Value);
                foreach (var to in targets)
                    if (to != from && layers.TryGetValue(to, out int other) && other >= own)
                        found.Add(new(path, i + 1, from, to));
            }
        }
        return found;
    }

    private static string StripComments(string line, ref bool inBlock)
    {
        var result = new System.Text.StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            if (inBlock)
            {
                if (line[i] == '*' && i + 1 < line.Length && line[i + 1] == '/') { inBlock = false; i++; }
                continue;
            }
            if (line[i] == '/' && i + 1 < line.Length && line[i + 1] == '/') break;
            if (line[i] == '/' && i + 1 < line.Length && line[i + 1] == '*') { inBlock = true; i++; continue; }
            result.Append(line[i]);
        }
        return result.ToString();
    }
}
