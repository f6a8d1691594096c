using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>The plane source at t = 1 (Ganapol; tests/data/planesource_t1.csv, relative L1 error of φ on 0 ≤ x ≤ 0.8 as in
/// <see cref="BenchmarkProblemTests"/>) with the second-order scheme against first order, both SSP-RK3 at cfl 0.9 and
/// P_99 (so that the angular error is far below 2 %), issue #15: second order reaches 2 % with at most half the cells
/// that first order needs.</summary>
[Trait("Category", "Slow")]   // a small refinement study
public sealed class SecondOrderPlaneSourceTests(ITestOutputHelper output)
{
    private static double Error(int cells, int spaceOrder)
    {
        var o = TestDecks.Uniform([cells], [[-1.5, 1.5]], 99, 1.0, 0.0, BoundaryKind.Vacuum, TestDecks.Gaussian(1, 0.02), 1.0,
            cfl: 0.9, stepper: TimeStepperKind.SspRk3);
        o = o with { Solver = o.Solver with { SpaceOrder = spaceOrder } };
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var phi = sim.Solver.ScalarFlux();
        var reference = ReferenceProfile.Load(TestDecks.Data("planesource_t1.csv"), "phi").Window(0.0, 0.8);
        var computed = reference.Abscissa.Select(x => ProfileComparison.Interpolate1D(phi, -1.5, 3.0 / cells, x)).ToArray();
        return ProfileComparison.RelativeL1(computed, reference.Value);
    }

    /// <summary>The refinement study (2026-12-01, P_99, SSP-RK3) on 100, 150, 200, 250 cells gave first order 3.43 %, 2.23 %,
    /// 1.63 %, 1.28 %, so first order needs more than 150 cells for 2 %; second order on 40, 50, 75, 100 cells gave 1.00 %,
    /// 0.74 %, 0.47 %, 0.24 %. The test runs the three decisive grids: first order above 2 % on 150 cells and within it on
    /// 200 (the need lies in (150, 200]), second order within 2 % on 75 cells — half of 150, so at most half of what first
    /// order needs.</summary>
    [Fact]
    public void Second_order_reaches_two_percent_with_at_most_half_the_cells_of_first_order()
    {
        double first150 = Error(150, 1), first200 = Error(200, 1), second75 = Error(75, 2);
        output.WriteLine($"plane source relative L1 error: first order 150 cells {first150:P3}, 200 cells {first200:P3}; second order 75 cells {second75:P3}");
        Assert.True(first150 > 0.02, $"first order already reaches 2 % on 150 cells ({first150:P3}): the comparison would not show the claim");
        Assert.True(first200 <= 0.02, $"first order on 200 cells: {first200:P3}");
        Assert.True(second75 <= 0.02, $"second order on 75 cells: {second75:P3} > 2 %");
    }
}
