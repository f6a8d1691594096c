using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Application;
using ParallelDlra.Solvers;
using Xunit;

namespace ParallelDlra.Tests.Parallel;

/// <summary>
/// 64-bit cell and entry counts (issue #18 item 4) on grids of more than 2^31 cells, without allocating them: the
/// blocks of the decomposition tile the grid and their global indices and HDF5 hyperslab starts are the 64-bit
/// values computed here from the offsets alone; the chunks of the field writer cover the grid in order; the memory
/// estimate counts the largest block. And the chunked gather itself on thread ranks against the global cell order.
/// </summary>
public sealed class LargeGridDecompositionTests
{
    private static CartesianGrid Grid(params int[] cells) => new([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);

    /// <summary>Global index x fastest, computed here with Int128 (no overflow possible).</summary>
    private static long Global(IReadOnlyList<int> cells, params int[] ijk)
    {
        Int128 g = 0, stride = 1;
        for (int d = 0; d < cells.Count; d++) { g += ijk[d] * stride; stride *= cells[d]; }
        return (long)g;
    }

    [Theory]
    [InlineData(64, new[] { 100_000, 100_000 })]               // 10^10 cells
    [InlineData(3, new[] { 46_341, 46_341 })]                  // 2^31 + 4634 cells
    [InlineData(2, new[] { 1291, 1291, 1291 })]                // 2.15e9 cells in 3D
    [InlineData(4096, new[] { 70_000, 70_000, 70_000 })]       // 3.4e14 cells
    public void Blocks_of_a_grid_beyond_2_31_cells_tile_it_with_64_bit_offsets_and_hyperslab_starts(int ranks, int[] cells)
    {
        var grid = Grid(cells);
        Assert.True(grid.CellCount > int.MaxValue);
        Assert.Equal((long)cells.Aggregate((Int128)1, (a, n) => a * n), grid.CellCount);
        var dec = new CartesianDecomposition(grid, ranks, [.. cells.Select(_ => false)]);
        if (cells.Length == 3 && ranks == 4096)
        {
            // 16 × 16 × 16 blocks of 4375³ = 8.4e10 cells each: a rank-local block beyond 32 bits is refused.
            Assert.Throws<ArgumentOutOfRangeException>(() => dec.Block(0));
            Assert.Equal(4375L * 4375 * 4375, ResourceEstimate.LargestBlock(cells, ranks));
            return;
        }
        long total = 0;
        var globalDims = FieldLayout.GlobalDims(grid);
        Assert.Equal((ulong)cells[0], globalDims[2]);
        for (int rank = 0; rank < ranks; rank++)
        {
            var block = dec.Block(rank);
            total += block.Count;
            var c = dec.Coordinates(rank);
            for (int d = 0; d < cells.Length; d++)
            {
                // Offsets: the sum of the sizes of the blocks before along that axis (sizes differ by at most one).
                int before = 0;
                for (int k = 0; k < c[d]; k++) before += cells[d] / dec.Dims[d] + (k < cells[d] % dec.Dims[d] ? 1 : 0);
                Assert.Equal(before, block.Offset[d]);
            }
            // First and last cell of the block: 64-bit global indices; hyperslab start = offsets in z, y, x order.
            Assert.Equal(Global(cells, [.. block.Offset]), block.GlobalIndex(0));
            Assert.Equal(Global(cells, [.. block.Offset.Select((o, d) => o + block.Size[d] - 1)]), block.GlobalIndex(block.Count - 1));
            var start = FieldLayout.Start(block);
            for (int d = 0; d < cells.Length; d++) Assert.Equal((ulong)block.Offset[d], start[2 - d]);
        }
        Assert.Equal(grid.CellCount, total);
        Assert.Equal(grid.CellCount - 1, dec.Block(ranks - 1).GlobalIndex(dec.Block(ranks - 1).Count - 1));
    }

    [Theory]
    [InlineData(new[] { 100_000, 100_000 }, ChunkedGather.DefaultChunkCells)]  // several x-lines per chunk
    [InlineData(new[] { 1291, 1291, 1291 }, ChunkedGather.DefaultChunkCells)]   // x-lines of one plane
    [InlineData(new[] { 2000, 500, 3000 }, ChunkedGather.DefaultChunkCells)]   // whole planes
    [InlineData(new[] { int.MaxValue }, ChunkedGather.MaxChunkCells)]           // parts of one line
    [InlineData(new[] { 7, 6, 5 }, 5)]
    public void The_field_chunks_cover_the_grid_in_order_each_bounded(int[] cells, long budget)
    {
        long next = 0;
        foreach (var chunk in ChunkedGather.Chunks(cells, budget))
        {
            Assert.Equal(next, chunk.First);
            Assert.Equal(Global(cells, new[] { chunk.X0, chunk.Y0, chunk.Z0 }[..cells.Length]), chunk.First);
            Assert.InRange(chunk.Count, 1, budget);
            // Consecutive in the file: a box narrower than the grid in x or y is one line or one plane thick.
            if (chunk.X1 - chunk.X0 < cells[0]) Assert.True(chunk.Y1 - chunk.Y0 == 1 && chunk.Z1 - chunk.Z0 == 1);
            if (cells.Length > 1 && chunk.Y1 - chunk.Y0 < cells[1]) Assert.Equal(1, chunk.Z1 - chunk.Z0);
            next += chunk.Count;
        }
        Assert.Equal(cells.Aggregate(1L, (a, c) => a * c), next);
    }

    [Fact]
    public void The_memory_estimate_counts_the_largest_block_in_64_bits()
    {
        var o = Support.TestDecks.Uniform([100_000, 100_000], [[0, 1], [0, 1]], 30, 1, 0, BoundaryKind.Vacuum, Support.TestDecks.Gaussian(2, 0.2), 1.0);
        o = o with { Solver = o.Solver with { Kind = SolverKind.AugmentedBug } };
        var e = ResourceEstimate.Of(o, 64);
        int r = Math.Min(Math.Max(o.Solver.Truncation.RMax, o.Solver.InitialRank), 496);
        Assert.Equal(12_500L * 12_500, e.CellsPerRank);                         // 8 × 8 blocks
        Assert.Equal(8L * 12_500 * 12_500 * r, e.StateBytes);
        Assert.Equal(12_500L * 12_500 * Math.Min(2 * r, 496), e.LargestArrayEntries);
        Assert.True(ResourceEstimate.Of(o, 1).TotalBytes > 20L << 40);           // 10^10 cells × r = 100 × 8 B × 3 blocks (X and 2 work blocks, docs/design.md): 21.8 TiB
        // A snapshot's moments are one more array per rank: 400 of them outnumber the 200 columns of the blocks.
        var withMoments = o with { Output = o.Output with { SnapshotEvery = 10, Moments = [.. Enumerable.Range(0, 400)] } };
        var em = ResourceEstimate.Of(withMoments, 64);
        Assert.Equal(400, em.Columns);
        Assert.Equal(e.OutputBytes + 8L * 12_500 * 12_500 * 400, em.OutputBytes);
        // The largest block, not the average: 10 × 10 over 3 ranks is 4 + 3 + 3 columns of 10 cells.
        Assert.Equal(40, ResourceEstimate.LargestBlock([10, 10], 3));
        Assert.Equal(8, ResourceEstimate.LargestBlock([10, 10, 10], 125));      // 5³ blocks of 2³
    }

    [Fact]
    public void The_deck_reader_takes_more_than_2_31_cells_and_refuses_only_beyond_2_53_entries()
    {
        string deck = """
            problem: {name: big}
            grid: {cells: [46341, 46341], extent: [[0, 1], [0, 1]], boundary: vacuum}
            angular: {order: 3}
            material: {sigma_s: 1}
            initial: {type: gaussian, sigma: 0.2}
            time: {end: 1}
            solver: {type: augmented_bug}
            """;
        var o = DeckReader.Parse(deck, "big.yaml", ".", []);
        Assert.Equal(46341L * 46341, o.Grid.Cells.Aggregate(1L, (a, n) => a * n));
        // 2^27 × 2^24 cells × 10 moments (P_3 in 2D) > 2^53: an index limit, named at grid.cells.
        var e = Assert.Throws<InputException>(() => DeckReader.Parse(deck, "big.yaml", ".", ["grid.cells=[134217728, 16777216]"]));
        Assert.Contains("grid.cells", e.Message);
        Assert.Contains("2^53", e.Message);
        // 2^26 × 2^20 cells × 10 moments < 2^53: accepted by the reader (the memory estimate refuses it at run).
        DeckReader.Parse(deck, "big.yaml", ".", ["grid.cells=[67108864, 1048576]"]);
    }

    [Theory]
    [InlineData(3, new[] { 7, 6, 5 })]
    [InlineData(4, new[] { 17, 13 })]
    [InlineData(3, new[] { 41 })]
    [InlineData(5, new[] { 9, 4, 6 })]
    public void The_chunked_gather_brings_every_field_to_rank_0_in_global_cell_order(int ranks, int[] cells)
    {
        var grid = Grid(cells);
        var dec = new CartesianDecomposition(grid, ranks, [.. cells.Select(_ => false)]);
        long n = grid.CellCount;
        foreach (long budget in new long[] { 1, 3, 5, cells[0], cells[0] + 1, 2L * cells[0] + 3, cells.Length > 1 ? (long)cells[0] * cells[1] + 1 : 8, n, 10 * n })
        {
            var results = new ThreadRanks(ranks).Run(comm =>
            {
                var block = dec.Block(comm.Rank);
                // Field 0 holds the global index, field 1 its negative: both must land in place.
                var f0 = new double[block.Count];
                var f1 = new double[block.Count];
                for (int c = 0; c < block.Count; c++) { f0[c] = block.GlobalIndex(c); f1[c] = -f0[c] - 1; }
                var got = new List<(long First, double[] A, double[] B)>();
                ChunkedGather.Stream(comm, block, [f0, f1], (chunk, values) =>
                    got.Add((chunk.First, values[0][..(int)chunk.Count], values[1][..(int)chunk.Count])), budget);
                return got;
            });
            for (int k = 1; k < ranks; k++) Assert.Empty(results[k]);
            var a = results[0].SelectMany(g => g.A).ToArray();
            var b = results[0].SelectMany(g => g.B).ToArray();
            Assert.Equal(Enumerable.Range(0, (int)n).Select(i => (double)i), a);
            Assert.Equal(Enumerable.Range(0, (int)n).Select(i => -(double)i - 1), b);
            Assert.All(results[0], g => Assert.True(g.A.Length <= budget));
        }
    }
}
