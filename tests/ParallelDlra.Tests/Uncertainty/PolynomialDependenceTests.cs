using System.Collections.Immutable;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>Inputs that are polynomials in ξ (deck key <c>polynomial</c>, issue #16 item 1: "affine or polynomial
/// functions of ξ"; item 3: "a non-affine dependence goes through quadrature in ξ"). Stochastic Galerkin then has one
/// Kronecker term per parameter and power, with T_{k,m} = E[(ξ_k^m − E ξ_k^m) p_j p_l] by Gauss quadrature in ξ; an
/// ensemble member evaluates the polynomial at its node.</summary>
public sealed class PolynomialDependenceTests(ITestOutputHelper output)
{
    /// <summary>The uncertain plane source with a quadratic scattering ratio c(ξ) = 0.9 + 0.05 ξ + 0.05 ξ² (in [0.8875, 1] on
    /// [−1, 1]), σ_t = 1 certain (σ_a = 1 − c(ξ)).</summary>
    private static RunOptions Quadratic(int degree, SolverKind solver = SolverKind.FullRank, UncertaintyMethod method = UncertaintyMethod.StochasticGalerkin,
        double end = 1.0, int nodes = 32)
    {
        var o = UncertainPlaneSourceTests.Deck(degree, solver, method, nodes, end);
        return o with
        {
            Uncertainty = o.Uncertainty! with
            {
                Inputs =
                [
                    new UncertainInput(UncertainTarget.SigmaS, null, 0.9, 0.05, 0, Higher: [0.05]),
                    new UncertainInput(UncertainTarget.SigmaA, null, 0.1, -0.05, 0, Higher: [-0.05]),
                ],
            },
        };
    }

    [Fact]
    public void Stochastic_Galerkin_with_a_quadratic_scattering_ratio_converges_to_collocation()
    {
        var reference = UncertainPlaneSourceTests.Collocation(Quadratic(0, method: UncertaintyMethod.Collocation));
        var errors = UncertainPlaneSourceTests.ErrorsByDegree(reference, degree => Quadratic(degree), [2, 4, 6, 7], output);
        // The bounds of issue #16's acceptance for the affine decks: ≥ 10× from degree 2 to 6, at degree 7 at most 1e-3 (E)
        // and 1e-2 (Var); a wrong projection of ξ² (e.g. (Eξ)² for E[ξ²], or T_{k,2} missing) leaves an O(0.05) error in σ_s
        // that no degree removes.
        Assert.True(errors[6].E * 10 <= errors[2].E, $"E: degree 2 {errors[2].E:E3}, degree 6 {errors[6].E:E3}");
        Assert.True(errors[6].Var * 10 <= errors[2].Var, $"Var: degree 2 {errors[2].Var:E3}, degree 6 {errors[6].Var:E3}");
        Assert.True(errors[7].E <= 1e-3, $"E at degree 7: {errors[7].E:E3}");
        Assert.True(errors[7].Var <= 1e-2, $"Var at degree 7: {errors[7].Var:E3}");
    }

    /// <summary>Every polynomial path at once — σ_s quadratic, σ_a cubic (so σ_t = 1 − 0.02 ξ³ is uncertain and has a removal
    /// term of power 3), a source Q = 0.05 + 0.1 ξ² — and the chaos expansion of SG full rank evaluated at ξ = 0.7 against
    /// the deterministic run with the polynomials evaluated there.</summary>
    [Fact]
    public void The_expansion_at_a_node_matches_the_deterministic_run_with_every_polynomial_input()
    {
        var o = UncertainPlaneSourceTests.Deck(10, end: 0.5);
        o = o with
        {
            Uncertainty = o.Uncertainty! with
            {
                Inputs =
                [
                    new UncertainInput(UncertainTarget.SigmaS, null, 0.9, 0.05, 0, Higher: [0.05]),
                    new UncertainInput(UncertainTarget.SigmaA, null, 0.1, -0.05, 0, Higher: [-0.05, -0.02]),
                    new UncertainInput(UncertainTarget.Source, null, 0.05, 0.0, 0, Higher: [0.1]),
                ],
            },
        };
        var terms = Discretisation.Build(o, RunContext.Serial()).Operator.Terms;
        Assert.Contains(terms, t => t.Name == "removal ξ0^3");   // precondition: σ_t's cubic part is a term
        Assert.DoesNotContain(terms, t => t.Name == "removal ξ0^2");   // σ_s + σ_a cancel in ξ²
        var at = o with { Material = o.Material with { Map = UncertainMaterials.Map(o.Uncertainty!, o.Material.Map, [0.7]) }, Uncertainty = null };
        Assert.Equal(0.9 + 0.05 * 0.7 + 0.05 * 0.49, at.Material.Map.Background.SigmaS, 1e-15);
        Assert.Equal(0.05 + 0.1 * 0.49, at.Material.Map.Background.Source, 1e-15);
        double worst = UncertainPlaneSourceTests.DifferenceAtNode(o, at, [0.7]);
        output.WriteLine($"max |φ_SG(0.7) − φ(0.7)| / max φ = {worst:E3}");
        // theory: the chaos truncation error at degree 10 of a solution analytic in ξ (the inputs are polynomials of degree ≤ 3
        // with coefficients ≤ 0.1); the affine deck's degree-7 error is far below 1e-10 (UncertainPlaneSourceTests).
        Assert.True(worst <= 1e-10, $"{worst:E3} of max φ");
    }

    [Fact]
    public void Stochastic_Galerkin_DLRA_with_a_polynomial_input_conserves_the_mean_mass_and_stays_near_full_rank()
    {
        var full = UncertainPlaneSourceTests.StochasticGalerkin(Quadratic(7));
        var sim = new Simulation(Quadratic(7, SolverKind.AugmentedBug), RunContext.Serial());
        sim.Run();
        var low = ChaosStatistics.Of(sim.Solver, (StochasticGalerkinSpace)sim.Discretisation.Basis);
        double e = UncertainPlaneSourceTests.Relative(low.Mean, full.Mean), v = UncertainPlaneSourceTests.Relative(low.Variance, full.Variance);
        output.WriteLine($"augmented BUG θ = 1e-3: E {e:E3}, Var {v:E3}, mass defect {sim.History[^1].MassDefect:E2}, largest rank {sim.History.Max(h => h.Rank)}");
        Assert.True(e <= 0.01, $"E differs by {e:E3}"); // issue #16 acceptance: 1 % (E), 5 % (Var)
        Assert.True(v <= 0.05, $"Var differs by {v:E3}");
        Assert.True(Math.Abs(sim.History[^1].MassDefect) <= 1e-12 * sim.History[0].Mass, $"mass defect {sim.History[^1].MassDefect}"); // rounding: conservative truncation (docs/design.md)
    }

    [Fact]
    public void A_polynomial_with_only_a_linear_coefficient_is_the_affine_input_bit_for_bit()
    {
        var affine = UncertainPlaneSourceTests.Deck(4, end: 0.2);
        var viaPolynomial = affine with
        {
            Uncertainty = affine.Uncertainty! with
            {
                Inputs = [.. affine.Uncertainty!.Inputs.Select(i => i with { Higher = [0.0] })],
            },
        };
        Assert.True(viaPolynomial.Uncertainty!.Inputs.All(i => i.IsPolynomial));
        var a = UncertainPlaneSourceTests.StochasticGalerkin(affine);
        var b = UncertainPlaneSourceTests.StochasticGalerkin(viaPolynomial);
        Assert.Equal(a.Mean, b.Mean);
        Assert.Equal(a.Variance, b.Variance);
    }

    [Fact]
    public void The_collision_limit_is_the_largest_total_cross_section_over_the_range()
    {
        // σ_t = 1 + 0.3 ξ − 0.6 ξ² on [−1, 1]: largest 1 + 0.0375 at ξ = 0.25 (interior), not at an end (0.7 or 0.1).
        var o = UncertainPlaneSourceTests.Deck(3);
        var u = o.Uncertainty! with { Inputs = [new UncertainInput(UncertainTarget.SigmaS, null, 0.9, 0.3, 0, Higher: [-0.6])] };
        var terms = new StochasticGalerkinTerms(u, Discretisation.VelocitySpace(o.Angular, 1));
        Assert.Equal(1.0 + 0.0375, terms.LargestSigmaT(o.Material.Map), 1e-14);
    }
}
