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

    /// <summary>E[ξ^m] in closed form: (B^{m+1} − A^{m+1}) / ((m + 1)(B − A)) for U(A, B); Σ_j C(m, 2j) μ^{m−2j} σ^{2j} (2j − 1)!!
    /// for N(μ, σ²). m = 1 is <see cref="Mean"/> exactly.</summary>
    public double Moment(int m)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m));
        if (m == 0) return 1.0;
        if (m == 1) return Mean;
        if (Distribution == ParameterDistribution.Uniform)
        {
            // Σ_{i=0..m} A^i B^{m−i} / (m + 1): no cancellation between B^{m+1} and A^{m+1}.
            double sum = 0.0;
            for (int i = 0; i <= m; i++) sum += Math.Pow(A, i) * Math.Pow(B, m - i);
            return sum / (m + 1);
        }
        double total = 0.0, binomial = 1.0, doubleFactorial = 1.0;
        for (int j = 0; 2 * j <= m; j++)
        {
            if (j > 0)
            {
                binomial *= (double)(m - 2 * j + 2) * (m - 2 * j + 1) / ((2 * j - 1) * (2.0 * j));
                doubleFactorial *= 2 * j - 1;
            }
            total += binomial * Math.Pow(A, m - 2 * j) * Math.Pow(B, 2 * j) * doubleFactorial;
        }
        return total;
    }

    /// <summary>The smallest and largest value of Σ_m c_m ξ^m (<paramref name="powers"/>[m − 1] = c_m, no constant) over the
    /// support: the interval's ends and the real roots of the derivative inside it for U(A, B); for N(A, B²), unbounded
    /// unless every c_m is zero.</summary>
    public (double Min, double Max) Range(IReadOnlyList<double> powers)
    {
        if (powers.All(c => c == 0.0)) return (0.0, 0.0);
        if (Distribution == ParameterDistribution.Normal) return (double.NegativeInfinity, double.PositiveInfinity);
        var candidates = new List<double> { A, B };
        if (powers.Count > 1)
        {
            // The derivative Σ_m m c_m ξ^{m−1}: its real roots in (A, B) (MathNet's companion-matrix eigenvalues).
            var derivative = new MathNet.Numerics.Polynomial(powers.Select((c, i) => (i + 1) * c).ToArray());
            foreach (var root in derivative.Roots())
                if (Math.Abs(root.Imaginary) <= 1e-9 * Math.Max(1.0, root.Magnitude) && root.Real > A && root.Real < B) candidates.Add(root.Real);
        }
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double x in candidates)
        {
            double v = UncertainInput.Evaluate(powers, x);
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        return (lo, hi);
    }
}

/// <summary>A dependence of one input on one parameter (deck <c>uncertainty.sigma_s</c>, <c>sigma_a</c>, <c>source</c>, …):
/// value(x, ξ) = Mean + Spread · ξ_Parameter + Σ_{m≥2} Higher[m − 2] · ξ_Parameter^m in the cells of <see cref="Region"/>
/// (all cells when null; "background" names the material map's background): affine when <see cref="Higher"/> is empty,
/// a polynomial (deck key <c>polynomial</c>) otherwise. <see cref="Mean"/> null keeps the material's value there.
/// Several entries on the same cells add their coefficients. <see cref="Axis"/>: the axis of an uncertain initial centre.</summary>
public sealed record UncertainInput(UncertainTarget Target, string? Region, double? Mean, double Spread, int Parameter, int Axis = 0,
    ImmutableArray<double> Higher = default)
{
    /// <summary>The coefficients c_1, c_2, … of ξ, ξ², … (c_1 = <see cref="Spread"/>).</summary>
    public double[] Powers => [Spread, .. Higher.IsDefault ? [] : Higher];

    /// <summary>Whether the dependence is a polynomial of degree ≥ 2 (deck key <c>polynomial</c>).</summary>
    public bool IsPolynomial => !Higher.IsDefaultOrEmpty;

    /// <summary>Σ_m c_m x^m for c = <paramref name="powers"/> (c_1 first; no constant), by Horner's rule.</summary>
    public static double Evaluate(IReadOnlyList<double> powers, double x)
    {
        double v = 0.0;
        for (int m = powers.Count - 1; m >= 0; m--) v = (v + powers[m]) * x;
        return v;
    }

    public bool Equals(UncertainInput? other)
        => other is not null && Target == other.Target && Region == other.Region && Mean.Equals(other.Mean) && Spread.Equals(other.Spread)
           && Parameter == other.Parameter && Axis == other.Axis && Powers.SequenceEqual(other.Powers);

    public override int GetHashCode() => HashCode.Combine(Target, Region, Mean, Spread, Parameter, Axis, Powers.Length);
}

