using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Angular;

/// <summary>Filtered P_N (issue #15): the damping rates by their definition (σ_ℓ = σ_f g(ℓ/(N+1))/g(N/(N+1)) for ℓ ≥ 2,
/// none for ℓ ≤ 1), mass conservation, DLRA at r = n_moments equal to full rank, and on the line source the figures
/// of the acceptance (error of the ring average ≤ 10 %, min φ ≥ −1 % of max φ at 200²).</summary>
public sealed class FilteredPnTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FilterKind.Exponential, 4)]
    [InlineData(FilterKind.SphericalSpline, 4)]
    [InlineData(FilterKind.Lanczos, 1)]
    public void Rates_leave_mass_and_current_untouched_and_reach_the_strength_at_degree_n(FilterKind type, int order)
    {
        foreach (int dim in new[] { 1, 2, 3 })
        {
            var pn = PnBasis.Create(dim, 7);
            var filtered = new FilteredPn(pn, new FilterOptions(type, 12.5, order));
            var damping = ((IVelocitySpace)filtered).Damping!;
            for (int a = 0; a < pn.Count; a++)
            {
                int l = pn.Moments[a].L;
                Assert.Equal(filtered.Rates[a], damping[a, a]);
                if (l <= 1) Assert.Equal(0.0, filtered.Rates[a]);
                else Assert.True(filtered.Rates[a] > 0);
                if (l == 7) Assert.Equal(12.5, filtered.Rates[a], 12); // theory: σ_N = σ_f g(N/(N+1))/g(N/(N+1)); rounding of one quotient
                // the same rate for every moment of a degree, increasing with the degree
                for (int b = 0; b < pn.Count; b++)
                    if (pn.Moments[b].L == l) Assert.Equal(filtered.Rates[a], filtered.Rates[b]);
                    else if (pn.Moments[b].L > l && l >= 2) Assert.True(filtered.Rates[b] > filtered.Rates[a]);
            }
            Assert.Equal(((IVelocitySpace)pn).Mass, ((IVelocitySpace)filtered).Mass);
            Assert.Null(((IVelocitySpace)new FilteredPn(pn, new FilterOptions(type, 0.0, order))).Damping);
        }
        // theory: the closed forms of the filters; rounding of one pow/log each (15 digits).
        // g by its formula at η = 1/2
        Assert.Equal(Math.Pow(0.5, 4), FilteredPn.G(new FilterOptions(FilterKind.Exponential, 1, 4), 0.5), 15);
        Assert.Equal(Math.Log(1 + Math.Pow(0.5, 4)), FilteredPn.G(new FilterOptions(FilterKind.SphericalSpline, 1, 4), 0.5), 15);
        Assert.Equal(-Math.Log(2 / Math.PI), FilteredPn.G(new FilterOptions(FilterKind.Lanczos, 1, 1), 0.5), 15);
    }

    [Fact]
    public void The_operator_holds_the_filter_as_one_diagonal_term_in_every_cell()
    {
        var o = TestDecks.Uniform([6, 5], [[0, 1], [0, 1]], 5, 1.0, 0.0, BoundaryKind.Periodic, TestDecks.Gaussian(2, 0.2), 1.0)
            with { Angular = new AngularOptions(5, Filter: new FilterOptions(FilterKind.Exponential, 3.0, 4)) };
        var disc = Discretisation.Build(o, RunContext.Serial());
        var term = Assert.Single(disc.Operator.Terms, t => t.Name == "filter");
        var spatial = Assert.IsType<DiagonalOperator>(term.Spatial);
        Assert.All(spatial.Weights, v => Assert.Equal(-1.0, v));
        Assert.Equal(3.0, disc.Operator.DampingMax, 14); // theory: the largest rate is σ_f (degree N); rounding of one quotient
        var plain = Discretisation.Build(o with { Angular = new AngularOptions(5) }, RunContext.Serial());
        Assert.DoesNotContain(plain.Operator.Terms, t => t.Name == "filter");
        Assert.Equal(0.0, plain.Operator.DampingMax);
    }

    /// <summary>The filter damps only ℓ ≥ 2: in a periodic box without absorption the mass stays to rounding (10 steps of
    /// a 168-cell sum, ~1e-15, measured 1.1e-15; bound 1e-12),
    /// while the run differs from unfiltered P_N; and DLRA at r = n_moments without truncation equals full rank (the
    /// filter is one more Kronecker term; bound of <c>IntegratorTests</c>, 1e-12: rounding, measured 2.5e-14).
    /// The filter's effect (> 1e-4, measured 0.11) is a precondition that it acted, not an accuracy bound.</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug)]
    [InlineData(SolverKind.ParallelBug)]
    public void Mass_is_kept_and_dlra_at_full_rank_equals_full_rank(SolverKind kind)
    {
        var filter = new FilterOptions(FilterKind.SphericalSpline, 20.0, 4);
        var o = TestDecks.Uniform([14, 12], [[-1, 1], [-1, 1]], 5, 0.5, 0.0, BoundaryKind.Periodic, TestDecks.Gaussian(2, 0.15), 10.0, cfl: 0.5, maxSteps: 10)
            with { Angular = new AngularOptions(5, Filter: filter) };
        var full = new Simulation(o, RunContext.Serial());
        full.Run();
        var plain = new Simulation(o with { Angular = new AngularOptions(5) }, RunContext.Serial());
        plain.Run();
        double drift = full.History.Max(h => Math.Abs(h.Mass - full.History[0].Mass)) / full.History[0].Mass;
        double effect = PhiFiles.RelativeDifference(full.Solver.Moments(), plain.Solver.Moments());
        int m = full.Discretisation.Basis.Count;
        var low = new Simulation(o with { Solver = o.Solver with { Kind = kind, InitialRank = m, Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, m, m) } }, RunContext.Serial());
        low.Run();
        double diff = PhiFiles.RelativeDifference(low.Solver.Moments(), full.Solver.Moments());
        output.WriteLine($"{kind}: mass drift {drift:E2}; filtered vs unfiltered u {effect:E2}; DLRA r = {m} vs full rank {diff:E2}");
        Assert.True(drift <= 1e-12, $"mass drift {drift:E3}");
        Assert.True(effect > 1e-4, $"the filter hardly acted: {effect:E3}");
        Assert.True(diff <= 1e-12, $"{kind}: {diff:E3}");
    }
}
