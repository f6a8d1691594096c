using System.Diagnostics;

namespace ParallelDlra.Parallel;

/// <summary>
/// MPI micro-benchmarks for the scaling model (docs/scaling.md): a ping-pong between ranks 0 and 1 (the time of
/// one message is half a round trip, as the halo exchange sends it: <see cref="MpiCommunicator.Isend"/>,
/// <see cref="MpiCommunicator.Irecv"/>, <see cref="MpiCommunicator.WaitAll"/>) and an allreduce over all ranks
/// (<see cref="ICommunicator.AllreduceSum"/>, the collective of the low-rank step), each over a range of message
/// sizes, and the least-squares fit t = α + bytes/β of each (latency α, bandwidth β: the LogGP terms the model uses).
/// Times are the largest over the ranks of the mean over the repeats, after a warm-up of a tenth of them.
/// </summary>
public static class MpiMicroBenchmark
{
    /// <summary>One measured message size: seconds per operation (one message, or one allreduce).</summary>
    public sealed record Figure(string Kind, long Bytes, int Repeats, double Seconds)
    {
        /// <summary>Bytes per second of the operation (bytes / seconds).</summary>
        public double Bandwidth => Bytes / Seconds;
    }

    /// <summary>Message sizes in bytes: 8 B to <paramref name="largest"/>, times 8 each.</summary>
    public static long[] Sizes(long largest)
    {
        var sizes = new List<long>();
        for (long b = 8; b <= largest; b *= 8) sizes.Add(b);
        return [.. sizes];
    }

    /// <summary>Repeats for a message of <paramref name="bytes"/>: about <paramref name="budget"/> bytes moved, between 10 and
    /// <paramref name="most"/>.</summary>
    public static int Repeats(long bytes, long budget, int most) => (int)Math.Clamp(budget / Math.Max(bytes, 1), 10, Math.Max(10, most));

    /// <summary>Ping-pong between ranks 0 and 1 (the other ranks wait at the closing barrier). Collective.</summary>
    public static IReadOnlyList<Figure> PingPong(MpiCommunicator comm, IReadOnlyList<long> sizes, long budget, int most = 2000)
    {
        if (comm.Size < 2) throw new InvalidOperationException("a ping-pong needs 2 ranks");
        var figures = new List<Figure>();
        foreach (long bytes in sizes)
        {
            int repeats = Repeats(bytes, budget, most);
            var buffer = new double[Math.Max(1, bytes / 8)];
            double seconds = 0;
            if (comm.Rank < 2)
            {
                int other = 1 - comm.Rank;
                void RoundTrip()
                {
                    if (comm.Rank == 0) { comm.Isend(buffer, other, 7); comm.WaitAll(); comm.Irecv(buffer, other, 8); comm.WaitAll(); }
                    else { comm.Irecv(buffer, other, 7); comm.WaitAll(); comm.Isend(buffer, other, 8); comm.WaitAll(); }
                }
                for (int i = 0; i < Math.Max(1, repeats / 10); i++) RoundTrip();
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < repeats; i++) RoundTrip();
                seconds = clock.Elapsed.TotalSeconds / (2.0 * repeats);
            }
            Span<double> largest = [seconds];
            comm.AllreduceMax(largest);
            figures.Add(new Figure("pingpong", 8L * buffer.Length, repeats, largest[0]));
        }
        return figures;
    }

    /// <summary>Allreduce (sum) of every size over all ranks. Collective.</summary>
    public static IReadOnlyList<Figure> Allreduce(ICommunicator comm, IReadOnlyList<long> sizes, long budget, int most = 2000)
    {
        var figures = new List<Figure>();
        foreach (long bytes in sizes)
        {
            int repeats = Repeats(bytes, budget, most);
            var buffer = new double[Math.Max(1, bytes / 8)];
            for (int i = 0; i < Math.Max(1, repeats / 10); i++) comm.AllreduceSum(buffer);
            comm.Barrier();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) { buffer.AsSpan().Clear(); comm.AllreduceSum(buffer); }
            Span<double> largest = [clock.Elapsed.TotalSeconds / repeats];
            comm.AllreduceMax(largest);
            figures.Add(new Figure("allreduce", 8L * buffer.Length, repeats, largest[0]));
        }
        return figures;
    }

    /// <summary>Least-squares fit t = α + bytes/β over the figures: (α seconds, β bytes per second). With one figure, or a
    /// slope that is not positive (noise), β is the largest measured bytes/seconds and α the smallest time.</summary>
    public static (double Latency, double Bandwidth) Fit(IReadOnlyList<Figure> figures)
    {
        int n = figures.Count;
        if (n == 0) throw new ArgumentException("no figures", nameof(figures));
        double mx = figures.Average(f => (double)f.Bytes), my = figures.Average(f => f.Seconds);
        double sxx = figures.Sum(f => (f.Bytes - mx) * (f.Bytes - mx)), sxy = figures.Sum(f => (f.Bytes - mx) * (f.Seconds - my));
        double slope = sxx > 0 ? sxy / sxx : 0.0;
        double alpha = my - slope * mx;
        if (slope <= 0 || alpha <= 0) return (figures.Min(f => f.Seconds), figures.Max(f => f.Bandwidth));
        return (alpha, 1.0 / slope);
    }
}
