using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using ParallelDlra.Uncertainty;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>The uncertain line source of issue #16 on a coarse grid: 2D, pure scatterer σ_s(ξ) = 1 + 0.5 ξ, ξ ~ U(−1, 1),
/// t = 1. SG full rank against a 32-node collocation reference of the same discretisation, per chaos degree.</summary>
public sealed class UncertainLineSourceTests(ITestOutputHelper output)
{
    private static RunOptions Deck(int degree, UncertaintyMethod method = UncertaintyMethod.StochasticGalerkin, SolverKind solver = SolverKind.FullRank)
    {
        var o = TestDecks.Uniform([24, 24], [[-1.5, 1.5], [-1.5, 1.5]], 5, 1.0, 0.0, BoundaryKind.Vacuum, TestDecks.Gaussian(2, 0.2), 1.0, solver: solver);
        var u = new UncertaintyOptions(method, [new ParameterOptions(ParameterDistribution.Uniform, -1, 1)],
            [new UncertainInput(UncertainTarget.SigmaS, null, null, 0.5, 0)], degree, ChaosIndexSet.Tensor, 0.0, 1, 32, 100, 1);
        return o with
        {
            Uncertainty = u,
            Solver = o.Solver with { InitialRank = 20, Conservative = solver != SolverKind.FullRank, Truncation = o.Solver.Truncation with { Theta = 1e-3, RMin = 20, RMax = 200 } },
        };
    }

    [Fact]
    public void Stochastic_Galerkin_converges_to_the_collocation_reference_and_DLRA_stays_close()
    {
        var reference = UncertainPlaneSourceTests.Collocation(Deck(0, UncertaintyMethod.Collocation));
        var errors = new Dictionary<int, (double E, double Var)>();
        output.WriteLine("degree  rel. L2 error E[φ]  rel. L2 error Var[φ]");
        FieldStatistics? full7 = null;
        foreach (int degree in new[] { 2, 4, 6, 7 })
        {
            var sg = UncertainPlaneSourceTests.StochasticGalerkin(Deck(degree));
            if (degree == 7) full7 = sg;
            errors[degree] = (UncertainPlaneSourceTests.Relative(sg.Mean, reference.Mean), UncertainPlaneSourceTests.Relative(sg.Variance, reference.Variance));
            output.WriteLine($"{degree,6}  {errors[degree].E,18:E3}  {errors[degree].Var,20:E3}");
        }
        // Acceptance of issue #16: ≥ 10× from degree 2 to 6, and at degree 7 at most 1e-3 (E), 1e-2 (Var).
        Assert.True(errors[6].E * 10 <= errors[2].E || errors[6].E <= 1e-13, $"E: degree 2 {errors[2].E:E3}, degree 6 {errors[6].E:E3}");
        Assert.True(errors[6].Var * 10 <= errors[2].Var, $"Var: degree 2 {errors[2].Var:E3}, degree 6 {errors[6].Var:E3}");
        Assert.True(errors[7].E <= 1e-3 && errors[7].Var <= 1e-2, $"degree 7: E {errors[7].E:E3}, Var {errors[7].Var:E3}");

        var low = UncertainPlaneSourceTests.StochasticGalerkin(Deck(7, solver: SolverKind.AugmentedBug));
        double e = UncertainPlaneSourceTests.Relative(low.Mean, full7!.Mean), v = UncertainPlaneSourceTests.Relative(low.Variance, full7.Variance);
        output.WriteLine($"SG-DLRA (augmented BUG, θ = 1e-3, conservative) vs SG full rank at degree 7: E {e:E3}, Var {v:E3}");
        Assert.True(e <= 0.01 && v <= 0.05, $"E {e:E3}, Var {v:E3}"); // issue #16 acceptance: SG-DLRA within 1 % (E), 5 % (Var) of SG full rank
    }
}
