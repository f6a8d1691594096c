using System.Globalization;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

// problem.model: burgers (issue #16 item 7; docs/deck.md, "Burgers' equation with uncertainty"): the scalar law
// u_t + (u²/2)_x = 0 with uncertain Riemann data in uncertainty.shock, left_state and right_state.
public static partial class DeckReader
{
    /// <summary>Burgers has no velocity variable: the angular section is optional and may only say P_0 (one
    /// coefficient per chaos mode).</summary>
    private static AngularOptions ReadBurgersAngular(Section root)
    {
        if (root.Optional("angular") is null) return new AngularOptions(0);
        var s = root.Sub("angular", AngularKeys);
        var angular = ReadAngular(s, 1);
        if (angular.Order != 0 || angular.Method != AngularMethod.Pn || angular.Filter is not null)
            throw (s.Optional("order") ?? s.Optional("method") ?? s.Optional("filter"))!.Error("is not used by problem.model: burgers (it has no velocity variable)",
                "no angular section, or angular: {order: 0}");
        return angular;
    }

    private static void CheckBurgers(Section root, RunOptions o)
    {
        if (o.Problem.Model != ProblemModel.Burgers) return;
        var model = root.Sub("problem", ProblemKeys).Optional("model")!;
        if (o.Uncertainty is not { } u)
            throw model.Error("needs an uncertainty section", "an uncertainty section with the parameters, shock, left_state and right_state");
        var s = root.Sub("uncertainty", UncertaintyKeys);
        if (u.Method != UncertaintyMethod.StochasticGalerkin)
            throw s.Optional("method")!.Error("is not supported with problem.model: burgers", "stochastic_galerkin");
        if (o.Grid.Dimension != 1)
            throw root.Sub("grid", GridKeys).Optional("cells")!.Error("is not 1D", "one cell count: Burgers' equation is built on an interval");
        if (o.Grid.Faces.Any(f => f.Kind != BoundaryKind.Vacuum))
            throw root.Sub("grid", GridKeys).Optional("boundary")!.Error("is not used by problem.model: burgers",
                "no grid.boundary: the ghost cells hold the left and right states of the Riemann data");
        // The deck writer prints every section (an initial state of type zero, a zero material): those are accepted.
        if (o.Initial.Kind != InitialKind.Zero)
            throw root.Sub("initial", InitialKeys).Optional("type")!.Error("is not used by problem.model: burgers",
                "no initial section (or type: zero): u0 is the Riemann data of uncertainty.shock, left_state and right_state");
        var map = o.Material.Map;
        if (map.Regions.Length > 0 || map.Background.SigmaS != 0 || map.Background.SigmaA != 0 || map.Background.Source != 0)
            throw new InputException("material: a nonzero material is not used by problem.model: burgers; allowed: no material section (or zeros)");
        if (root.Optional("reaction") is { } reaction)
            throw reaction.Error("is not supported with problem.model: burgers", "no reaction section");
        if (u.FilterStrength != 0.0)
            throw s.Sub("filter", FilterKeys).Optional("strength")!.Error("is not supported with problem.model: burgers", "0 (no filter)");

        foreach (var (key, target) in UncertaintyWords.RiemannTargets)
        {
            var inputs = u.On(target).ToArray();
            if (inputs.Length == 0)
                throw new InputException($"uncertainty.{key} is missing; allowed: {{mean: m, spread: s, parameter: k}} (required with problem.model: burgers)");
            var value = s.Optional(key)!;
            if (inputs.All(i => i.Mean is null))
                throw value.Error("has no mean", "{mean: m, spread: s, parameter: k}");
            foreach (var i in inputs)
                if (i.Spread != 0.0 && u.Parameters[i.Parameter].Distribution != ParameterDistribution.Uniform)
                    throw value.Error($"depends on parameter {i.Parameter}, which is not uniform",
                        "uniform parameters (the Lax–Friedrichs speed and the shock's range must be bounded)");
        }
        var (shockMean, shockSpreads) = u.Affine(UncertainTarget.Shock, "background", default);
        int[] shockParameters = [.. Enumerable.Range(0, shockSpreads.Length).Where(k => shockSpreads[k] != 0.0)];
        var shockValue = s.Optional("shock")!;
        if (shockParameters.Length > 1)
            throw shockValue.Error($"depends on {shockParameters.Length} parameters", "a shock position affine in one parameter");
        double lo = shockMean, hi = shockMean;
        foreach (int k in shockParameters)
        {
            var p = u.Parameters[k];
            lo += Math.Min(shockSpreads[k] * p.A, shockSpreads[k] * p.B);
            hi += Math.Max(shockSpreads[k] * p.A, shockSpreads[k] * p.B);
        }
        var extent = o.Grid.Extent[0];
        if (!(lo > extent.Min && hi < extent.Max))
            throw shockValue.Error($"puts the shock in [{Show(lo)}, {Show(hi)}], not inside the grid's extent ({Show(extent.Min)}, {Show(extent.Max)})",
                "mean + spread·ξ inside grid.extent for every ξ in the parameter's range");
        double speed = 0.0;
        foreach (var (key, target) in UncertaintyWords.RiemannTargets.Skip(1))
        {
            var (mean, spreads) = u.Affine(target, "background", default);
            foreach (int k in shockParameters)
                if (spreads[k] != 0.0)
                    throw s.Optional(key)!.Error($"depends on parameter {k}, the shock's",
                        "states that depend on parameters other than the shock position's (the initial chaos coefficients are then exact)");
            double a = mean, b = mean;
            for (int k = 0; k < spreads.Length; k++)
            {
                var p = u.Parameters[k];
                a += Math.Min(spreads[k] * p.A, spreads[k] * p.B);
                b += Math.Max(spreads[k] * p.A, spreads[k] * p.B);
            }
            speed = Math.Max(speed, Math.Max(Math.Abs(a), Math.Abs(b)));
        }
        if (speed == 0.0)
            throw s.Optional("left_state")!.Error("and right_state are zero everywhere", "states with a nonzero value (the Lax–Friedrichs speed max|u| sets Δt)");
    }

    private static string Show(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
