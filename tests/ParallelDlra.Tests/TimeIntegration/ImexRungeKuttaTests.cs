using ParallelDlra.Solvers;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.TimeIntegration;

/// <summary>The IMEX pairs of the time-integration layer (issue #14 item 5): order conditions of each tableau and the
/// coupling conditions of the pair, the observed order on y' = λ_E y + λ_I(y − cos t) with a stiff λ_I, and stability
/// far beyond the explicit limit.</summary>
public sealed class ImexRungeKuttaTests(ITestOutputHelper output)
{
    public static TheoryData<string> Pairs => ["euler", "ssp2"];

    private static ImexRungeKutta Of(string name) => name == "euler" ? ImexRungeKutta.EulerPair : ImexRungeKutta.Ssp2;

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Tableaux_satisfy_their_order_and_coupling_conditions(string name)
    {
        var p = Of(name);
        int s = p.Stages;
        // theory: the order conditions Σb = 1, Σbc = 1/2 of the published tableaux; rounding of ≤ 3-term sums (14 digits).
        Assert.Equal(1.0, p.ExplicitB.Sum(), 14);
        Assert.Equal(1.0, p.ImplicitB.Sum(), 14);
        for (int i = 0; i < s; i++)
            for (int j = i; j < s; j++) Assert.Equal(0.0, p.ExplicitA[i, j]);   // explicit part strictly lower
        if (p.Order < 2) return;
        double bc(double[] b, Func<int, double> c) => Enumerable.Range(0, s).Sum(i => b[i] * c(i));
        Assert.Equal(0.5, bc(p.ExplicitB, p.ExplicitC), 14);
        Assert.Equal(0.5, bc(p.ImplicitB, p.ImplicitC), 14);
        Assert.Equal(0.5, bc(p.ExplicitB, p.ImplicitC), 14);   // coupling
        Assert.Equal(0.5, bc(p.ImplicitB, p.ExplicitC), 14);
    }

    /// <summary>Scalar y' = −y + λ(y − cos t), λ = −50 (stiff, implicit), y(0) = 1, to t = 1.</summary>
    private static double Solve(ImexRungeKutta p, int steps, double lambda = -50)
    {
        double dt = 1.0 / steps, y = 1, t = 0;
        for (int n = 0; n < steps; n++)
        {
            y = p.Step(t, dt, y,
                (_, v) => -v,
                (tt, v) => lambda * (v - Math.Cos(tt)),
                (tt, rhs, a) => (rhs - a * lambda * Math.Cos(tt)) / (1 - a * lambda),
                (v, terms) => v + terms.Sum(x => x.Coefficient * x.Vector));
            t += dt;
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Converges_at_its_order_on_a_stiff_linear_problem(string name)
    {
        var p = Of(name);
        double reference = Solve(ImexRungeKutta.Ssp2, 1 << 14);
        double e1 = Math.Abs(Solve(p, 200) - reference), e2 = Math.Abs(Solve(p, 400) - reference), e3 = Math.Abs(Solve(p, 800) - reference);
        double order = Math.Log2(e2 / e3);
        output.WriteLine($"{p.Name}: errors {e1:E3} {e2:E3} {e3:E3}, observed order {order:F2}");
        Assert.True(Math.Abs(order - p.Order) < 0.25, $"{p.Name}: observed order {order:F2}, expected {p.Order}"); // theory: the pair's order; ±0.25 chosen for one refinement pair
        Assert.True(e1 > e2 && e2 > e3);
        // Δt·|λ| = 100: far beyond any explicit limit, still bounded.
        Assert.True(Math.Abs(Solve(p, 2, lambda: -200)) < 2); // theory: A-stable implicit part, |y| stays O(1) (the solution ≈ cos t); 2 chosen
    }
}
