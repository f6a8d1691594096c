using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using ParallelDlra.Uncertainty;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>An uncertain inflow φ_in(ξ) = mean + spread·ξ_k on the grid's inflow faces (<c>uncertainty.inflow</c>):
/// stochastic Galerkin against the collocation ensemble of the same deck, and the equilibrium whose E and Var are known.</summary>
public sealed class UncertainInflowTests(ITestOutputHelper output)
{
    /// <summary>A slab [0, 1] lit from x_min (inflow φ_in = 1, vacuum at x_max), σ_s = 0.5, σ_a = 0.5, from zero to t = 0.6.
    /// <paramref name="coupled"/>: σ_s = 0.5 + 0.4 ξ_0 too, so φ(x; ξ) = φ_in(ξ)·g(x; σ_s(ξ)) is not polynomial in ξ.</summary>
    private static RunOptions Slab(int degree, bool coupled, UncertaintyMethod method = UncertaintyMethod.StochasticGalerkin, int nodes = 32)
    {
        var o = TestDecks.Uniform([60], [[0, 1]], 5, 0.5, 0.5, BoundaryKind.Vacuum, TestDecks.Zero(1), 0.6);
        var inputs = new List<UncertainInput> { new(UncertainTarget.Inflow, null, null, 0.5, 0) };
        if (coupled) inputs.Add(new UncertainInput(UncertainTarget.SigmaS, null, 0.5, 0.4, 0));
        var u = new UncertaintyOptions(method, [new ParameterOptions(ParameterDistribution.Uniform, -1, 1)], [.. inputs],
            degree, ChaosIndexSet.Tensor, 0.0, 1, nodes, 100, 1);
        return o with
        {
            Grid = o.Grid with { Faces = [new BoundaryFace(BoundaryKind.Inflow, 1.0), new BoundaryFace(BoundaryKind.Vacuum)] },
            Uncertainty = u,
        };
    }

    [Fact]
    public void An_ensemble_member_gets_the_inflow_at_its_node()
    {
        var members = EnsembleMembers.Of(Slab(0, false, UncertaintyMethod.Collocation, nodes: 3));
        Assert.Equal(3, members.Count);
        foreach (var m in members)
        {
            Assert.Equal(1.0 + 0.5 * m.Xi[0], m.Options.Grid.Faces[0].InflowScalarFlux, 15);
            Assert.Equal(BoundaryKind.Vacuum, m.Options.Grid.Faces[1].Kind);
        }
    }

    /// <summary>With only the inflow uncertain the problem is linear in φ_in, so φ(x; ξ) = (1 + 0.5 ξ)·g(x) is of degree 1 in
    /// ξ: SG of degree 1 is exact, and a Gauss rule of ≥ 2 nodes integrates E and Var (degree 2) exactly, so both agree to
    /// rounding.</summary>
    [Fact]
    public void Alone_the_inflow_is_exact_at_degree_one()
    {
        var sg = UncertainPlaneSourceTests.StochasticGalerkin(Slab(1, false));
        var reference = UncertainPlaneSourceTests.Collocation(Slab(0, false, UncertaintyMethod.Collocation, nodes: 4));
        double e = UncertainPlaneSourceTests.Relative(sg.Mean, reference.Mean), v = UncertainPlaneSourceTests.Relative(sg.Variance, reference.Variance);
        output.WriteLine($"inflow alone, degree 1 vs 4 Gauss nodes: rel. L2 difference E {e:E3}, Var {v:E3}");
        Assert.True(sg.Variance.Max() > 1e-3, "the inflow's variance did not reach the slab");
        Assert.True(e <= 1e-12, $"E differs by {e:E3}");
        Assert.True(v <= 1e-12, $"Var differs by {v:E3}");
    }

