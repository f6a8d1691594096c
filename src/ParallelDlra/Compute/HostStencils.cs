using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>Host loops over column-major n_cells × columns arrays for the stencils of any width
/// (<see cref="AxisStencil"/>) and the packing of deep halos: the CPU backend runs them on its blocks, the GPU
/// backend on a host copy (wide stencils are not on its fast path yet).</summary>
public static class HostStencils
{
    /// <summary>The first <paramref name="depth"/> cell layers from face f of x (column-major, n_cells × columns)
    /// into buffer, in the layout of a <see cref="Halo"/> of that depth.</summary>
    public static void PackLayers(GridBlock block, ReadOnlySpan<double> x, int columns, int face, int depth, Span<double> buffer)
    {
        int n = block.Count, count = block.FaceCount(face);
        if (buffer.Length < depth * count * columns) throw new ArgumentException($"a buffer of {buffer.Length} for {depth} layers of {count} × {columns}", nameof(buffer));
        for (int layer = 1; layer <= depth; layer++)
        {
            var cells = block.LayerCells(face, layer);
            for (int j = 0; j < columns; j++)
            {
                var dst = buffer.Slice(((layer - 1) * columns + j) * count, count);
                var col = x.Slice(j * n, n);
                for (int p = 0; p < count; p++) dst[p] = col[cells[p]];
            }
        }
    }

    /// <summary>Column <paramref name="j"/> of y += alpha·D x (<paramref name="x"/>, <paramref name="y"/>: that column of
    /// the blocks) for a stencil of any width along one axis, the block seen
    /// as outer × n × inner (inner the stride of the axis): offsets that leave the block read the halo's layer
    /// |offset| − (distance to the face). Interior cells (at least k from both faces) take no branch.</summary>
    public static void Apply(AxisStencil s, GridBlock block, ReadOnlySpan<double> x, Halo halo, double alpha, Span<double> y, int j)
    {
        int axis = s.Axis, n = block.Size[axis], inner = block.Stride[axis], outer = block.Count / (n * inner), k = s.Reach;
        if (halo.Depth < k) throw new ArgumentException($"a stencil of reach {k} needs a halo of depth {k}, not {halo.Depth}", nameof(halo));
        var w = s.Weights;
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < n; c++)
            {
                int row = (o * n + c) * inner;
                bool interior = c >= k && c < n - k;
                for (int i = 0; i < inner; i++)
                {
                    int cell = row + i;
                    double sum = 0.0;
                    for (int off = -k; off <= k; off++)
                    {
                        double weight = w[off + k];
                        if (weight == 0.0) continue;
                        int at = c + off;
                        double value;
                        if (interior || (at >= 0 && at < n)) value = x[cell + off * inner];
                        else if (at < 0) value = halo.Layer(2 * axis, -at, j)[o * inner + i];
                        else value = halo.Layer(2 * axis + 1, at - n + 1, j)[o * inner + i];
                        sum += weight * value;
                    }
                    y[cell] += alpha * sum;
                }
            }
    }
}
