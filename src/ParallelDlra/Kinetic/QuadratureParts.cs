using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Parallel;

namespace ParallelDlra.Kinetic;

/// <summary>The small products of the quadrature path over a basis given in parts (X̂ = [X0, X̃]): the weighted Grams
/// w X̂ᵀ D in one collective, and their split back into the parts' rows. Shared by the nonlinear problems evaluated by
/// quadrature on the factors (<see cref="QuadratureReactionProblem"/>, the stochastic Burgers problem).</summary>
public static class QuadratureParts
{
    /// <summary>The rows of <paramref name="m"/> cut into one matrix per part (each as many rows as the part has columns).</summary>
    public static Matrix<double>[] Split(Matrix<double> m, IReadOnlyList<Block> parts)
    {
        var result = new Matrix<double>[parts.Count];
        int start = 0;
        for (int p = 0; p < parts.Count; p++)
        {
            result[p] = m.SubMatrix(start, parts[p].Columns, 0, m.ColumnCount);
            start += parts[p].Columns;
        }
        return result;
    }

    /// <summary>w X̂ᵀ D (r × n_q) over the parts, with one collective.</summary>
    public static Matrix<double> WeightedGrams(IComputeBackend backend, ICommunicator comm, IReadOnlyList<Block> parts, Block d, double weight)
    {
        int r = parts.Sum(p => p.Columns), nq = d.Columns;
        var local = Matrix<double>.Build.Dense(r, nq);
        int start = 0;
        foreach (var part in parts)
        {
            local.SetSubMatrix(start, 0, backend.Gram(part, d));
            start += part.Columns;
        }
        var packed = local.ToColumnMajorArray();
        DistributedSums.Complete(comm, packed, weight);
        return Matrix<double>.Build.Dense(r, nq, packed);
    }
}
