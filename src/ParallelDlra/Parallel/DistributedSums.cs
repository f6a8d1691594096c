using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Parallel;

namespace ParallelDlra.Parallel;

/// <summary>The reductions the numerical layers need, in one place (issue #14: collectives only in
/// <c>Parallel/</c>). Each call is one collective; a caller that needs several sums packs them into one buffer and
/// completes them with one <see cref="Complete"/> (the per-step Galerkin sums are one call).</summary>
public static class DistributedSums
{
    /// <summary>w XᵀY over all ranks: the backend's rank-local XᵀY, one allreduce, times the weight w (the cell
    /// volume of the inner product in which X is orthonormal).</summary>
    public static Matrix<double> WeightedGram(IComputeBackend backend, ICommunicator comm, Block x, Block y, double weight)
    {
        var local = backend.Gram(x, y);
        var buffer = local.AsColumnMajorArray() ?? local.ToColumnMajorArray();
        comm.AllreduceSum(buffer);
        return Matrix<double>.Build.Dense(x.Columns, y.Columns, buffer) * weight;
    }

    /// <summary>Completes packed rank-local sums over all ranks (one allreduce), then multiplies them by
    /// <paramref name="weight"/> (skipped when it is 1).</summary>
    public static void Complete(ICommunicator comm, Span<double> packed, double weight = 1.0)
    {
        comm.AllreduceSum(packed);
        if (weight != 1.0)
            for (int i = 0; i < packed.Length; i++) packed[i] *= weight;
    }

    /// <summary>Σ over ranks of one value (one allreduce).</summary>
    public static double Sum(ICommunicator comm, double local)
    {
        Span<double> v = [local];
        comm.AllreduceSum(v);
        return v[0];
    }

    /// <summary>Largest value over ranks (one allreduce).</summary>
    public static double Max(ICommunicator comm, double local)
    {
        Span<double> v = [local];
        comm.AllreduceMax(v);
        return v[0];
    }

    /// <summary>Smallest value over ranks (one allreduce).</summary>
    public static double Min(ICommunicator comm, double local)
    {
        Span<double> v = [local];
        comm.AllreduceMin(v);
        return v[0];
    }
}
