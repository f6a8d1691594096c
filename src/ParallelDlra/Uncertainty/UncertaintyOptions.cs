using System.Collections.Immutable;
using ParallelDlra.Problems;

namespace ParallelDlra.Uncertainty;

/// <summary>How the uncertainty is propagated (deck key <c>uncertainty.method</c>).</summary>
public enum UncertaintyMethod { StochasticGalerkin, Collocation, MonteCarlo }

/// <summary>The distribution of a random parameter: uniform on [A, B], or normal with mean A and standard deviation B.</summary>
public enum ParameterDistribution { Uniform, Normal }

/// <summary>Which input an uncertain dependence acts on.</summary>
/// <remarks>Shock, LeftState, RightState: the Riemann data x_s, u_L, u_R of <c>problem.model: burgers</c>. Inflow: the
/// isotropic scalar flux φ_in of the grid's inflow faces (<c>grid.inflow_phi</c>). InitialCenter, InitialWidth: the
/// Gaussian initial condition's centre along an axis and its width σ.</remarks>
public enum UncertainTarget { SigmaS, SigmaA, Source, InitialAmplitude, Shock, LeftState, RightState, Inflow, InitialCenter, InitialWidth }

/// <summary>Which chaos polynomials: all degrees ≤ n per parameter, or total degree ≤ n.</summary>
public enum ChaosIndexSet { Tensor, TotalDegree }

/// <summary>One random parameter ξ_k (deck <c>uncertainty.parameters[k]</c>): uniform on [A, B] or normal N(A, B²).</summary>
public readonly record struct ParameterOptions(ParameterDistribution Distribution, double A, double B)
{
    /// <summary>E[ξ].</summary>
    public double Mean => Distribution == ParameterDistribution.Uniform ? 0.5 * (A + B) : A;
}

/// <summary>An affine dependence of one input on one parameter (deck <c>uncertainty.sigma_s</c>, <c>sigma_a</c>,
/// <c>source</c>): value(x, ξ) = Mean + Spread · ξ_Parameter in the cells of <see cref="Region"/> (all cells when
/// null; "background" names the material map's background). <see cref="Mean"/> null keeps the material's value there.
/// Several entries on the same cells add their spreads. <see cref="Axis"/>: the axis of an uncertain initial centre.</summary>
public sealed record UncertainInput(UncertainTarget Target, string? Region, double? Mean, double Spread, int Parameter, int Axis = 0);

