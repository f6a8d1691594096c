using ParallelDlra.Angular;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;

namespace ParallelDlra.Deck;

// problem.model: thermal and its section material.thermal (docs/deck.md, "Thermal radiative transfer").
public static partial class DeckReader
{
    private static readonly string[] ThermalKeys = ["heat_capacity", "initial_energy", "source_until"];

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
        return new ThermalOptions(c, e0, until);
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
        if (o.Solver.Kind is SolverKind.FixedRankBug or SolverKind.ParallelBug or SolverKind.MidpointBug or SolverKind.ParallelBug2)
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
        if (map.Background.SigmaS != 0 || map.Regions.Any(r => r.Material.SigmaS != 0))
        {
            const string allowed = "sigma_s = 0 with problem.model: thermal (no scattering in this model yet)";
            throw root.Sub("material", MaterialKeys).Optional("sigma_s") is { } s ? s.Error("is not zero", allowed)
                : root.Source.Error(root.Source.Root, $"material.sigma_s (of the material map) is not zero; allowed: {allowed}");
        }
    }
}
