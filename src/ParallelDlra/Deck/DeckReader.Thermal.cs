using ParallelDlra.Angular;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;

namespace ParallelDlra.Deck;

// problem.model: thermal and its section material.thermal (docs/deck.md, "Thermal radiative transfer").
public static partial class DeckReader
{
    private static readonly string[] ThermalKeys = ["heat_capacity", "initial_energy", "source_until", "opacity"];
    private static readonly string[] OpacityKeys = ["law", "sigma_0", "exponent", "temperature_floor"];
    private static readonly (string Word, bool Value)[] OpacityLaws = [("power", true)];

    /// <summary>material.thermal: required with problem.model = thermal, refused without it.</summary>
    private static ThermalOptions? ReadThermal(Section root, Section material, ProblemOptions problem)
    {
        var section = material.Sub("thermal", ThermalKeys);
        bool present = material.Optional("thermal") is not null;
        if (problem.Model != ProblemModel.Thermal)
        {
            if (present)
                throw material.Optional("thermal")!.Error("is given but problem.model is not thermal", "material.thermal only with problem.model: thermal");
            return null;
        }
        if (!present)
            throw root.Source.Error(root.Source.Root, "material.thermal is missing; allowed: a section with heat_capacity > 0 " +
                                                      "(and optionally initial_energy, source_until) (required with problem.model: thermal)");
        double c = section.Required("heat_capacity", "heat_capacity > 0 (required with problem.model: thermal)")
            .Double("heat_capacity > 0", v => v > 0 ? null : v == 0 ? "is zero" : "is a negative heat capacity");
        double e0 = section.Optional("initial_energy")?.Double("initial_energy >= 0", v => v >= 0 ? null : "is a negative energy") ?? 0.0;
        double until = double.PositiveInfinity;
        if (section.Optional("source_until") is { } u && !u.IsWord("always"))
            until = u.Double("a time >= 0 or always", v => v >= 0 ? null : "is negative");
        return new ThermalOptions(c, e0, until) { Opacity = ReadOpacity(section) };
    }

    /// <summary>material.thermal.opacity: σ_a(T) = sigma_0 · max(T, temperature_floor)^exponent (the Marshak wave).</summary>
    private static Problems.Thermal.PowerLawOpacity? ReadOpacity(Section thermal)
    {
        if (thermal.Optional("opacity") is null) return null;
        var o = thermal.Sub("opacity", OpacityKeys);
        o.Required("law", "power (sigma_a = sigma_0 * max(T, temperature_floor)^exponent)").Word("opacity law", OpacityLaws);
        double s0 = o.Required("sigma_0", "sigma_0 > 0 (required with an opacity law)")
            .Double("sigma_0 > 0", v => v > 0 && double.IsFinite(v) ? null : v == 0 ? "is zero" : v < 0 ? "is negative" : "is not finite");
        double p = o.Required("exponent", "a finite number, e.g. -3 (required with an opacity law)")
            .Double("a finite number", v => double.IsFinite(v) ? null : "is not finite");
        double floor = o.Required("temperature_floor", "temperature_floor > 0 (required with an opacity law: keeps sigma_a finite in cold material)")
            .Double("temperature_floor > 0", v => v > 0 && double.IsFinite(v) ? null : "is not positive");
        return new Problems.Thermal.PowerLawOpacity(s0, p, floor);
    }

