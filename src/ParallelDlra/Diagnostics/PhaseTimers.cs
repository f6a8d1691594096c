using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ParallelDlra.Diagnostics;

/// <summary>Accumulated time of one named phase.</summary>
public sealed record PhaseTiming(string Name, TimeSpan Total, long Calls);

/// <summary>
/// Named, accumulating wall-clock timers: <c>using (timers.Measure("flux")) { ... }</c>, and at
/// the end of a run <see cref="FormatTable"/> (phase, total s, % of wall, calls). Phases may nest
/// (then their percentages add up to more than 100). Thread-safe; phases are listed in the order
/// they were first measured.
/// </summary>
public sealed class PhaseTimers
{
    private readonly object gate = new();
    private readonly List<string> order = [];
    private readonly Dictionary<string, (long Ticks, long Calls)> phases = [];
    private readonly Stopwatch wall = Stopwatch.StartNew();

    /// <summary>Wall time since this object was created.</summary>
    public TimeSpan Wall => wall.Elapsed;

    /// <summary>Starts timing <paramref name="phase"/>; disposing the result stops it and adds one call.</summary>
    public Scope Measure(string phase)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phase);
        return new Scope(this, phase, Stopwatch.GetTimestamp());
    }

    /// <summary>Adds an externally measured duration to <paramref name="phase"/> as one call.</summary>
    public void Add(string phase, TimeSpan elapsed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phase);
        Accumulate(phase, (long)(elapsed.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond)));
    }

    /// <summary>The phases so far, in first-measured order.</summary>
    public IReadOnlyList<PhaseTiming> Phases
    {
        get
        {
            lock (gate)
                return order.Select(n => new PhaseTiming(n, Stopwatch.GetElapsedTime(0, phases[n].Ticks), phases[n].Calls)).ToList();
        }
    }

    /// <summary>The breakdown table. <paramref name="wallTime"/> defaults to <see cref="Wall"/>.</summary>
    public string FormatTable(TimeSpan? wallTime = null)
    {
        var total = wallTime ?? Wall;
        var rows = Phases;
        int width = Math.Max(5, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"{"phase".PadRight(width)}  {"total s",10}  {"% wall",7}  {"calls",9}\n");
        foreach (var r in rows)
        {
            double pct = total > TimeSpan.Zero ? 100.0 * r.Total.TotalSeconds / total.TotalSeconds : 0.0;
            sb.Append(inv, $"{r.Name.PadRight(width)}  {r.Total.TotalSeconds,10:F3}  {pct,6:F1}%  {r.Calls,9}\n");
        }
        sb.Append(inv, $"{"wall".PadRight(width)}  {total.TotalSeconds,10:F3}  {100.0,6:F1}%  {"",9}\n");
        return sb.ToString();
    }

    private void Accumulate(string phase, long ticks)
    {
        lock (gate)
        {
            if (!phases.TryGetValue(phase, out var acc))
            {
                order.Add(phase);
                acc = (0, 0);
            }
            phases[phase] = (acc.Ticks + ticks, acc.Calls + 1);
        }
    }

    /// <summary>One running measurement; stops on <see cref="Dispose"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly PhaseTimers? owner;
        private readonly string phase;
        private readonly long start;

        internal Scope(PhaseTimers owner, string phase, long start)
        {
            this.owner = owner;
            this.phase = phase;
            this.start = start;
        }

        public void Dispose() => owner?.Accumulate(phase, Stopwatch.GetTimestamp() - start);
    }
}
