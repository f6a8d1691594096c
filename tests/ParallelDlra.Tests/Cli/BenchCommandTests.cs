using ParallelDlra.Cli;
using ParallelDlra.Solvers;
using ParallelDlra.Verification;
using Xunit;

namespace ParallelDlra.Tests.Cli;

public sealed class BenchCommandTests
{
    [Fact]
    public void An_unknown_benchmark_is_bad_input_listing_the_benchmarks()
    {
        var stderr = new StringWriter();
        int rc = Program.Invoke(["bench", "nope"], new StringWriter(), stderr);
        Assert.Equal(ExitCodes.BadInput, rc);
        Assert.Equal("error: bench nope: unknown benchmark; allowed: fullrank, lowrank, gpu, burgers, uq, linesource", stderr.ToString().Trim());
    }

    [SkippableFact]
    public void The_gpu_benchmark_without_a_cuda_device_says_so_and_exits_2()
    {
        Skip.If(ParallelDlra.Compute.IlgpuBackend.CudaDeviceCount() > 0, "a CUDA device is present: the benchmark runs for real (make bench)");
        var stderr = new StringWriter();
        int rc = Program.Invoke(["bench", "gpu"], new StringWriter(), stderr);
        Assert.Equal(ExitCodes.BadInput, rc);
        Assert.Contains("no CUDA device", stderr.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("x")]
    [InlineData("466")]
    public void A_bad_rank_floor_is_bad_input(string floor)
    {
        var stderr = new StringWriter();
        int rc = Program.Invoke(["bench", "lowrank", floor], new StringWriter(), stderr);
        Assert.Equal(ExitCodes.BadInput, rc);
        Assert.Equal($"error: bench lowrank: r_min {floor} is not an integer in [1, 465]", stderr.ToString().Trim());
    }

    [Fact]
    public void Measure_times_every_step_of_a_small_line_source()
    {
        var o = Benchmarks.LineSource(cells: 16, order: 3, SolverKind.FullRank);
        var (r, phi, sim) = Benchmarks.Measure(o);
        using var solver = sim.Solver;
        Assert.Equal(Benchmarks.Steps, r.StepSeconds.Length);
        Assert.All(r.StepSeconds, s => Assert.True(s > 0));
        Assert.Equal(10, r.FinalRank); // P_3 in 2D: 10 moments
        Assert.Equal(256, phi.Length);
        Assert.True(r.PeakWorkingSet > 0 && r.GcHeap > 0);
        Assert.InRange(r.BaselineWorkingSet, 1, r.PeakWorkingSet);   // the warmed-up runtime, below the peak
        Assert.Equal(r.PeakWorkingSet - r.BaselineWorkingSet, r.SolveMemory);
        Assert.InRange(r.MedianStep, r.StepSeconds.Min(), r.StepSeconds.Max());
        // The figure the benchmark reports against a hand-computed one: ‖(1, 2, 2) − (1, 0, 0)‖ / ‖(1, 0, 0)‖ = √8.
        Assert.Equal(Math.Sqrt(8.0), Benchmarks.RelativeDifference([1.0, 2.0, 2.0], [1.0, 0.0, 0.0]), 14); // rounding: three squares and one sqrt: ~ε
        Assert.All(phi, v => Assert.True(double.IsFinite(v), $"φ = {v}"));
    }
}