    /// <summary>What the thermal scheme supports (docs/design.md, "Thermal radiative transfer"): the exchange is an
    /// implicit per-cell update after each forward-Euler streaming step, and in DLRA it needs the conserved direction
    /// kept exactly in span(V) — the augmented BUG with conservative truncation.</summary>
    private static void CheckThermal(Section root, RunOptions o)
    {
        if (o.Problem.Model != ProblemModel.Thermal) return;
        // The thermal exchange acts on the P_N scalar flux of a deterministic linear problem (built on P_N alone).
        if (o.Angular.Method != AngularMethod.Pn)
            throw root.Sub("angular", AngularKeys).Optional("method")!.Error("is not supported with problem.model: thermal", "pn with problem.model: thermal");
        if (root.Optional("uncertainty") is { } uq)
            throw uq.Error("is not supported with problem.model: thermal", "no uncertainty section with problem.model: thermal");
        if (root.Optional("reaction") is { } reaction)
            throw reaction.Error("is not supported with problem.model: thermal", "no reaction section with problem.model: thermal");
        var solver = root.Sub("solver", SolverKeys);
        var time = root.Sub("time", TimeKeys);
        if (o.Solver.Kind is SolverKind.FixedRankBug or SolverKind.ParallelBug)
        {
            string problem = $"solver.type = {DeckWords.Of(DeckWords.Solver, o.Solver.Kind)} is not supported with problem.model: thermal";
            const string allowed = "full_rank or augmented_bug (with solver.conservative: true)";
            throw solver.Optional("type") is { } type ? type.Error("is not supported with problem.model: thermal", allowed)
                : root.Source.Error(root.Source.Root, $"{problem}; allowed: {allowed}");
        }
        if (o.Solver.Kind == SolverKind.AugmentedBug && !o.Solver.Conservative)
        {
            const string allowed = "true with problem.model: thermal (the exchange needs the conserved direction kept exactly in V)";
            throw solver.Optional("conservative") is { } v ? v.Error("is false", allowed)
                : root.Source.Error(root.Source.Root, $"solver.conservative is missing (default false); allowed: {allowed}");
        }
        if (o.Time.Stepper != TimeStepperKind.ForwardEuler)
            throw time.Optional("stepper")!.Error("is not supported with problem.model: thermal",
                "euler (streaming forward Euler, exchange and absorption backward Euler: a first-order IMEX splitting)");
        var map = o.Material.Map;
        if (o.Material.Thermal?.Opacity is not null) CheckOpacityLaw(root, o);
        if (map.Background.SigmaS != 0 || map.Regions.Any(r => r.Material.SigmaS != 0))
        {
            const string allowed = "sigma_s = 0 with problem.model: thermal (no scattering in this model yet)";
            throw root.Sub("material", MaterialKeys).Optional("sigma_s") is { } s ? s.Error("is not zero", allowed)
                : root.Source.Error(root.Source.Root, $"material.sigma_s (of the material map) is not zero; allowed: {allowed}");
        }
    }

    /// <summary>With an opacity law (the Marshak wave): the opacity comes from the law, not the material map; the slab
    /// is 1D with the hot boundary an isotropic inflow at x_min, φ_in = T_b⁴ &gt; 0 (the heat front is measured from it).</summary>
    private static void CheckOpacityLaw(Section root, RunOptions o)
    {
        var map = o.Material.Map;
        if (map.Background.SigmaA != 0 || map.Regions.Any(r => r.Material.SigmaA != 0))
        {
            const string allowed = "sigma_a = 0 with material.thermal.opacity (the opacity law sets sigma_a(T))";
            throw root.Sub("material", MaterialKeys).Optional("sigma_a") is { } s ? s.Error("is given with an opacity law", allowed)
                : root.Source.Error(root.Source.Root, $"material.sigma_a (of the material map) is not zero; allowed: {allowed}");
        }
        var grid = root.Sub("grid", GridKeys);
        if (o.Grid.Dimension != 1)
            throw grid.Required("cells", "one entry").Error("is not one-dimensional", "one cell count with material.thermal.opacity (a slab: the heat front runs along x)");
        var face = o.Grid.Faces[0];
        if (face.Kind != Mesh.BoundaryKind.Inflow || !(face.InflowScalarFlux > 0))
        {
            const string allowed = "grid.boundary: {x_min: inflow} with grid.inflow_phi = T_b^4 > 0 with material.thermal.opacity (the hot boundary at x_min)";
            throw face.Kind != Mesh.BoundaryKind.Inflow
                ? (grid.Optional("boundary") is { } b ? b.Error("has no inflow face at x_min", allowed)
                    : root.Source.Error(root.Source.Root, $"grid.boundary is missing (default vacuum); allowed: {allowed}"))
                : grid.Optional("inflow_phi")!.Error("is not positive", allowed);
        }
    }
}
