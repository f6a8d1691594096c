using System.Collections.Immutable;
using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>
/// Every integrator × stepper × conservative on/off, over θ = 1e-1 … 1e-14 and r_min ∈ {1, 4, n_moments}, on small
/// 1D, 2D and 3D decks with every face kind (inflow, vacuum, reflective, periodic), absorption and a source
/// (issue #12). In every run: X and V orthonormal to 1e-12 at every step; conservative runs keep the mass balance
/// (outflow, absorption, sources) to 1e-12 relative over the run; from r = n_moments on, agreement with full rank of
/// the same stepper to 1e-12; the difference to full rank does not grow as θ falls.
/// The bounds are the guarantees of docs/design.md ("What each integrator guarantees"): rounding-level quantities
/// (a few 1e-15 per step over 12 steps) with a margin of about 10×.
/// </summary>
public sealed class IntegratorSweepTests(ITestOutputHelper output)
{
    private static readonly double[] Thetas = [1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14];
    private const int Steps = 12;

    /// <summary>The decks: d = 1, 2, 3 with n_moments 8, 10, 9; <paramref name="square"/> gives n_cells = n_moments
    /// (where the fixed-rank BUG is exact too).</summary>
    /// <summary>X and V orthonormal to 1e-12 at every step and, for a conservative run, the mass defect to 1e-12 relative
    /// (issue #12's sweep acceptance); the worst values seen so far are kept for the printed summary.</summary>
    private static void CheckBasesAndMass(Simulation sim, bool conservative, int rMin, double theta, ref double worstDefect, ref double worstMass)
    {
        double defect = sim.History.Max(h => h.OrthonormalityDefect);
        worstDefect = Math.Max(worstDefect, defect);
        Assert.True(defect <= 1e-12, $"r_min {rMin}, θ {theta:E0}: orthonormality defect {defect:E2}");
        if (!conservative) return;
        double mass = MassDefect(sim);
        worstMass = Math.Max(worstMass, mass);
        Assert.True(mass <= 1e-12, $"r_min {rMin}, θ {theta:E0}: mass defect {mass:E2} relative");
    }

    internal static RunOptions Deck(int dim, SolverKind kind, TimeStepperKind stepper, bool conservative, double theta, int rMin, int initialRank, bool square = false)
    {
        var (cells, order, faces) = dim switch
        {
            1 => (square ? new[] { 8 } : [32], 7, new[] { new BoundaryFace(BoundaryKind.Inflow, 0.5), new BoundaryFace(BoundaryKind.Vacuum) }),
            2 => (square ? new[] { 5, 2 } : [12, 10], 3, [new BoundaryFace(BoundaryKind.Reflective), new BoundaryFace(BoundaryKind.Vacuum),
                new BoundaryFace(BoundaryKind.Periodic), new BoundaryFace(BoundaryKind.Periodic)]),
            _ => (square ? new[] { 3, 3, 1 } : [6, 5, 4], 2, [new BoundaryFace(BoundaryKind.Vacuum), new BoundaryFace(BoundaryKind.Vacuum),
                new BoundaryFace(BoundaryKind.Reflective), new BoundaryFace(BoundaryKind.Vacuum), new BoundaryFace(BoundaryKind.Periodic), new BoundaryFace(BoundaryKind.Periodic)]),
        };
        var map = new MaterialMap("uniform", dim, new Material(1.0, 0.5, 0.2), []);
        return new RunOptions(
            new ProblemOptions("sweep", ""),
            new GridOptions([.. cells], [.. Enumerable.Repeat(new Interval(-1, 1), dim)], [.. faces]),
            new AngularOptions(order),
            new MaterialOptions(null, map),
            new InitialConditionOptions(InitialKind.Gaussian, [.. Enumerable.Range(0, dim).Select(d => 0.1 * (d + 1))], 0.3, 1.0, 0.0),
            new TimeOptions(100.0, 0.5, stepper, Steps),
            new SolverOptions(kind, FluxKind.Roe, initialRank, new TruncationOptions(theta, ToleranceKind.Relative, rMin, 1000), conservative),
            new OutputOptions(Path.Combine(Path.GetTempPath(), "pdlra-sweep"), 1000, false));
    }

    internal static Simulation Run(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return sim;
    }

    internal static int Moments(int dim) => dim switch { 1 => 8, 2 => 10, _ => 9 };

    internal static double RelativeDifference(double[] a, double[] b) => PhiFiles.RelativeDifference(a, b);

