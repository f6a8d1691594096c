using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The compute seam: every operation whose cost grows with n_cells. Solvers and integrators
/// call only these; a backend decides where blocks live (host, GPU) and how the loops run. Small
/// (r × r, n_moments × r) matrices stay on the host as MathNet matrices. Results that are sums over
/// cells are rank-local: the caller completes them with one allreduce.</summary>
public interface IComputeBackend : IDisposable
{
    string Name { get; }

    /// <summary>A zeroed rows × columns block.</summary>
    Block Allocate(int rows, int columns);

    void Upload(ReadOnlySpan<double> columnMajor, Block target);
    void Download(Block source, Span<double> columnMajor);

    /// <summary>Copies the column range [sourceColumn, sourceColumn + count) of x into y starting at targetColumn.</summary>
    void CopyColumns(Block x, int sourceColumn, Block y, int targetColumn, int count);

    /// <summary>y ← 0.</summary>
    void Clear(Block y);

    /// <summary>y ← a·x + b·y.</summary>
    void Axpby(double a, Block x, double b, Block y);

    /// <summary>y ← y + alpha·D x for a stencil or diagonal D; the halo holds x's ghost layers.</summary>
    void ApplySpatial(SpatialOperator d, GridBlock block, Block x, Halo? halo, double alpha, Block y);

    /// <summary>y ← alpha·x·B + beta·y, x: n × p, B: p × q (zeros of B are skipped), y: n × q.</summary>
    void MultiplySmall(Block x, Matrix<double> b, double alpha, double beta, Block y);

    /// <summary>Local part of xᵀ y (p × q), deterministic in order.</summary>
    Matrix<double> Gram(Block x, Block y);

    /// <summary>y ← y + alpha·q cᵀ with q an n-vector and c a column-count vector.</summary>
    void AddOuter(ReadOnlySpan<double> q, ReadOnlySpan<double> c, double alpha, Block y);

    /// <summary>Local column sums Σ_i x_ij, or with <paramref name="rows"/> only over those rows.</summary>
    double[] ColumnSums(Block x, int[]? rows = null);

    /// <summary>Thin Householder QR of the local rows: a ← Q (orthonormal columns), returns R (diagonal ≥ 0).</summary>
    Matrix<double> LocalQr(Block a);

    /// <summary>Writes the cells adjacent to face f of x into buffer in the face layout (all columns).</summary>
    void PackFace(GridBlock block, Block x, int face, Span<double> buffer);
}
