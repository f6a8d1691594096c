using System.Collections.Immutable;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;
using Xunit;

namespace ParallelDlra.Tests.Problems;

/// <summary><see cref="MaterialMap.MaterialsOn"/> (which materials some cell centre takes; every rank decides the
/// operator's terms from it) against the scan of every cell centre it replaces, on random maps whose box faces fall
/// between centres, on centres and outside the grid; and on a grid of 10^10 cells that no scan could visit.</summary>
public sealed class MaterialsOnGridTests
{
    private static HashSet<Material> Scan(MaterialMap map, CartesianGrid grid)
    {
        var found = new HashSet<Material>();
        Span<double> x = stackalloc double[3];
        for (long c = 0; c < grid.CellCount; c++)
        {
            long rest = c;
            for (int d = 0; d < grid.Dimension; d++) { int i = (int)(rest % grid.Cells[d]); rest /= grid.Cells[d]; x[d] = grid.Center(d, i); }
            found.Add(map.At(x[..grid.Dimension]));
        }
        return found;
    }

    /// <summary>A coordinate in [−0.3, 1.3] of the grid's extent [0, 1]: half the time exactly a cell centre or a cell
    /// face of the grid (the ≤ / ≥ edge cases of Box.Contains), otherwise anywhere.</summary>
    private static double Coordinate(Random random, int cells) => random.Next(4) switch
    {
        0 => (random.Next(cells) + 0.5) / cells,
        1 => (double)random.Next(cells + 1) / cells,
        _ => -0.3 + 1.6 * random.NextDouble(),
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    public void Agrees_with_the_scan_of_every_cell_on_random_maps(int dimension, int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            var cells = Enumerable.Range(0, dimension).Select(_ => random.Next(1, dimension == 3 ? 9 : 17)).ToImmutableArray();
            var grid = new CartesianGrid(cells, [.. Enumerable.Repeat(new Interval(0, 1), dimension)]);
            var regions = Enumerable.Range(0, random.Next(0, 5)).Select(r => new MaterialRegion($"r{r}", new Material(r + 1, random.Next(2), random.Next(2)),
                [.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => new Box([.. Enumerable.Range(0, dimension).Select(d =>
                {
                    double a = Coordinate(random, cells[d]), b = Coordinate(random, cells[d]);
                    return new Interval(Math.Min(a, b), Math.Max(a, b));
                })]))])).ToImmutableArray();
            var map = new MaterialMap("random", dimension, new Material(0.5, 0, 0), regions);
            var expected = Scan(map, grid);
            var actual = map.MaterialsOn(grid);
            Assert.True(expected.SetEquals(actual), $"trial {trial}, cells [{string.Join(", ", cells)}]: scan {{{string.Join("; ", expected)}}}, MaterialsOn {{{string.Join("; ", actual)}}}");
        }
    }

    [Fact]
    public void Finds_a_region_of_one_cell_in_a_grid_of_ten_billion_cells()
    {
        var grid = new CartesianGrid([100000, 100000], [new Interval(0, 1), new Interval(0, 1)]);
        double h = 1e-5;
        // one box around the single centre (0.123455, 0.987655) of cell (12345, 98765), and one between two centres
        var source = new Material(1, 0, 1);
        var map = new MaterialMap("needle", 2, new Material(1, 0, 0),
        [
            new MaterialRegion("needle", source, [new Box([new Interval(12345.2 * h, 12345.8 * h), new Interval(98765.2 * h, 98765.8 * h)])]),
            new MaterialRegion("gap", new Material(2, 0, 0), [new Box([new Interval(5.6 * h, 6.4 * h), new Interval(0, 1)])]),
        ]);
        var found = map.MaterialsOn(grid);
        Assert.Contains(source, found);
        Assert.Contains(new Material(1, 0, 0), found);
        Assert.DoesNotContain(new Material(2, 0, 0), found);   // its box holds no centre: x from 5.6 h to 6.4 h
        Assert.Equal(2, found.Count);
    }
}
