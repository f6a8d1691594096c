using System.Globalization;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Output;

/// <summary>
/// A 64-bit checksum of a dataset that does not depend on how the data are split over ranks (issue #18): the sum,
/// modulo 2^64, of SplitMix64(global index, bit pattern) over every entry. Addition modulo 2^64 is exact and
/// commutative, so a checkpoint written on 3 ranks verifies on 1. The per-rank sums are combined exactly by an
/// allreduce of four 16-bit limbs held in doubles (exact below 2^37 ranks). Stored as the string attribute
/// <see cref="Attribute"/> (<c>sum64:</c> and 16 hex digits) on each dataset of a checkpoint.
/// </summary>
public static class DatasetChecksum
{
    public const string Attribute = "checksum";
    private const string Prefix = "sum64:";

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Entry(long index, ulong bits) => Mix(Mix((ulong)index) ^ bits);

    /// <summary>Data every rank holds alike (index = position in the span).</summary>
    public static string Replicated(ReadOnlySpan<double> values)
    {
        ulong sum = 0;
        for (int i = 0; i < values.Length; i++) sum += Entry(i, BitConverter.DoubleToUInt64Bits(values[i]));
        return Format(sum);
    }

    /// <inheritdoc cref="Replicated(ReadOnlySpan{double})"/>
    public static string Replicated(ReadOnlySpan<long> values)
    {
        ulong sum = 0;
        for (int i = 0; i < values.Length; i++) sum += Entry(i, (ulong)values[i]);
        return Format(sum);
    }

    /// <summary>A stack of <paramref name="columns"/> fields on <paramref name="block"/> (column-major, a column is one
    /// field in the block's cell order), distributed over <paramref name="comm"/>; collective.</summary>
    public static string Distributed(ReadOnlySpan<double> values, int columns, GridBlock block, ICommunicator comm)
    {
        int n = block.Count;
        if (values.Length != (long)n * columns) throw new ArgumentException($"{values.Length} values for {columns} × {n}", nameof(values));
        var grid = block.Grid;
        long cells = grid.CellCount;
        Span<int> ijk = stackalloc int[3];
        ulong sum = 0;
        for (int c = 0; c < n; c++)
        {
            block.Index(c, ijk);
            long global = 0, stride = 1;
            for (int d = 0; d < block.Dimension; d++) { global += (block.Offset[d] + ijk[d]) * stride; stride *= grid.Cells[d]; }
            for (int k = 0; k < columns; k++)
                sum += Entry(k * cells + global, BitConverter.DoubleToUInt64Bits(values[k * n + c]));
        }
        if (comm.Size > 1)
        {
            Span<double> limbs = [sum & 0xFFFF, (sum >> 16) & 0xFFFF, (sum >> 32) & 0xFFFF, sum >> 48];
            Parallel.DistributedSums.Complete(comm, limbs);   // exact: integers below 2^53
            sum = 0;
            for (int k = 0; k < 4; k++) sum += (ulong)limbs[k] << (16 * k);
        }
        return Format(sum);
    }

    private static string Format(ulong sum) => Prefix + sum.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Writes the checksum attribute on <paramref name="dataset"/> (collective where the file is).</summary>
    internal static void Store(Hdf5File h5, string dataset, string checksum) => h5.SetAttribute(dataset, Attribute, checksum);

    /// <summary>Compares the stored checksum of <paramref name="dataset"/> with <paramref name="computed"/>; false when
    /// they differ. A dataset without one (a file of an older pdlra) passes.</summary>
    internal static bool Verify(Hdf5File h5, string dataset, string computed, out string stored)
    {
        stored = h5.HasAttribute(dataset, Attribute) ? h5.GetString(dataset, Attribute) : "";
        return stored.Length == 0 || stored == computed;
    }
}
