namespace ParallelDlra.Compute;

/// <summary>
/// Live and peak storage of a backend's blocks, in values (doubles): every block adds Rows × Columns when it is
/// allocated and takes it off when it is disposed (a block reshaped over the same storage keeps its count, raised to
/// Rows × its new Columns when it uses more of the storage). A
/// backend keeps one; the count is always on (two interlocked additions per block). <see cref="ResetPeak"/> starts a
/// new peak from what is alive now, so a caller can measure the peak of one step: in units of n_cells × r it is the
/// number of n_cells × r blocks that step keeps alive at once (a 2r-wide block counts as 2; docs/design.md, "Memory of
/// a low-rank step"). Buffers a pool holds for reuse are not counted: they are not alive.
/// </summary>
public sealed class BlockCounts
{
    private long _live, _peak, _allocations;

    /// <summary>Values held by the blocks alive now.</summary>
    public long LiveValues => Interlocked.Read(ref _live);

    /// <summary>Most values held by live blocks at once since the backend was made or <see cref="ResetPeak"/>.</summary>
    public long PeakValues => Interlocked.Read(ref _peak);

    /// <summary>Blocks allocated so far.</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>Starts a new peak at the values alive now.</summary>
    public void ResetPeak() => Interlocked.Exchange(ref _peak, LiveValues);

    internal void Allocated(long values)
    {
        if (values == 0) return;
        Interlocked.Increment(ref _allocations);
        long live = Interlocked.Add(ref _live, values);
        long peak;
        while (live > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, peak) != peak) { }
    }

    internal void Released(long values) => Interlocked.Add(ref _live, -values);
}
