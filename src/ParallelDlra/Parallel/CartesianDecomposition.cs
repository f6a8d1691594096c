using System.Collections.Immutable;
using ParallelDlra.Compute;
using ParallelDlra.Mesh;

namespace ParallelDlra.Parallel;

/// <summary>
/// Splits a 1D/2D/3D <see cref="CartesianGrid"/> over a Cartesian grid of ranks (DESIGN §3). The rank
/// counts per axis (<see cref="Dims"/>) are a balanced factorisation of the number of ranks, computed
/// deterministically here (like MPI_Dims_create, but aware of the grid): the prime factors of the rank
/// count, largest first, each go to the axis with the most cells per rank so far (ties: the longer axis,
/// then the lower axis). Blocks along an axis differ by at most one cell, the first ones being larger.
/// Ranks are numbered with x fastest, like cells: rank = c_x + P_x (c_y + P_y c_z).
/// </summary>
public sealed class CartesianDecomposition
{
    public CartesianDecomposition(CartesianGrid grid, int ranks, IReadOnlyList<bool> periodic)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        if (periodic.Count != grid.Dimension) throw new ArgumentException("one periodic flag per axis", nameof(periodic));
        Grid = grid;
        Ranks = ranks;
        Periodic = [.. periodic];
        Dims = Factor(ranks, grid.Cells);
    }

    public CartesianGrid Grid { get; }
    public int Ranks { get; }
    public ImmutableArray<bool> Periodic { get; }
    /// <summary>Ranks along each axis; their product is <see cref="Ranks"/>.</summary>
    public ImmutableArray<int> Dims { get; }

    /// <summary>The ranks per axis for <paramref name="ranks"/> ranks over a grid of <paramref name="cells"/>.</summary>
    /// <exception cref="InputException">the grid cannot be split: an axis would get fewer cells than ranks</exception>
    public static ImmutableArray<int> Factor(int ranks, IReadOnlyList<int> cells)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        var dims = Enumerable.Repeat(1, cells.Count).ToArray();
        foreach (int p in PrimeFactors(ranks).OrderDescending())
        {
            int best = -1;
            for (int d = 0; d < cells.Count; d++)
            {
                if ((long)dims[d] * p > cells[d]) continue; // this axis cannot take the factor
                if (best < 0) { best = d; continue; }
                // More cells per rank first; then the longer axis; then the lower axis.
                long lhs = (long)cells[d] * dims[best], rhs = (long)cells[best] * dims[d];
                if (lhs > rhs || (lhs == rhs && cells[d] > cells[best])) best = d;
            }
            if (best < 0)
                throw new InputException($"grid.cells = [{string.Join(", ", cells)}] cannot be split over {ranks} MPI ranks: " +
                                         $"every axis would get fewer cells than ranks along it (ranks per axis so far [{string.Join(", ", dims)}], " +
                                         $"next factor {p}); use fewer ranks or more cells");
            dims[best] *= p;
        }
        return [.. dims];
    }

    private static IEnumerable<int> PrimeFactors(int n)
    {
        for (int p = 2; (long)p * p <= n; p++)
            while (n % p == 0) { yield return p; n /= p; }
        if (n > 1) yield return n;
    }

    /// <summary>Offset and size of part <paramref name="index"/> of <paramref name="n"/> cells split into
    /// <paramref name="parts"/> (sizes differ by at most one, the first n mod parts are larger).</summary>
    public static (int Offset, int Size) Split(int n, int parts, int index)
    {
        int size = n / parts, extra = n % parts;
        return (index * size + Math.Min(index, extra), size + (index < extra ? 1 : 0));
    }

    /// <summary>Coordinates of <paramref name="rank"/> in the rank grid (x fastest).</summary>
    public int[] Coordinates(int rank)
    {
        if ((uint)rank >= (uint)Ranks) throw new ArgumentOutOfRangeException(nameof(rank));
        var c = new int[Dims.Length];
        for (int d = 0; d < Dims.Length; d++) { c[d] = rank % Dims[d]; rank /= Dims[d]; }
        return c;
    }

    /// <summary>The rank at coordinates <paramref name="coords"/>.</summary>
    public int RankAt(ReadOnlySpan<int> coords)
    {
        int rank = 0;
        for (int d = Dims.Length - 1; d >= 0; d--) rank = rank * Dims[d] + coords[d];
        return rank;
    }

    /// <summary>The block of <paramref name="rank"/>: offsets, sizes, and which faces lie on the domain boundary
    /// (periodic ones included: the operator skips those).</summary>
    public GridBlock Block(int rank)
    {
        var c = Coordinates(rank);
        var offset = new int[Dims.Length];
        var size = new int[Dims.Length];
        var boundary = new bool[2 * Dims.Length];
        for (int d = 0; d < Dims.Length; d++)
        {
            (offset[d], size[d]) = Split(Grid.Cells[d], Dims[d], c[d]);
            boundary[2 * d] = c[d] == 0;
            boundary[2 * d + 1] = c[d] == Dims[d] - 1;
        }
        return new GridBlock(Grid, [.. offset], [.. size], [.. boundary]);
    }

    /// <summary>The rank across face <paramref name="face"/> of <paramref name="rank"/>'s block: a neighbour,
    /// the periodic image (possibly <paramref name="rank"/> itself), or −1 on a non-periodic physical face.</summary>
    public int Neighbour(int rank, int face)
    {
        int axis = face / 2;
        var c = Coordinates(rank);
        c[axis] += face % 2 == 0 ? -1 : 1;
        if (c[axis] < 0 || c[axis] >= Dims[axis])
        {
            if (!Periodic[axis]) return -1;
            c[axis] = (c[axis] + Dims[axis]) % Dims[axis];
        }
        return RankAt(c);
    }

    /// <summary>Neighbours of every face of <paramref name="rank"/> (see <see cref="Neighbour"/>).</summary>
    public int[] Neighbours(int rank) => [.. Enumerable.Range(0, 2 * Dims.Length).Select(f => Neighbour(rank, f))];

    /// <summary>The <c>Application.RunContext.Decompose</c> hook of an MPI run: this rank's block and
    /// an <see cref="MpiHaloExchange"/>.</summary>
    public static Func<CartesianGrid, bool[], (GridBlock Block, IHaloExchange Halo)> Hook(MpiCommunicator comm) => (grid, periodic) =>
    {
        var dec = new CartesianDecomposition(grid, comm.Size, periodic);
        var block = dec.Block(comm.Rank);
        return (block, new MpiHaloExchange(block, dec.Neighbours(comm.Rank), comm));
    };

    public override string ToString() => string.Join(" × ", Dims);
}