/// <summary>deck key <c>uncertainty</c>: the random parameters, the uncertain inputs and how the uncertainty is
/// propagated. SG: chaos of <see cref="Degree"/> (per parameter, or total with <see cref="IndexSet"/>), filtered
/// with strength <see cref="FilterStrength"/> (0: none). Collocation: <see cref="Nodes"/> Gauss nodes per parameter
/// (tensor rule); Monte Carlo: <see cref="Samples"/> members drawn with <see cref="Seed"/>. Ensemble members run on
/// <see cref="Groups"/> groups of ranks.</summary>
public sealed record UncertaintyOptions(
    UncertaintyMethod Method,
    ImmutableArray<ParameterOptions> Parameters,
    ImmutableArray<UncertainInput> Inputs,
    int Degree,
    ChaosIndexSet IndexSet,
    double FilterStrength,
    int Groups,
    int Nodes,
    int Samples,
    int Seed)
{
    public bool Equals(UncertaintyOptions? other)
        => other is not null && Method == other.Method && ValueEquality.Same(Parameters, other.Parameters)
           && ValueEquality.Same(Inputs, other.Inputs) && Degree == other.Degree && IndexSet == other.IndexSet
           && FilterStrength.Equals(other.FilterStrength) && Groups == other.Groups && Nodes == other.Nodes
           && Samples == other.Samples && Seed == other.Seed;

    public override int GetHashCode()
        => HashCode.Combine(Method, ValueEquality.Hash(Parameters), ValueEquality.Hash(Inputs), Degree, IndexSet, FilterStrength,
            HashCode.Combine(Groups, Nodes, Samples, Seed));

    /// <summary>The error when <see cref="Groups"/> does not divide the job's <paramref name="ranks"/>, else null.</summary>
    public InputException? GroupsError(int ranks) => ranks % Groups == 0 ? null
        : new InputException($"uncertainty.groups = {Groups} does not divide the {ranks} rank(s) of the job; " +
                             "allowed: a divisor of the number of ranks (each group runs its members on ranks/groups ranks)");

    /// <summary>Whether an input acts on the cells of the material class <paramref name="region"/> (a region's name or
    /// "background").</summary>
    public static bool Covers(UncertainInput input, string region) => input.Region is null || input.Region == region;

    /// <summary>The affine dependence value = Mean + Σ_k Spreads[k]·ξ_k of <paramref name="target"/> in the cells of
    /// the material class <paramref name="region"/> whose deterministic material is <paramref name="material"/>: the
    /// last given mean (else the material's value) and the spreads summed per parameter.</summary>
    public (double Mean, double[] Spreads) Affine(UncertainTarget target, string region, Material material)
    {
        double mean = target switch
        {
            UncertainTarget.SigmaS => material.SigmaS,
            UncertainTarget.SigmaA => material.SigmaA,
            UncertainTarget.Source => material.Source,
            _ => 1.0,   // the initial condition's amplitude: φ0(x, ξ) = φ0(x)·(mean + Σ_k spread_k ξ_k), mean 1 by default
        };
        var spreads = new double[Parameters.Length];
        foreach (var input in On(target))
        {
            if (!Covers(input, region)) continue;
            if (input.Mean is double m) mean = m;
            spreads[input.Parameter] += input.Spread;
        }
        return (mean, spreads);
    }

    /// <summary>The inflow φ_in(ξ) = mean + Σ_k spread_k ξ_k of every inflow face: the last given mean (else the grid's
    /// <paramref name="gridInflow"/>, <c>grid.inflow_phi</c>) and the spreads summed per parameter.</summary>
    public (double Mean, double[] Spreads) Inflow(double gridInflow)
    {
        double mean = gridInflow;
        var spreads = new double[Parameters.Length];
        foreach (var input in On(UncertainTarget.Inflow))
        {
            if (input.Mean is double m) mean = m;
            spreads[input.Parameter] += input.Spread;
        }
        return (mean, spreads);
    }

    /// <summary>Whether the Gaussian initial condition's centre or width depends on ξ (not affine in the state: the SG initial
    /// state is projected by quadrature, <see cref="StochasticGalerkinTerms.ApplyInitialState"/>).</summary>
    public bool UncertainShape => On(UncertainTarget.InitialCenter).Any() || On(UncertainTarget.InitialWidth).Any();

    /// <summary>The deterministic initial condition at ξ (E[ξ] when null): the amplitude, the centre c_d + Σ s_k ξ_k along
    /// each given axis and the width σ + Σ s_k ξ_k.</summary>
    public InitialConditionOptions InitialAt(InitialConditionOptions ic, IReadOnlyList<double>? xi)
    {
        double X(int k) => xi?[k] ?? Parameters[k].Mean;
        var (amplitude, aSpreads) = Affine(UncertainTarget.InitialAmplitude, "background", default);
        for (int k = 0; k < aSpreads.Length; k++) amplitude += aSpreads[k] * X(k);
        var center = ic.Center.ToArray();
        double sigma = ic.Sigma;
        foreach (var input in On(UncertainTarget.InitialCenter)) center[input.Axis] += input.Spread * X(input.Parameter);
        foreach (var input in On(UncertainTarget.InitialWidth)) sigma += input.Spread * X(input.Parameter);
        if (amplitude == 1.0 && !UncertainShape) return ic;
        return ic with { Mass = ic.Mass * amplitude, Value = ic.Value * amplitude, Center = [.. center], Sigma = sigma };
    }

    /// <summary>The inputs acting on <paramref name="target"/>.</summary>
    public IEnumerable<UncertainInput> On(UncertainTarget target) => Inputs.Where(i => i.Target == target);
}
