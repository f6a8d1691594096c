using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Solvers;

namespace ParallelDlra.Uncertainty;

/// <summary>
/// Filtered stochastic Galerkin (Kusch, McClarren and Frank, J. Comput. Phys. 2020): after each step every chaos
/// coefficient is damped by the L2 filter g_α = Π_k 1/(1 + λ α_k²(α_k + 1)²) (<see cref="ChaosBasis.FilterFactors"/>),
/// against the Gibbs oscillations of a truncated chaos expansion in ξ. The mean mode (g = 1) is untouched, so the mean
/// mass is conserved and the conserved direction stays in span(V). On u: u ← u (I ⊗ G), G = diag(g). On the factors
/// X S Vᵀ: V ← (I ⊗ G) V = Q R (the columns orthonormalised again), S ← S Rᵀ; X is unchanged (n_moments · n_ξ × r work,
/// plus one copy of X through the solver's state).
/// </summary>
public sealed class ChaosFilter
{
    private readonly double[] _factors;   // per coefficient of the velocity space

    public ChaosFilter(StochasticGalerkinSpace space, double strength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(strength);
        var g = space.Chaos.FilterFactors(strength);
        _factors = new double[space.Count];
        for (int i = 0; i < space.Count; i++) _factors[i] = g[i % space.Chaos.Count];
    }

    /// <summary>The filter of a run, or null when there is none (not SG, or strength 0).</summary>
    public static ChaosFilter? For(Angular.IVelocitySpace space, Deck.UncertaintyOptions? u) =>
        space is StochasticGalerkinSpace sg && u is { FilterStrength: > 0 } ? new ChaosFilter(sg, u.FilterStrength) : null;

    /// <summary>The damping factor of each coefficient (index a·n_ξ + j).</summary>
    public IReadOnlyList<double> Factors => _factors;

    /// <summary>Filters the solver's state in place.</summary>
    public void Apply(ISolver solver)
    {
        switch (solver.Save())
        {
            case MomentsState m:
            {
                int n = m.U.Length / _factors.Length;
                for (int a = 0; a < _factors.Length; a++)
                    for (int i = 0; i < n; i++) m.U[a * n + i] *= _factors[a];
                solver.Restore(m);
                break;
            }
            case FactorsState f:
            {
                var gv = f.V.Clone();
                for (int a = 0; a < _factors.Length; a++) gv.SetRow(a, gv.Row(a) * _factors[a]);
                var qr = gv.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                solver.Restore(new FactorsState(f.X, f.S * qr.R.Transpose(), qr.Q));
                break;
            }
            default:
                throw new NotSupportedException($"the chaos filter has no rule for a {solver.StateKind} state");
        }
    }
}
