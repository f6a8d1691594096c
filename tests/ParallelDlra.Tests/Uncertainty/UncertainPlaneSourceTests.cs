using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using ParallelDlra.Uncertainty;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>The uncertain plane source of issue #16: σ_t = 1, scattering ratio c(ξ) = 0.9 + 0.1 ξ, ξ ~ U(−1, 1), t = 1
/// (σ_s = 0.9 + 0.1 ξ, σ_a = 0.1 − 0.1 ξ). Stochastic Galerkin at full rank against a collocation reference of 32 Gauss
/// nodes, each a deterministic full-rank run of the same discretisation: the SG error is then the chaos truncation
/// error alone, which for a solution analytic in ξ falls exponentially with the degree.</summary>
public sealed class UncertainPlaneSourceTests(ITestOutputHelper output)
{
    internal static RunOptions Deck(int degree, SolverKind solver = SolverKind.FullRank, UncertaintyMethod method = UncertaintyMethod.StochasticGalerkin,
        int nodes = 32, double end = 1.0, int cells = 120, int order = 9, double filter = 0.0)
    {
        var o = TestDecks.Uniform([cells], [[-1.5, 1.5]], order, 0.9, 0.1, BoundaryKind.Vacuum, TestDecks.Gaussian(1, 0.1), end, solver: solver);
        var u = new UncertaintyOptions(method, [new ParameterOptions(ParameterDistribution.Uniform, -1, 1)],
            [new UncertainInput(UncertainTarget.SigmaS, null, 0.9, 0.1, 0), new UncertainInput(UncertainTarget.SigmaA, null, 0.1, -0.1, 0)],
            degree, ChaosIndexSet.Tensor, filter, 1, nodes, 100, 1);
        return o with
        {
            Uncertainty = u,
            Solver = o.Solver with { InitialRank = 10, Conservative = solver != SolverKind.FullRank && solver != SolverKind.FixedRankBug,
                Truncation = o.Solver.Truncation with { Theta = 1e-3, RMax = 200 } },
        };
    }

    internal static FieldStatistics StochasticGalerkin(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return ChaosStatistics.Of(sim.Solver, (StochasticGalerkinSpace)sim.Discretisation.Basis);
    }

    internal static FieldStatistics Collocation(RunOptions o)
    {
        var members = EnsembleMembers.Of(o);
        var fields = members.Select(m =>
        {
            var sim = new Simulation(m.Options, RunContext.Serial());
            sim.Run();
            return sim.Solver.ScalarFlux();
        }).ToList();
        return ChaosStatistics.OfEnsemble(fields, [.. members.Select(m => m.Weight)]);
    }

    /// <summary>Relative L2 difference ‖a − reference‖ / ‖reference‖.</summary>
    internal static double Relative(double[] a, double[] reference)
    {
        double d = 0, n = 0;
        for (int i = 0; i < a.Length; i++) { d += (a[i] - reference[i]) * (a[i] - reference[i]); n += reference[i] * reference[i]; }
        return Math.Sqrt(d / n);
    }

    /// <summary>SG full rank of <paramref name="deck"/>(degree) against <paramref name="reference"/> for each degree: the
    /// relative L2 errors of E[φ] and Var[φ], printed as a table.</summary>
    internal static Dictionary<int, (double E, double Var)> ErrorsByDegree(FieldStatistics reference, Func<int, RunOptions> deck,
        IEnumerable<int> degrees, ITestOutputHelper output)
    {
        var errors = new Dictionary<int, (double E, double Var)>();
        output.WriteLine("degree  rel. L2 error E[φ]  rel. L2 error Var[φ]");
        foreach (int degree in degrees)
        {
            var sg = StochasticGalerkin(deck(degree));
            errors[degree] = (Relative(sg.Mean, reference.Mean), Relative(sg.Variance, reference.Variance));
            output.WriteLine($"{degree,6}  {errors[degree].E,18:E3}  {errors[degree].Var,20:E3}");
        }
        return errors;
    }

