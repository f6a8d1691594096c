using System.Globalization;
using System.Text.RegularExpressions;
using System.Text;
using ParallelDlra.Mesh;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ParallelDlra.Deck;

// A small typed layer over YamlDotNet's representation model. Every accessor knows the dotted key
// of the node it reads and where the node came from (file:line:column, or the --set that made it),
// so each problem becomes one InputException line: "where: key = value problem; allowed: ...".

/// <summary>One parsed YAML text (a deck or a material map) whose root is a map, plus the origin
/// of every node that was introduced by a <c>--set</c> override.</summary>
internal sealed partial class YamlSource
{
    private readonly string _name;
    private readonly Dictionary<YamlNode, string> _origins = new(ReferenceEqualityComparer.Instance);

    private YamlSource(string name, YamlMappingNode root)
    {
        _name = name;
        Root = root;
    }

    public YamlMappingNode Root { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="what"/> ("deck", "material map") is
    /// used in messages about the overall shape.</summary>
    public static YamlSource Parse(string text, string name, string what)
    {
        var stream = new YamlStream();
        try
        {
            YamlLimits.Check(text, name, what);
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InputException($"{name}:{e.Start.Line}:{e.Start.Column}: {DescribeYamlError(e, text)}");
        }
        if (stream.Documents.Count == 0)
        {
            var empty = new YamlSource(name, new YamlMappingNode());
            empty._origins[empty.Root] = $"{name}:1:1";
            return empty;
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new InputException($"{name}:{second.Start.Line}:{second.Start.Column}: a second YAML document; allowed: one {what} per file");
        }
        var root = stream.Documents[0].RootNode;
        if (root is YamlMappingNode map) return new YamlSource(name, map);
        if (IsNull(root))
        {
            var empty = new YamlSource(name, new YamlMappingNode());
            empty._origins[empty.Root] = $"{name}:1:1";
            return empty;
        }
        throw new InputException($"{name}:{root.Start.Line}:{root.Start.Column}: the {what} is {Kind(root)}; allowed: a map of keys");
    }

    /// <summary>file:line:column of a node, or the <c>--set key</c> that introduced it.</summary>
    public string Where(YamlNode node)
        => _origins.TryGetValue(node, out var origin) ? origin : $"{_name}:{node.Start.Line}:{node.Start.Column}";

    public InputException Error(YamlNode node, string message) => new($"{Where(node)}: {message}");

    /// <summary>Applies <c>key.path=value</c>: the value is parsed as YAML (flow style, e.g.
    /// <c>0.5</c> or <c>[50,50]</c>) and put at the dotted path, creating maps on the way. Whether the
    /// key exists is checked later by the reader like every other key, naming <c>--set key</c>.</summary>
    public void ApplyOverride(string text)
    {
        int eq = text.IndexOf('=');
        string key = eq > 0 ? text[..eq].Trim() : "";
        var segments = key.Split('.');
        if (eq <= 0 || segments.Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
            throw new InputException($"--set {text}: malformed override; allowed: --set key.path=value, e.g. --set time.end=0.5");
        string origin = $"--set {key}";
        var value = ParseOverrideValue(text[(eq + 1)..], origin);

        var map = Root;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            var child = Find(map, segments[i]);
            if (child is YamlMappingNode m)
            {
                map = m;
                continue;
            }
            if (child is not null && !IsNull(child))
                throw new InputException($"{origin}: {string.Join('.', segments[..(i + 1)])} is {Kind(child)} in the deck, so it has no key {segments[i + 1]}; allowed: keys of maps only");
            var created = new YamlMappingNode();
            _origins[created] = origin;
            Put(map, segments[i], created, origin);
            map = created;
        }
        Put(map, segments[^1], value, origin);
    }

    private YamlNode ParseOverrideValue(string raw, string origin)
    {
        YamlNode value;
        if (raw.Trim().Length == 0)
        {
            value = new YamlScalarNode("");
        }
        else
        {
            var stream = new YamlStream();
            try
            {
                YamlLimits.Check(raw, origin, "value");
                stream.Load(new StringReader(raw));
            }
            catch (YamlException e)
            {
                throw new InputException($"{origin}: the value {raw} is not valid YAML ({DescribeYamlError(e, raw)}); allowed: a YAML scalar or flow list, e.g. 0.5 or [50,50]");
            }
            value = stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
        }
        MarkAll(value, origin);
        return value;
    }

    private void MarkAll(YamlNode node, string origin)
    {
        _origins[node] = origin;
        foreach (var child in node.AllNodes)
            _origins[child] = origin;
    }

    private void Put(YamlMappingNode map, string key, YamlNode value, string origin)
    {
        var existing = map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key);
        if (existing is not null)
        {
            map.Children[existing] = value;
            return;
        }
        var keyNode = new YamlScalarNode(key);
        _origins[keyNode] = origin;
        map.Children.Add(keyNode, value);
    }

