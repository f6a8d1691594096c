using System.Collections.Immutable;
using System.Globalization;
using ParallelDlra.Problems;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

// The `uncertainty` section (issue #16, docs/deck.md): random parameters, affine or polynomial uncertain inputs and the method.
public static partial class DeckReader
{
    private static readonly string[] UncertaintyKeys =
        ["method", "parameters", "degree", "index_set", "filter", "groups", "nodes", "samples", "seed", "evaluate_at", "sigma_s", "sigma_a", "source", "initial",
         "inflow", "initial_center", "initial_width", "shock", "left_state", "right_state"];
    private static readonly string[] ParameterKeys = ["distribution", "min", "max", "mean", "std"];
    private static readonly string[] InputKeys = ["mean", "spread", "polynomial", "parameter", "region", "axis"];

    /// <summary>Highest power of ξ in an uncertain input's <c>polynomial</c>.</summary>
    public const int MaxInputPower = 8;
    private static readonly string[] AxisWords = ["x", "y", "z"];
    private static readonly string[] FilterKeys = ["strength"];

    /// <summary>Largest chaos degree per parameter.</summary>
    public const int MaxChaosDegree = 40;

    private static UncertaintyOptions? ReadUncertainty(Section root, MaterialOptions material, ProblemModel model = ProblemModel.Kinetic,
        Mesh.GridOptions? grid = null, InitialConditionOptions? initial = null)
    {
        if (root.Optional("uncertainty") is null) return null;
        var s = root.Sub("uncertainty", UncertaintyKeys);
        var method = s.Optional("method")?.Word("uncertainty method", UncertaintyWords.Method) ?? UncertaintyMethod.StochasticGalerkin;

        const string parametersAllowed = "a list of at least one parameter, each {distribution: uniform, min, max} or {distribution: normal, mean, std}";
        var parameters = s.Required("parameters", parametersAllowed).List(parametersAllowed, 1, 8).Select(ReadParameter).ToImmutableArray();

        string degreeAllowed = $"0 <= degree <= {MaxChaosDegree} (the chaos degree per parameter)";
        int degree = s.Optional("degree")?.Int(degreeAllowed, n => n < 0 ? "is negative" : n > MaxChaosDegree ? "is too large" : null) ?? 2;
        var set = s.Optional("index_set")?.Word("chaos index set", UncertaintyWords.IndexSet) ?? ChaosIndexSet.Tensor;
        double strength = s.Sub("filter", FilterKeys).Optional("strength")?.Double("strength >= 0 (0: no filter)", v => v >= 0 ? null : "is negative") ?? 0.0;
        var groupsValue = s.Optional("groups");
        int groups = groupsValue?.Int("groups >= 1 (a divisor of the number of ranks)", n => n >= 1 ? null : "is not positive") ?? 1;
        if (groups > 1 && method == UncertaintyMethod.StochasticGalerkin)
            throw groupsValue!.Error("asks for groups of ranks, which only an ensemble has",
                "1 with method: stochastic_galerkin (it runs on all ranks); groups of ranks with method: collocation or monte_carlo");
        // Burgers: the flux quadrature of Kusch, Ceruti, Einkemmer and Frank, ceil(1.5 N + 1) points for N = degree + 1 modes.
        int nodes = s.Optional("nodes")?.Int("1 <= nodes <= 64 (Gauss nodes per parameter)", n => n < 1 ? "is not positive" : n > 64 ? "is too large" : null)
                    ?? (model == ProblemModel.Burgers ? (int)Math.Ceiling(1.5 * (degree + 1) + 1) : degree + 1);
        int samples = s.Optional("samples")?.Int("samples >= 1", n => n >= 1 ? null : "is not positive") ?? 100;
        int seed = s.Optional("seed")?.Int("an integer seed") ?? 1;

        long members = method == UncertaintyMethod.Collocation ? (long)Math.Pow(nodes, parameters.Length) : samples;
        if (method != UncertaintyMethod.StochasticGalerkin && members > 100_000)
            throw s.Required(method == UncertaintyMethod.Collocation ? "nodes" : "samples", "").Error($"makes {members} ensemble members", "at most 100000 members");
        if (method == UncertaintyMethod.StochasticGalerkin)
        {
            long modes = set == ChaosIndexSet.Tensor ? (long)Math.Pow(degree + 1, parameters.Length) : Binomial(degree + parameters.Length, parameters.Length);
            if (modes > 10_000)
                throw s.Optional("degree")?.Error($"makes {modes} chaos modes for {parameters.Length} parameters", "at most 10000 chaos modes (lower the degree or use index_set: total_degree)")
                      ?? new InputException($"uncertainty: {modes} chaos modes, at most 10000");
        }

        var inputs = ImmutableArray.CreateBuilder<UncertainInput>();
        var where = new List<Value>();
        foreach (var (key, target) in UncertaintyWords.Targets.Concat(UncertaintyWords.RiemannTargets))
        {
            if (s.Optional(key) is not { } v) continue;
            bool riemann = UncertaintyWords.RiemannTargets.Any(t => t.Value == target);
            if (riemann != (model == ProblemModel.Burgers))
                throw v.Error(riemann ? "is given but problem.model is not burgers" : "is not used by problem.model: burgers",
                    riemann ? "shock, left_state and right_state with problem.model: burgers" : "shock, left_state and right_state (the Riemann data) with problem.model: burgers");
            if (target == UncertainTarget.Inflow && grid is not null && !grid.Faces.Any(f => f.Kind == Mesh.BoundaryKind.Inflow))
                throw v.Error("is given but no face of grid.boundary is inflow", "an inflow face in grid.boundary (e.g. x_min: inflow) for an uncertain inflow");
            if (target is UncertainTarget.InitialCenter or UncertainTarget.InitialWidth && initial is { Kind: not InitialKind.Gaussian })
                throw v.Error("is given but initial.type is not gaussian", "initial_center and initial_width with initial.type: gaussian");
            var entries = v.Node is YamlDotNet.RepresentationModel.YamlSequenceNode ? v.List("a list of {mean, spread, parameter, region}", 1) : [v];
            foreach (var e in entries)
            {
                var (input, spreadValue) = ReadInput(e, target, parameters.Length, material.Map, grid?.Dimension ?? 3);
                inputs.Add(input);
                where.Add(spreadValue);
            }
        }
        var evaluateAt = ReadPoints(s.Optional("evaluate_at"), parameters, method);
        var options = new UncertaintyOptions(method, parameters, inputs.ToImmutable(), degree, set, strength, groups, nodes, samples, seed, evaluateAt);
        CheckNonNegative(options, material.Map, where);
        CheckInflow(options, grid, where);
        CheckWidth(options, initial, where);
        return options;
    }

