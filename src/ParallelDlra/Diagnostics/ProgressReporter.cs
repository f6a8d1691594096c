using System.Diagnostics;
using System.Globalization;
using NLog;

namespace ParallelDlra.Diagnostics;

/// <summary>The state of a run after one step, as the progress report shows it.</summary>
/// <param name="Time">t after the step</param>
/// <param name="Step">number of steps done</param>
/// <param name="Dt">the step Δt just taken</param>
/// <param name="Mass">total mass ∫φ dx</param>
/// <param name="Rank">rank r of the low-rank factors (n_moments for a full-rank run)</param>
public readonly record struct ProgressSample(double Time, long Step, double Dt, double Mass, int Rank);

/// <summary>How progress is shown.</summary>
public enum ProgressMode
{
    /// <summary>Nothing (ranks other than 0).</summary>
    None,
    /// <summary>One NLog Info line every N steps (output redirected: batch jobs, CI).</summary>
    LogLines,
    /// <summary>A single terminal line rewritten in place with <c>\r</c>.</summary>
    LiveBar,
}

/// <summary>
/// Reports the progress of the time loop from rank 0: every <c>every</c> steps one log line
/// (t, step, Δt, mass, rank, wall time, ETA) when standard output is redirected, or a live
/// progress bar on an interactive terminal (not with <c>TERM=dumb</c>). The ETA extrapolates the
/// elapsed wall time by the fraction of simulated time still to go.
/// </summary>
public sealed class ProgressReporter
{
    private static readonly Logger Logger = LogManager.GetLogger("progress");
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int BarWidth = 24;

    private readonly double tStart, tEnd;
    private readonly int every;
    private readonly ProgressMode mode;
    private readonly TextWriter terminal;
    private readonly Stopwatch wall = Stopwatch.StartNew();
    private TimeSpan? lastDraw;
    private int lastWidth;

    /// <param name="tStart">simulated start time</param>
    /// <param name="tEnd">simulated end time</param>
    /// <param name="every">log one line every this many steps (LogLines mode)</param>
    /// <param name="mode">how to show progress; <see cref="DetectMode"/> for the usual choice</param>
    /// <param name="terminal">where the live bar is drawn (default <see cref="Console.Out"/>)</param>
    public ProgressReporter(double tStart, double tEnd, int every, ProgressMode mode, TextWriter? terminal = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        if (!(tEnd > tStart)) throw new ArgumentException($"tEnd ({tEnd}) must exceed tStart ({tStart})", nameof(tEnd));
        this.tStart = tStart;
        this.tEnd = tEnd;
        this.every = every;
        this.mode = mode;
        this.terminal = terminal ?? Console.Out;
    }

    /// <summary>None off rank 0; a live bar on an interactive terminal (TERM not dumb); else log lines.</summary>
    public static ProgressMode DetectMode(int mpiRank)
    {
        if (mpiRank != 0) return ProgressMode.None;
        bool dumb = string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return !Console.IsOutputRedirected && !dumb ? ProgressMode.LiveBar : ProgressMode.LogLines;
    }

    /// <summary>Call after every step.</summary>
    public void Report(in ProgressSample s)
    {
        switch (mode)
        {
            case ProgressMode.LogLines when s.Step % every == 0:
                Logger.Info(FormatLine(s, wall.Elapsed));
                break;
            case ProgressMode.LiveBar:
                var now = wall.Elapsed;
                if (lastDraw is { } last && now - last < TimeSpan.FromMilliseconds(200) && s.Time < tEnd) return;
                lastDraw = now;
                var text = FormatBar(s, now);
                terminal.Write("\r" + text.PadRight(lastWidth));
                terminal.Flush();
                lastWidth = text.Length;
                break;
        }
    }

    /// <summary>Ends the live bar's line; logs the final state in LogLines mode.</summary>
    public void Finish(in ProgressSample last)
    {
        if (mode == ProgressMode.LiveBar)
        {
            terminal.Write("\r" + FormatBar(last, wall.Elapsed).PadRight(lastWidth) + Environment.NewLine);
            terminal.Flush();
        }
        else if (mode == ProgressMode.LogLines && last.Step % every != 0)
        {
            Logger.Info(FormatLine(last, wall.Elapsed));
        }
    }

    /// <summary>The log line of one sample.</summary>
    public string FormatLine(in ProgressSample s, TimeSpan elapsed) => string.Create(Inv,
        $"t = {s.Time:G6} / {tEnd:G6}  step {s.Step}  Δt = {s.Dt:E3}  mass = {s.Mass:E9}  r = {s.Rank}  wall {FormatDuration(elapsed)}  ETA {FormatEta(EstimateRemaining(elapsed, tStart, s.Time, tEnd))}");

    private string FormatBar(in ProgressSample s, TimeSpan elapsed)
    {
        double f = Math.Clamp((s.Time - tStart) / (tEnd - tStart), 0, 1);
        int filled = (int)Math.Round(f * BarWidth);
        return string.Create(Inv,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {100 * f,5:F1}%  t = {s.Time:G5}  step {s.Step}  r = {s.Rank}  wall {FormatDuration(elapsed)}  ETA {FormatEta(EstimateRemaining(elapsed, tStart, s.Time, tEnd))}");
    }

    /// <summary>Remaining wall time, extrapolated linearly in simulated time: elapsed · (tEnd − t)/(t − tStart).
    /// Null before any simulated time has passed.</summary>
    public static TimeSpan? EstimateRemaining(TimeSpan elapsed, double tStart, double t, double tEnd)
    {
        double done = t - tStart;
        if (!(done > 0) || !double.IsFinite(t)) return null;
        double left = Math.Max(0, tEnd - t);
        double seconds = elapsed.TotalSeconds * left / done;
        return seconds < TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>"--:--" when unknown, else as <see cref="FormatDuration"/>.</summary>
    public static string FormatEta(TimeSpan? eta) => eta is { } e ? FormatDuration(e) : "--:--";

    /// <summary>"mm:ss" below an hour, "h:mm:ss" below a day, "Nd hh:mm:ss" beyond (whole seconds, rounded).</summary>
    public static string FormatDuration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        var s = TimeSpan.FromSeconds(Math.Round(d.TotalSeconds));
        if (s.TotalHours < 1) return s.ToString(@"mm\:ss", Inv);
        if (s.TotalDays < 1) return string.Create(Inv, $"{(int)s.TotalHours}:{s.Minutes:00}:{s.Seconds:00}");
        return string.Create(Inv, $"{s.Days}d {s.Hours:00}:{s.Minutes:00}:{s.Seconds:00}");
    }
}
