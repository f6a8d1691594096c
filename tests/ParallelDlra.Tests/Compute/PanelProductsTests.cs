using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using Xunit;

namespace ParallelDlra.Tests.Compute;

/// <summary>The CPU backend's panel pass of the full-rank right-hand side (issue #19): its result does not depend on the
/// thread count, and a step allocates (almost) nothing on the managed heap once its buffers exist.</summary>
public sealed class PanelProductsTests
{
    private static (KroneckerProblem Problem, CpuBackend Backend, Block U, int N, int M) Setup(IDenseLinearAlgebra la, FluxKind flux)
    {
        var grid = new CartesianGrid([41, 37], [new Interval(0.0, 1.0), new Interval(0.0, 1.0)]);
        var block = grid.WholeBlock();
        var basis = PnBasis.Create(2, 7);
        var op = new KineticOperator(block, basis, new MaterialMap("m", 2, new Material(1.0, 0.2, 0.0), []),
            [new(BoundaryKind.Vacuum), new(BoundaryKind.Vacuum), new(BoundaryKind.Periodic), new(BoundaryKind.Periodic)], flux);
        var backend = new CpuBackend(la);
        var problem = new KroneckerProblem(op, backend, new SerialHaloExchange(block, [false, true]), SerialCommunicator.Instance);
        int n = block.Count, m = basis.Count;
        var rng = new Random(41);
        var uv = new double[n * m];
        for (int i = 0; i < uv.Length; i++) uv[i] = 2 * rng.NextDouble() - 1;
        var u = backend.Allocate(n, m);
        backend.Upload(uv, u);
        return (problem, backend, u, n, m);
    }

    /// <summary>1517 cells are six panels and an uneven last one; 1 and 2 threads give the same bits (each output row is
    /// summed by one thread in a fixed order), for Roe (the GEMM groups) and Rusanov (taps only).</summary>
    [Theory]
    [InlineData(FluxKind.Roe)]
    [InlineData(FluxKind.Rusanov)]
    public void The_result_does_not_depend_on_the_thread_count(FluxKind flux)
    {
        var results = new List<double[]>();
        foreach (int threads in new[] { 1, 2 })
        {
            var la = LinearAlgebraProvider.Create(LinearAlgebraKind.Auto, out _);
            la.Threads = threads;
            var (problem, backend, u, n, m) = Setup(la, flux);
            using (u)
            {
                Assert.True(n > 5 * CpuBackend.ProductRows && n % CpuBackend.ProductRows != 0);
                using var y = backend.Allocate(n, m);
                problem.RightHandSide(0.0, u, y, 0.01, u);
                Assert.Equal(threads, la.Threads);   // restored after the call
                var values = new double[n * m];
                backend.Download(y, values);
                results.Add(values);
            }
        }
        Assert.Equal(results[0], results[1]);
        Assert.Contains(results[0], v => v != 0.0);
    }

    /// <summary>After a first call (plan and panel buffers made), a forward-Euler right-hand side on one thread (the loop
    /// body runs on the calling thread, whose allocations are counted, so other tests running meanwhile do not count)
    /// allocates less than 1/100 of one n_cells × n_moments block on the managed heap (delegates and the parallel loop's
    /// bookkeeping; the panel buffers alone are 2 × 256 × n_moments values).</summary>
    [Fact]
    public void A_step_allocates_almost_nothing()
    {
        var la = LinearAlgebraProvider.Create(LinearAlgebraKind.Auto, out _);
        la.Threads = 1;
        var (problem, backend, u, n, m) = Setup(la, FluxKind.Roe);
        using (u)
        {
            using var y = backend.Allocate(n, m);
            problem.RightHandSide(0.0, u, y, 0.01, u);
            const int calls = 10;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < calls; k++) problem.RightHandSide(0.0, u, y, 0.01, u);
            long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
            Assert.True(perCall < 8L * n * m / 100, $"{perCall} bytes per call; one block is {8L * n * m}");
        }
    }
}