    /// <summary>Most points of <c>uncertainty.evaluate_at</c>.</summary>
    public const int MaxEvaluationPoints = 64;

    /// <summary><c>uncertainty.evaluate_at</c>: a list of points ξ, each a list of one value per parameter (a number
    /// when there is one parameter), inside the support; stochastic Galerkin only.</summary>
    private static ImmutableArray<double> ReadPoints(Value? v, ImmutableArray<ParameterOptions> parameters, UncertaintyMethod method)
    {
        if (v is null) return [];
        if (method != UncertaintyMethod.StochasticGalerkin)
            throw v.Error("is given for an ensemble", "evaluate_at with method: stochastic_galerkin (φ at any ξ from the chaos expansion); an ensemble has φ only at its members");
        int p = parameters.Length;
        string allowed = $"a list of 1 to {MaxEvaluationPoints} points ξ, each " + (p == 1 ? "a number (or [ξ_0])" : $"a list of {p} numbers [ξ_0, …, ξ_{p - 1}]") +
                         ", inside the parameters' ranges";
        var points = ImmutableArray.CreateBuilder<double>();
        foreach (var point in v.List(allowed, 1, MaxEvaluationPoints))
        {
            var values = point.Node is YamlDotNet.RepresentationModel.YamlSequenceNode ? point.List(allowed, p, p) : p == 1 ? [point] : point.List(allowed, p, p);
            for (int k = 0; k < p; k++)
            {
                var par = parameters[k];
                double xi = values[k].Double(allowed, x => !double.IsFinite(x) ? "is not finite"
                    : par.Distribution == ParameterDistribution.Uniform && (x < par.A || x > par.B) ? $"is outside parameter {k}'s range [{par.A.ToString("R", CultureInfo.InvariantCulture)}, {par.B.ToString("R", CultureInfo.InvariantCulture)}]"
                    : null);
                points.Add(xi);
            }
        }
        return points.ToImmutable();
    }

    private static long Binomial(int n, int k)
    {
        long c = 1;
        for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }

