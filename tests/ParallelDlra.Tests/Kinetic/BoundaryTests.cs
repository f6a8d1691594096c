using System.Collections.Immutable;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Kinetic;

/// <summary>Boundaries, absorption and sources against answers known without the code: a reflective face against
/// the mirrored full problem, isotropic inflow against its equilibrium, absorption and a source in a homogeneous
/// periodic box against the exact recursion of the time stepper and against the exact exponential.</summary>
public sealed class BoundaryTests(ITestOutputHelper output)
{
    private static RunOptions WithFaces(RunOptions o, Func<int, BoundaryFace> face) =>
        o with { Grid = o.Grid with { Faces = [.. Enumerable.Range(0, o.Grid.Faces.Length).Select(face)] } };

    private static RunOptions LowRank(RunOptions o, SolverKind kind, int m) => o with
    {
        Solver = o.Solver with { Kind = kind, Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, m, m), InitialRank = m },
    };

    private static Simulation Run(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return sim;
    }

    /// <summary>A reflective face at x_d = 0 (lower or upper side of the half box) against the full box [−1, 1]^dim
    /// with vacuum faces and an initial condition symmetric in x_d (Gaussian centred on x_d = 0, off centre in
    /// the other axes): the reflective half must equal the full problem's half. Exact for full rank: the mirrored
    /// ghost u(mirror) = R u is what the full problem holds there, so both compute the same numbers up to
    /// rounding (measured 7e-16 in 2D; bound 1e-12). DLRA at r = n_moments without truncation reproduces the
    /// full-rank step exactly (docs/design.md, "What each integrator guarantees") up to what a step may drop: at most
    /// ResolvableFraction = 1e-12 of the matrix per step, 12 steps: bound 1e-11 (measured ≤ 3.5e-14; it was 3e-9 when
    /// that floor was 1e-8, issue #12).</summary>
    [Theory]
    [InlineData(1, 0, 0, SolverKind.FullRank)]
    [InlineData(1, 0, 1, SolverKind.FullRank)]
    [InlineData(2, 0, 0, SolverKind.FullRank)]
    [InlineData(2, 0, 1, SolverKind.FullRank)]
    [InlineData(2, 1, 0, SolverKind.FullRank)]
    [InlineData(2, 1, 1, SolverKind.FullRank)]
    [InlineData(3, 0, 0, SolverKind.FullRank)]
    [InlineData(3, 1, 1, SolverKind.FullRank)]
    [InlineData(3, 2, 0, SolverKind.FullRank)]
    [InlineData(3, 2, 1, SolverKind.FullRank)]
    [InlineData(2, 0, 0, SolverKind.AugmentedBug)]
    [InlineData(2, 1, 1, SolverKind.ParallelBug)]
    [InlineData(1, 0, 1, SolverKind.AugmentedBug)]
    [InlineData(3, 2, 0, SolverKind.ParallelBug)]
    public void Reflective_face_equals_the_mirrored_full_problem(int dim, int axis, int side, SolverKind solver)
    {
        int n = dim switch { 1 => 24, 2 => 10, _ => 5 };
        int order = dim switch { 1 => 7, 2 => 5, _ => 3 };
        var center = Enumerable.Range(0, dim).Select(d => d == axis ? 0.0 : 0.15 * (d + 1)).ToArray();
        var initial = TestDecks.Gaussian(dim, 0.35) with { Center = [.. center] };
        // Half box: [0, 1] (reflective at its lower face) or [−1, 0] (reflective at its upper face) along axis.
        var halfCells = Enumerable.Range(0, dim).Select(d => d == axis ? n : 2 * n).ToArray();
        var halfExtent = Enumerable.Range(0, dim).Select(d => d != axis ? new[] { -1.0, 1.0 } : side == 0 ? new[] { 0.0, 1.0 } : new[] { -1.0, 0.0 }).ToArray();
        var fullCells = Enumerable.Repeat(2 * n, dim).ToArray();
        var fullExtent = Enumerable.Repeat(new[] { -1.0, 1.0 }, dim).ToArray();
        int reflective = 2 * axis + side;
        var half = WithFaces(TestDecks.Uniform(halfCells, halfExtent, order, 1.0, 0.2, BoundaryKind.Vacuum, initial, 10.0, maxSteps: 12),
            f => new BoundaryFace(f == reflective ? BoundaryKind.Reflective : BoundaryKind.Vacuum));
        var full = TestDecks.Uniform(fullCells, fullExtent, order, 1.0, 0.2, BoundaryKind.Vacuum, initial, 10.0, maxSteps: 12);
        var fullSim = Run(full);
        int m = fullSim.Discretisation.Basis.Count;
        var halfSim = Run(solver == SolverKind.FullRank ? half : LowRank(half, solver, m));
        Assert.Equal(fullSim.TimeStep, halfSim.TimeStep);

        var u = halfSim.Solver.Moments();
        var uf = fullSim.Solver.Moments();
        int nh = halfSim.Discretisation.Block.Count, nf = fullSim.Discretisation.Block.Count;
        Span<int> ijk = stackalloc int[3];
        double num = 0, den = 0;
        for (int c = 0; c < nh; c++)
        {
            halfSim.Discretisation.Block.Index(c, ijk);
            int cf = 0, stride = 1;
            for (int d = 0; d < dim; d++)
            {
                int i = d == axis && side == 0 ? ijk[d] + n : ijk[d];
                cf += i * stride;
                stride *= fullCells[d];
            }
            for (int a = 0; a < m; a++)
            {
                num += Math.Pow(u[a * nh + c] - uf[a * nf + cf], 2);
                den += uf[a * nf + cf] * uf[a * nf + cf];
            }
        }
        double diff = Math.Sqrt(num / den);
        // The full problem lost mass through its far faces: the comparison is not of an unchanged state.
        double massChange = 1 - fullSim.History[^1].Mass / fullSim.History[0].Mass;
        output.WriteLine($"{dim}D face {reflective} {solver}: relative difference of u to the mirrored full problem {diff:E3} (full problem lost {massChange:P1} of its mass)");
        // A precondition, not an accuracy bound: the comparison must be of a state that reached the far faces.
        Assert.True(massChange > 0.01, $"the pulse hardly moved: {massChange:E2}");
        double bound = solver == SolverKind.FullRank ? 1e-12 : 1e-11;
        Assert.True(diff <= bound, $"reflective half differs from the mirrored full problem by {diff:E3} (bound {bound:E0})");
    }

    /// <summary>Isotropic inflow φ_in on every face of a box holding ψ = φ_in/|S| everywhere, no absorption:
    /// that is the equilibrium (the ghost equals the cell, every flux difference vanishes), so u = φ_in e_0/√|S|
    /// stays to rounding. Also with scattering, for every solver (r = 1 suffices: the state is rank one).</summary>
    [Theory]
    [InlineData(1, SolverKind.FullRank)]
    [InlineData(2, SolverKind.FullRank)]
    [InlineData(3, SolverKind.FullRank)]
    [InlineData(2, SolverKind.AugmentedBug)]
    [InlineData(2, SolverKind.ParallelBug)]
    [InlineData(2, SolverKind.FixedRankBug)]
    public void Isotropic_inflow_on_a_box_at_the_inflow_value_is_an_equilibrium(int dim, SolverKind solver)
    {
        const double phiIn = 2.5;
        int n = dim == 3 ? 6 : 12;
        var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], 3, 0.7, 0.0,
            BoundaryKind.Inflow, new InitialConditionOptions(InitialKind.Constant, [.. new double[dim]], 1.0, 1.0, phiIn), 10.0,
            solver: solver, maxSteps: 40);
        o = WithFaces(o, _ => new BoundaryFace(BoundaryKind.Inflow, phiIn));
        if (solver != SolverKind.FullRank)
            o = o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-12, ToleranceKind.Relative, 1, 4), InitialRank = 1 } };
        var sim = Run(o);
        var phi = sim.Solver.ScalarFlux();
        double worst = phi.Max(v => Math.Abs(v - phiIn)) / phiIn;
        output.WriteLine($"{dim}D {solver}: max |φ − φ_in|/φ_in after 40 steps {worst:E2}");
        // theory: the equilibrium is a fixed point of the scheme; rounding of 40 steps of flux differences of equal values: ~40ε (measured ≤ 3.2e-15); bound 1e-13.
        Assert.True(worst <= 1e-13, $"φ drifted from the inflow equilibrium by {worst:E2}");
        var u = sim.Solver.Moments();
        int cells = sim.Discretisation.Block.Count;
        Assert.All(u.Skip(cells), v => Assert.True(Math.Abs(v) <= 1e-13 * phiIn, $"higher moment {v:E2}"));
        // And the balance: the outflow of the equilibrium is zero (as much comes in as goes out).
        // theory: zero net outflow at equilibrium; rounding of a face sum over ≤ 4·12 faces·10 moments.
        Assert.All(sim.History, h => Assert.True(Math.Abs(h.Outflow) <= 1e-12 * phiIn, $"step {h.Step}: outflow {h.Outflow:E2}"));
    }

    /// <summary>Inflow into an empty box fills it: the mass change per step equals −Δt·outflow (with the inflow
    /// entering as negative outflow), and the mass rises — an independent sign check of the inflow source.</summary>
    [Fact]
    public void Inflow_into_an_empty_box_balances_and_fills_it()
    {
        var o = WithFaces(TestDecks.Uniform([16, 16], [[0.0, 1.0], [0.0, 1.0]], 3, 0.5, 0.1, BoundaryKind.Vacuum, TestDecks.Zero(2), 10.0, maxSteps: 50),
            f => f == 0 ? new BoundaryFace(BoundaryKind.Inflow, 1.0) : new BoundaryFace(BoundaryKind.Vacuum));
        var sim = Run(o);
        var h = sim.History;
        // A precondition (something came in), the balance below is the check.
        Assert.True(h[^1].Mass > 0.05, $"mass {h[^1].Mass:E3}: nothing came in");
        // Mass balance with absorption: M^k − M^{k−1} = −Δt (outflow + σ_a M^{k−1}) for forward Euler.
        for (int k = 1; k < h.Count; k++)
        {
            double predicted = -h[k].TimeStep * (h[k - 1].Outflow + 0.1 * h[k - 1].Mass);
            // rounding: the forward-Euler balance holds exactly; 256-cell sums of a mass ≤ ~0.3: ~1e-16·256·0.3 ≈ 1e-14; bound 1e-13 absolute.
            Assert.True(Math.Abs(h[k].Mass - h[k - 1].Mass - predicted) <= 1e-13, $"step {k}: ΔM {h[k].Mass - h[k - 1].Mass:E6} vs {predicted:E6}");
        }
        // The first step from zero: only the inflow acts, so the outflow is negative (mass enters) and the mass rises.
        Assert.True(h[1].Mass > 0 && h[0].Outflow < 0, $"first step: mass {h[1].Mass:E3}, outflow {h[0].Outflow:E3}");
    }

    /// <summary>A homogeneous periodic box with constant isotropic φ0, absorption σ_a, scattering σ_s and a source
    /// Q: transport and scattering drop out, dφ/dt = Q − σ_a φ. Forward Euler must give exactly
    /// φ_{k+1} = φ_k + Δt(Q − σ_a φ_k) and SSP-RK2 exactly (1 + z + z²/2) with z = −σ_a Δt (to rounding);
    /// both approach φ(t) = Q/σ_a + (φ0 − Q/σ_a) e^{−σ_a t} with their order as Δt halves. Without absorption
    /// the growth is exactly linear, φ0 + Q t.</summary>
    [Theory]
    [InlineData(1, TimeStepperKind.ForwardEuler, SolverKind.FullRank, 0.8, 2.0)]
    [InlineData(2, TimeStepperKind.ForwardEuler, SolverKind.FullRank, 0.8, 2.0)]
    [InlineData(3, TimeStepperKind.ForwardEuler, SolverKind.FullRank, 0.8, 2.0)]
    [InlineData(2, TimeStepperKind.SspRk2, SolverKind.FullRank, 0.8, 2.0)]
    [InlineData(2, TimeStepperKind.ForwardEuler, SolverKind.FullRank, 0.0, 1.5)]
    [InlineData(2, TimeStepperKind.ForwardEuler, SolverKind.AugmentedBug, 0.8, 2.0)]
    [InlineData(2, TimeStepperKind.ForwardEuler, SolverKind.ParallelBug, 0.8, 2.0)]
    [InlineData(2, TimeStepperKind.ForwardEuler, SolverKind.FixedRankBug, 0.8, 2.0)]
    public void Absorption_and_source_in_a_homogeneous_periodic_box_follow_the_exact_recursion(int dim, TimeStepperKind stepper, SolverKind solver,
        double sigmaA, double q)
    {
        const double phi0 = 1.0, sigmaS = 0.6, end = 0.5;
        (double Phi, double Dt, int Steps) RunBox(double cfl)
        {
            int n = dim == 3 ? 4 : 8;
            var o = TestDecks.Uniform([.. Enumerable.Repeat(n, dim)], [.. Enumerable.Repeat(new[] { 0.0, 1.0 }, dim)], 2, sigmaS, sigmaA,
                BoundaryKind.Periodic, new InitialConditionOptions(InitialKind.Constant, [.. new double[dim]], 1.0, 1.0, phi0), end,
                cfl: cfl, stepper: stepper, solver: solver, source: q);
            if (solver != SolverKind.FullRank)
                o = o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-12, ToleranceKind.Relative, 1, 4), InitialRank = 1 } };
            var sim = Run(o);
            var phi = sim.Solver.ScalarFlux();
            // theory: a uniform state stays uniform (transport drops out); rounding: every cell does the same operations, a few ε.
            Assert.All(phi, v => Assert.True(Math.Abs(v - phi[0]) <= 1e-14 * Math.Abs(phi[0]), "φ not uniform"));
            // The stepper's exact recursion over the steps actually taken.
            double expected = phi0;
            foreach (var h in sim.History.Skip(1))
            {
                double dt = h.TimeStep, f = q - sigmaA * expected;
                expected = stepper == TimeStepperKind.ForwardEuler ? expected + dt * f
                    : expected + dt * f + 0.5 * dt * dt * (-sigmaA) * f;
            }
            // theory: the stepper's recursion; rounding of ≤ 16 steps of a few operations each: ~50ε ≈ 1e-14; bound 1e-13.
            Assert.True(Math.Abs(phi[0] - expected) <= 1e-13 * expected, $"φ = {phi[0]:R}, the recursion gives {expected:R}");
            Assert.Equal(end, sim.History[^1].Time, 14); // rounding: ≤ 16 additions of Δt, the last step shortened to end
            return (phi[0], sim.TimeStep, sim.History.Count - 1);
        }
        double Exact(double t) => sigmaA == 0 ? phi0 + q * t : q / sigmaA + (phi0 - q / sigmaA) * Math.Exp(-sigmaA * t);

        var coarse = RunBox(0.8);
        var fine = RunBox(0.4);
        double e1 = Math.Abs(coarse.Phi - Exact(end)), e2 = Math.Abs(fine.Phi - Exact(end));
        output.WriteLine($"{dim}D {stepper} {solver} σ_a = {sigmaA}, Q = {q}: φ(t) {coarse.Phi:R} ({coarse.Steps} steps), {fine.Phi:R} ({fine.Steps} steps), exact {Exact(end):R}; errors {e1:E2}, {e2:E2}");
        if (sigmaA == 0)
        {
            // theory: every stepper integrates dφ/dt = Q exactly; rounding of ≤ 16 additions of size ≤ 2 (measured ≤ 1.1e-15).
            Assert.True(e1 <= 1e-13 && e2 <= 1e-13, "linear growth is exact for every stepper");
            return;
        }
        // Observed order between Δt and ≈Δt/2 (the last step is shortened: use the actual Δt ratio).
        double order = Math.Log(e1 / e2) / Math.Log(coarse.Dt / fine.Dt);
        double expectedOrder = stepper == TimeStepperKind.ForwardEuler ? 1 : 2;
        // The stepper's order (1 forward Euler, 2 SSP-RK2: its amplification 1 + z + z²/2 against e^z), with a margin of 0.2
        // for one refinement pair on the pre-asymptotic side, as for the spatial orders.
        Assert.InRange(order, expectedOrder - 0.2, expectedOrder + 0.2);
    }
}
