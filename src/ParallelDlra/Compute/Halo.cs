using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>Ghost values of a block, <see cref="Depth"/> layers per face (1 for three-point stencils, k for a
/// stencil of reach k): Ghost[f] holds Depth × FaceCount(f) × columns values, layer by layer (layer 1, adjacent to
/// the face, first), each layer column-major with the face layout of <see cref="GridBlock.FacePosition"/> — so a
/// halo of depth 1 has the layout of a single layer. A ghost is the value of the cell across the face at that
/// distance: from another rank, from the periodic image, or zero on a physical face (vacuum; reflective and inflow
/// faces enter the operator as separate terms).</summary>
public sealed class Halo
{
    public Halo(GridBlock block, int columns, int depth = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        Columns = columns;
        Depth = depth;
        Ghost = [.. Enumerable.Range(0, 2 * block.Dimension).Select(f => new double[depth * block.FaceCount(f) * columns])];
    }

    public int Columns { get; }

    /// <summary>Layers per face.</summary>
    public int Depth { get; }

    public double[][] Ghost { get; }

    /// <summary>The values of layer <paramref name="layer"/> (1-based) of face f, column <paramref name="column"/>.</summary>
    public Span<double> Layer(int face, int layer, int column)
    {
        int count = Ghost[face].Length / (Depth * Columns);
        return Ghost[face].AsSpan(((layer - 1) * Columns + column) * count, count);
    }
}

/// <summary>Fills the ghost layers of a block (the parallel layer implements it with messages). Split in two
/// so the caller can overlap the exchange with work that needs no ghosts: <see cref="Begin"/> posts the
/// receives and sends, <see cref="End"/> waits for them; the halo is valid only after End.</summary>
public interface IHaloExchange
{
    void Begin(IComputeBackend backend, Block x, Halo halo);

    void End();

    /// <summary>Begin and End together.</summary>
    void Exchange(IComputeBackend backend, Block x, Halo halo)
    {
        Begin(backend, x, halo);
        End();
    }
}

/// <summary>Halo of a block that owns the whole grid: periodic faces take the opposite face's cells,
/// every other physical face gets zeros.</summary>
public sealed class SerialHaloExchange(GridBlock block, IReadOnlyList<bool> periodicAxis) : IHaloExchange
{
    public void Begin(IComputeBackend backend, Block x, Halo halo)
    {
        for (int f = 0; f < 2 * block.Dimension; f++)
        {
            if (!periodicAxis[f / 2]) Array.Clear(halo.Ghost[f]);
            else if (halo.Depth == 1) backend.PackFace(block, x, f ^ 1, halo.Ghost[f]);
            else backend.PackLayers(block, x, f ^ 1, halo.Depth, halo.Ghost[f]);   // layer l: the l-th cells from the opposite face
        }
    }

    public void End() { }
}
