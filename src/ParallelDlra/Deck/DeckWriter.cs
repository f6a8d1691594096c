using System.Globalization;
using System.Text;
using ParallelDlra.Angular;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Deck;

/// <summary>Writes <see cref="RunOptions"/> back as a deck with every key present (defaults filled
/// in); <see cref="DeckReader.Parse"/> of the result gives equal options.</summary>
public static class DeckWriter
{
    public static string ToYaml(RunOptions o)
    {
        var w = new StringBuilder();
        void Line(int indent, string text) => w.Append(' ', 2 * indent).Append(text).Append('\n');

        Line(0, "problem:");
        Line(1, $"name: {Quote(o.Problem.Name)}");
        Line(1, $"description: {Quote(o.Problem.Description)}");
        if (o.Problem.Model != ProblemModel.Kinetic) Line(1, $"model: {DeckWords.Of(DeckWords.Model, o.Problem.Model)}");

        var g = o.Grid;
        Line(0, "grid:");
        Line(1, $"cells: [{string.Join(", ", g.Cells)}]");
        Line(1, $"extent: [{string.Join(", ", g.Extent.Select(e => $"[{Num(e.Min)}, {Num(e.Max)}]"))}]");
        Line(1, "boundary: {" + string.Join(", ", g.Faces.Select((f, i) => $"{DeckWords.Faces[i]}: " + (f.Profile is { } p
            ? $"{{type: inflow, phi: {Num(f.InflowScalarFlux)}, direction: [{string.Join(", ", p.Direction.Select(Num))}], angular_sigma: {Num(p.AngularSigma)}}}"
            : DeckWords.Of(DeckWords.Boundary, f.Kind)))) + "}");
        var inflow = g.Faces.Where(f => f.Kind == BoundaryKind.Inflow && f.Profile is null).Select(f => (double?)f.InflowScalarFlux).FirstOrDefault();
        Line(1, $"inflow_phi: {Num(inflow ?? 1.0)}");

        Line(0, "angular:");
        Line(1, $"method: {DeckWords.Of(DeckWords.Angular, o.Angular.Method)}");
        Line(1, $"order: {o.Angular.Order}");
        if (o.Angular.Method == AngularMethod.Sn) Line(1, $"quadrature: {DeckWords.Of(DeckWords.Quadrature, o.Angular.Quadrature)}");
        if (o.Angular.Rotation is { } rotation)
            Line(1, $"rotation: {{angle: {DeckWords.Of(DeckWords.Rotation, rotation.Angle)}, fraction: {Num(rotation.Fraction)}, seed: {rotation.Seed}}}");
        if (o.Angular.Filter is { } filter)
            Line(1, $"filter: {{type: {DeckWords.Of(DeckWords.Filter, filter.Type)}, strength: {Num(filter.Strength)}, order: {filter.Order}}}");

        Line(0, "material:");
        if (o.Material.MapFile is { } file)
        {
            Line(1, $"file: {Quote(file)}");
            Line(1, $"# map {Quote(o.Material.Map.Name)}: {o.Material.Map.Regions.Length} region(s) on a background {Describe(o.Material.Map.Background)}");
        }
        else
        {
            var m = o.Material.Map.Background;
            Line(1, $"sigma_s: {Num(m.SigmaS)}");
            Line(1, $"sigma_a: {Num(m.SigmaA)}");
            Line(1, $"source: {Num(m.Source)}");
        }
        if (o.Material.Thermal is { } th)
        {
            Line(1, "thermal:");
            Line(2, $"heat_capacity: {Num(th.HeatCapacity)}");
            Line(2, $"initial_energy: {Num(th.InitialEnergy)}");
            Line(2, $"source_until: {(double.IsPositiveInfinity(th.SourceUntil) ? "always" : Num(th.SourceUntil))}");
            if (th.Opacity is { } law)
                Line(2, $"opacity: {{law: power, sigma_0: {Num(law.Sigma0)}, exponent: {Num(law.Exponent)}, temperature_floor: {Num(law.TemperatureFloor)}}}");
        }

        if (o.Reaction is { } reaction)
        {
            Line(0, "reaction:");
            Line(1, $"kappa: {Num(reaction.Kappa)}");
            Line(1, $"quadrature_points: {reaction.QuadraturePoints.ToString(CultureInfo.InvariantCulture)}");
        }

        var ic = o.Initial;
        Line(0, "initial:");
        Line(1, $"type: {DeckWords.Of(DeckWords.Initial, ic.Kind)}");
        Line(1, $"center: [{string.Join(", ", ic.Center.Select(Num))}]");
        Line(1, $"sigma: {Num(ic.Sigma)}");
        Line(1, $"mass: {Num(ic.Mass)}");
        Line(1, $"value: {Num(ic.Value)}");
        if (ic.Kind == InitialKind.Beam)
        {
            Line(1, $"direction: [{string.Join(", ", ic.Direction.Select(Num))}]");
            Line(1, $"angular_sigma: {Num(ic.AngularSigma)}");
        }

        var t = o.Time;
        Line(0, "time:");
        Line(1, $"end: {Num(t.End)}");
        Line(1, $"cfl: {Num(t.Cfl)}");
        Line(1, $"stepper: {DeckWords.Of(DeckWords.Stepper, t.Stepper)}");
        Line(1, $"max_steps: {(t.MaxSteps == int.MaxValue ? "unlimited" : t.MaxSteps.ToString(CultureInfo.InvariantCulture))}");
        Line(1, $"max_mass_growth: {Num(t.MaxMassGrowth)}");

        var s = o.Solver;
        Line(0, "solver:");
        Line(1, $"type: {DeckWords.Of(DeckWords.Solver, s.Kind)}");
        Line(1, $"flux: {DeckWords.Of(DeckWords.Flux, s.Flux)}");
        Line(1, $"rank: {s.InitialRank}");
        Line(1, $"conservative: {(s.Conservative ? "true" : "false")}");
        Line(1, $"qr: {DeckWords.Of(DeckWords.Qr, s.Qr)}");
        if (s.SpaceOrder != 1) Line(1, $"space_order: {s.SpaceOrder}");
        if (s.Limiter != SlopeLimiter.None) Line(1, $"limiter: {DeckWords.Of(DeckWords.Limiter, s.Limiter)}");
        if (s.Limiter == SlopeLimiter.DensityVanAlbada) Line(1, $"limiter_share: {Num(s.LimiterShare)}");
        if (s.Kind == SolverKind.ParallelBug)
        {
            Line(1, $"step_rejection: {(s.StepRejection ? "true" : "false")}");
            Line(1, $"rejection_constant: {Num(s.RejectionConstant)}");
        }
        Line(1, "truncation:");
        Line(2, $"theta: {Num(s.Truncation.Theta)}");
        Line(2, $"tolerance: {DeckWords.Of(DeckWords.Tolerance, s.Truncation.Kind)}");
        Line(2, $"per: {DeckWords.Of(DeckWords.TruncationPer, s.Truncation.Per)}");
        Line(2, $"relative_to: {DeckWords.Of(DeckWords.RelativeTo, s.Truncation.RelativeTo)}");
        Line(2, $"r_min: {s.Truncation.RMin}");
        Line(2, $"r_max: {s.Truncation.RMax}");

        Line(0, "output:");
        Line(1, $"directory: {Quote(o.Output.Directory)}");
        Line(1, $"progress_every: {o.Output.ProgressEvery}");
        Line(1, $"write_field: {(o.Output.WriteField ? "true" : "false")}");
        Line(1, $"snapshot_every: {o.Output.SnapshotEvery}");
        Line(1, $"snapshot_times: [{string.Join(", ", o.Output.SnapshotTimes.Select(Num))}]");
        Line(1, $"moments: [{string.Join(", ", o.Output.Moments)}]");
        Line(1, $"store_factors: {(o.Output.StoreFactors ? "true" : "false")}");
        Line(1, $"checkpoint_every: {o.Output.CheckpointEvery}");
        Line(1, $"checkpoint_keep: {o.Output.CheckpointKeep}");

        Line(0, "compute:");
        Line(1, $"backend: {DeckWords.Of(DeckWords.Backend, o.Compute.Backend)}");
        Line(1, $"share_gpus: {(o.Compute.ShareGpus ? "true" : "false")}");
        Line(1, $"accelerator: {DeckWords.Of(DeckWords.Accelerator, o.Compute.Accelerator)}");
        if (o.Uncertainty is { } u) WriteUncertainty(u, Line);
        return w.ToString();
    }