    /// <summary>Inflow and σ_s on the same parameter: φ is analytic in ξ, so the SG truncation error falls
    /// exponentially with the degree against a 32-node collocation reference (whose own quadrature error is far below).</summary>
    [Fact]
    public void With_an_uncertain_cross_section_stochastic_Galerkin_converges_to_collocation()
    {
        var reference = UncertainPlaneSourceTests.Collocation(Slab(0, true, UncertaintyMethod.Collocation));
        var errors = new Dictionary<int, (double E, double Var)>();
        output.WriteLine("degree  rel. L2 error E[φ]  rel. L2 error Var[φ]");
        foreach (int degree in new[] { 1, 2, 4, 6 })
        {
            var sg = UncertainPlaneSourceTests.StochasticGalerkin(Slab(degree, true));
            errors[degree] = (UncertainPlaneSourceTests.Relative(sg.Mean, reference.Mean), UncertainPlaneSourceTests.Relative(sg.Variance, reference.Variance));
            output.WriteLine($"{degree,6}  {errors[degree].E,18:E3}  {errors[degree].Var,20:E3}");
        }
        Assert.True(errors[6].E * 10 <= errors[2].E, $"E: degree 2 {errors[2].E:E3}, degree 6 {errors[6].E:E3}");
        Assert.True(errors[6].Var * 10 <= errors[2].Var, $"Var: degree 2 {errors[2].Var:E3}, degree 6 {errors[6].Var:E3}");
        Assert.True(errors[4].E < errors[2].E && errors[4].Var < errors[2].Var, "the error did not fall from degree 2 to 4");
    }

    /// <summary>An absorbing-free box (σ_a = 0, σ_s = 1) with inflow on every face and the initial φ0 = φ_in(ξ) everywhere
    /// is at equilibrium for every ξ (the isotropic constant state has no net flux and no collision change): E[φ] =
    /// mean + spread·E ξ and Var[φ] = spread²·Var ξ in every cell, for all t. Uniform ξ on [0, 2]: E ξ = 1, Var ξ = 1/3.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]   // Fromm's scheme: two ghost layers hold the chaos coefficients
    public void An_uncertain_inflow_into_a_box_at_equilibrium_has_the_exact_statistics(int dimension, int spaceOrder)
    {
        double mean = 2.0, spread = 0.6;
        int[] cells = dimension == 1 ? [20] : [8, 8];
        double[][] extent = dimension == 1 ? [[0, 1]] : [[0, 1], [0, 1]];
        var o = TestDecks.Uniform(cells, extent, 3, 1.0, 0.0, BoundaryKind.Inflow,
            new InitialConditionOptions(InitialKind.Constant, [.. new double[dimension]], 1.0, 1.0, mean), 0.3);
        var u = new UncertaintyOptions(UncertaintyMethod.StochasticGalerkin, [new ParameterOptions(ParameterDistribution.Uniform, 0, 2)],
            [new UncertainInput(UncertainTarget.Inflow, null, mean - spread * 1.0, spread, 0),   // φ_in = (mean − spread) + spread·ξ
             new UncertainInput(UncertainTarget.InitialAmplitude, null, 1.0 - spread / mean, spread / mean, 0)],
            3, ChaosIndexSet.Tensor, 0.0, 1, 4, 100, 1);
        o = o with
        {
            Grid = o.Grid with { Faces = [.. Enumerable.Repeat(new BoundaryFace(BoundaryKind.Inflow, 0.3), 2 * dimension)] },
            Uncertainty = u,
            Solver = o.Solver with { SpaceOrder = spaceOrder },
        };
        var sg = UncertainPlaneSourceTests.StochasticGalerkin(o);
        double varXi = 4.0 / 12.0;
        output.WriteLine($"{dimension}D box, order {spaceOrder}: max |E − {mean}| {sg.Mean.Max(x => Math.Abs(x - mean)):E2}, " +
                         $"max |Var − {spread * spread * varXi:G4}| {sg.Variance.Max(x => Math.Abs(x - spread * spread * varXi)):E2}");
        Assert.All(sg.Mean, x => Assert.Equal(mean, x, 1e-12));
        Assert.All(sg.Variance, x => Assert.Equal(spread * spread * varXi, x, 1e-12));
    }
}
