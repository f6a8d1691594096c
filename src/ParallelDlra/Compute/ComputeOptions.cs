namespace ParallelDlra.Compute;

// The compute backend's options (deck key <c>compute</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>Which compute backend runs the n_cells-long work (deck key <c>compute.backend</c>).</summary>
public enum BackendKind { Cpu, Gpu, Auto }

/// <summary>What the GPU backend runs on: a CUDA device, or ILGPU's CPU accelerator (correctness tests only).</summary>
public enum AcceleratorKind { Cuda, Cpu }

/// <summary>deck key <c>compute</c>: the backend (<c>auto</c>: the GPU backend when a CUDA device is present,
/// else the CPU backend), whether several ranks of a node may share one GPU, and what the GPU backend runs on.</summary>
public sealed record ComputeOptions(BackendKind Backend = BackendKind.Cpu, bool ShareGpus = false, AcceleratorKind Accelerator = AcceleratorKind.Cuda)
{
    public static ComputeOptions Default { get; } = new();
}