    private static void WriteUncertainty(UncertaintyOptions u, Action<int, string> line)
    {
        line(0, "uncertainty:");
        line(1, $"method: {DeckWords.Of(UncertaintyWords.Method, u.Method)}");
        line(1, "parameters:");
        foreach (var p in u.Parameters)
            line(2, p.Distribution == ParameterDistribution.Uniform
                ? $"- {{distribution: uniform, min: {Num(p.A)}, max: {Num(p.B)}}}"
                : $"- {{distribution: normal, mean: {Num(p.A)}, std: {Num(p.B)}}}");
        line(1, $"degree: {u.Degree}");
        line(1, $"index_set: {DeckWords.Of(UncertaintyWords.IndexSet, u.IndexSet)}");
        line(1, $"filter: {{strength: {Num(u.FilterStrength)}}}");
        line(1, $"groups: {u.Groups}");
        line(1, $"nodes: {u.Nodes}");
        line(1, $"samples: {u.Samples}");
        line(1, $"seed: {u.Seed}");
        if (u.PointCount > 0)
            line(1, $"evaluate_at: [{string.Join(", ", Enumerable.Range(0, u.PointCount).Select(q => $"[{string.Join(", ", u.Point(q).Select(Num))}]"))}]");
        foreach (var (key, target) in UncertaintyWords.Targets.Concat(UncertaintyWords.RiemannTargets))
        {
            var inputs = u.On(target).ToArray();
            if (inputs.Length == 0) continue;
            line(1, $"{key}:");
            foreach (var i in inputs)
                line(2, "- {" + string.Join(", ", new[]
                {
                    i.Mean is double m ? $"mean: {Num(m)}" : null,
                    i.IsPolynomial ? $"polynomial: [{string.Join(", ", i.Powers.Select(Num))}]" : $"spread: {Num(i.Spread)}", $"parameter: {i.Parameter}",
                    i.Region is { } r ? $"region: {Quote(r)}" : null,
                    i.Target == UncertainTarget.InitialCenter ? $"axis: {"xyz"[i.Axis]}" : null,
                }.Where(x => x is not null)) + "}");
        }
    }

    private static string Describe(Material m) => $"sigma_s={Num(m.SigmaS)} sigma_a={Num(m.SigmaA)} source={Num(m.Source)}";

    /// <summary>Shortest text that parses back to the same double.</summary>
    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A YAML double-quoted string.</summary>
    private static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) b.Append($"\\u{(int)c:x4}");
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }
}
