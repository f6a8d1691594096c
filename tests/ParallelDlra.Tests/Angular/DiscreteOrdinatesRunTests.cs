using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Angular;

/// <summary>S_N runs through the unchanged operator, solvers and integrators, against answers known without the
/// code: the mirrored full problem for a reflective face, the conservation of mass by the conservative truncation,
/// the full-rank solution for every integrator at r = n_q, and P_N (the other discretisation of the same equation)
/// as both are refined.</summary>
public sealed class DiscreteOrdinatesRunTests(ITestOutputHelper output)
{
    private static RunOptions Sn(RunOptions o, int order, QuadratureKind kind = QuadratureKind.ProductGaussLegendre) =>
        o with { Angular = new AngularOptions(order, AngularMethod.Sn, kind) };

    private static RunOptions WithFaces(RunOptions o, Func<int, BoundaryFace> face) =>
        o with { Grid = o.Grid with { Faces = [.. Enumerable.Range(0, o.Grid.Faces.Length).Select(face)] } };

    private static RunOptions LowRank(RunOptions o, SolverKind kind, int r, double theta = 1e-15, bool conservative = false) => o with
    {
        Solver = o.Solver with { Kind = kind, Truncation = new TruncationOptions(theta, ToleranceKind.Relative, Math.Min(r, 2), r), InitialRank = r, Conservative = conservative },
    };

    private static Simulation Run(RunOptions o)
    {
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        return sim;
    }

    private static double RelativeDifference(double[] a, double[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++) { num += (a[i] - b[i]) * (a[i] - b[i]); den += b[i] * b[i]; }
        return Math.Sqrt(num / den);
    }

