using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>Ghost values of a block, one layer per face: Ghost[f] holds FaceCount(f) × columns values,
/// column-major with the face layout of <see cref="GridBlock.FacePosition"/>. A ghost is the value of the
/// neighbouring cell across the face: from another rank, from the periodic image, or zero on a physical
/// face (vacuum; reflective and inflow faces enter the operator as separate terms).</summary>
public sealed class Halo
{
    public Halo(GridBlock block, int columns)
    {
        Columns = columns;
        Ghost = [.. Enumerable.Range(0, 2 * block.Dimension).Select(f => new double[block.FaceCount(f) * columns])];
    }

    public int Columns { get; }
    public double[][] Ghost { get; }
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
            if (periodicAxis[f / 2]) backend.PackFace(block, x, f ^ 1, halo.Ghost[f]);
            else Array.Clear(halo.Ghost[f]);
        }
    }

    public void End() { }
}
