using System.Reflection;
using ParallelDlra.Mesh;

namespace ParallelDlra.Output;

/// <summary>
/// How fields lie in the HDF5 files: every spatial field is a dataset of shape (n_z, n_y, n_x) in C order
/// (x fastest, the same order as the cell numbering), 1D and 2D grids padded to 3D with one cell; a stack of
/// fields (X's columns, moments) puts the column index first: (k, n_z, n_y, n_x). A rank's
/// <see cref="GridBlock"/> is the hyperslab start (offset_z, offset_y, offset_x), count (size_z, size_y, size_x),
/// and its local column-major data are exactly that hyperslab's C-order layout.
/// </summary>
internal static class FieldLayout
{
    /// <summary>(n_z, n_y, n_x) of the grid, padded with 1.</summary>
    public static ulong[] GlobalDims(CartesianGrid grid) => Reverse3(grid.Cells.ToArray(), pad: 1);

    public static ulong[] Start(GridBlock block) => Reverse3(block.Offset.ToArray(), pad: 0);

    public static ulong[] Count(GridBlock block) => Reverse3(block.Size.ToArray(), pad: 1);

    /// <summary>[k, ..dims].</summary>
    public static ulong[] Stack(ulong k, ulong[] dims) => [k, .. dims];

    /// <summary>Origin and spacing per axis in x, y, z order, padded: a missing axis starts at 0 and has the
    /// smallest spacing of the grid (ParaView then shows a slab one cell thick).</summary>
    public static (double[] Origin, double[] Spacing) Geometry(CartesianGrid grid)
    {
        double h = grid.Spacing.Min();
        var origin = new double[3];
        var spacing = new double[3];
        for (int d = 0; d < 3; d++)
        {
            origin[d] = d < grid.Dimension ? grid.Extent[d].Min : 0.0;
            spacing[d] = d < grid.Dimension ? grid.Spacing[d] : h;
        }
        return (origin, spacing);
    }

    private static ulong[] Reverse3(int[] xyz, ulong pad)
    {
        var zyx = new ulong[] { pad, pad, pad };
        for (int d = 0; d < xyz.Length; d++) zyx[2 - d] = (ulong)xyz[d];
        return zyx;
    }

    /// <summary>The code version written into every file (assembly informational version).</summary>
    public static string CodeVersion { get; } =
        typeof(FieldLayout).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(FieldLayout).Assembly.GetName().Version?.ToString() ?? "unknown";
}