    /// <summary>As <c>BoundaryTests.Reflective_face_equals_the_mirrored_full_problem</c> for P_N: the reflective half
    /// box against the full box with an initial condition symmetric in x_d. The mirror permutation gives the ghost the
    /// values the full problem holds there, so full rank agrees to rounding (bound 1e-12); DLRA at r = n_q without
    /// truncation is exact (docs/design.md, "What each integrator guarantees") up to what the step drops: at most
    /// ResolvableFraction = 1e-12 of the matrix per step, 12 steps: bound 1e-11 (measured ≤ 4.5e-14).</summary>
    [Theory]
    [InlineData(1, 0, 0, SolverKind.FullRank)]
    [InlineData(1, 0, 1, SolverKind.FullRank)]
    [InlineData(2, 0, 0, SolverKind.FullRank)]
    [InlineData(2, 1, 1, SolverKind.FullRank)]
    [InlineData(3, 2, 0, SolverKind.FullRank)]
    [InlineData(3, 0, 1, SolverKind.FullRank)]
    [InlineData(2, 0, 1, SolverKind.AugmentedBug)]
    [InlineData(2, 1, 0, SolverKind.ParallelBug)]
    [InlineData(2, 0, 0, SolverKind.FullRank, QuadratureKind.LevelSymmetric)]
    [InlineData(3, 2, 1, SolverKind.FullRank, QuadratureKind.LevelSymmetric)]
    [InlineData(2, 1, 1, SolverKind.FullRank, QuadratureKind.Lebedev)]
    [InlineData(3, 0, 0, SolverKind.FullRank, QuadratureKind.Lebedev)]
    [InlineData(2, 0, 1, SolverKind.AugmentedBug, QuadratureKind.Lebedev)]
    public void Reflective_face_equals_the_mirrored_full_problem(int dim, int axis, int side, SolverKind solver, QuadratureKind kind = QuadratureKind.ProductGaussLegendre)
    {
        int n = dim switch { 1 => 24, 2 => 10, _ => 5 };
        int order = kind switch
        {
            QuadratureKind.Lebedev => dim == 2 ? 7 : 5,
            _ => dim switch { 1 => 8, 2 => 4, _ => 2 },
        };
        var center = Enumerable.Range(0, dim).Select(d => d == axis ? 0.0 : 0.15 * (d + 1)).ToArray();
        var initial = TestDecks.Gaussian(dim, 0.35) with { Center = [.. center] };
        var halfCells = Enumerable.Range(0, dim).Select(d => d == axis ? n : 2 * n).ToArray();
        var halfExtent = Enumerable.Range(0, dim).Select(d => d != axis ? new[] { -1.0, 1.0 } : side == 0 ? new[] { 0.0, 1.0 } : new[] { -1.0, 0.0 }).ToArray();
        var fullCells = Enumerable.Repeat(2 * n, dim).ToArray();
        var fullExtent = Enumerable.Repeat(new[] { -1.0, 1.0 }, dim).ToArray();
        int reflective = 2 * axis + side;
        var half = WithFaces(Sn(TestDecks.Uniform(halfCells, halfExtent, order, 1.0, 0.2, BoundaryKind.Vacuum, initial, 10.0, maxSteps: 12), order, kind),
            f => new BoundaryFace(f == reflective ? BoundaryKind.Reflective : BoundaryKind.Vacuum));
        var full = Sn(TestDecks.Uniform(fullCells, fullExtent, order, 1.0, 0.2, BoundaryKind.Vacuum, initial, 10.0, maxSteps: 12), order, kind);
        var fullSim = Run(full);
        int m = fullSim.Discretisation.Basis.Count;
        var halfSim = Run(solver == SolverKind.FullRank ? half : half with
        {
            Solver = half.Solver with { Kind = solver, InitialRank = m, Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, m, m) },
        });
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
        double massChange = 1 - fullSim.History[^1].Mass / fullSim.History[0].Mass;
        double reflectedOut = halfSim.History[^1].Outflow;
        output.WriteLine($"S_{order} ({kind}, n_q = {m}) {dim}D face {reflective} {solver}: relative difference to the mirrored full problem {diff:E3} (full problem lost {massChange:P1})");
        Assert.True(massChange > 0.01, $"the pulse hardly moved: {massChange:E2}");
        double bound = solver == SolverKind.FullRank ? 1e-12 : 1e-11;
        Assert.True(diff <= bound, $"reflective half differs from the mirrored full problem by {diff:E3} (bound {bound:E0})");
        // the balance of the half box closes with the reflective face counted as no outflow
        // rounding: 12 steps of an n_cells-term mass sum, ~1e-15 each; bound 1e-12 of the mass (the guard of StepChecks is 1e-10).
        Assert.True(halfSim.History[^1].MassDefect is var defect && Math.Abs(defect) <= 1e-12 * halfSim.History[0].Mass, $"mass defect {halfSim.History[^1].MassDefect:E3} (outflow {reflectedOut:E3})");
    }

    /// <summary>The conservative truncation (Einkemmer, Kusch & Schotthöfer 2024) with S_N keeps the weight direction
    /// d = √w/√|S| in span(V): in a periodic box with scattering and no absorption the mass is constant to rounding
    /// (20 steps of a 576-cell sum, ~1e-14, measured ≤ 1.1e-14; bound 1e-12 relative) while the rank is truncated
    /// (θ = 1e-2); without it the mass drifts (measured 2.5e-4, 9.1e-4).</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug)]
    [InlineData(SolverKind.ParallelBug)]
    public void Conservative_truncation_conserves_mass_with_sn(SolverKind kind)
    {
        var initial = TestDecks.Gaussian(2, 0.15) with { Center = [0.1, -0.05] };
        var o = Sn(TestDecks.Uniform([24, 24], [[-1, 1], [-1, 1]], 8, 0.5, 0.0, BoundaryKind.Periodic, initial, 10.0, maxSteps: 20), 8);
        var conservative = Run(LowRank(o, kind, 6, theta: 1e-2, conservative: true));
        var plain = Run(LowRank(o, kind, 6, theta: 1e-2, conservative: false));
        double m0 = conservative.History[0].Mass;
        double drift = conservative.History.Max(h => Math.Abs(h.Mass - m0)) / m0;
        double plainDrift = plain.History.Max(h => Math.Abs(h.Mass - m0)) / m0;
        int maxRank = conservative.History.Max(h => h.Rank);
        output.WriteLine($"{kind}: S_8 (n_q = 64), rank ≤ {maxRank}; relative mass drift conservative {drift:E2}, plain {plainDrift:E2}");
        Assert.True(maxRank < 64, "the rank was not truncated");
        Assert.True(drift <= 1e-12, $"conservative truncation drifted by {drift:E3}");
    }

    /// <summary>Every integrator with S_N at r = n_q and no truncation reproduces the full-rank step, as for P_N
    /// (<c>IntegratorTests.FullRankWithoutTruncationReproducesTheFullRankSolver</c>, same bound 1e-12, rounding: 8 steps,
    /// each dropping at most ResolvableFraction = 1e-12 — in practice nothing here; measured ≤ 6.0e-14): the
    /// augmented and parallel BUG because the full step lies in the augmented basis; the fixed-rank BUG only when the
    /// spatial basis is complete too (n_cells = r = n_q = 16: a 4 × 4 grid).</summary>
    [Theory]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.ForwardEuler, 12)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.ForwardEuler, 12)]
    [InlineData(SolverKind.FixedRankBug, TimeStepperKind.ForwardEuler, 4)]
    [InlineData(SolverKind.AugmentedBug, TimeStepperKind.SspRk2, 12)]
    [InlineData(SolverKind.ParallelBug, TimeStepperKind.SspRk3, 12)]
    public void Every_integrator_at_full_rank_equals_the_full_rank_solver(SolverKind kind, TimeStepperKind stepper, int cells)
    {
        var initial = TestDecks.Gaussian(2, 0.2) with { Center = [0.1, -0.05] };
        var o = Sn(TestDecks.Uniform([cells, cells], [[-1, 1], [-1, 1]], 4, 1.0, 0.1, BoundaryKind.Vacuum, initial, 10.0, stepper: stepper, maxSteps: 8), 4);
        var full = Run(o);
        int m = full.Discretisation.Basis.Count;
        var low = Run(o with { Solver = o.Solver with { Kind = kind, InitialRank = m, Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, m, m) } });
        double diff = RelativeDifference(low.Solver.Moments(), full.Solver.Moments());
        output.WriteLine($"{kind} {stepper}: S_4 (n_q = {m}), relative difference of u to full rank {diff:E2}");
        Assert.True(diff <= 1e-12, $"{kind}: {diff:E3}");
    }

    /// <summary>S_N and P_N discretise the same equation in angle: on a smooth periodic problem with the same grid and
    /// the same Δt, the difference of their φ must fall as both orders grow (observed convergence; both converge to
    /// the spatially discrete, angularly exact upwind solution). Bounds: each refinement lowers the difference, and the
    /// finest is at most (2/12)² = 1/36 of the coarsest — convergence: ψ is smooth in Ω here (isotropic start, smooth
    /// in x, isotropic scattering), so both angular discretisations converge faster than any power of 1/N (P_N: the
    /// Legendre coefficients of a smooth function; S_N: Gauss rules exact to degree 2N − 1), and the bound asks for
    /// second order in 1/N from N = 2 to 12, the least a spectral method must give; measured 7.8e-2, 1.1e-2, 2.9e-3,
    /// 1.4e-3 (ratio 1/56).</summary>
    [Fact]
    public void Sn_and_pn_agree_as_both_are_refined()
    {
        var initial = TestDecks.Gaussian(2, 0.25);
        var baseOptions = TestDecks.Uniform([16, 16], [[-1, 1], [-1, 1]], 3, 1.0, 0.0, BoundaryKind.Periodic, initial, 0.5);
        // one Δt for every run: the CFL number of each is scaled so that Δt = 0.4 Δx / 2 (ρ ≤ 1 for both)
        double dt = 0.4 * (2.0 / 16) / 2;
        RunOptions WithDt(RunOptions o)
        {
            var probe = new Simulation(o, RunContext.Serial());
            return o with { Time = o.Time with { Cfl = o.Time.Cfl * dt / probe.TimeStep } };
        }
        var diffs = new List<double>();
        foreach (int n in new[] { 2, 4, 8, 12 })
        {
            var pn = Run(WithDt(baseOptions with { Angular = new AngularOptions(n - 1) }));
            var sn = Run(WithDt(Sn(baseOptions, n)));
            Assert.Equal(pn.TimeStep, sn.TimeStep, 15); // rounding: the same Δt by construction, one scaling each
            double diff = RelativeDifference(sn.Solver.ScalarFlux(), pn.Solver.ScalarFlux());
            diffs.Add(diff);
            output.WriteLine($"S_{n} (n_q = {sn.Discretisation.Basis.Count}) vs P_{n - 1} ({pn.Discretisation.Basis.Count} moments): ‖φ_S − φ_P‖/‖φ_P‖ = {diff:E3}");
        }
        for (int i = 1; i < diffs.Count; i++) Assert.True(diffs[i] < diffs[i - 1], $"no convergence at refinement {i}: {string.Join(", ", diffs.Select(d => d.ToString("E2")))}");
        Assert.True(diffs[^1] <= Math.Pow(2.0 / 12.0, 2) * diffs[0], $"difference fell only from {diffs[0]:E2} to {diffs[^1]:E2}, less than second order in 1/N"); // convergence (see summary)
    }

    /// <summary>As <see cref="Sn_and_pn_agree_as_both_are_refined"/> for the level-symmetric and Lebedev sets (issue #15):
    /// on the same smooth periodic problem and Δt, ‖φ_S − φ_P‖/‖φ_P‖ falls at each refinement of both and the finest is
    /// below a tenth of the coarsest (the bound of the product set's test). Odd P_N beside each set: P_{N−1} beside LQ_N (N/2
    /// cosines per axis, as P_{N−1} beside N Gauss nodes in the product test), P_{(D−1)/2} beside the Lebedev rule of
    /// degree D (the rule integrates the products of its harmonics exactly). Measured 2026-12-02: LQ_2, 4, 8, 16: 7.8e-2,
    /// 7.3e-3, 1.9e-3, 1.1e-3 (72×); Lebedev 3, 7, 15, 23: 3.3e-1, 5.2e-2, 9.8e-3, 3.2e-3 (105×).</summary>
    [Theory]
    [InlineData(QuadratureKind.LevelSymmetric, new[] { 2, 4, 8, 16 }, new[] { 1, 3, 7, 15 })]
    [InlineData(QuadratureKind.Lebedev, new[] { 3, 7, 15, 23 }, new[] { 1, 3, 7, 11 })]
    public void Octahedral_sets_and_pn_agree_as_both_are_refined(QuadratureKind kind, int[] orders, int[] pnOrders)
    {
        var initial = TestDecks.Gaussian(2, 0.25);
        var baseOptions = TestDecks.Uniform([16, 16], [[-1, 1], [-1, 1]], 3, 1.0, 0.0, BoundaryKind.Periodic, initial, 0.5);
        double dt = 0.4 * (2.0 / 16) / 2;   // one Δt for every run, as in the product set's test
        RunOptions WithDt(RunOptions o)
        {
            var probe = new Simulation(o, RunContext.Serial());
            return o with { Time = o.Time with { Cfl = o.Time.Cfl * dt / probe.TimeStep } };
        }
        var diffs = new List<double>();
        foreach (var (n, pnOrder) in orders.Zip(pnOrders))
        {
            var sn = Run(WithDt(Sn(baseOptions, n, kind)));
            var pn = Run(WithDt(baseOptions with { Angular = new AngularOptions(pnOrder) }));
            Assert.Equal(pn.TimeStep, sn.TimeStep, 15); // rounding: the same Δt by construction, one scaling each
            double diff = RelativeDifference(sn.Solver.ScalarFlux(), pn.Solver.ScalarFlux());
            diffs.Add(diff);
            output.WriteLine($"{kind} order {n} (n_q = {sn.Discretisation.Basis.Count}) vs P_{pnOrder} ({pn.Discretisation.Basis.Count} moments): ‖φ_S − φ_P‖/‖φ_P‖ = {diff:E3}");
        }
        for (int i = 1; i < diffs.Count; i++) Assert.True(diffs[i] < diffs[i - 1], $"no convergence at refinement {i}: {string.Join(", ", diffs.Select(d => d.ToString("E2")))}");
        Assert.True(diffs[^1] < 0.1 * diffs[0], $"difference fell only from {diffs[0]:E2} to {diffs[^1]:E2}");
    }
}
