using System.Collections.Immutable;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Angular;
using ParallelDlra.Tests.Support;
using Xunit;

namespace ParallelDlra.Tests.Parallel;

/// <summary>The Cartesian decomposition, in-process: factorisation, uneven blocks, neighbours, errors, and an
/// operator whose terms are the same on every block.</summary>
public sealed class DecompositionTests
{
    private static CartesianGrid Grid(params int[] cells) =>
        new([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);

    [Theory]
    [InlineData(1, new[] { 40, 40 }, new[] { 1, 1 })]
    [InlineData(4, new[] { 40, 40 }, new[] { 2, 2 })]
    [InlineData(2, new[] { 40, 20 }, new[] { 2, 1 })]
    [InlineData(2, new[] { 20, 40 }, new[] { 1, 2 })]
    [InlineData(2, new[] { 10, 10, 20 }, new[] { 1, 1, 2 })]
    [InlineData(8, new[] { 16, 16, 16 }, new[] { 2, 2, 2 })]
    [InlineData(6, new[] { 100 }, new[] { 6 })]
    [InlineData(3, new[] { 10, 30 }, new[] { 1, 3 })]
    [InlineData(12, new[] { 40, 40 }, new[] { 3, 4 })]
    [InlineData(6, new[] { 2, 3 }, new[] { 2, 3 })]
    public void Ranks_are_factorised_over_the_axes_favouring_the_longer_ones(int ranks, int[] cells, int[] expected)
    {
        var dims = CartesianDecomposition.Factor(ranks, cells);
        Assert.Equal(expected, dims.ToArray());
        Assert.Equal(ranks, dims.Aggregate(1, (a, b) => a * b));
    }

    [Theory]
    [InlineData(7, 3, new[] { 0, 3, 5 }, new[] { 3, 2, 2 })]
    [InlineData(8, 4, new[] { 0, 2, 4, 6 }, new[] { 2, 2, 2, 2 })]
    [InlineData(5, 5, new[] { 0, 1, 2, 3, 4 }, new[] { 1, 1, 1, 1, 1 })]
    public void Uneven_blocks_differ_by_at_most_one_cell(int n, int parts, int[] offsets, int[] sizes)
    {
        for (int k = 0; k < parts; k++)
            Assert.Equal((offsets[k], sizes[k]), CartesianDecomposition.Split(n, parts, k));
    }

    [Theory]
    [InlineData(new[] { 7 }, 3)]
    [InlineData(new[] { 9, 5 }, 4)]
    [InlineData(new[] { 5, 4, 7 }, 4)]
    [InlineData(new[] { 13, 11, 6 }, 6)]
    public void Blocks_tile_the_grid_once_with_boundary_flags(int[] cells, int ranks)
    {
        var grid = Grid(cells);
        var dec = new CartesianDecomposition(grid, ranks, [.. cells.Select(_ => false)]);
        var owner = new int[grid.CellCount];
        Array.Fill(owner, -1);
        for (int r = 0; r < ranks; r++)
        {
            var b = dec.Block(r);
            var c = dec.Coordinates(r);
            Assert.Equal(r, dec.RankAt(c));
            for (int d = 0; d < grid.Dimension; d++)
            {
                Assert.InRange(b.Size[d], grid.Cells[d] / dec.Dims[d], grid.Cells[d] / dec.Dims[d] + 1);
                Assert.Equal(c[d] == 0, b.OnPhysicalBoundary[2 * d]);
                Assert.Equal(c[d] == dec.Dims[d] - 1, b.OnPhysicalBoundary[2 * d + 1]);
            }
            var ijk = new int[3];
            for (int cell = 0; cell < b.Count; cell++)
            {
                b.Index(cell, ijk);
                long g = 0, stride = 1;
                for (int d = 0; d < grid.Dimension; d++) { g += (b.Offset[d] + ijk[d]) * stride; stride *= grid.Cells[d]; }
                Assert.Equal(-1, owner[g]);
                owner[g] = r;
            }
        }
        Assert.DoesNotContain(-1, owner);
    }

    [Fact]
    public void Neighbours_follow_the_rank_grid_with_periodic_wrap_and_self()
    {
        // 2 × 2 × 1 ranks; x periodic, y vacuum, z periodic with one rank (its own image).
        var dec = new CartesianDecomposition(Grid(8, 8, 3), 4, [true, false, true]);
        Assert.Equal(new[] { 2, 2, 1 }, dec.Dims.ToArray());
        Assert.Equal(new[] { 1, 1, -1, 2, 0, 0 }, dec.Neighbours(0));
        Assert.Equal(new[] { 0, 0, -1, 3, 1, 1 }, dec.Neighbours(1));
        Assert.Equal(new[] { 3, 3, 0, -1, 2, 2 }, dec.Neighbours(2));

        var line = new CartesianDecomposition(Grid(10), 3, [false]);
        Assert.Equal(new[] { -1, 1 }, line.Neighbours(0));
        Assert.Equal(new[] { 0, 2 }, line.Neighbours(1));
        Assert.Equal(new[] { 1, -1 }, line.Neighbours(2));
        var ring = new CartesianDecomposition(Grid(10), 3, [true]);
        Assert.Equal(new[] { 2, 1 }, ring.Neighbours(0));
        Assert.Equal(new[] { 1, 0 }, ring.Neighbours(2));
    }

    [Theory]
    [InlineData(new[] { 3 }, 4, "grid.cells = [3]")]
    [InlineData(new[] { 3, 3 }, 16, "grid.cells = [3, 3]")]
    [InlineData(new[] { 40, 40 }, 41, "grid.cells = [40, 40]")]
    public void A_grid_that_cannot_be_split_is_bad_input_naming_grid_cells_and_the_rank_count(int[] cells, int ranks, string key)
    {
        var e = Assert.Throws<InputException>(() => new CartesianDecomposition(Grid(cells), ranks, [.. cells.Select(_ => false)]));
        Assert.Contains(key, e.Message);
        Assert.Contains($"{ranks} MPI ranks", e.Message);
    }

    /// <summary>The Galerkin and outflow sums pack every term, source and outflow face into one allreduce
    /// buffer, so every block of a decomposition must have the same lists — also blocks that touch no
    /// inflow face or no absorber.</summary>
    [Theory]
    [InlineData("hohlraum", 4)]
    [InlineData("lattice", 3)]
    [InlineData("lattice3d", 4)]
    public void Every_block_has_the_same_operator_terms_sources_and_outflow_faces(string deck, int ranks)
    {
        var o = DeckReader.Load(Path.Combine(TestDecks.RepositoryRoot(), "jobs", deck + ".yaml"), []);
        var grid = new CartesianGrid(o.Grid.Cells, o.Grid.Extent);
        var basis = PnBasis.Create(grid.Dimension, 1);
        var periodic = Enumerable.Range(0, grid.Dimension).Select(d => o.Grid.Faces[2 * d].Kind == BoundaryKind.Periodic).ToArray();
        var dec = new CartesianDecomposition(grid, ranks, periodic);
        var whole = new KineticOperator(grid.WholeBlock(), basis, o.Material.Map, o.Grid.Faces, o.Solver.Flux);
        var faceCells = new long[whole.Outflows.Count];
        for (int r = 0; r < ranks; r++)
        {
            var block = dec.Block(r);
            var op = new KineticOperator(block, basis, o.Material.Map, o.Grid.Faces, o.Solver.Flux);
            Assert.Equal(whole.Terms.Select(t => t.Name), op.Terms.Select(t => t.Name));
            Assert.Equal(whole.Sources.Select(s => s.Name), op.Sources.Select(s => s.Name));
            Assert.Equal(whole.Outflows.Select(f => (f.Face, f.Constant)), op.Outflows.Select(f => (f.Face, f.Constant)));
            Assert.Equal(whole.Absorption is null, op.Absorption is null);
            for (int k = 0; k < op.Outflows.Count; k++)
            {
                // The face's weights are the same on every block; its cells are those of the block on the face (none
                // where the block does not touch it), so over the ranks they are the whole face's, each once.
                Assert.Equal(whole.Outflows[k].Weights, op.Outflows[k].Weights);
                Assert.True(op.Outflows[k].Cells.Length == 0 || block.OnPhysicalBoundary[op.Outflows[k].Face], $"rank {r} has cells on face {op.Outflows[k].Face} it does not touch");
                faceCells[k] += op.Outflows[k].Cells.Length;
            }
        }
        Assert.Equal(whole.Outflows.Select(f => (long)f.Cells.Length), faceCells);
    }
}
