using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Problems.Thermal;
using ParallelDlra.Solvers.Thermal;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Thermal;

/// <summary>The energy-stable, conservative scheme of the thermal model (docs/design.md, "Thermal radiative
/// transfer"): the per-cell exchange against a direct solve of the backward-Euler system, the total energy balance
/// per step, the energy that never grows at the stated time-step limit, restart of the composite state.</summary>
public sealed class ThermalSchemeTests(ITestOutputHelper output)
{
    [Fact]
    public void The_exchange_is_the_backward_euler_solution_conserves_per_cell_and_does_not_raise_the_energy()
    {
        var rng = new Random(17);
        const int n = 200;
        var sigma = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 1e6 : 10 * rng.NextDouble()).ToArray();   // stiff cells too
        var q = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? rng.NextDouble() : 0.0).ToArray();
        foreach (double c in new[] { 1.0, 0.3, 4.0 })
        {
            var exchange = new ThermalExchange(sigma, q, c, sourceUntil: 5.0);
            var phi = Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 0.5).ToArray();
            var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
            var (phi0, e0) = ((double[])phi.Clone(), (double[])e.Clone());
            var damping = new double[n];
            const double dt = 0.05;
            exchange.Apply(1.0, dt, phi, e, damping);
            for (int i = 0; i < n; i++)
            {
                // (φ', β' = e'/C): [1 + a, −a; −a, C + a] (φ', β')ᵀ = (φ* + Δt Q, e)ᵀ, solved by MathNet's LU.
                double a = dt * sigma[i];
                var m = Matrix<double>.Build.DenseOfArray(new[,] { { 1 + a, -a }, { -a, c + a } });
                var y = m.Solve(Vector<double>.Build.Dense([phi0[i] + dt * q[i], e0[i]]));
                // The oracle's LU is accurate to about ε·κ, κ ≈ 1 + a (up to 5e4 in the stiff cells).
                double tolerance = 1e-14 * (1 + a);
                Assert.Equal(y[0], phi[i], tolerance * (1 + Math.Abs(y[0])));
                Assert.Equal(c * y[1], e[i], tolerance * (1 + Math.Abs(c * y[1])));
                Assert.Equal(phi0[i] + e0[i] + dt * q[i], phi[i] + e[i], 4e-16 * (Math.Abs(phi0[i]) + e0[i] + dt * q[i]) * 4); // theory: the exchange conserves φ + e; rounding: ~4 operations of ε/2 on the terms
                Assert.Equal(1.0 / (1.0 + a), damping[i], 1e-15); // theory: closed form; one division
            }
            // Without a source (after source_until) the W-energy φ² + e²/C does not grow.
            var (phi1, e1) = ((double[])phi0.Clone(), (double[])e0.Clone());
            exchange.Apply(6.0, dt, phi1, e1, damping);
            for (int i = 0; i < n; i++)
                Assert.True(phi1[i] * phi1[i] + e1[i] * e1[i] / c <= (phi0[i] * phi0[i] + e0[i] * e0[i] / c) * (1 + 1e-15), $"cell {i}: the exchange raised the energy"); // theory: backward Euler of a dissipative exchange; 1e-15 ≈ 5ε rounding
        }
    }

    /// <summary>The Su–Olson deck on [0, 3] with reflective faces (no outflow), coarse: every step changes ∫(U + V) by
    /// Δt·∫S = Δt·0.5 (S = 1 on the 50 cells of [0, 0.5], Δx = 0.01), to 1e-12 of the energy.</summary>
    public static string[] ClosedBox(string solver) =>
        ["grid.cells=[300]", "grid.extent=[[0, 3]]", "grid.boundary=reflective", "angular.order=7", "time.end=1.2",
         $"solver.type={solver}", "solver.conservative=true", "solver.truncation.theta=1e-3"];

    [Theory]
    [InlineData("full_rank")]
    [InlineData("augmented_bug")]
    public void Total_energy_changes_by_exactly_the_source_input_every_step(string solver)
    {
        var sim = new Simulation(SuOlsonTests.Deck(ClosedBox(solver)), RunContext.Serial());
        sim.Run();
        var h = sim.History;
        Assert.True(h.Count > 100);
        double worst = 0.0;
        for (int k = 1; k < h.Count; k++)
        {
            Assert.Equal(0.0, h[k].Outflow);
            double change = h[k].Mass - h[k - 1].Mass, input = h[k].TimeStep * 0.5;
            worst = Math.Max(worst, Math.Abs(change - input) / h[k].Mass);
        }
        output.WriteLine($"{solver}: {h.Count - 1} steps, largest |ΔE − Δt·∫S| / E = {worst:E2}, final E = {h[^1].Mass:R} (t·0.5 = {h[^1].Time * 0.5:R})");
        Assert.True(worst <= 1e-12, $"{solver}: an energy change differs from the source input by {worst:E3} of the energy"); // rounding: exact per step, 300-cell sums ~1e-15
    }

    /// <summary>Δt at the stated limit (time.cfl = 1: Δt ρ(A)/Δx = 1), no source, a rough initial state (random
    /// moments or random S on the initial bases, random material energy): the discrete energy
    /// Σ|cell|(Σ u² + e²/(C|S|)) never grows over 1000 steps (up to the rounding of its sum, 1e-14).</summary>
    [Theory]
    [InlineData("full_rank", "periodic", 1.0)]
    [InlineData("full_rank", "vacuum", 1.0)]
    [InlineData("augmented_bug", "periodic", 1.0)]
    [InlineData("full_rank", "periodic", 1e6)]       // stiff: Δt σ_a = 1e4, no limit from the implicit exchange
    [InlineData("augmented_bug", "vacuum", 1e6)]
    public void With_dt_at_the_stated_limit_and_no_source_the_energy_never_grows(string solver, string boundary, double sigmaA)
    {
        var o = SuOlsonTests.Deck("material.file=~", $"material.sigma_a={sigmaA.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", "grid.cells=[200]", "grid.extent=[[0, 2]]", $"grid.boundary={boundary}",
            "angular.order=7", "time.end=100", "time.max_steps=1000", "time.cfl=1", $"solver.type={solver}", "solver.conservative=true",
            "solver.truncation.theta=1e-3", "initial.type=gaussian", "initial.sigma=0.02", "initial.center=[1]");
        Assert.Equal(1.0, o.Time.Cfl);
        var sim = new Simulation(o, RunContext.Serial());
        var thermal = (ThermalSolver)sim.Solver;
        var rng = new Random(5);
        var saved = (CompositeState)thermal.Save();
        SolverState radiation = saved.Parts[0].Part switch
        {
            MomentsState m => new MomentsState([.. m.U.Select(_ => 2 * rng.NextDouble() - 1)]),
            FactorsState f => f with { S = Matrix<double>.Build.Dense(f.Rank, f.Rank, (_, _) => 2 * rng.NextDouble() - 1) },
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
        var e0 = ((MomentsState)saved.Parts[1].Part).U.Select(_ => rng.NextDouble()).ToArray();
        thermal.Restore(new CompositeState([(ThermalSolver.Radiation, radiation), (ThermalSolver.MaterialEnergy, new MomentsState(e0))]));
        double previous = thermal.Energy(), first = previous, largestRise = double.NegativeInfinity;
        int steps = 0;
        sim.Run(_ =>
        {
            double e = thermal.Energy();
            largestRise = Math.Max(largestRise, (e - previous) / previous);
            previous = e;
            steps++;
        });
        output.WriteLine($"{solver}, {boundary}, σ_a = {sigmaA:G3}: {steps} steps at cfl 1, energy {first:G6} → {previous:G6}, largest relative rise per step {largestRise:E2}");
        Assert.Equal(1000, steps);
        // theory: at the stated limit the step is energy-stable (issue #17), so no rise; 1e-14 for the rounding of a 200-cell energy sum.
        Assert.True(largestRise <= 1e-14, $"{solver}, {boundary}: the energy grew by {largestRise:E3} in one step");
        Assert.True(previous < first, "the energy did not decay at all");
    }

    /// <summary>The limit is the upwind streaming's, Δt Σ_d ρ(A_d)/Δx_d ≤ 1: beyond it forward Euler amplifies the
    /// checkerboard mode of the fastest characteristic by |1 − 2ν| &gt; 1, so a thermal run is refused there (the deck
    /// reader refuses time.cfl &gt; 1; built past it, the run's own stability check names time.cfl) — whatever σ_a.</summary>
    [Fact]
    public void Beyond_the_stated_limit_a_thermal_run_is_refused_naming_time_cfl()
    {
        var o = SuOlsonTests.Deck(ClosedBox("full_rank"));
        var beyond = o with { Time = o.Time with { Cfl = 1.05 } };
        var e = Assert.Throws<InputException>(() => new Simulation(beyond, RunContext.Serial()));
        Assert.Contains("time.cfl = 1.05", e.Message);
        _ = new Simulation(o with { Time = o.Time with { Cfl = 1.0 } }, RunContext.Serial());   // at the limit: accepted
    }

    [Theory]
    [InlineData("full_rank")]
    [InlineData("augmented_bug")]
    public void Save_and_restore_of_the_composite_state_continue_bit_for_bit(string solver)
    {
        var o = SuOlsonTests.Deck([.. ClosedBox(solver), "time.max_steps=30"]);
        var a = new Simulation(o, RunContext.Serial());
        a.Run();
        var b = new Simulation(o with { Time = o.Time with { MaxSteps = 60 } }, RunContext.Serial());
        var c = new Simulation(o with { Time = o.Time with { MaxSteps = 60 } }, RunContext.Serial());
        b.Run();
        c.Solver.Restore(a.Solver.Save());
        c.Resume(a.History[^1].Step, a.History[^1].Time, a.History);
        c.Run();
        Assert.Equal(b.Solver.ScalarFlux(), c.Solver.ScalarFlux());
        Assert.Equal(((ISpatialFields)b.Solver).Field(ThermalSolver.MaterialEnergy), ((ISpatialFields)c.Solver).Field(ThermalSolver.MaterialEnergy));
        Assert.Equal(b.History[^1].Mass, c.History[^1].Mass);
    }
}