    /// <summary>max |φ_SG(ζ) − φ| / max |φ|: the chaos expansion of the SG run <paramref name="sg"/> (full rank) at the
    /// standard variables <paramref name="zeta"/> against the deterministic run <paramref name="deterministic"/> there.</summary>
    internal static double DifferenceAtNode(RunOptions sg, RunOptions deterministic, double[] zeta)
    {
        var a = new Simulation(sg, RunContext.Serial());
        a.Run();
        var phi = ChaosStatistics.At(a.Solver, (StochasticGalerkinSpace)a.Discretisation.Basis, zeta);
        var b = new Simulation(deterministic, RunContext.Serial());
        b.Run();
        var direct = b.Solver.ScalarFlux();
        double worst = 0;
        for (int i = 0; i < phi.Length; i++) worst = Math.Max(worst, Math.Abs(phi[i] - direct[i]));
        return worst / direct.Max(Math.Abs);
    }

    [Fact]
    public void Stochastic_Galerkin_converges_to_the_collocation_reference_with_the_degree()
    {
        var reference = Collocation(Deck(0, method: UncertaintyMethod.Collocation));
        var errors = ErrorsByDegree(reference, degree => Deck(degree), [1, 2, 3, 4, 5, 6, 7], output);
        // Acceptance of issue #16: ≥ 10× from degree 2 to 6, and at degree 7 at most 1e-3 (E), 1e-2 (Var).
        Assert.True(errors[6].E * 10 <= errors[2].E, $"E: degree 2 {errors[2].E:E3}, degree 6 {errors[6].E:E3}");
        Assert.True(errors[6].Var * 10 <= errors[2].Var, $"Var: degree 2 {errors[2].Var:E3}, degree 6 {errors[6].Var:E3}");
        Assert.True(errors[7].E <= 1e-3, $"E at degree 7: {errors[7].E:E3}");
        Assert.True(errors[7].Var <= 1e-2, $"Var at degree 7: {errors[7].Var:E3}");
    }

    [Theory]
    [InlineData(SolverKind.AugmentedBug)]
    [InlineData(SolverKind.ParallelBug)]
    [InlineData(SolverKind.MidpointBug)]
    [InlineData(SolverKind.ParallelBug2)]
    public void Stochastic_Galerkin_DLRA_stays_within_the_issue_bounds_of_full_rank(SolverKind solver)
    {
        // The integrators that are second order by themselves against full rank of a second-order stepper (SSP-RK2): against
        // forward Euler the difference would be the first-order time error (4 % here), not the low-rank error.
        var reference = Deck(7);
        if (DeckReader.SecondOrderByItself(solver)) reference = reference with { Time = reference.Time with { Stepper = TimeStepperKind.SspRk2 } };
        var full = StochasticGalerkin(reference);
        var o = Deck(7, solver);
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var low = ChaosStatistics.Of(sim.Solver, (StochasticGalerkinSpace)sim.Discretisation.Basis);
        double e = Relative(low.Mean, full.Mean), v = Relative(low.Variance, full.Variance);
        int largest = sim.History.Max(h => h.Rank);
        output.WriteLine($"{solver}, θ = 1e-3 (conservative): rel. L2 difference to SG full rank E {e:E3}, Var {v:E3}; largest rank {largest} of {sim.Discretisation.Basis.Count}; " +
                         $"final mass defect {sim.History[^1].MassDefect:E2}");
        // Acceptance of issue #16: within 1 % (E) and 5 % (Var) of SG full rank.
        Assert.True(e <= 0.01, $"E differs by {e:E3}"); // issue #16 acceptance: 1 % (E), 5 % (Var)
        Assert.True(v <= 0.05, $"Var differs by {v:E3}");
        Assert.True(largest < sim.Discretisation.Basis.Count, "the low-rank run used the full rank");
    }
}