/// <summary>
/// Ghost layers from the neighbouring ranks with non-blocking messages (same contract as
/// <see cref="SerialHaloExchange"/>): per face an MPI_Irecv into the ghost layer and an MPI_Isend of this
/// block's cells on that face, all <see cref="Halo.Depth"/> layers in one message (packed by
/// <see cref="IComputeBackend.PackLayers"/>); a periodic axis with one
/// rank copies its opposite face; a non-periodic physical face gets zeros. A message carries the face it
/// fills on the receiver as its tag, so two ranks that are neighbours on both sides (a periodic axis over
/// two ranks) cannot mix them up.
/// </summary>
public sealed class MpiHaloExchange(GridBlock block, IReadOnlyList<int> neighbours, MpiCommunicator comm) : IHaloExchange
{
    private readonly double[][] _send = new double[2 * block.Dimension][];

    /// <summary>Rank across each face, −1 on a non-periodic physical face.</summary>
    public IReadOnlyList<int> Neighbours { get; } = neighbours;

    /// <summary>Posts the receives, packs and sends every face (non-blocking).</summary>
    public void Begin(IComputeBackend backend, Block x, Halo halo)
    {
        int faces = 2 * block.Dimension;
        for (int f = 0; f < faces; f++)
        {
            int n = Neighbours[f];
            if (n >= 0 && n != comm.Rank) comm.Irecv(halo.Ghost[f], n, f);
        }
        for (int f = 0; f < faces; f++)
        {
            int n = Neighbours[f];
            if (n < 0) { Array.Clear(halo.Ghost[f]); continue; }
            if (halo.Depth > block.Size[f / 2])
                throw new InvalidOperationException($"a halo of depth {halo.Depth} needs blocks of at least {halo.Depth} cells along axis {f / 2}, " +
                                                    $"this rank has {block.Size[f / 2]}: use fewer ranks along that axis");
            if (n == comm.Rank) { backend.PackLayers(block, x, f ^ 1, halo.Depth, halo.Ghost[f]); continue; }
            int length = halo.Depth * block.FaceCount(f) * x.Columns;   // every layer in one message
            if (_send[f] is not { } buffer || buffer.Length != length) _send[f] = buffer = new double[length];
            backend.PackLayers(block, x, f, halo.Depth, buffer);
            comm.Isend(buffer, n, f ^ 1);
        }
    }

    /// <summary>Waits for the messages posted by <see cref="Begin"/>.</summary>
    public void End() => comm.WaitAll();
}
