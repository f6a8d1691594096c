using ParallelDlra.Deck;
using ParallelDlra.Problems;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Application;

/// <summary>One member of a collocation or Monte Carlo ensemble: the parameter values ξ, the quadrature weight (Σ = 1)
/// and the deterministic deck of the member (the deck's materials at ξ, no <c>uncertainty</c> section).</summary>
public sealed record EnsembleMember(int Index, double[] Xi, double Weight, RunOptions Options)
{
    /// <summary>ξ as text for messages: "ξ = (0.5, −1)".</summary>
    public string Describe() => "ξ = (" + string.Join(", ", Xi.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))) + ")";
}

/// <summary>The members of the non-intrusive methods: collocation at the tensor Gauss nodes of the parameters' measures
/// (<see cref="ChaosBasis.Quadrature"/>, <c>uncertainty.nodes</c> per parameter), or Monte Carlo with
/// <c>uncertainty.samples</c> draws from a seeded generator (weights 1/N). Every member is an ordinary deterministic
/// deck, so any solver runs it.</summary>
public static class EnsembleMembers
{
    public static IReadOnlyList<EnsembleMember> Of(RunOptions o)
    {
        var u = o.Uncertainty ?? throw new ArgumentException("the deck has no uncertainty section", nameof(o));
        var parameters = u.Parameters.Select(StochasticGalerkinTerms.Parameter).ToArray();
        var members = new List<EnsembleMember>();
        if (u.Method == UncertaintyMethod.MonteCarlo)
        {
            var random = new Random(u.Seed);
            for (int s = 0; s < u.Samples; s++)
            {
                var zeta = parameters.Select(p => p.Family == ChaosFamily.Legendre ? 2.0 * random.NextDouble() - 1.0 : StandardNormal(random)).ToArray();
                members.Add(Member(o, members.Count, [.. zeta.Select((z, k) => parameters[k].At(z))], 1.0 / u.Samples));
            }
            return members;
        }
        var chaos = new ChaosBasis(parameters, 0);
        var (nodes, weights) = chaos.Quadrature(u.Nodes);
        for (int q = 0; q < nodes.Length; q++)
            members.Add(Member(o, q, [.. nodes[q].Select((z, k) => parameters[k].At(z))], weights[q]));
        return members;
    }

    private static double StandardNormal(Random random)
    {
        // Box–Muller with u1 in (0, 1].
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static EnsembleMember Member(RunOptions o, int index, double[] xi, double weight)
    {
        var initial = o.Uncertainty!.InitialAt(o.Initial, xi);
        var member = o with
        {
            Grid = o.Grid with { Faces = UncertainMaterials.Faces(o.Uncertainty!, o.Grid.Faces, xi) },
            Material = o.Material with { Map = UncertainMaterials.Map(o.Uncertainty!, o.Material.Map, xi) },
            Initial = initial,
            Uncertainty = null,
        };
        return new EnsembleMember(index, xi, weight, member);
    }
}
