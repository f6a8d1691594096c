using ParallelDlra.Solvers;

namespace ParallelDlra.Uncertainty;

/// <summary>Mean, variance and standard deviation of the scalar flux on the rank-local cells.</summary>
public sealed record FieldStatistics(double[] Mean, double[] Variance)
{
    public double[] StandardDeviation => [.. Variance.Select(v => Math.Sqrt(Math.Max(v, 0.0)))];
}

/// <summary>
/// Statistics of φ(x, ξ) = Σ_j φ_j(x) p_j(ξ) from a stochastic-Galerkin state: with orthonormal p_j and p_0 = 1,
/// E[φ] = φ_0 and Var[φ] = Σ_{j≥1} φ_j² (DESIGN §8). The chaos coefficients φ_j are the mass density's columns of u,
/// read through <see cref="ISolver.Moments(IReadOnlyList{int})"/>: for a low-rank state X (S V(i,:)ᵀ), n_cells × r work per
/// mode; the n_cells × n_moments·n_ξ tensor is never formed.
/// </summary>
public static class ChaosStatistics
{
    public static FieldStatistics Of(ISolver solver, StochasticGalerkinSpace space)
    {
        var modes = space.MassModes();
        var u = solver.Moments(modes);
        int n = u.Length / modes.Length;
        double norm = space.Mass.Norm;
        var mean = new double[n];
        var variance = new double[n];
        for (int i = 0; i < n; i++) mean[i] = norm * u[i];
        for (int j = 1; j < modes.Length; j++)
            for (int i = 0; i < n; i++)
            {
                double phi = norm * u[j * n + i];
                variance[i] += phi * phi;
            }
        return new FieldStatistics(mean, variance);
    }

    /// <summary>φ at the parameter values ζ (standard variables), evaluated from the chaos expansion.</summary>
    public static double[] At(ISolver solver, StochasticGalerkinSpace space, ReadOnlySpan<double> zeta)
    {
        var modes = space.MassModes();
        var u = solver.Moments(modes);
        int n = u.Length / modes.Length;
        var p = space.Chaos.Evaluate(zeta);
        var phi = new double[n];
        for (int j = 0; j < modes.Length; j++)
            for (int i = 0; i < n; i++) phi[i] += space.Mass.Norm * p[j] * u[j * n + i];
        return phi;
    }

    /// <summary>φ at the parameter values ξ (the deck's variables: ζ_k = (ξ_k − centre_k)/scale_k), from the chaos expansion.</summary>
    public static double[] AtParameters(ISolver solver, StochasticGalerkinSpace space, IReadOnlyList<double> xi)
    {
        var zeta = new double[xi.Count];
        for (int k = 0; k < zeta.Length; k++) zeta[k] = (xi[k] - space.Chaos.Parameters[k].Center) / space.Chaos.Parameters[k].Scale;
        return At(solver, space, zeta);
    }

    /// <summary>Weighted ensemble statistics of member fields φ_q with weights w_q (Σ w_q = 1): E = Σ w_q φ_q,
    /// Var = Σ w_q (φ_q − E)² (two passes: no cancellation of E[φ²] − E[φ]²).</summary>
    public static FieldStatistics OfEnsemble(IReadOnlyList<double[]> members, IReadOnlyList<double> weights)
    {
        int n = members[0].Length;
        var mean = new double[n];
        var variance = new double[n];
        for (int q = 0; q < members.Count; q++)
            for (int i = 0; i < n; i++) mean[i] += weights[q] * members[q][i];
        for (int q = 0; q < members.Count; q++)
            for (int i = 0; i < n; i++)
            {
                double d = members[q][i] - mean[i];
                variance[i] += weights[q] * d * d;
            }
        return new FieldStatistics(mean, variance);
    }
}