    private static ParameterOptions ReadParameter(Value v)
    {
        var p = v.Map(ParameterKeys);
        var kind = p.Required("distribution", "uniform | normal").Word("distribution", UncertaintyWords.Distribution);
        if (kind == ParameterDistribution.Uniform)
        {
            foreach (var k in new[] { "mean", "std" })
                if (p.Optional(k) is { } bad) throw bad.Error("is given for a uniform parameter", "min and max for distribution: uniform");
            double min = p.Required("min", "a number").Double("a number");
            var maxValue = p.Required("max", "a number > min");
            double max = maxValue.Double("a number > min", x => x > min ? null : "is not above min");
            return new ParameterOptions(kind, min, max);
        }
        foreach (var k in new[] { "min", "max" })
            if (p.Optional(k) is { } bad) throw bad.Error("is given for a normal parameter", "mean and std for distribution: normal");
        double mean = p.Required("mean", "a number").Double("a number");
        double std = p.Required("std", "std > 0").Double("std > 0", x => x > 0 ? null : "is not positive");
        return new ParameterOptions(kind, mean, std);
    }

    private static (UncertainInput Input, Value Spread) ReadInput(Value v, UncertainTarget target, int parameterCount, MaterialMap map, int dimension = 3)
    {
        var m = v.Map(InputKeys);
        bool shape = target is UncertainTarget.InitialCenter or UncertainTarget.InitialWidth;
        if (shape && m.Optional("mean") is { } meanValue)
            throw meanValue.Error("is given for the initial condition's shape", "no mean: the mean is initial.center (initial_center) or initial.sigma (initial_width)");
        int axis = 0;
        if (m.Optional("axis") is { } axisValue)
        {
            if (target != UncertainTarget.InitialCenter)
                throw axisValue.Error("is given but only initial_center has an axis", "axis only in initial_center");
            string[] axes = AxisWords[..dimension];
            string allowed = "an axis of the grid: " + string.Join(" | ", axes);
            axis = Array.IndexOf(axes, axisValue.Text(allowed, a => axes.Contains(a) ? null : "is not an axis of the grid"));
        }
        double? mean = m.Optional("mean")?.Double("a number >= 0", x => x >= 0 ? null : "is negative");
        bool riemann = target is UncertainTarget.Shock or UncertainTarget.LeftState or UncertainTarget.RightState;
        ImmutableArray<double> higher = default;
        Value spreadValue;
        double spread;
        if (m.Optional("polynomial") is { } poly)
        {
            // value = mean + c_1 ξ + c_2 ξ² + …: the non-affine dependence, projected onto the chaos by Gauss quadrature in ξ.
            if (riemann)
                throw poly.Error("is given for Riemann data",
                    "polynomial in sigma_s, sigma_a, source, initial, inflow, initial_center and initial_width; spread (affine) for the Riemann data");
            if (m.Optional("spread") is { } both)
                throw both.Error("is given together with polynomial", "either spread (affine: mean + spread·ξ) or polynomial [c_1, c_2, …] (mean + c_1 ξ + c_2 ξ² + …)");
            string allowed = $"a list of 1 to {MaxInputPower} numbers [c_1, c_2, …]: the coefficients of ξ, ξ², … (the constant is mean)";
            var c = poly.List(allowed, 1, MaxInputPower).Select(x => x.Double("a number")).ToArray();
            spreadValue = poly;
            spread = c[0];
            higher = [.. c[1..]];
        }
        else
        {
            spreadValue = riemann ? m.Optional("spread") ?? v : m.Required("spread", "a number (or polynomial: [c_1, c_2, …])");   // Riemann data: 0 by default
            spread = riemann && m.Optional("spread") is null ? 0.0 : spreadValue.Double("a number");
        }
        string paramAllowed = $"the index of a parameter of uncertainty.parameters, 0 <= parameter < {parameterCount}";
        int parameter = m.Optional("parameter")?.Int(paramAllowed, k => k < 0 || k >= parameterCount ? "does not name a parameter" : null) ?? 0;
        string? region = null;
        if (m.Optional("region") is { } r)
        {
            if (target == UncertainTarget.InitialAmplitude)
                throw r.Error("is given for the initial condition's amplitude", "no region: the amplitude multiplies the whole initial condition");
            if (shape)
                throw r.Error("is given for the initial condition's shape", "no region: the Gaussian is one function of the whole domain");
            if (target == UncertainTarget.Inflow)
                throw r.Error("is given for the inflow", "no region: φ_in is the same on every inflow face of grid.boundary");
            if (riemann)
                throw r.Error("is given for Riemann data", "no region: the shock and the states are the same in the whole domain");
            var names = map.Regions.Select(x => x.Name).Append("background").Distinct().ToArray();
            string allowed = "a region of the material map: " + string.Join(", ", names);
            region = r.Text(allowed, n => names.Contains(n) ? null : "is not a region of the material map");
        }
        return (new UncertainInput(target, region, mean, spread, parameter, axis, higher), spreadValue);
    }

