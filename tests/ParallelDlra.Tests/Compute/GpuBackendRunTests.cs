using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.Mesh;
using ParallelDlra.Deck;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;
using ParallelDlra.Cli;
using ParallelDlra.Verification;
using Xunit;
using ParallelDlra.Application;

namespace ParallelDlra.Tests.Compute;

/// <summary>Whole runs on the GPU backend against the CPU backend, and the choice of backend from the deck.</summary>
[Collection("NLog configuration")]   // runs `pdlra run` in process, which replaces the global logging configuration
public sealed class GpuBackendRunTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static RunOptions SmallLineSource(ComputeOptions compute)
    {
        var o = Benchmarks.LineSource(20, 3, SolverKind.AugmentedBug);
        return o with { Time = o.Time with { MaxSteps = 3 }, Compute = compute };
    }

    /// <summary>The device's local-QR counts of the small line source with <c>solver.qr: tsqr</c>.</summary>
    private static (int OnDevice, int OnHost) TsqrLocalQrCounts()
    {
        var o = SmallLineSource(new ComputeOptions(BackendKind.Gpu, Accelerator: AcceleratorKind.Cpu));
        o = o with { Solver = o.Solver with { Qr = ParallelDlra.Parallel.QrMethod.Tsqr } };
        using var device = (IlgpuBackend)ComputeBackends.Create(o.Compute);
        Run(o, device);
        return device.QrCounts;
    }

    private static (double[] Phi, List<StepDiagnostics> History) Run(RunOptions o, IComputeBackend backend)
    {
        var sim = new Simulation(o, new RunContext(SerialCommunicator.Instance, backend));
        using var solver = sim.Solver;
        sim.Run();
        return (solver.ScalarFlux(), sim.History);
    }

    [Fact]
    public void Line_source_augmented_bug_on_the_ilgpu_cpu_accelerator_matches_the_cpu_backend()
    {
        var gpu = SmallLineSource(new ComputeOptions(BackendKind.Gpu, Accelerator: AcceleratorKind.Cpu));
        using var device = ComputeBackends.Create(gpu.Compute);
        Assert.IsType<IlgpuBackend>(device);
        using var cpu = new CpuBackend();
        var (phiGpu, historyGpu) = Run(gpu, device);
        var (phiCpu, historyCpu) = Run(SmallLineSource(ComputeOptions.Default), cpu);

        // The default solver.qr (distributed CholeskyQR2) orthonormalises through the backend's Gram and in-place
        // multiply, so it calls the backend's local QR only for a block it hands to Householder TSQR; with
        // solver.qr = tsqr every block goes through the local QR, which must run on the device.
        var ((onDevice, onHost), (d0, h0)) = (TsqrLocalQrCounts(), ((IlgpuBackend)device).QrCounts);
        output.WriteLine($"local QRs with solver.qr = tsqr: {onDevice} CholeskyQR2 on the device, {onHost} host Householder fallbacks " +
                         $"(default cholesky_qr2 run: {d0} / {h0})");
        Assert.True(onDevice > 0, "no local QR ran on the device");
        Assert.Equal(4, historyGpu.Count);
        Assert.Equal(historyCpu.Select(h => h.Rank), historyGpu.Select(h => h.Rank));
        // rounding: CholeskyQR2 instead of Householder and other summation orders determine a direction of weight c only
        // to ε/c (docs/design.md, "Directions from the data"), so u to ~ε per operation; measured 1.4e-15 here (ILGPU's CPU
        // accelerator); 1e-10 (chosen) is the bound of the DLRA decompositions (MpiRunTests.SameAsSerial), for a CUDA device too.
        double scale = phiCpu.Max(Math.Abs);
        for (int i = 0; i < phiCpu.Length; i++)
            Assert.True(Math.Abs(phiCpu[i] - phiGpu[i]) <= 1e-10 * scale, $"cell {i}: cpu {phiCpu[i]:R}, gpu {phiGpu[i]:R}");
        for (int s = 0; s < historyCpu.Count; s++)
            Assert.True(Math.Abs(historyCpu[s].Mass - historyGpu[s].Mass) <= 1e-10 * Math.Abs(historyCpu[s].Mass), $"mass at step {s}");
    }

    /// <summary>rS_N (issue #15 item 2) with the turn on the live state through the GPU backend: full rank maps u on the device
    /// (u ← u Rᵀ into the second block), the augmented BUG maps V on the host; the problem swaps its angular part between
    /// steps, so the products the backend is handed change every step. Random turns, 3 steps.</summary>
    [Theory]
    [InlineData(SolverKind.FullRank)]
    [InlineData(SolverKind.AugmentedBug)]
    public void Rotated_sn_on_the_ilgpu_cpu_accelerator_matches_the_cpu_backend(SolverKind kind)
    {
        RunOptions Rotated(ComputeOptions compute)
        {
            var o = Benchmarks.LineSource(20, 3, kind);
            return o with
            {
                Time = o.Time with { MaxSteps = 3 },
                Compute = compute,
                Angular = new AngularOptions(6, AngularMethod.Sn, Rotation: new RotationOptions(RotationAngle.Random, 0.5, 3)),
                Solver = o.Solver with { InitialRank = 6, Truncation = o.Solver.Truncation with { RMin = 4 } },
            };
        }
        var gpu = Rotated(new ComputeOptions(BackendKind.Gpu, Accelerator: AcceleratorKind.Cpu));
        using var device = ComputeBackends.Create(gpu.Compute);
        Assert.IsType<IlgpuBackend>(device);
        using var cpu = new CpuBackend();
        var simGpu = new Simulation(gpu, new RunContext(SerialCommunicator.Instance, device));
        Assert.True(((RotatedOrdinatesSolver)simGpu.Solver).TurnsInPlace);
        simGpu.Solver.Dispose();
        var (phiGpu, historyGpu) = Run(gpu, device);
        var (phiCpu, historyCpu) = Run(Rotated(ComputeOptions.Default), cpu);
        Assert.Equal(historyCpu.Select(h => h.Rank), historyGpu.Select(h => h.Rank));
        double scale = phiCpu.Max(Math.Abs);
        double worst = phiCpu.Zip(phiGpu, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"rS_N {kind}, ILGPU CPU accelerator vs CPU backend: max |Δφ| / max |φ| = {worst:E2}");
        // rounding: the bounds of the run above (1e-10, chosen: that of the DLRA decompositions; full rank the same products
        // in other summation orders).
        Assert.True(worst <= 1e-10, $"{worst:E3}");
    }

    /// <summary>The second-order scheme (issue #15 item 4) through the GPU backend's host-copy paths of the five-point
    /// stencils and the reflective face's cell swap: augmented BUG, SSP-RK3, a reflective x_min face.</summary>
    [Fact]
    public void Second_order_augmented_bug_on_the_ilgpu_cpu_accelerator_matches_the_cpu_backend()
    {
        RunOptions SecondOrder(ComputeOptions compute)
        {
            var o = SmallLineSource(compute);
            return o with
            {
                Time = o.Time with { Stepper = TimeStepperKind.SspRk3, MaxSteps = 1 },   // three stages: the host-copy paths are slow on the CPU accelerator
                Solver = o.Solver with { SpaceOrder = 2 },
                Grid = o.Grid with { Faces = [.. o.Grid.Faces.Select((f, i) => i == 0 ? new BoundaryFace(BoundaryKind.Reflective) : f)] },
            };
        }
        var gpu = SecondOrder(new ComputeOptions(BackendKind.Gpu, Accelerator: AcceleratorKind.Cpu));
        using var device = ComputeBackends.Create(gpu.Compute);
        using var cpu = new CpuBackend();
        var (phiGpu, historyGpu) = Run(gpu, device);
        var (phiCpu, historyCpu) = Run(SecondOrder(ComputeOptions.Default), cpu);
        Assert.Equal(historyCpu.Select(h => h.Rank), historyGpu.Select(h => h.Rank));
        double scale = phiCpu.Max(Math.Abs);
        double worst = phiCpu.Zip(phiGpu, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"second order, ILGPU CPU accelerator vs CPU backend: max |Δφ| / max |φ| = {worst:E2}");
        Assert.True(worst <= 1e-10, $"{worst:E3}");
    }

    [SkippableFact]
    public void Line_source_on_a_cuda_device_matches_the_cpu_backend()
    {
        Skip.If(IlgpuBackend.CudaDeviceCount() == 0, "no CUDA device");
        var gpu = SmallLineSource(new ComputeOptions(BackendKind.Gpu));
        using var device = ComputeBackends.Create(gpu.Compute);
        using var cpu = new CpuBackend();
        var (phiGpu, _) = Run(gpu, device);
        var (phiCpu, _) = Run(SmallLineSource(ComputeOptions.Default), cpu);
        double scale = phiCpu.Max(Math.Abs);
        for (int i = 0; i < phiCpu.Length; i++) Assert.True(Math.Abs(phiCpu[i] - phiGpu[i]) <= 1e-10 * scale, $"cell {i}");
    }

    [Fact]
    public void The_factory_follows_compute_backend()
    {
        using (var b = ComputeBackends.Create(ComputeOptions.Default)) Assert.IsType<CpuBackend>(b);
        using (var b = ComputeBackends.Create(new ComputeOptions(BackendKind.Auto), cudaDevices: 0)) Assert.IsType<CpuBackend>(b);

        var e = Assert.Throws<InputException>(() => ComputeBackends.Create(new ComputeOptions(BackendKind.Gpu), cudaDevices: 0));
        Assert.Contains("compute.backend", e.Message);
        Assert.Contains("no CUDA device", e.Message);

        // One GPU per node-local rank: rank 1 of 2 takes GPU 1; more ranks than GPUs is bad input unless shared.
        var opened = new List<int>();
        IComputeBackend Open(int d) { opened.Add(d); return new CpuBackend(); }
        ComputeBackends.Create(new ComputeOptions(BackendKind.Gpu), localRank: 1, localSize: 2, cudaDevices: 2, cudaFactory: Open).Dispose();
        ComputeBackends.Create(new ComputeOptions(BackendKind.Auto), localRank: 0, localSize: 1, cudaDevices: 4, cudaFactory: Open).Dispose();
        var tooMany = Assert.Throws<InputException>(() => ComputeBackends.Create(new ComputeOptions(BackendKind.Gpu), localRank: 0, localSize: 3, cudaDevices: 2, cudaFactory: Open));
        Assert.Contains("3 ranks on this node but 2 GPU(s)", tooMany.Message);
        Assert.Contains("compute.share_gpus", tooMany.Message);
        Assert.Throws<InputException>(() => ComputeBackends.Create(new ComputeOptions(BackendKind.Gpu), localRank: 2, cudaDevices: 2, cudaFactory: Open));
        ComputeBackends.Create(new ComputeOptions(BackendKind.Gpu, ShareGpus: true), localRank: 2, localSize: 3, cudaDevices: 2, cudaFactory: Open).Dispose();
        Assert.Equal([1, 0, 0], opened);
    }

    [SkippableFact]
    public void Pdlra_run_with_compute_backend_gpu_and_no_cuda_device_is_bad_input()
    {
        Skip.If(IlgpuBackend.CudaDeviceCount() > 0, "a CUDA device is present: the message is only for machines without one");
        string dir = Directory.CreateTempSubdirectory("pdlra-gpu-run-").FullName;
        try
        {
            string deck = Path.Combine(dir, "deck.yaml");
            File.WriteAllText(deck, "problem: {name: t}\ngrid: {cells: [4], extent: [[0, 1]]}\nangular: {order: 1}\ntime: {end: 0.1}\n" +
                                    $"output: {{directory: {Path.Combine(dir, "out")}}}\ncompute: {{backend: gpu}}\n");
            var stderr = new StringWriter();
            int rc = ParallelDlra.Cli.Program.Invoke(["run", deck], new StringWriter(), stderr);
            Assert.Equal(2, rc);
            Assert.Contains("compute.backend = gpu but no CUDA device", stderr.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Node_local_rank_comes_from_the_launcher()
    {
        Assert.Equal(new NodeLocalRank(0, null), NodeLocalRank.From(_ => null));
        Assert.Equal(new NodeLocalRank(3, 4), NodeLocalRank.From(k => k switch { "OMPI_COMM_WORLD_LOCAL_RANK" => "3", "OMPI_COMM_WORLD_LOCAL_SIZE" => "4", _ => null }));
        Assert.Equal(new NodeLocalRank(1, 2), NodeLocalRank.From(k => k switch { "MPI_LOCALRANKID" => "1", "MPI_LOCALNRANKS" => "2", _ => null }));
        Assert.Equal(new NodeLocalRank(5, null), NodeLocalRank.From(k => k == "SLURM_LOCALID" ? "5" : null));
    }

    [Fact]
    public void The_compute_section_reads_writes_and_rejects_unknown_words()
    {
        const string deck = "problem: {name: t}\ngrid: {cells: [4], extent: [[0, 1]]}\nangular: {order: 1}\ntime: {end: 0.1}\n";
        var plain = DeckReader.Parse(deck, "deck.yaml", ".", []);
        Assert.Equal(ComputeOptions.Default, plain.Compute);
        var set = DeckReader.Parse(deck, "deck.yaml", ".", ["compute.backend=gpu", "compute.share_gpus=true", "compute.accelerator=cpu"]);
        Assert.Equal(new ComputeOptions(BackendKind.Gpu, true, AcceleratorKind.Cpu), set.Compute);
        Assert.Equal(set, DeckReader.Parse(DeckWriter.ToYaml(set), "run.yaml", ".", []));
        var e = Assert.Throws<InputException>(() => DeckReader.Parse(deck, "deck.yaml", ".", ["compute.backend=tpu"]));
        Assert.Contains("compute.backend", e.Message);
        Assert.Contains("auto", e.Message);
    }
}
