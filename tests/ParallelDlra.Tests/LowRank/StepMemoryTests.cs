using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Parallel;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The n_cells-long blocks a low-rank step keeps alive at once, counted by the backend
/// (<see cref="BlockCounts"/>), against the count docs/design.md states ("Memory of a low-rank step"): with forward
/// Euler at most 3 n_cells × r blocks (X0, K → X̃ and one temporary: the K-step's, the padding directions', a weak
/// direction's extra pass, or the new X when the rank rose), r the larger of the ranks before and after the step; an
/// SSP Runge–Kutta step one more (the copy of X at the start of the step that its stages are combined with).</summary>
public sealed class StepMemoryTests(ITestOutputHelper output)
{
    private static RunOptions Deck(int dim, SolverKind kind, TimeStepperKind stepper, int rMin, int rMax)
    {
        int[] cells = dim == 2 ? [20, 20] : [8, 8, 8];
        var o = TestDecks.Uniform(cells, [.. Enumerable.Repeat(new[] { -1.0, 1.0 }, dim)], dim == 2 ? 7 : 5, 1.0, 0.5, BoundaryKind.Vacuum,
            TestDecks.Gaussian(dim, 0.2), 1.0, stepper: stepper, solver: kind);
        // Initial rank 1 below r_min: the first steps pad the basis (the padding directions are a temporary block).
        // Without the parallel BUG's step rejection: a rejected step is repeated from the lifted basis (rank r + m), and
        // the count holds for each attempt with its own rank, which the step's ranks before and after do not show.
        return o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-3, ToleranceKind.Relative, rMin, rMax), InitialRank = 1, StepRejection = false } };
    }

    [Theory]
    [InlineData(2, SolverKind.AugmentedBug, TimeStepperKind.ForwardEuler, 3.0)]
    [InlineData(2, SolverKind.ParallelBug, TimeStepperKind.ForwardEuler, 3.0)]
    [InlineData(3, SolverKind.AugmentedBug, TimeStepperKind.ForwardEuler, 3.0)]
    [InlineData(3, SolverKind.ParallelBug, TimeStepperKind.ForwardEuler, 3.0)]
    [InlineData(2, SolverKind.AugmentedBug, TimeStepperKind.SspRk2, 4.0)]
    public void A_step_keeps_at_most_the_documented_number_of_blocks_alive(int dim, SolverKind kind, TimeStepperKind stepper, double documented)
    {
        var sim = new Simulation(Deck(dim, kind, stepper, 4, 12), RunContext.Serial());   // r_max = 12
        var solver = (LowRankSolver)sim.Solver;
        var blocks = solver.Context.Backend.Blocks;
        double t = 0, worst = 0, least = double.MaxValue;
        for (int step = 0; step < 8; step++)
        {
            int n = solver.X.Rows, before = solver.Rank;
            long others = blocks.LiveValues - (long)n * before;   // alive across steps besides X (σ_a on the cells)
            blocks.ResetPeak();
            solver.Step(t, sim.TimeStep);
            t += sim.TimeStep;
            int r = Math.Max(before, solver.Rank);   // a step that raises the rank builds the new X beside X0 and X̃
            double count = (blocks.PeakValues - others) / (double)((long)n * r);
            output.WriteLine($"{dim}D {kind} {stepper}: step {step}, r = {before} → {solver.Rank}, peak {count:F3} n_cells × max(r0, r1) blocks (besides {others} values of σ_a)");
            worst = Math.Max(worst, count);
            least = Math.Min(least, count);
            // After the step only X is left beside what was alive before (its storage: that of X0 when the rank did not
            // rise; with stages, that of a stage's X, of at most r_max columns).
            long left = blocks.LiveValues - others;
            Assert.InRange(left, (long)n * solver.Rank, (long)n * (stepper == TimeStepperKind.ForwardEuler ? r : 12));
        }
        Assert.True(worst <= documented, $"peak {worst:F3} n_cells × r blocks, documented {documented}");
        Assert.True(least >= 2.0, $"peak {least:F3}: a step holds at least X0 and K (the count is not counting)");
    }

    /// <summary>TSQR on two ranks (threads) multiplies the local Q by its block of the small Q in place: the only block
    /// alive on a rank during the factorisation is A itself.</summary>
    [Fact]
    public void Tsqr_on_two_ranks_holds_no_copy_of_the_block()
    {
        const int rows = 5000, p = 6;
        var ranks = new ThreadRanks(2);
        var results = ranks.Run(comm =>
        {
            var backend = new CpuBackend();
            var a = backend.Allocate(rows, p);
            var values = new double[rows * p];
            for (int i = 0; i < values.Length; i++) values[i] = Math.Sin(0.37 * (i + comm.Rank * values.Length)) + (i % rows == i / rows ? 1.0 : 0.0);
            backend.Upload(values, a);
            backend.Blocks.ResetPeak();
            new TallSkinnyQr(backend, comm, 0.5).Orthonormalize(a);
            var gram = DistributedSums.WeightedGram(backend, comm, a, a, 0.5);
            return (backend.Blocks.PeakValues, Defect: (gram - Matrix<double>.Build.DenseIdentity(p)).Enumerate().Max(Math.Abs));
        });
        foreach (var (peak, defect) in results)
        {
            output.WriteLine($"peak {peak} values ({peak / (double)(rows * p):F2} blocks), orthonormality defect {defect:E2}");
            Assert.Equal((long)rows * p, peak);
            Assert.True(defect < 1e-13, $"w QᵀQ − I = {defect:E2}");   // Householder TSQR: O(ε) orthogonality
        }
    }

    /// <summary>The in-place x ← x·B of the CPU backend (row blocks) agrees with x·B into another block: bit for bit for a
    /// sparse or tiny B (the same per-nonzero AXPYs, elementwise), to rounding for a dense one (GEMM over row blocks).</summary>
    [Theory]
    [InlineData(7, true)]
    [InlineData(8, false)]
    [InlineData(3, true)]
    public void Multiply_in_place_equals_the_product_into_another_block(int p, bool dense)
    {
        const int rows = 9000;   // more rows than one row block (4096)
        var backend = new CpuBackend();
        using var x = backend.Allocate(rows, p);
        using var y = backend.Allocate(rows, p);
        var values = new double[rows * p];
        for (int i = 0; i < values.Length; i++) values[i] = Math.Cos(0.11 * i);
        backend.Upload(values, x);
        var b = Matrix<double>.Build.Dense(p, p, (i, j) => dense || i == j || i == j + 1 ? 1.0 / (1 + i + 2 * j) : 0.0);
        backend.MultiplySmall(x, b, 1.0, 0.0, y);
        backend.Blocks.ResetPeak();
        backend.MultiplyInPlace(x, b);
        Assert.Equal(2L * rows * p, backend.Blocks.PeakValues);   // x and y: no third block
        var got = new double[rows * p];
        var want = new double[rows * p];
        backend.Download(x, got);
        backend.Download(y, want);
        bool sparsePath = !(p * p >= 16 && b.Enumerate().Count(v => v != 0) > 0.25 * p * p);
        if (sparsePath) Assert.Equal(want, got);
        else
        {
            double diff = got.Zip(want, (g, w) => Math.Abs(g - w)).Max();
            Assert.True(diff <= 1e-14, $"in place differs by {diff:E2}");   // dot products of length p ≤ 7 of O(1) values: rounding only
        }
    }
}