public sealed class StochasticGalerkinSpaceTests
{
    [Fact]
    public void Degree_zero_is_the_deterministic_run_at_the_mean_materials_bit_for_bit()
    {
        var o = UncertainPlaneSourceTests.Deck(0, end: 0.2);
        var sg = UncertainPlaneSourceTests.StochasticGalerkin(o);
        var mean = o with { Material = o.Material with { Map = UncertainMaterials.Map(o.Uncertainty!, o.Material.Map, [0.0]) }, Uncertainty = null };
        var sim = new Simulation(mean, RunContext.Serial());
        sim.Run();
        Assert.Equal(sim.Solver.ScalarFlux(), sg.Mean);
        Assert.All(sg.Variance, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void The_expansion_evaluated_at_a_node_matches_the_deterministic_run_there()
    {
        // φ(ξ) = Σ_j φ_j p_j(ξ) of SG full rank at degree 7 against the deterministic run at ξ = 0.7 (same grid and steps).
        var o = UncertainPlaneSourceTests.Deck(7, end: 0.5);
        var sg = new Simulation(o, RunContext.Serial());
        sg.Run();
        var phi = ChaosStatistics.At(sg.Solver, (StochasticGalerkinSpace)sg.Discretisation.Basis, [0.7]);
        var at = o with { Material = o.Material with { Map = UncertainMaterials.Map(o.Uncertainty!, o.Material.Map, [0.7]) }, Uncertainty = null };
        var sim = new Simulation(at, RunContext.Serial());
        sim.Run();
        var direct = sim.Solver.ScalarFlux();
        double scale = direct.Max(Math.Abs);
        // The chaos truncation error at degree 7 for this mild dependence is far below 1e-10 (see the convergence table).
        for (int i = 0; i < phi.Length; i++) Assert.True(Math.Abs(phi[i] - direct[i]) <= 1e-10 * scale, $"cell {i}: {phi[i]} vs {direct[i]}");
    }

    [Fact]
    public void Flux_and_scattering_matrices_are_the_angular_ones_times_the_chaos_identity()
    {
        var pn = ParallelDlra.Angular.PnBasis.Create(2, 3);
        var space = new StochasticGalerkinSpace(pn, new ChaosBasis([RandomParameter.Uniform(0, 1), RandomParameter.Normal(0, 1)], 2, IndexSetKind.TotalDegree));
        int nx = space.Chaos.Count;
        Assert.Equal(pn.Count * nx, space.Count);
        var a = pn.Flux(1);
        var big = space.Flux(1);
        var p = space.ScatteringProjector;
        for (int i = 0; i < pn.Count; i++)
        for (int j = 0; j < pn.Count; j++)
        for (int k = 0; k < nx; k++)
        for (int l = 0; l < nx; l++)
        {
            Assert.Equal(k == l ? a[i, j] : 0.0, big[space.Index(i, k), space.Index(j, l)]);
            Assert.Equal(k == l ? pn.ScatteringProjector[i, j] : 0.0, p[space.Index(i, k), space.Index(j, l)]);
        }
        Assert.Equal(pn.SpectralRadius(0), space.SpectralRadius(0));
        // The mass: the mean of the isotropic moment.
        Assert.Equal(1.0, space.Mass.Direction[space.Index(0, 0)]);
        Assert.Equal(1, space.Mass.Direction.Count(d => d != 0));
        Assert.Equal(pn.Mass.Norm, space.Mass.Norm);
    }
}

public sealed class ChaosFilterTests
{
    [Theory]
    [InlineData(SolverKind.FullRank)]
    [InlineData(SolverKind.AugmentedBug)]
    public void One_filtered_step_is_the_unfiltered_step_times_the_filter_factors(SolverKind solver)
    {
        const double lambda = 0.05;
        var plain = UncertainPlaneSourceTests.Deck(4, solver) with { Time = new TimeOptions(1.0, 0.9, TimeStepperKind.ForwardEuler, 3) };
        var filtered = plain with { Uncertainty = plain.Uncertainty! with { FilterStrength = lambda } };
        var a = new Simulation(plain, RunContext.Serial());
        var b = new Simulation(filtered, RunContext.Serial());
        // Three plain steps and three filtered steps: the filter commutes with nothing, so compare one step from the same state.
        a.Run();
        b.Solver.Restore(a.Solver.Save());
        var before = a.Solver.Moments();
        double t = a.History[^1].Time, dt = a.TimeStep;
        a.Solver.Step(t, dt);
        b.Solver.Step(t, dt);
        new ChaosFilter((StochasticGalerkinSpace)b.Discretisation.Basis, lambda).Apply(b.Solver);
        var ua = a.Solver.Moments();
        var ub = b.Solver.Moments();
        var space = (StochasticGalerkinSpace)a.Discretisation.Basis;
        int n = a.Discretisation.Block.Count;
        double scale = ua.Max(Math.Abs);
        for (int c = 0; c < space.Count; c++)
        {
            var alpha = space.Chaos.Indices[c % space.Chaos.Count][0];
            double g = 1.0 / (1.0 + lambda * alpha * alpha * (alpha + 1.0) * (alpha + 1.0));
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(ub[c * n + i] - g * ua[c * n + i]) <= 1e-12 * scale, $"coefficient {c}, cell {i}: {ub[c * n + i]} vs {g * ua[c * n + i]}"); // theory: the filter factor g; rounding of one product per entry
        }
        Assert.NotEqual(before, ua);
    }

    [Fact]
    public void A_filtered_run_conserves_the_mean_mass_and_lowers_the_variance()
    {
        var plain = UncertainPlaneSourceTests.Deck(6, SolverKind.AugmentedBug, end: 0.5);
        var filtered = plain with { Uncertainty = plain.Uncertainty! with { FilterStrength = 0.01 } };
        var a = UncertainPlaneSourceTests.StochasticGalerkin(plain);
        var sim = new Simulation(filtered, RunContext.Serial());
        sim.Run();   // the step checks stop the run if the (conservative) mass balance breaks
        var b = ChaosStatistics.Of(sim.Solver, (StochasticGalerkinSpace)sim.Discretisation.Basis);
        Assert.True(Math.Abs(sim.History[^1].MassDefect) <= 1e-12 * sim.History[0].Mass, $"mass defect {sim.History[^1].MassDefect}"); // rounding: conservative truncation keeps the balance (docs/design.md)
        Assert.True(b.Variance.Sum() < a.Variance.Sum(), "the filter damps the fluctuations");
    }
}

public sealed class UncertainInitialConditionTests
{
    /// <summary>A certain medium and an uncertain amplitude a(ξ) = 1 + 0.5 ξ, ξ ~ U(−1, 1): the problem is linear, so
    /// φ(ξ) = a(ξ) φ_det exactly, E[φ] = φ_det and Var[φ] = 0.25·Var[ξ]·φ_det² = φ_det²/12 — for SG at any degree ≥ 1,
    /// full rank and low rank, and for collocation with 2 nodes.</summary>
    [Theory]
    [InlineData(SolverKind.FullRank, UncertaintyMethod.StochasticGalerkin)]
    [InlineData(SolverKind.AugmentedBug, UncertaintyMethod.StochasticGalerkin)]
    [InlineData(SolverKind.FullRank, UncertaintyMethod.Collocation)]
    public void An_uncertain_amplitude_scales_the_deterministic_solution(SolverKind solver, UncertaintyMethod method)
    {
        var o = UncertainPlaneSourceTests.Deck(2, solver, method, nodes: 2, end: 0.4);
        o = o with { Uncertainty = o.Uncertainty! with { Inputs = [new UncertainInput(UncertainTarget.InitialAmplitude, null, null, 0.5, 0)] } };
        var deterministic = o with { Uncertainty = null };
        var sim = new Simulation(deterministic, RunContext.Serial());
        sim.Run();
        var phi = sim.Solver.ScalarFlux();
        var stats = method == UncertaintyMethod.StochasticGalerkin ? UncertainPlaneSourceTests.StochasticGalerkin(o) : UncertainPlaneSourceTests.Collocation(o);
        double scale = phi.Max(Math.Abs);
        for (int i = 0; i < phi.Length; i++)
        {
            // theory: linear in ξ, so exact at degree ≥ 1 and for 2 nodes (see summary); rounding, few steps.
            Assert.True(Math.Abs(stats.Mean[i] - phi[i]) <= 1e-12 * scale, $"cell {i}: E {stats.Mean[i]} vs {phi[i]}");
            Assert.True(Math.Abs(stats.Variance[i] - phi[i] * phi[i] / 12) <= 1e-12 * scale * scale, $"cell {i}: Var {stats.Variance[i]} vs {phi[i] * phi[i] / 12}");
        }
    }
}
