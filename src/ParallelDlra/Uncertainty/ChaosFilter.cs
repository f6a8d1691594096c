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
    private readonly int _chaosCount;

    public ChaosFilter(StochasticGalerkinSpace space, double strength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(strength);
        var g = space.Chaos.FilterFactors(strength);
        _chaosCount = space.Chaos.Count;
        _factors = new double[space.Count];
        for (int i = 0; i < space.Count; i++) _factors[i] = g[i % space.Chaos.Count];
    }

    /// <summary>The filter of a run, or null when there is none (not SG, or strength 0).</summary>
    public static ChaosFilter? For(Angular.IVelocitySpace space, Uncertainty.UncertaintyOptions? u) =>
        space is StochasticGalerkinSpace sg && u is { FilterStrength: > 0 } ? new ChaosFilter(sg, u.FilterStrength) : null;

    /// <summary>The damping factor of each coefficient (index a·n_ξ + j).</summary>
    public IReadOnlyList<double> Factors => _factors;

    /// <summary>Filters the solver's state in place.</summary>
    public void Apply(ISolver solver) => ChaosTransform.Apply(solver, _factors.Length / _chaosCount, Matrix<double>.Build.DenseOfDiagonalArray(_factors[.._chaosCount]));
}

/// <summary>u ← u (I ⊗ M) for a chaos matrix M (n_ξ × n_ξ), on either kind of state: on the moments directly; on the
/// factors V ← (I ⊗ Mᵀ) V = Q R (orthonormalised again), S ← S Rᵀ, X unchanged.</summary>
public static class ChaosTransform
{
    public static void Apply(ISolver solver, int angular, Matrix<double> m)
    {
        int nx = m.RowCount;
        switch (solver.Save())
        {
            case MomentsState s:
            {
                int n = s.U.Length / (angular * nx);
                var row = new double[nx];
                for (int a = 0; a < angular; a++)
                    for (int i = 0; i < n; i++)
                    {
                        for (int l = 0; l < nx; l++)
                        {
                            double v = 0;
                            for (int j = 0; j < nx; j++) v += s.U[(a * nx + j) * n + i] * m[j, l];
                            row[l] = v;
                        }
                        for (int l = 0; l < nx; l++) s.U[(a * nx + l) * n + i] = row[l];
                    }
                solver.Restore(s);
                break;
            }
            case FactorsState f:
            {
                var mt = m.Transpose();
                var w = f.V.Clone();
                for (int a = 0; a < angular; a++)
                {
                    var block = f.V.SubMatrix(a * nx, nx, 0, f.V.ColumnCount);
                    w.SetSubMatrix(a * nx, 0, mt * block);
                }
                var qr = w.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                solver.Restore(new FactorsState(f.X, f.S * qr.R.Transpose(), qr.Q));
                break;
            }
            default:
                throw new NotSupportedException($"no chaos transform for a {solver.StateKind} state");
        }
    }
}