    private static YamlNode? Find(YamlMappingNode map, string key)
        => map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    /// <summary>A plain empty scalar, <c>~</c> or <c>null</c>: "no value".</summary>
    public static bool IsNull(YamlNode node)
        => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
           && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    public static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "a map",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };

    /// <summary>The node written back in YAML flow style, for messages.</summary>
    public static string Show(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode q => "[" + string.Join(", ", q.Children.Select(Show)) + "]",
        YamlMappingNode m => "{" + string.Join(", ", m.Children.Select(kv => $"{Show(kv.Key)}: {Show(kv.Value)}")) + "}",
        _ => node.ToString(),
    };

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();

    private static string DescribeYamlError(YamlException e, string text)
    {
        string message = MarkPrefix().Replace(e.Message, "");
        if (message.StartsWith("Duplicate key", StringComparison.Ordinal))
        {
            string line = text.Split('\n').ElementAtOrDefault((int)e.Start.Line - 1) ?? "";
            int col = Math.Clamp((int)e.Start.Column - 1, 0, line.Length);
            string key = line[col..].Split(':')[0].Trim();
            return $"duplicate key {key}; allowed: each key once per map";
        }
        var flat = new StringBuilder();
        foreach (char c in message) flat.Append(char.IsControl(c) ? ' ' : c);
        return $"YAML syntax error: {flat.ToString().Trim()}";
    }
}

/// <summary>
/// Limits on what the YAML reader accepts, checked on the parser's event stream before any node is built (issue #18),
/// so hostile input fails fast with one line: the size of the text, the nesting depth, the number of aliases and the
/// nodes they would expand to, and keys that are not plain values (a map or list as a key, an alias as a key).
/// </summary>
internal static class YamlLimits
{
    public const int MaxCharacters = 1 << 20, MaxDepth = 32, MaxAliases = 100, MaxExpandedNodes = 100_000;

    public static void Check(string text, string name, string what)
    {
        if (text.Length > MaxCharacters)
            throw new InputException($"{name}: {text.Length} characters; allowed: a {what} of at most {MaxCharacters} characters");
        var parser = new Parser(new StringReader(text));
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(bool Mapping, string Anchor, long Start)>();
        var expectKey = new Stack<bool>();
        long nodes = 0;
        int aliases = 0;
        while (parser.MoveNext())
        {
            var ev = parser.Current!;
            string at = $"{name}:{ev.Start.Line}:{ev.Start.Column}";
            bool isNode = ev is YamlDotNet.Core.Events.NodeEvent;
            if (isNode && expectKey.Count > 0 && open.Peek().Mapping)
            {
                bool key = expectKey.Pop();
                expectKey.Push(!key);
                if (key && ev is not YamlDotNet.Core.Events.Scalar)
                    throw new InputException($"{at}: a key that is {(ev is YamlDotNet.Core.Events.AnchorAlias ? "an alias" : "a map or a list")}; allowed: plain keys (words)");
            }
            switch (ev)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (open.Count >= MaxDepth)
                        throw new InputException($"{at}: nesting deeper than {MaxDepth} levels; allowed: a {what} nested at most {MaxDepth} deep");
                    var anchor = ((YamlDotNet.Core.Events.NodeEvent)ev).Anchor;
                    open.Push((ev is YamlDotNet.Core.Events.MappingStart, anchor.IsEmpty ? "" : anchor.Value, nodes));
                    expectKey.Push(true);
                    nodes++;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    var (_, name2, start) = open.Pop();
                    expectKey.Pop();
                    if (name2.Length > 0) sizes[name2] = nodes - start;
                    break;
                case YamlDotNet.Core.Events.Scalar sc:
                    nodes++;
                    if (!sc.Anchor.IsEmpty) sizes[sc.Anchor.Value] = 1;
                    break;
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    if (++aliases > MaxAliases)
                        throw new InputException($"{at}: more than {MaxAliases} aliases; allowed: at most {MaxAliases} aliases (*name) in a {what}");
                    nodes += sizes.GetValueOrDefault(alias.Value.Value, 1);
                    break;
            }
            if (nodes > MaxExpandedNodes)
                throw new InputException($"{at}: the {what} expands to more than {MaxExpandedNodes} values (aliases of large anchors); allowed: at most {MaxExpandedNodes}");
        }
    }
}

/// <summary>A map of known keys: unknown keys are rejected when the section is made, so the
/// reader only asks for the keys it knows.</summary>
internal sealed class Section
{
    private readonly YamlSource _source;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _values = new(StringComparer.Ordinal);
    private readonly YamlNode _anchor;

