using ParallelDlra.Angular;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Verification;

/// <summary>
/// The exact statistics of Burgers' equation with uncertain Riemann data (<see cref="RiemannData"/>), u_L &gt; u_R.
/// The entropy solution of u_t + (u²/2)_x = 0 from u0 = u_L for x &lt; x_s0, u_R otherwise, is a single shock moving at
/// the Rankine–Hugoniot speed s = [u²/2]/[u] = (u_L² − u_R²)/(2(u_L − u_R)) = (u_L + u_R)/2 (Lax's entropy condition
/// u_L &gt; s &gt; u_R holds), so u(x, t) = u_L for x &lt; x_s(t) = x_s0 + t(u_L + u_R)/2 and u_R beyond; for the data
/// x_s(t) = 0.3 + 0.2 ξ + (12 + u_R(η)) t/2 (valid while the shock stays inside the domain and the boundary values are
/// the states). With the shock affine in ζ_k = (ξ − c)/scale and the states depending on another parameter ζ_j only:
///   E[u] = E_j[u_R + (u_L − u_R) P_k],   E[u²] = E_j[u_R² + (u_L² − u_R²) P_k],   Var = E[u²] − E[u]²,
/// P_k(ζ_j) = Prob_k(x &lt; x_s(t)) = clamp((1 ∓ s)/2, 0, 1), s = (x − c0 − t(u_L + u_R)/2)/c1 (x_s = c0 + c1 ζ_k; − for
/// c1 &gt; 0), piecewise linear in ζ_j with kinks where s = ±1. The integrand is then a piecewise polynomial of degree ≤ 3
/// in ζ_j: each piece between the kinks is integrated by a 4-point Gauss rule, exact to rounding.
/// </summary>
public static class BurgersReference
{
    /// <summary>E[u] and Var[u] at the points <paramref name="x"/> and time <paramref name="t"/>.</summary>
    public static (double[] Mean, double[] Variance) Statistics(RiemannData data, IReadOnlyList<RandomParameter> parameters, double t, IReadOnlyList<double> x)
    {
        int k = data.ShockParameter;
        int[] stateParameters = [.. data.Left.DependsOn.Union(data.Right.DependsOn).Distinct()];
        if (stateParameters.Contains(k)) throw new ArgumentException("the states depend on the shock's parameter");
        if (stateParameters.Length > 1) throw new ArgumentException("the states depend on more than one parameter");
        int j = stateParameters.Length == 1 ? stateParameters[0] : -1;
        if (j >= 0 && parameters[j].Family != ChaosFamily.Legendre) throw new ArgumentException("the states' parameter is not uniform");
        double c0 = data.Shock.Mean, c1 = 0.0;
        if (k >= 0)
        {
            c0 += data.Shock.Spreads[k] * parameters[k].Center;
            c1 = data.Shock.Spreads[k] * parameters[k].Scale;
        }
        var (gx, gw) = GaussLegendre.Rule(4);
        var zeta = new double[parameters.Count];
        var mean = new double[x.Count];
        var variance = new double[x.Count];
        for (int i = 0; i < x.Count; i++)
        {
            double xi = x[i];
            (double U, double U2) At(double zj)
            {
                if (j >= 0) zeta[j] = zj;
                double ul = data.Left.At(parameters, zeta), ur = data.Right.At(parameters, zeta);
                double front = xi - c0 - t * 0.5 * (ul + ur);   // x − (x_s(t) − c1 ζ_k)
                double p = c1 == 0.0 ? (front < 0 ? 1.0 : 0.0)
                    : c1 > 0 ? Math.Clamp(0.5 * (1.0 - front / c1), 0.0, 1.0) : Math.Clamp(0.5 * (1.0 + front / c1), 0.0, 1.0);
                return (ur + (ul - ur) * p, ur * ur + (ul * ul - ur * ur) * p);
            }
            double e = 0.0, e2 = 0.0;
            if (j < 0)
                (e, e2) = At(0.0);
            else
            {
                // Kinks: front(ζ_j)/c1 = ±1 (or front = 0 for a certain shock position); front is affine in ζ_j.
                double f0 = FrontAt(-1.0), f1 = FrontAt(1.0);
                double FrontAt(double zj)
                {
                    zeta[j] = zj;
                    return xi - c0 - t * 0.5 * (data.Left.At(parameters, zeta) + data.Right.At(parameters, zeta));
                }
                var cuts = new List<double> { -1.0, 1.0 };
                foreach (double level in c1 == 0.0 ? new[] { 0.0 } : new[] { c1, -c1 })
                    if (f1 != f0)
                    {
                        double z = -1.0 + 2.0 * (level - f0) / (f1 - f0);
                        if (z > -1.0 && z < 1.0) cuts.Add(z);
                    }
                cuts.Sort();
                for (int c = 0; c + 1 < cuts.Count; c++)
                {
                    double a = cuts[c], b = cuts[c + 1], half = 0.5 * (b - a);
                    if (half <= 0) continue;
                    for (int q = 0; q < gx.Length; q++)
                    {
                        var (u, u2) = At(0.5 * (a + b) + half * gx[q]);
                        double w = 0.5 * half * gw[q];   // the density of ζ_j is ½
                        e += w * u;
                        e2 += w * u2;
                    }
                }
            }
            mean[i] = e;
            variance[i] = Math.Max(e2 - e * e, 0.0);
        }
        return (mean, variance);
    }

    /// <summary>Error figures of computed E, Var against the exact ones at the cell centres (discrete L2 norms
    /// ‖f‖ = (Δx Σ f_i²)^½): relative ‖e‖/‖exact‖, and the normalisation of the published code of Kusch, Ceruti,
    /// Einkemmer and Frank (its <c>L2ErrorExpVar</c>: ‖e‖/‖exact‖²).</summary>
    public static (double Relative, double Published) Errors(ReadOnlySpan<double> computed, ReadOnlySpan<double> exact, double dx)
    {
        double e2 = 0.0, n2 = 0.0;
        for (int i = 0; i < exact.Length; i++)
        {
            double d = computed[i] - exact[i];
            e2 += dx * d * d;
            n2 += dx * exact[i] * exact[i];
        }
        return (Math.Sqrt(e2 / n2), Math.Sqrt(e2) / n2);
    }
}