/// <summary>An input as a function of the parameters: Mean + Σ_k Σ_m Powers[k][m − 1] · ξ_k^m (a sum of univariate
/// polynomials, one per parameter; affine when every Powers[k] has one entry).</summary>
public sealed record Dependence(double Mean, double[][] Powers)
{
    /// <summary>The value at ξ (the expectation E[value] when <paramref name="xi"/> is null: E[ξ_k^m] in closed form, so
    /// the affine case is the value at E[ξ] exactly).</summary>
    public double At(IReadOnlyList<ParameterOptions> parameters, IReadOnlyList<double>? xi)
    {
        double v = Mean;
        for (int k = 0; k < Powers.Length; k++)
        {
            if (xi is not null) { v += UncertainInput.Evaluate(Powers[k], xi[k]); continue; }
            for (int m = 1; m <= Powers[k].Length; m++)
                if (Powers[k][m - 1] != 0.0) v += Powers[k][m - 1] * parameters[k].Moment(m);
        }
        return v;
    }

    /// <summary>The smallest and largest value over the parameters' support (unbounded where a normal parameter drives it).</summary>
    public (double Min, double Max) Range(IReadOnlyList<ParameterOptions> parameters)
    {
        double lo = Mean, hi = Mean;
        for (int k = 0; k < Powers.Length; k++)
        {
            var (a, b) = parameters[k].Range(Powers[k]);
            lo += a;
            hi += b;
        }
        return (lo, hi);
    }

    /// <summary>Whether parameter k drives the input through ξ_k^m.</summary>
    public bool Drives(int k, int m) => m <= Powers[k].Length && Powers[k][m - 1] != 0.0;

    /// <summary>The highest power of any parameter (1 for an affine dependence).</summary>
    public int Degree => Powers.Max(p => p.Length);

