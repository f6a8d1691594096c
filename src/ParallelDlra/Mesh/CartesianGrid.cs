using System.Collections.Immutable;

namespace ParallelDlra.Mesh;

/// <summary>A uniform Cartesian grid of cell-centred finite volumes on a box in 1, 2 or 3 dimensions.
/// Cells are numbered with x fastest: index = i + n_x (j + n_y k).</summary>
public sealed class CartesianGrid
{
    public CartesianGrid(ImmutableArray<int> cells, ImmutableArray<Interval> extent)
    {
        if (cells.Length is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(cells), "a grid has 1 to 3 dimensions");
        if (extent.Length != cells.Length) throw new ArgumentException("one extent per dimension", nameof(extent));
        Cells = cells;
        Extent = extent;
        Spacing = [.. Enumerable.Range(0, cells.Length).Select(d => extent[d].Length / cells[d])];
        CellVolume = Spacing.Aggregate(1.0, (a, h) => a * h);
    }

    public int Dimension => Cells.Length;
    public ImmutableArray<int> Cells { get; }
    public ImmutableArray<Interval> Extent { get; }
    public ImmutableArray<double> Spacing { get; }
    public double CellVolume { get; }
    public long CellCount => Cells.Aggregate(1L, (a, n) => a * n);

    /// <summary>Area of a face normal to axis d (1 in 1D).</summary>
    public double FaceArea(int d) => CellVolume / Spacing[d];

    /// <summary>Centre coordinate of global cell index i along axis d.</summary>
    public double Center(int d, int i) => Extent[d].Min + (i + 0.5) * Spacing[d];

    /// <summary>The whole grid as one block (a serial run).</summary>
    public GridBlock WholeBlock() => new(this, [.. Enumerable.Repeat(0, Dimension)], Cells, [.. Enumerable.Repeat(true, 2 * Dimension)]);
}

/// <summary>The block of cells one rank owns: global offset and size per axis, and which of its six
/// (or fewer) faces lie on the physical boundary. Faces are numbered x_min, x_max, y_min, ...</summary>
public sealed class GridBlock
{
    public GridBlock(CartesianGrid grid, ImmutableArray<int> offset, ImmutableArray<int> size, ImmutableArray<bool> onBoundary)
    {
        Grid = grid;
        Offset = offset;
        Size = size;
        OnPhysicalBoundary = onBoundary;
        long count = size.Aggregate(1L, (a, n) => a * n);
        // A rank's own cells are 32-bit indexed (the grid's are 64-bit): ResourceEstimate.Refuse refuses larger blocks first.
        if (count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(size), count, "a rank's block holds at most 2^31 − 1 cells (local indices are 32-bit); use more ranks");
        Count = (int)count;
        Stride = [.. Enumerable.Range(0, size.Length).Select(d => size.Take(d).Aggregate(1, (a, n) => a * n))];
    }

    public CartesianGrid Grid { get; }
    public int Dimension => Grid.Dimension;
    public ImmutableArray<int> Offset { get; }
    public ImmutableArray<int> Size { get; }
    /// <summary>Distance in the local numbering between neighbours along each axis.</summary>
    public ImmutableArray<int> Stride { get; }
    public ImmutableArray<bool> OnPhysicalBoundary { get; }
    /// <summary>Number of local cells.</summary>
    public int Count { get; }

    /// <summary>Global index (x fastest, 64-bit) of local cell c.</summary>
    public long GlobalIndex(int c)
    {
        long global = 0, stride = 1;
        for (int d = 0; d < Dimension; d++) { global += (long)(Offset[d] + c % Size[d]) * stride; c /= Size[d]; stride *= Grid.Cells[d]; }
        return global;
    }

    /// <summary>Number of cells on face f of the block (product of the other sizes).</summary>
    public int FaceCount(int face) => Count / Size[face / 2];

    /// <summary>Local multi-index of local cell c.</summary>
    public void Index(int c, Span<int> ijk)
    {
        for (int d = 0; d < Dimension; d++) { ijk[d] = c % Size[d]; c /= Size[d]; }
    }

    /// <summary>Centre of local cell c.</summary>
    public void Center(int c, Span<double> x)
    {
        for (int d = 0; d < Dimension; d++) { x[d] = Grid.Center(d, Offset[d] + c % Size[d]); c /= Size[d]; }
    }

    /// <summary>Position of local cell c within the compact layout of face f (the other axes, x fastest),
    /// or −1 when the cell is not adjacent to that face.</summary>
    public int FacePosition(int c, int face)
    {
        int axis = face / 2;
        Span<int> ijk = stackalloc int[3];
        Index(c, ijk);
        int layer = face % 2 == 0 ? 0 : Size[axis] - 1;
        if (ijk[axis] != layer) return -1;
        int pos = 0, stride = 1;
        for (int d = 0; d < Dimension; d++)
        {
            if (d == axis) continue;
            pos += ijk[d] * stride;
            stride *= Size[d];
        }
        return pos;
    }

    /// <summary>Local indices of the cells at distance <paramref name="layer"/> from face f (1: adjacent, as
    /// <see cref="FaceCells"/>), in the face layout order; the block must be at least that many cells deep.</summary>
    public int[] LayerCells(int face, int layer)
    {
        int axis = face / 2;
        if (layer < 1 || layer > Size[axis])
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must be in 1..{Size[axis]} (the block's cells along axis {axis})");
        var cells = FaceCells(face);
        int step = (face % 2 == 0 ? 1 : -1) * (layer - 1) * Stride[axis];
        for (int p = 0; p < cells.Length; p++) cells[p] += step;
        return cells;
    }

    /// <summary>Local indices of the cells adjacent to face f, in the face layout order.</summary>
    public int[] FaceCells(int face)
    {
        var cells = new int[FaceCount(face)];
        for (int c = 0; c < Count; c++)
        {
            int p = FacePosition(c, face);
            if (p >= 0) cells[p] = c;
        }
        return cells;
    }
}