    // anchor: where "missing key" errors point (the section's key, or the root).
    public Section(YamlSource source, string path, YamlNode? node, YamlNode anchor, IReadOnlyList<string> keys)
    {
        _source = source;
        _anchor = anchor;
        Path = path;
        Keys = keys;
        if (node is null || YamlSource.IsNull(node)) return;
        if (node is not YamlMappingNode map)
            throw source.Error(node, $"{path} is {YamlSource.Kind(node)} but a map is expected; allowed keys: {string.Join(", ", keys)}");
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || !keys.Contains(key))
                throw source.Error(keyNode, $"unknown key {Child(YamlSource.Show(keyNode))}; allowed keys of {(path.Length == 0 ? "the top level" : path)}: {string.Join(", ", keys)}");
            _values[key] = (keyNode, value);
        }
    }

    public static Section Root(YamlSource source, IReadOnlyList<string> keys)
        => new(source, "", source.Root, source.Root, keys);

    public string Path { get; }
    public IReadOnlyList<string> Keys { get; }
    public YamlSource Source => _source;

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The value of <paramref name="key"/>, or null when it is absent or has no value.</summary>
    public Value? Optional(string key)
        => _values.TryGetValue(key, out var entry) && !YamlSource.IsNull(entry.Value) ? new Value(_source, Child(key), entry.Value) : null;

    public Value Required(string key, string allowed)
        => Optional(key) ?? throw _source.Error(_anchor, $"{Child(key)} is missing; allowed: {allowed} (required)");

    /// <summary>A nested section; an absent one reads as empty (its required keys then report missing).</summary>
    public Section Sub(string key, IReadOnlyList<string> keys, bool required = false)
    {
        if (_values.TryGetValue(key, out var entry))
            return new Section(_source, Child(key), entry.Value, entry.Key, keys);
        if (required)
            throw _source.Error(_anchor, $"section {Child(key)} is missing; allowed keys: {string.Join(", ", keys)} (required)");
        return new Section(_source, Child(key), null, _anchor, keys);
    }
}

/// <summary>One value at a dotted key, with typed readers that name the key in every error.</summary>
internal sealed class Value(YamlSource source, string path, YamlNode node)
{
    public string Path => path;
    public YamlNode Node => node;
    public string Where => source.Where(node);

    public InputException Error(string problem, string allowed)
        => source.Error(node, $"{path} = {YamlSource.Show(node)} {problem}; allowed: {allowed}");

    private InputException TypeError(string expected, string allowed)
        => node is YamlScalarNode
            ? Error($"is not {expected}", allowed)
            : source.Error(node, $"{path} is {YamlSource.Kind(node)} but {expected} is expected; allowed: {allowed}");

    private string Scalar(string expected, string allowed, bool quotedOk)
    {
        if (node is not YamlScalarNode s) throw TypeError(expected, allowed);
        if (!quotedOk && s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
            throw Error($"is a quoted string, not {expected}", allowed);
        return s.Value ?? "";
    }

    public bool IsWord(string word) => node is YamlScalarNode { Style: ScalarStyle.Plain } s && s.Value == word;

    public double Double(string allowed, Func<double, string?>? check = null)
    {
        string text = Scalar("a number", allowed, quotedOk: false);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw Error("is not a number", allowed);
        if (check?.Invoke(v) is { } problem) throw Error(problem, allowed);
        return v;
    }

    public int Int(string allowed, Func<int, string?>? check = null)
    {
        string text = Scalar("an integer", allowed, quotedOk: false);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
            throw Error("is not an integer", allowed);
        if (check?.Invoke(v) is { } problem) throw Error(problem, allowed);
        return v;
    }

    public bool Bool()
    {
        const string allowed = "true, false";
        string text = Scalar("true or false", allowed, quotedOk: false);
        return text.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error("is not true or false", allowed),
        };
    }

    public string Text(string allowed, Func<string, string?>? check = null)
    {
        string text = Scalar("a text", allowed, quotedOk: true);
        if (check?.Invoke(text) is { } problem) throw Error(problem, allowed);
        return text;
    }

    public T Word<T>(string noun, IReadOnlyList<(string Word, T Value)> words)
    {
        string allowed = string.Join(" | ", words.Select(w => w.Word));
        string text = Scalar($"a {noun}", allowed, quotedOk: true);
        foreach (var (word, value) in words)
            if (word == text) return value;
        throw Error($"is not a known {noun}", allowed);
    }

    /// <summary>The entries of a list, with keys <c>path[i]</c>; the length must lie in [min, max].</summary>
    public IReadOnlyList<Value> List(string allowed, int min = 0, int max = int.MaxValue)
    {
        if (node is not YamlSequenceNode seq) throw TypeError("a list", allowed);
        if (seq.Children.Count < min || seq.Children.Count > max)
            throw source.Error(node, $"{path} has {seq.Children.Count} entries; allowed: {allowed}");
        return seq.Children.Select((n, i) => new Value(source, $"{path}[{i}]", n)).ToList();
    }

    public Section Map(IReadOnlyList<string> keys)
        => new(source, path, node, node, keys);

    /// <summary>A list [min, max] of two numbers with min &lt; max.</summary>
    public Interval Interval()
    {
        const string allowed = "[min, max] with min < max";
        var ends = List(allowed, 2, 2);
        double lo = ends[0].Double(allowed), hi = ends[1].Double(allowed);
        if (lo >= hi) throw Error("has min >= max", allowed);
        return new Interval(lo, hi);
    }
}
