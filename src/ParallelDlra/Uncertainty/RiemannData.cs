namespace ParallelDlra.Uncertainty;

/// <summary>An input affine in the random parameters, value(ξ) = Mean + Σ_k Spreads[k]·ξ_k, evaluated at the standard
/// variables ζ (ξ_k = Center_k + Scale_k ζ_k, <see cref="RandomParameter"/>).</summary>
public sealed record AffineInput(double Mean, double[] Spreads)
{
    public double At(IReadOnlyList<RandomParameter> parameters, ReadOnlySpan<double> zeta)
    {
        double v = Mean;
        for (int k = 0; k < Spreads.Length; k++)
            if (Spreads[k] != 0.0) v += Spreads[k] * parameters[k].At(zeta[k]);
        return v;
    }

    /// <summary>The smallest and largest value over the parameters' ranges (uniform parameters: bounded).</summary>
    public (double Min, double Max) Range(IReadOnlyList<RandomParameter> parameters)
    {
        double lo = Mean, hi = Mean;
        for (int k = 0; k < Spreads.Length; k++)
        {
            if (Spreads[k] == 0.0) continue;
            var (a, b) = parameters[k].Range;
            lo += Math.Min(Spreads[k] * a, Spreads[k] * b);
            hi += Math.Max(Spreads[k] * a, Spreads[k] * b);
        }
        return (lo, hi);
    }

    /// <summary>The parameters the input depends on.</summary>
    public IEnumerable<int> DependsOn => Enumerable.Range(0, Spreads.Length).Where(k => Spreads[k] != 0.0);
}

/// <summary>
/// Uncertain Riemann data of a scalar conservation law: u0(x, ξ) = u_L(ξ) for x &lt; x_s(ξ), u_R(ξ) otherwise, each of
/// x_s, u_L, u_R affine in the parameters (deck <c>uncertainty.shock</c>, <c>left_state</c>, <c>right_state</c>). The
/// shock depends on at most one parameter, the states not on that one (so u0 = u_R + (u_L − u_R)·1[x &lt; x_s] is a
/// product of a function of the shock's parameter and one of the others: its chaos coefficients are exact, see
/// <see cref="BurgersProblem.InitialFactors"/>). Kusch, Ceruti, Einkemmer and Frank (J. Sci. Comput. 2022), §5:
/// x_s = 0.3 + 0.2 ξ, u_L = 12, u_R = 1 + 5(η + 1)/2.
/// </summary>
public sealed record RiemannData(AffineInput Shock, AffineInput Left, AffineInput Right)
{
    /// <summary>The parameter the shock position depends on, −1 when it is certain.</summary>
    public int ShockParameter => Shock.DependsOn.DefaultIfEmpty(-1).First();

    /// <summary>u0 at x for the standard variables ζ.</summary>
    public double At(double x, IReadOnlyList<RandomParameter> parameters, ReadOnlySpan<double> zeta) =>
        x < Shock.At(parameters, zeta) ? Left.At(parameters, zeta) : Right.At(parameters, zeta);

    /// <summary>The largest |u| over the parameters' ranges: the speed of the global Lax–Friedrichs flux (Burgers:
    /// f'(u) = u, and the solution stays between the states).</summary>
    public double Speed(IReadOnlyList<RandomParameter> parameters)
    {
        var (l0, l1) = Left.Range(parameters);
        var (r0, r1) = Right.Range(parameters);
        return new[] { l0, l1, r0, r1 }.Max(Math.Abs);
    }
}