    /// <summary>A spread that makes σ_s, σ_a or Q negative for some ξ in the support is an input error (a normal
    /// parameter has unbounded support: it may not drive them at all).</summary>
    private static void CheckNonNegative(UncertaintyOptions u, MaterialMap map, List<Value> where)
    {
        var classes = new List<(string Name, Material Material)> { ("background", map.Background) };
        classes.AddRange(map.Regions.Select(r => (r.Name, r.Material)));
        foreach (var (key, target) in UncertaintyWords.Targets)
        foreach (var (name, material) in classes)
        {
            if (target is UncertainTarget.Inflow or UncertainTarget.InitialCenter or UncertainTarget.InitialWidth) continue;   // not materials: CheckInflow, CheckWidth
            var dependence = u.Of(target, name, material);
            double lowest = dependence.Range(u.Parameters).Min, mean = dependence.Mean;
            if (lowest >= -1e-14 * Math.Max(1.0, Math.Abs(mean))) continue;
            int at = u.Inputs.Select((input, i) => (input, i)).Last(x => x.input.Target == target && UncertaintyOptions.Covers(x.input, name)).i;
            throw where[at].Error(
                $"makes {key} negative in {(name == "background" ? "the background" : $"region {name}")} for some ξ (smallest value {lowest.ToString("G6", CultureInfo.InvariantCulture)})",
                "a spread or polynomial that keeps mean + spread·ξ (mean + c_1 ξ + c_2 ξ² + …) >= 0 over the parameter's range (uniform parameters only: a normal parameter is unbounded)");
        }
    }

    /// <summary>An uncertain inflow φ_in(ξ) = mean + Σ_k spread_k ξ_k that becomes negative for some ξ in the support is
    /// an input error (a normal parameter may not drive it at all).</summary>
    private static void CheckInflow(UncertaintyOptions u, Mesh.GridOptions? grid, List<Value> where)
    {
        if (!u.On(UncertainTarget.Inflow).Any()) return;
        double gridInflow = grid?.Faces.Where(f => f.Kind == Mesh.BoundaryKind.Inflow).Select(f => f.InflowScalarFlux).DefaultIfEmpty(1.0).First() ?? 1.0;
        var dependence = u.Inflow(gridInflow);
        double lowest = dependence.Range(u.Parameters).Min, mean = dependence.Mean;
        if (lowest >= -1e-14 * Math.Max(1.0, Math.Abs(mean))) return;
        int at = u.Inputs.Select((input, i) => (input, i)).Last(x => x.input.Target == UncertainTarget.Inflow).i;
        throw where[at].Error(
            $"makes the inflow φ_in negative for some ξ (smallest value {lowest.ToString("G6", CultureInfo.InvariantCulture)})",
            "a spread or polynomial that keeps mean + spread·ξ (mean + c_1 ξ + c_2 ξ² + …) >= 0 over the parameter's range (uniform parameters only: a normal parameter is unbounded)");
    }

    /// <summary>An uncertain width σ(ξ) = σ + Σ_k spread_k ξ_k must stay positive on the whole support: a uniform parameter's
    /// interval; a normal parameter, unbounded, would make σ ≤ 0 with positive probability and may not drive it.</summary>
    private static void CheckWidth(UncertaintyOptions u, InitialConditionOptions? initial, List<Value> where)
    {
        if (!u.On(UncertainTarget.InitialWidth).Any()) return;
        double lowest = u.Width(initial?.Sigma ?? 1.0).Range(u.Parameters).Min;
        if (lowest > 0.0) return;
        int at = u.Inputs.Select((input, i) => (input, i)).Last(x => x.input.Target == UncertainTarget.InitialWidth).i;
        throw where[at].Error(
            $"makes the initial width σ = initial.sigma + spread·ξ <= 0 for some ξ (smallest value {lowest.ToString("G6", CultureInfo.InvariantCulture)})",
            "a spread with initial.sigma + spread·ξ > 0 over the parameter's range (uniform parameters only: a normal parameter is unbounded, so σ would be <= 0 with positive probability)");
    }
}