    /// <summary>|mass defect| relative to the run's mass scale (largest |M| plus the mass exchanged).</summary>
    internal static double MassDefect(Simulation sim)
    {
        double scale = sim.History.Max(h => Math.Abs(h.Mass)) + sim.History.Sum(h => Math.Abs(h.TimeStep * (h.Outflow + h.Absorption + h.Source)));
        return sim.History.Max(h => Math.Abs(h.MassDefect)) / scale;
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (int dim in new[] { 1, 2, 3 })
            foreach (var kind in new[] { SolverKind.AugmentedBug, SolverKind.ParallelBug, SolverKind.FixedRankBug })
                foreach (var stepper in new[] { TimeStepperKind.ForwardEuler, TimeStepperKind.SspRk2, TimeStepperKind.SspRk3 })
                    foreach (bool conservative in new[] { false, true })
                        if (!(conservative && kind == SolverKind.FixedRankBug))
                            yield return [dim, kind, stepper, conservative];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Integrator_is_right_at_every_setting(int dim, SolverKind kind, TimeStepperKind stepper, bool conservative)
    {
        int m = Moments(dim);
        bool fixedRank = kind == SolverKind.FixedRankBug;
        var full = Run(Deck(dim, SolverKind.FullRank, stepper, false, 1e-2, 1, 1));
        Assert.True(MassDefect(full) <= 1e-12, $"full rank: mass defect {MassDefect(full):E2}");
        var reference = full.Solver.Moments();
        double worstDefect = 0, worstMass = 0, worstExact = 0;
        foreach (int rMin in new[] { 1, 4, m })
        {
            var diffs = new List<double>();
            var times = new List<double>();
            foreach (double theta in Thetas)
            {
                int initial = rMin == m ? m : Math.Min(4, m);
                var sim = Run(Deck(dim, kind, stepper, conservative, theta, rMin, initial));
                CheckBasesAndMass(sim, conservative, rMin, theta, ref worstDefect, ref worstMass);
                double diff = RelativeDifference(sim.Solver.Moments(), reference);
                diffs.Add(diff);
                times.Add(sim.History[^1].Time);
                if (rMin == m && !fixedRank)
                {
                    worstExact = Math.Max(worstExact, diff);
                    Assert.True(diff <= 1e-12, $"r = n_moments = {m}, θ {theta:E0}: differs from full rank by {diff:E2}");
                }
            }
            output.WriteLine($"r_min {rMin}: difference to full rank over θ = {string.Join(", ", Thetas.Select(t => t.ToString("E0")))}: " +
                             string.Join(", ", diffs.Select(d => d.ToString("E2"))));
            // Not increasing as θ falls, equal (to rounding) once nothing is truncated any more. Going from θ_{i−1} to θ_i
            // changes only what the truncations discard, at most the budget θ_{i−1}·t relative to ‖u‖ (θ per unit time,
            // Ceruti, Kusch and Lubich's sum of the truncation tolerances): below the modelling error a truncation can also
            // lower the difference by chance, so the difference may rise by no more than that budget.
            for (int i = 1; i < diffs.Count; i++)
                Assert.True(diffs[i] <= diffs[i - 1] + Thetas[i - 1] * times[i - 1] + 1e-13, // theory: budget θ·t + rounding (1e-13)
                    $"r_min {rMin}: difference {diffs[i]:E3} at θ {Thetas[i]:E0} > {diffs[i - 1]:E3} at θ {Thetas[i - 1]:E0} plus its budget");
        }
        output.WriteLine($"worst: orthonormality {worstDefect:E2}, mass defect {worstMass:E2}, difference at r = n_moments {worstExact:E2}");
    }

    public static IEnumerable<object[]> SecondOrderCases()
    {
        foreach (int dim in new[] { 1, 2, 3 })
            foreach (var kind in new[] { SolverKind.MidpointBug, SolverKind.ParallelBug2 })
                foreach (bool conservative in new[] { false, true })
                    yield return [dim, kind, conservative];
    }

    /// <summary>The integrators that are second order by themselves (issue #15 item 5; they step with time.stepper: euler,
    /// "their own stepping") in the same sweep, against full rank with SSP-RK2: at r = n_moments the midpoint BUG is the
    /// explicit midpoint rule and the second-order parallel BUG is Heun's method, both the same linear map as SSP-RK2 for
    /// these decks (linear, time-independent sources): equal to 1e-12. Orthonormality 1e-12 always; with conservative
    /// truncation the mass balance (the midpoint BUG: Δt·dM/dt at the midpoint state; the second-order parallel BUG: the
    /// K-step's Heun quadrature of dM/dt) is kept to 1e-12.</summary>
    [Theory]
    [MemberData(nameof(SecondOrderCases))]
    public void Second_order_integrator_is_right_at_every_setting(int dim, SolverKind kind, bool conservative)
    {
        int m = Moments(dim);
        var reference = Run(Deck(dim, SolverKind.FullRank, TimeStepperKind.SspRk2, false, 1e-2, 1, 1)).Solver.Moments();
        double worstDefect = 0, worstMass = 0, worstExact = 0;
        foreach (int rMin in new[] { 1, 4, m })
        {
            var diffs = new List<double>();
            var times = new List<double>();
            foreach (double theta in Thetas)
            {
                var sim = Run(Deck(dim, kind, TimeStepperKind.ForwardEuler, conservative, theta, rMin, rMin == m ? m : Math.Min(4, m)));
                CheckBasesAndMass(sim, conservative, rMin, theta, ref worstDefect, ref worstMass);
                double diff = RelativeDifference(sim.Solver.Moments(), reference);
                diffs.Add(diff);
                times.Add(sim.History[^1].Time);
                if (rMin == m)
                {
                    worstExact = Math.Max(worstExact, diff);
                    Assert.True(diff <= 1e-12, $"r = n_moments = {m}, θ {theta:E0}: differs from full-rank SSP-RK2 by {diff:E2}");
                }
            }
            output.WriteLine($"r_min {rMin}: difference to full-rank SSP-RK2 over θ = {string.Join(", ", Thetas.Select(t => t.ToString("E0")))}: " +
                             string.Join(", ", diffs.Select(d => d.ToString("E2"))));
            for (int i = 1; i < diffs.Count; i++)
                Assert.True(diffs[i] <= diffs[i - 1] + Thetas[i - 1] * times[i - 1] + 1e-13, // theory: budget θ·t + rounding (1e-13), as above
                    $"r_min {rMin}: difference {diffs[i]:E3} at θ {Thetas[i]:E0} > {diffs[i - 1]:E3} at θ {Thetas[i - 1]:E0} plus its budget");
        }
        output.WriteLine($"worst: orthonormality {worstDefect:E2}, mass defect {worstMass:E2}, difference at r = n_moments {worstExact:E2}");
    }

    /// <summary>The deck of issue #12 that destroyed the augmented BUG's bases: 50² line source, P_7 (36 moments),
    /// conservative truncation, r_min 8, θ = 1e-12 — the rank races 8 → 13 → 26 → 36 and the padding taken again in the
    /// step the rank reached its cap lay in X0 already (defect 0.1 → 20, mass 1 → 1e5, exit 0). Now the bases stay
    /// orthonormal to 1e-12 and the mass balance holds to 1e-12.</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug)]
    [InlineData(SolverKind.ParallelBug)]
    public void Rank_racing_to_its_cap_keeps_the_bases_and_the_mass(SolverKind kind)
    {
        var o = Support.TestDecks.Uniform([50, 50], [[-1.5, 1.5], [-1.5, 1.5]], 7, 1.0, 0.0, BoundaryKind.Vacuum,
            Support.TestDecks.Gaussian(2, 0.03), 1.0, solver: kind, maxSteps: 12);
        o = o with { Solver = o.Solver with { InitialRank = 8, Conservative = true, Truncation = new TruncationOptions(1e-12, ToleranceKind.Relative, 8, 100, TruncationScaling.Step) } };
        var sim = Run(o);
        double defect = sim.History.Max(h => h.OrthonormalityDefect), mass = MassDefect(sim);
        output.WriteLine($"{kind}: ranks {string.Join(" ", sim.History.Select(h => h.Rank))}; orthonormality {defect:E2}, mass defect {mass:E2}");
        Assert.Equal(36, sim.History[^1].Rank);
        Assert.True(defect <= 1e-12, $"orthonormality defect {defect:E2}");
        Assert.True(mass <= 1e-12, $"mass defect {mass:E2}");
    }

    /// <summary>The fixed-rank BUG is exact at r = n_moments only where the spatial basis is complete too
    /// (n_cells = r): its S-step starts from the projection of u0 onto the new basis.</summary>
    [Theory]
    [InlineData(1, TimeStepperKind.ForwardEuler)]
    [InlineData(2, TimeStepperKind.SspRk2)]
    [InlineData(3, TimeStepperKind.SspRk3)]
    public void Fixed_rank_bug_with_complete_bases_is_the_full_rank_solver(int dim, TimeStepperKind stepper)
    {
        int m = Moments(dim);
        var full = Run(Deck(dim, SolverKind.FullRank, stepper, false, 1e-2, 1, 1, square: true)).Solver.Moments();
        var low = Run(Deck(dim, SolverKind.FixedRankBug, stepper, false, 1e-2, m, m, square: true)).Solver.Moments();
        double diff = RelativeDifference(low, full);
        output.WriteLine($"d = {dim}, {stepper}: fixed-rank BUG at n_cells = r = n_moments differs from full rank by {diff:E2}");
        Assert.True(diff <= 1e-12, $"{diff:E2}");
    }
}
