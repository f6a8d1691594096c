using MathNet.Numerics.LinearAlgebra;
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

    /// <summary>Live and peak values of this backend's blocks (<see cref="BlockCounts"/>).</summary>
    BlockCounts Blocks { get; }

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

    /// <summary>Σ_a d_a (Σ_i x_ia) over the columns a with d_a ≠ 0, in increasing a: the sum along a direction of the
    /// column sums, each column summed as <see cref="ColumnSums"/> sums it (so equal to
    /// <c>VelocitySpaces.Dot(d, ColumnSums(x))</c> bit for bit), reading only the columns it needs.</summary>
    double SumAlong(Block x, ReadOnlySpan<double> direction)
    {
        var sums = ColumnSums(x);
        double sum = 0.0;
        for (int a = 0; a < direction.Length; a++)
            if (direction[a] != 0.0) sum += direction[a] * sums[a];
        return sum;
    }

    /// <summary>Thin Householder QR of the local rows: a ← Q (orthonormal columns), returns R (diagonal ≥ 0).</summary>
    Matrix<double> LocalQr(Block a);

    /// <summary>Writes the cells adjacent to face f of x into buffer in the face layout (all columns).</summary>
    void PackFace(GridBlock block, Block x, int face, Span<double> buffer);

    /// <summary>Writes the first <paramref name="depth"/> cell layers from face f of x into buffer in the layout of a
    /// <see cref="Halo"/> of that depth (layer 1, adjacent to the face, first; each layer as <see cref="PackFace"/>).
    /// The default goes through a host copy of x; a backend may pack in place.</summary>
    void PackLayers(GridBlock block, Block x, int face, int depth, Span<double> buffer)
    {
        if (depth == 1) { PackFace(block, x, face, buffer); return; }
        var host = new double[x.Length];
        Download(x, host);
        HostStencils.PackLayers(block, host, x.Columns, face, depth, buffer);
    }

    /// <summary>y ← y + Σ_s (S_s x)·B_s: products of shifted copies of x with small matrices, where (S x)_i is
    /// x at the neighbour of cell i along an axis (<see cref="ShiftProduct"/>; across a block face from the
    /// halo). The stencil terms of an operator, grouped by shift, cost one such product per shift. This default
    /// forms each shifted copy; a backend may multiply shifted views instead (no n_cells-long temporary).</summary>
    void AddShiftedProducts(GridBlock block, Block x, Halo halo, IReadOnlyList<ShiftProduct> shifts, Block y)
    {
        if (shifts.Count == 0) return;
        using var shifted = Allocate(x.Rows, x.Columns);
        foreach (var s in shifts)
        {
            Clear(shifted);
            ApplySpatial(s.Shift, block, x, halo, 1.0, shifted);
            MultiplySmall(shifted, s.Matrix, 1.0, 1.0, y);
        }
    }

    /// <summary>y ← z + alpha·[Σ_s (D_s x)·B_s + Σ_j q_j c_jᵀ] (z = 0 when null) for three-point stencils, diagonals or the
    /// identity D_s (<see cref="StencilProduct"/>) and outer products (<see cref="OuterProduct"/>): a whole separable
    /// right-hand side, and with z = x and alpha = Δt a forward-Euler step, in one call. y must not be x or z. A backend may
    /// run it row chunk by row chunk (each D_s x formed for the chunk's rows only, in cache, B_s applied in its
    /// <see cref="StructuredMatrix"/> form); this default forms each D_s x over the whole block (one temporary).</summary>
    void StencilProducts(GridBlock block, Block x, Halo? halo, IReadOnlyList<StencilProduct> products, IReadOnlyList<OuterProduct> outer,
        Block y, double alpha = 1.0, Block? z = null)
    {
        Clear(y);
        Block? work = null;
        foreach (var s in products)
        {
            if (s.Spatial is null) { MultiplySmall(x, s.Matrix.Matrix, 1.0, 1.0, y); continue; }
            work ??= Allocate(x.Rows, x.Columns);
            Clear(work);
            ApplySpatial(s.Spatial, block, x, halo, 1.0, work);
            MultiplySmall(work, s.Matrix.Matrix, 1.0, 1.0, y);
        }
        work?.Dispose();
        foreach (var o in outer) AddOuter(o.Spatial, o.Angular, 1.0, y);
        if (z is not null) Axpby(1.0, z, alpha, y);
        else if (alpha != 1.0) Axpby(0.0, y, alpha, y);
    }

    /// <summary>x·B + z·C (n × q) for x: n × p, B: p × q and optionally z: n × s, C: s × q; <paramref name="x"/> is
    /// consumed and the result returned. A backend may compute it in x's own storage, row block by row block,
    /// when that storage has room for q columns (a new basis from an old one without a second copy); this
    /// default allocates the result.</summary>
    Block Recombine(Block x, Matrix<double> b, Block? z = null, Matrix<double>? c = null) => RecombineIntoNew(this, x, b, z, c);

    /// <summary>x ← x·B for a square B (p × p), in x's storage. A backend may do it row block by row block (no
    /// second n_cells × p block); this default goes through a copy of x.</summary>
    void MultiplyInPlace(Block x, Matrix<double> b)
    {
        if (b.RowCount != x.Columns || b.ColumnCount != x.Columns) throw new ArgumentException($"{b.RowCount}x{b.ColumnCount} is not {x.Columns}x{x.Columns}");
        using var copy = Allocate(x.Rows, x.Columns);
        CopyColumns(x, 0, copy, 0, x.Columns);
        MultiplySmall(copy, b, 1.0, 0.0, x);
    }

    /// <summary><see cref="Recombine"/> into a newly allocated block (x disposed).</summary>
    static Block RecombineIntoNew(IComputeBackend backend, Block x, Matrix<double> b, Block? z, Matrix<double>? c)
    {
        var y = backend.Allocate(x.Rows, b.ColumnCount);
        backend.MultiplySmall(x, b, 1.0, 0.0, y);
        if (z is not null && c is not null && z.Columns > 0) backend.MultiplySmall(z, c, 1.0, 1.0, y);
        x.Dispose();
        return y;
    }

    /// <summary>Local part of xᵀ(S y) (p × q) with (S₋y)_i = y at the lower neighbour of cell i along
    /// <paramref name="axis"/> (<paramref name="direction"/> = −1) or S₊ at the upper one (+1), across a block face
    /// from y's halo. This default forms S y; a backend may multiply a shifted view instead.</summary>
    Matrix<double> ShiftGram(GridBlock block, Block x, Block y, Halo haloY, int axis, int direction)
    {
        using var shifted = Allocate(y.Rows, y.Columns);
        ApplySpatial(ShiftProduct.Stencil(axis, direction), block, y, haloY, 1.0, shifted);
        return Gram(x, shifted);
    }

    /// <summary>Several <see cref="ShiftGram"/>s of one y at once: per product (X, Axis, Direction) the local part of
    /// xs[X]ᵀ(S y) (columns of xs[X] × columns of y). A backend may compute them in one pass over the rows (each block
    /// read once for all products); this default calls <see cref="ShiftGram"/> per product.</summary>
    Matrix<double>[] ShiftGrams(GridBlock block, IReadOnlyList<Block> xs, Block y, Halo haloY, IReadOnlyList<(int X, int Axis, int Direction)> products)
    {
        var result = new Matrix<double>[products.Count];
        for (int i = 0; i < products.Count; i++) result[i] = ShiftGram(block, xs[products[i].X], y, haloY, products[i].Axis, products[i].Direction);
        return result;
    }

    /// <summary>x ← x·B for a square B (p × p) as <see cref="MultiplyInPlace"/>, and returns the local part of xᵀx of the
    /// result. A backend may form the Gram matrix in the same pass; this default makes a second one.</summary>
    Matrix<double> MultiplyInPlaceGram(Block x, Matrix<double> b)
    {
        MultiplyInPlace(x, b);
        return Gram(x, x);
    }
}

