using ParallelDlra.Mesh;

namespace ParallelDlra.Parallel;

/// <summary>
/// A box of global cells, [X0, X1) × [Y0, Y1) × [Z0, Z1) (a missing axis is [0, 1)), whose cells are consecutive in the
/// global cell order (x fastest): <see cref="First"/> is the global index of its first cell, and a cell's position in
/// the box (x fastest) is its global index minus <see cref="First"/>.
/// </summary>
public readonly record struct GridChunk(long First, int X0, int X1, int Y0, int Y1, int Z0, int Z1)
{
    /// <summary>Cells in the box.</summary>
    public long Count => (long)(X1 - X0) * (Y1 - Y0) * (Z1 - Z0);
}

/// <summary>
/// A field distributed by blocks, brought to rank 0 one chunk at a time in the global cell order (x fastest), so that
/// rank 0 never holds more than one chunk of the grid (issue #18: no gather of the whole field on one rank; a grid may
/// have more than 2^31 cells). The chunks are boxes of whole x-lines — several xy-planes, several x-lines of one plane,
/// or part of one x-line when a line alone is longer than the chunk — of at most <c>chunkCells</c> cells; every rank
/// computes the same sequence from the grid alone. Per chunk one <see cref="ICommunicator.Gatherv"/> brings each
/// rank's part of the box (a sub-box of its block, packed x fastest, all fields one after the other) to rank 0, which
/// puts the parts in place; a chunk that lies inside rank 0's block needs no communication.
/// </summary>
public static class ChunkedGather
{
    /// <summary>Cells per chunk by default (8 MiB of float64 per field).</summary>
    public const long DefaultChunkCells = 1L << 20;

    /// <summary>Largest chunk allowed (the Gatherv counts are 32-bit: fields × cells per chunk must stay below 2^31).</summary>
    public const long MaxChunkCells = 1L << 26;

