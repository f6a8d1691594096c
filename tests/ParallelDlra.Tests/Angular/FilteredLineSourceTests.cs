using ParallelDlra.Angular;
using ParallelDlra.LowRank;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Angular;

/// <summary>The line source at t = 1 on 200² cells (the default deck's grid) with filtered P_15, first order in space:
/// the acceptance of issue #15 asks for a relative L2 error of the ring average on r ≤ 0.9 of at most 10 % (plain P_15
/// there: 99.8 %, min φ −62 % of max φ, measured 2026-12-01), min φ ≥ −1 % of max φ, and DLRA (augmented BUG, the
/// deck's θ = 1e-2, r_min 20, conservative) within 1 % of its own full rank (relative L2 difference of φ).
/// Measured 2026-12-01, full rank: exponential σ_f = 50 0.91 %, spherical_spline σ_f = 50 0.85 %; σ_f = 10: 11.7 %, 9.6 %.
/// Augmented BUG (exponential σ_f = 50): 0.90 %, min φ / max φ = −5.9e-10, 0.006 % from full rank — but its rank reaches
/// r_max = 100 (of 136 moments) and a step costs about 9 × a full-rank step: the filtered solution is not of low rank at
/// θ = 1e-2.</summary>
[Trait("Category", "Slow")]   // two runs at 200² (about a minute each on a quiet machine)
public sealed class FilteredLineSourceTests(ITestOutputHelper output)
{
    [Fact]
    public void Filtered_pn_at_200_cells_meets_the_line_source_acceptance()
    {
        var angular = new AngularOptions(15, Filter: new FilterOptions(FilterKind.Exponential, 50.0, 4));
        var full = LineSourceMeasures.Measure(LineSourceMeasures.Options(200, angular), out var phiFull);
        var o = LineSourceMeasures.Options(200, angular, SolverKind.AugmentedBug);
        o = o with { Solver = o.Solver with { InitialRank = 20, Conservative = true, Truncation = new TruncationOptions(1e-2, ToleranceKind.Relative, 20, 100) } };
        var low = LineSourceMeasures.Measure(o, out var phiLow);
        double toFull = PhiFiles.RelativeDifference(phiLow, phiFull);
        output.WriteLine($"200² filtered P_15 (exponential, σ_f = 50): full rank error {full.Error:P2}, min φ / max φ {full.MinOverMax:E2}, {full.Seconds / full.Steps * 1e3:F0} ms/step");
        output.WriteLine($"  augmented BUG: error {low.Error:P2}, min φ / max φ {low.MinOverMax:E2}, rank ≤ {low.MaxRank}, {low.Seconds / low.Steps * 1e3:F0} ms/step; ‖φ_DLRA − φ_full‖/‖φ_full‖ = {toFull:P3}");
        // issue #15 acceptance: ring-average error ≤ 10 %, min φ ≥ −1 % of max φ, DLRA within 1 % of full rank (measured above).
        Assert.True(full.Error <= 0.10, $"error {full.Error:P2}");
        Assert.True(full.MinOverMax >= -0.01, $"min φ / max φ = {full.MinOverMax:P2}");
        Assert.True(low.Error <= 0.10 && low.MinOverMax >= -0.01, $"DLRA error {low.Error:P2}, min/max {low.MinOverMax:P2}");
        Assert.True(toFull <= 0.01, $"DLRA differs from full rank by {toFull:P2}");
    }
}
