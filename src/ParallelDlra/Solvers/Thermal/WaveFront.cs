using ParallelDlra.Parallel;

namespace ParallelDlra.Solvers.Thermal;

/// <summary>
/// The position of a heat front running into a slab from its hot face at x_min (the Marshak wave): where the
/// material temperature falls to <see cref="Threshold"/> (half the boundary temperature). With n_hot the number of
/// cells at or above the threshold, T_lo the coldest of them and T_hi the hottest of the others,
///   x_f = x_min + (n_hot − ½) Δx + Δx (T_lo − T_h)/(T_lo − T_hi),
/// which for a profile falling monotonically in x is the linear interpolation between the centres of the last hot and
/// the first cold cell; x_f = x_min before any cell is hot, x_max when all are. Three reductions (a sum, a min, a
/// max), so every rank gets the same figure whatever the decomposition. One-dimensional grids.
/// </summary>
public sealed class WaveFront(double xMin, double cellWidth, long cellCount, double threshold)
{
    /// <summary>T_h: half the boundary temperature.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>Collective: x_f of the rank-local temperatures <paramref name="temperature"/>.</summary>
    public double Position(ICommunicator comm, ReadOnlySpan<double> temperature)
    {
        double hot = 0.0, coldestHot = double.PositiveInfinity, hottestCold = double.NegativeInfinity;
        foreach (double t in temperature)
        {
            if (t >= Threshold) { hot += 1.0; coldestHot = Math.Min(coldestHot, t); }
            else hottestCold = Math.Max(hottestCold, t);
        }
        hot = DistributedSums.Sum(comm, hot);
        coldestHot = DistributedSums.Min(comm, coldestHot);
        hottestCold = DistributedSums.Max(comm, hottestCold);
        if (hot == 0.0) return xMin;
        if (hot >= cellCount) return xMin + cellCount * cellWidth;
        return xMin + (hot - 0.5) * cellWidth + cellWidth * (coldestHot - Threshold) / (coldestHot - hottestCold);
    }
}
