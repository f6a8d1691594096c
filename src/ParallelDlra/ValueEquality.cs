using System.Collections.Immutable;

namespace ParallelDlra;

/// <summary>Element-wise equality for the <see cref="ImmutableArray{T}"/> members of the option
/// records (ImmutableArray itself compares by reference), so equal decks give equal options.</summary>
internal static class ValueEquality
{
    public static bool Same<T>(ImmutableArray<T> a, ImmutableArray<T> b)
        => a.IsDefault || b.IsDefault ? a.IsDefault == b.IsDefault : a.SequenceEqual(b);

    public static int Hash<T>(ImmutableArray<T> a)
    {
        var h = new HashCode();
        if (!a.IsDefault)
            foreach (var x in a) h.Add(x);
        return h.ToHashCode();
    }
}
