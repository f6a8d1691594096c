
namespace ParallelDlra.Compute;

/// <summary>The rank's place on its node, from the launcher's environment: Open MPI
/// (OMPI_COMM_WORLD_LOCAL_RANK / _LOCAL_SIZE), MPICH and Intel MPI (MPI_LOCALRANKID / MPI_LOCALNRANKS),
/// Slurm (SLURM_LOCALID; the local size from SLURM_TASKS_PER_NODE is not reliable and is left unknown).
/// Without a launcher: rank 0 of 1.</summary>
public readonly record struct NodeLocalRank(int Rank, int? Size)
{
    public static NodeLocalRank FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static NodeLocalRank From(Func<string, string?> env)
    {
        static int? Int(string? s) => int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= 0 ? v : null;
        if (Int(env("OMPI_COMM_WORLD_LOCAL_RANK")) is { } ompi) return new(ompi, Int(env("OMPI_COMM_WORLD_LOCAL_SIZE")));
        if (Int(env("MPI_LOCALRANKID")) is { } mpich) return new(mpich, Int(env("MPI_LOCALNRANKS")));
        if (Int(env("SLURM_LOCALID")) is { } slurm) return new(slurm, null);
        return new(0, null);
    }
}

/// <summary>Builds the compute backend a deck asks for (<c>compute.backend</c>, issue #6).</summary>
public static class ComputeBackends
{
    /// <summary>The backend for this rank. <c>gpu</c> (and <c>auto</c> with a CUDA device present) takes
    /// the GPU of the node-local rank <paramref name="localRank"/>; more ranks on the node than GPUs is
    /// bad input unless <c>compute.share_gpus</c> (then rank k takes GPU k mod count). With
    /// <c>compute.accelerator: cpu</c> the GPU backend runs on ILGPU's CPU accelerator (tests only).</summary>
    /// <param name="options">the deck's <c>compute</c> section</param>
    /// <param name="localRank">this rank's index on its node (<see cref="NodeLocalRank"/>)</param>
    /// <param name="localSize">ranks on the node, when the launcher says</param>
    /// <param name="cudaDevices">CUDA devices present (default: asks ILGPU); tests pass a count</param>
    /// <param name="cudaFactory">opens a CUDA device (default <see cref="IlgpuBackend.OnCuda"/>)</param>
    /// <exception cref="InputException"><c>gpu</c> without a CUDA device, or too many ranks per GPU</exception>
    public static IComputeBackend Create(ComputeOptions options, int localRank = 0, int? localSize = null,
        int? cudaDevices = null, Func<int, IComputeBackend>? cudaFactory = null)
    {
        var kind = options.Backend;
        if (kind == BackendKind.Cpu) return new CpuBackend();
        if (options.Accelerator == AcceleratorKind.Cpu) return IlgpuBackend.OnCpuAccelerator();

        int count = cudaDevices ?? IlgpuBackend.CudaDeviceCount();
        if (count == 0)
        {
            if (kind == BackendKind.Auto) return new CpuBackend();
            throw new InputException("compute.backend = gpu but no CUDA device is present (pdlra info lists the GPUs); " +
                                     "allowed: compute.backend cpu or auto, or run on a node with a CUDA GPU");
        }
        // A launcher that binds one GPU per task (srun --gpus-per-task=1 sets CUDA_VISIBLE_DEVICES per rank)
        // leaves each rank exactly its own device: device 0 of its view.
        if (count == 1 && PerTaskBinding(Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES")))
            return (cudaFactory ?? (d => IlgpuBackend.OnCuda(d)))(0);
        int ranksOnNode = Math.Max(localSize ?? 0, localRank + 1);
        if (ranksOnNode > count && !options.ShareGpus)
            throw new InputException($"compute.backend = {(kind == BackendKind.Auto ? "auto" : "gpu")}: {(localSize is null ? $"node-local rank {localRank} needs at least {localRank + 1}" : $"{ranksOnNode}")} " +
                                     $"ranks on this node but {count} GPU(s) present (one GPU per rank); allowed: at most {count} rank(s) per node, or compute.share_gpus: true");
        return (cudaFactory ?? (d => IlgpuBackend.OnCuda(d)))(localRank % count);
    }

    /// <summary>True when CUDA_VISIBLE_DEVICES names exactly one device (set per task by the launcher).</summary>
    public static bool PerTaskBinding(string? visibleDevices) =>
        !string.IsNullOrWhiteSpace(visibleDevices) && visibleDevices.Split(',', StringSplitOptions.RemoveEmptyEntries).Length == 1;
}