    /// <summary>The chunks of a grid of <paramref name="cells"/> (per axis, x first) in the global cell order: they
    /// cover every cell once, in order, each at most <paramref name="chunkCells"/> cells (clamped to 1 ..
    /// <see cref="MaxChunkCells"/>). Lazy: a grid of 10^10 cells is never listed in memory.</summary>
    public static IEnumerable<GridChunk> Chunks(IReadOnlyList<int> cells, long chunkCells = DefaultChunkCells)
    {
        if (cells.Count is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(cells), "a grid has 1 to 3 dimensions");
        long budget = Math.Clamp(chunkCells, 1, MaxChunkCells);
        int nx = cells[0], ny = cells.Count > 1 ? cells[1] : 1, nz = cells.Count > 2 ? cells[2] : 1;
        long line = nx, plane = (long)nx * ny;
        if (plane <= budget)
        {
            int planes = (int)Math.Min(nz, budget / plane);            // whole xy-planes
            for (int z = 0; z < nz; z += planes)
                yield return new GridChunk(z * plane, 0, nx, 0, ny, z, Math.Min(nz, z + planes));
        }
        else if (line <= budget)
        {
            int lines = (int)(budget / line);                          // whole x-lines of one plane
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y += lines)
                    yield return new GridChunk(z * plane + y * line, 0, nx, y, Math.Min(ny, y + lines), z, z + 1);
        }
        else
        {
            int run = (int)budget;                                      // parts of one x-line
            for (int z = 0; z < nz; z++)
                for (int y = 0; y < ny; y++)
                    for (long x = 0; x < nx; x += run)   // long: x + run may pass 2^31 on the last part of a line
                        yield return new GridChunk(z * plane + y * line + x, (int)x, (int)Math.Min(nx, x + run), y, y + 1, z, z + 1);
        }
    }

    /// <summary>The whole grid as one box.</summary>
    public static GridChunk Whole(IReadOnlyList<int> cells)
        => new(0, 0, cells[0], 0, cells.Count > 1 ? cells[1] : 1, 0, cells.Count > 2 ? cells[2] : 1);

    /// <summary>The part of <paramref name="chunk"/> inside the block at <paramref name="offset"/> of <paramref name="size"/>
    /// (per axis, padded to 3 with 0 and 1); empty when they do not meet.</summary>
    public static GridChunk Intersect(GridChunk chunk, ReadOnlySpan<int> offset, ReadOnlySpan<int> size)
    {
        int x0 = Math.Max(chunk.X0, offset[0]), x1 = Math.Min(chunk.X1, offset[0] + size[0]);
        int y0 = Math.Max(chunk.Y0, offset[1]), y1 = Math.Min(chunk.Y1, offset[1] + size[1]);
        int z0 = Math.Max(chunk.Z0, offset[2]), z1 = Math.Min(chunk.Z1, offset[2] + size[2]);
        if (x0 >= x1 || y0 >= y1 || z0 >= z1) return new GridChunk(chunk.First, 0, 0, 0, 0, 0, 0);
        return new GridChunk(chunk.First, x0, x1, y0, y1, z0, z1);
    }

    /// <summary>Collective: walks the grid chunk by chunk (<see cref="Chunks"/>) and calls <paramref name="write"/> on rank 0
    /// with each chunk and its values of every field (<c>values[f][0 .. chunk.Count)</c>, buffers reused from chunk to
    /// chunk); the other ranks send their parts. <paramref name="locals"/>: the rank-local fields, one value per cell
    /// of <paramref name="block"/> in its cell order (x fastest).</summary>
    public static void Stream(ICommunicator comm, GridBlock block, IReadOnlyList<double[]> locals, Action<GridChunk, double[][]> write,
        long chunkCells = DefaultChunkCells)
    {
        int fields = locals.Count;
        foreach (var local in locals)
            if (local.Length != block.Count) throw new ArgumentException($"a field has {local.Length} values, the block {block.Count} cells", nameof(locals));
        long budget = Math.Clamp(chunkCells, 1, Math.Max(1, MaxChunkCells / Math.Max(1, fields)));

        // Every rank's block (offset, size per axis, padded to 3), shared once.
        int ranks = comm.Size;
        var offsets = new int[3 * ranks];
        var sizes = new int[3 * ranks];
        Span<double> mine = stackalloc double[6];
        for (int d = 0; d < 3; d++) { mine[d] = d < block.Dimension ? block.Offset[d] : 0; mine[3 + d] = d < block.Dimension ? block.Size[d] : 1; }
        var shapes = new double[6 * ranks];
        if (ranks > 1) comm.Allgather(mine, shapes); else mine.CopyTo(shapes);
        for (int k = 0; k < ranks; k++)
            for (int d = 0; d < 3; d++) { offsets[3 * k + d] = (int)shapes[6 * k + d]; sizes[3 * k + d] = (int)shapes[6 * k + 3 + d]; }

        int me = comm.Rank;
        var chunkValues = me == 0 ? Enumerable.Range(0, fields).Select(_ => new double[budget]).ToArray() : [];
        var counts = new int[ranks];
        double[] send = [], received = [];
        foreach (var chunk in Chunks(block.Grid.Cells, budget))
        {
            long others = 0;
            for (int k = 0; k < ranks; k++)
            {
                counts[k] = checked((int)(fields * Intersect(chunk, offsets.AsSpan(3 * k, 3), sizes.AsSpan(3 * k, 3)).Count));
                if (k > 0) others += counts[k];
            }
            if (others == 0)
            {
                // Inside rank 0's block (always so in a serial run): no message.
                if (me == 0) Unpack(chunk, Intersect(chunk, offsets.AsSpan(0, 3), sizes.AsSpan(0, 3)), locals, offsets.AsSpan(0, 3), sizes.AsSpan(0, 3), chunkValues);
                if (me == 0) write(chunk, chunkValues);
                continue;
            }
            var part = Intersect(chunk, offsets.AsSpan(3 * me, 3), sizes.AsSpan(3 * me, 3));
            if (send.Length < counts[me]) send = new double[counts[me]];
            Pack(part, locals, offsets.AsSpan(3 * me, 3), sizes.AsSpan(3 * me, 3), send);
            if (me == 0)
            {
                long total = counts.Sum(c => (long)c);
                if (received.Length < total) received = new double[total];
            }
            comm.Gatherv(send.AsSpan(0, counts[me]), received, me == 0 ? counts : []);
            if (me != 0) continue;
            int at = 0;
            for (int k = 0; k < ranks; k++)
            {
                if (counts[k] == 0) continue;
                var piece = Intersect(chunk, offsets.AsSpan(3 * k, 3), sizes.AsSpan(3 * k, 3));
                Place(chunk, piece, received.AsSpan(at, counts[k]), fields, chunkValues);
                at += counts[k];
            }
            write(chunk, chunkValues);
        }
    }

    /// <summary>Copies the cells of <paramref name="part"/> from the block's fields into <paramref name="buffer"/>: field
    /// after field, each x fastest.</summary>
    private static void Pack(GridChunk part, IReadOnlyList<double[]> locals, ReadOnlySpan<int> offset, ReadOnlySpan<int> size, Span<double> buffer)
    {
        if (part.Count == 0) return;
        int run = part.X1 - part.X0, at = 0;
        foreach (var local in locals)
            for (int z = part.Z0; z < part.Z1; z++)
                for (int y = part.Y0; y < part.Y1; y++)
                {
                    int c = (part.X0 - offset[0]) + size[0] * ((y - offset[1]) + size[1] * (z - offset[2]));
                    local.AsSpan(c, run).CopyTo(buffer.Slice(at, run));
                    at += run;
                }
    }

    /// <summary>Puts a packed part (<see cref="Pack"/>) of <paramref name="fields"/> fields into the chunk's buffers.</summary>
    private static void Place(GridChunk chunk, GridChunk part, ReadOnlySpan<double> packed, int fields, double[][] values)
    {
        int run = part.X1 - part.X0, at = 0;
        for (int f = 0; f < fields; f++)
            for (int z = part.Z0; z < part.Z1; z++)
                for (int y = part.Y0; y < part.Y1; y++)
                {
                    packed.Slice(at, run).CopyTo(values[f].AsSpan(Position(chunk, part.X0, y, z), run));
                    at += run;
                }
    }

    /// <summary>Rank 0's own part, straight from its fields into the chunk's buffers.</summary>
    private static void Unpack(GridChunk chunk, GridChunk part, IReadOnlyList<double[]> locals, ReadOnlySpan<int> offset, ReadOnlySpan<int> size, double[][] values)
    {
        int run = part.X1 - part.X0;
        for (int f = 0; f < locals.Count; f++)
            for (int z = part.Z0; z < part.Z1; z++)
                for (int y = part.Y0; y < part.Y1; y++)
                {
                    int c = (part.X0 - offset[0]) + size[0] * ((y - offset[1]) + size[1] * (z - offset[2]));
                    locals[f].AsSpan(c, run).CopyTo(values[f].AsSpan(Position(chunk, part.X0, y, z), run));
                }
    }

    /// <summary>Position of global cell (x, y, z) in the chunk (x fastest): its global index minus the chunk's first.</summary>
    private static int Position(GridChunk chunk, int x, int y, int z)
        => (x - chunk.X0) + (chunk.X1 - chunk.X0) * ((y - chunk.Y0) + (chunk.Y1 - chunk.Y0) * (z - chunk.Z0));
}