    /// <summary>The sum of two dependences of disjoint inputs (σ_t = σ_s + σ_a): means and coefficients added.</summary>
    public static Dependence operator +(Dependence a, Dependence b)
        => new(a.Mean + b.Mean, [.. a.Powers.Zip(b.Powers, (x, y) =>
            Enumerable.Range(0, Math.Max(x.Length, y.Length)).Select(i => (i < x.Length ? x[i] : 0.0) + (i < y.Length ? y[i] : 0.0)).ToArray())]);
}

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
    int Seed,
    ImmutableArray<double> EvaluateAt = default)
{
    public bool Equals(UncertaintyOptions? other)
        => other is not null && Method == other.Method && ValueEquality.Same(Parameters, other.Parameters)
           && ValueEquality.Same(Inputs, other.Inputs) && Degree == other.Degree && IndexSet == other.IndexSet
           && FilterStrength.Equals(other.FilterStrength) && Groups == other.Groups && Nodes == other.Nodes
           && Samples == other.Samples && Seed == other.Seed && Points.SequenceEqual(other.Points);

    public override int GetHashCode()
        => HashCode.Combine(Method, ValueEquality.Hash(Parameters), ValueEquality.Hash(Inputs), Degree, IndexSet, FilterStrength,
            HashCode.Combine(Groups, Nodes, Samples, Seed, Points.Length));

    /// <summary>deck key <c>uncertainty.evaluate_at</c>: the parameter points ξ (p values each, flattened) at which a
    /// stochastic-Galerkin run also writes φ(x, ξ) from its chaos expansion; empty when none.</summary>
    public double[] Points => EvaluateAt.IsDefault ? [] : [.. EvaluateAt];

    /// <summary>The number of points of <see cref="EvaluateAt"/>.</summary>
    public int PointCount => Points.Length / Math.Max(1, Parameters.Length);

    /// <summary>Point q of <see cref="EvaluateAt"/>.</summary>
    public double[] Point(int q) => Points.AsSpan(q * Parameters.Length, Parameters.Length).ToArray();

    /// <summary>The error when <see cref="Groups"/> does not divide the job's <paramref name="ranks"/>, else null.</summary>
    public InputException? GroupsError(int ranks) => ranks % Groups == 0 ? null
        : new InputException($"uncertainty.groups = {Groups} does not divide the {ranks} rank(s) of the job; " +
                             "allowed: a divisor of the number of ranks (each group runs its members on ranks/groups ranks)");

    /// <summary>Whether an input acts on the cells of the material class <paramref name="region"/> (a region's name or
    /// "background").</summary>
    public static bool Covers(UncertainInput input, string region) => input.Region is null || input.Region == region;

    /// <summary>The affine dependence value = Mean + Σ_k Spreads[k]·ξ_k of <paramref name="target"/> in the cells of
    /// the material class <paramref name="region"/> whose deterministic material is <paramref name="material"/>: the
    /// last given mean (else the material's value) and the spreads summed per parameter. For inputs that can only be
    /// affine (the Riemann data); <see cref="Of"/> is the general form.</summary>
    public (double Mean, double[] Spreads) Affine(UncertainTarget target, string region, Material material)
    {
        var d = Of(target, region, material);
        if (d.Degree > 1) throw new InvalidOperationException($"{target} is a polynomial in ξ, not affine");
        return (d.Mean, [.. d.Powers.Select(p => p[0])]);
    }

    /// <summary>The dependence of <paramref name="target"/> on ξ in the cells of the material class
    /// <paramref name="region"/> whose deterministic material is <paramref name="material"/>: the last given mean (else
    /// the material's value) and the coefficients of ξ_k^m summed per parameter and power.</summary>
    public Dependence Of(UncertainTarget target, string region, Material material)
    {
        double mean = target switch
        {
            UncertainTarget.SigmaS => material.SigmaS,
            UncertainTarget.SigmaA => material.SigmaA,
            UncertainTarget.Source => material.Source,
            _ => 1.0,   // the initial condition's amplitude: φ0(x, ξ) = φ0(x)·(mean + Σ_k spread_k ξ_k), mean 1 by default
        };
        return Collect(mean, On(target).Where(input => Covers(input, region)));
    }

    /// <summary>The inflow φ_in(ξ) of every inflow face: the last given mean (else the grid's <paramref name="gridInflow"/>,
    /// <c>grid.inflow_phi</c>) and the coefficients summed per parameter and power.</summary>
    public Dependence Inflow(double gridInflow) => Collect(gridInflow, On(UncertainTarget.Inflow));

    /// <summary>The initial Gaussian's width σ(ξ) = σ + the entries of <c>initial_width</c> (summed per parameter and power).</summary>
    public Dependence Width(double sigma) => Collect(sigma, On(UncertainTarget.InitialWidth));

    private Dependence Collect(double mean, IEnumerable<UncertainInput> inputs)
    {
        var powers = new List<double>[Parameters.Length];
        for (int k = 0; k < powers.Length; k++) powers[k] = [0.0];
        foreach (var input in inputs)
        {
            if (input.Mean is double m) mean = m;
            var c = input.Powers;
            var into = powers[input.Parameter];
            while (into.Count < c.Length) into.Add(0.0);
            for (int i = 0; i < c.Length; i++) into[i] += c[i];
        }
        return new Dependence(mean, [.. powers.Select(p => p.ToArray())]);
    }

    /// <summary>Whether the Gaussian initial condition's centre or width depends on ξ (not affine in the state: the SG initial
    /// state is projected by quadrature, <see cref="StochasticGalerkinTerms.ApplyInitialState"/>).</summary>
    public bool UncertainShape => On(UncertainTarget.InitialCenter).Any() || On(UncertainTarget.InitialWidth).Any();

    /// <summary>The deterministic initial condition at ξ (E[ξ] when null; the amplitude then its expectation): the
    /// amplitude, the centre c_d + Σ P(ξ_k) along each given axis and the width σ + Σ P(ξ_k), P an entry's spread·ξ or
    /// polynomial.</summary>
    public InitialConditionOptions InitialAt(InitialConditionOptions ic, IReadOnlyList<double>? xi)
    {
        double X(int k) => xi?[k] ?? Parameters[k].Mean;
        double amplitude = Of(UncertainTarget.InitialAmplitude, "background", default).At(Parameters, xi);
        var center = ic.Center.ToArray();
        double sigma = ic.Sigma;
        foreach (var input in On(UncertainTarget.InitialCenter)) center[input.Axis] += UncertainInput.Evaluate(input.Powers, X(input.Parameter));
        foreach (var input in On(UncertainTarget.InitialWidth)) sigma += UncertainInput.Evaluate(input.Powers, X(input.Parameter));
        if (amplitude == 1.0 && !UncertainShape) return ic;
        return ic with { Mass = ic.Mass * amplitude, Value = ic.Value * amplitude, Center = [.. center], Sigma = sigma };
    }

    /// <summary>The inputs acting on <paramref name="target"/>.</summary>
    public IEnumerable<UncertainInput> On(UncertainTarget target) => Inputs.Where(i => i.Target == target);
}