/// <summary>One product (S x)·<paramref name="Matrix"/> of <see cref="IComputeBackend.AddShiftedProducts"/>:
/// S takes the neighbour along <paramref name="Axis"/> on the lower (<paramref name="Direction"/> = −1) or upper
/// (+1) side.</summary>
public sealed record ShiftProduct(int Axis, int Direction, Matrix<double> Matrix)
{
    /// <summary>The shift as a stencil: (S₋x)_i = x_{i−e_axis} or (S₊x)_i = x_{i+e_axis}.</summary>
    public StencilOperator Shift => Stencil(Axis, Direction);

    /// <summary>S₋ (<paramref name="direction"/> &lt; 0) or S₊ along an axis as a stencil.</summary>
    public static StencilOperator Stencil(int axis, int direction) =>
        direction < 0 ? new StencilOperator(axis, 1.0, 0.0, 0.0) : new StencilOperator(axis, 0.0, 0.0, 1.0);
}

/// <summary>One product (D x)·B of <see cref="IComputeBackend.StencilProducts"/>: <paramref name="Spatial"/> a three-point
/// <see cref="StencilOperator"/>, a <see cref="DiagonalOperator"/> or null for the identity; B prepared once.</summary>
public sealed record StencilProduct(SpatialOperator? Spatial, StructuredMatrix Matrix)
{
    public StencilProduct(SpatialOperator? spatial, Matrix<double> matrix) : this(spatial, new StructuredMatrix(matrix))
    {
    }
}

/// <summary>One outer product q cᵀ of <see cref="IComputeBackend.StencilProducts"/>: q over the cells, c over the columns.</summary>
public sealed record OuterProduct(double[] Spatial, double[] Angular);
