using ParallelDlra.Diagnostics;
using Xunit;

namespace ParallelDlra.Tests.Diagnostics;

public sealed class PhaseTimersTests
{
    [Fact]
    public void Measure_accumulates_time_and_calls_per_phase_in_first_use_order()
    {
        var timers = new PhaseTimers();
        for (int i = 0; i < 3; i++)
            using (timers.Measure("flux")) Thread.Sleep(5);
        using (timers.Measure("qr")) { }
        timers.Add("allreduce", TimeSpan.FromMilliseconds(250));

        var phases = timers.Phases;
        Assert.Equal(["flux", "qr", "allreduce"], phases.Select(p => p.Name));
        Assert.Equal(3, phases[0].Calls);
        Assert.True(phases[0].Total >= TimeSpan.FromMilliseconds(14), $"{phases[0].Total}"); // theory: Sleep(5) waits at least 5 ms, three times; 1 ms for the clock's granularity
        Assert.Equal(1, phases[1].Calls);
        Assert.Equal(0.25, phases[2].Total.TotalSeconds, 1e-6); // theory: TimeSpan adds whole 100 ns ticks
    }

    [Fact]
    public void Table_lists_total_seconds_percent_of_wall_and_calls()
    {
        var timers = new PhaseTimers();
        timers.Add("flux", TimeSpan.FromSeconds(3));
        timers.Add("flux", TimeSpan.FromSeconds(1));
        timers.Add("truncation", TimeSpan.FromSeconds(1));
        var lines = timers.FormatTable(TimeSpan.FromSeconds(10)).TrimEnd('\n').Split('\n');

        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^phase\s+total s\s+% wall\s+calls$", lines[0]);
        Assert.Matches(@"^flux\s+4\.000\s+40\.0%\s+2$", lines[1]);
        Assert.Matches(@"^truncation\s+1\.000\s+10\.0%\s+1$", lines[2]);
        Assert.Matches(@"^wall\s+10\.000\s+100\.0%", lines[3]);
    }
}

public sealed class ProgressReporterTests
{
    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(59.6, "01:00")]
    [InlineData(754, "12:34")]
    [InlineData(3600, "1:00:00")]
    [InlineData(3 * 3600 + 62, "3:01:02")]
    [InlineData(90000, "1d 01:00:00")]
    public void Durations_are_formatted_compactly(double seconds, string expected)
        => Assert.Equal(expected, ProgressReporter.FormatDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Eta_extrapolates_elapsed_wall_time_by_the_simulated_time_left()
    {
        // A quarter of [0.5, 2.5] done in 30 s: 90 s to go.
        var eta = ProgressReporter.EstimateRemaining(TimeSpan.FromSeconds(30), 0.5, 1.0, 2.5);
        Assert.Equal(90, eta!.Value.TotalSeconds, 1e-9); // theory: 30 s·(2.5 − 1)/(1 − 0.5); rounding of one quotient
        Assert.Equal("01:30", ProgressReporter.FormatEta(eta));
        Assert.Equal(TimeSpan.Zero, ProgressReporter.EstimateRemaining(TimeSpan.FromSeconds(30), 0, 1.0, 1.0));
    }

    [Fact]
    public void Eta_is_unknown_before_time_advances()
    {
        Assert.Null(ProgressReporter.EstimateRemaining(TimeSpan.FromSeconds(3), 0.0, 0.0, 1.0));
        Assert.Null(ProgressReporter.EstimateRemaining(TimeSpan.FromSeconds(3), 0.0, double.NaN, 1.0));
        Assert.Equal("--:--", ProgressReporter.FormatEta(null));
    }

    [Fact]
    public void Log_line_names_time_step_dt_mass_rank_wall_and_eta()
    {
        var p = new ProgressReporter(0, 1, 10, ProgressMode.LogLines);
        var line = p.FormatLine(new ProgressSample(0.25, 100, 2.5e-3, 1.0, 12), TimeSpan.FromSeconds(20));
        Assert.Equal("t = 0.25 / 1  step 100  Δt = 2.500E-003  mass = 1.000000000E+000  r = 12  wall 00:20  ETA 01:00", line);
    }

    [Fact]
    public void Live_bar_rewrites_one_line_and_ends_it()
    {
        var term = new StringWriter();
        var p = new ProgressReporter(0, 1, 10, ProgressMode.LiveBar, term);
        p.Report(new ProgressSample(0.5, 1, 0.5, 1, 3));
        p.Finish(new ProgressSample(1.0, 2, 0.5, 1, 3));
        var text = term.ToString();
        Assert.StartsWith("\r[", text);
        Assert.Contains("100.0%", text);
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}

[Collection("NLog configuration")]
public sealed class LogTests
{
    [Fact]
    public void Rank_zero_logs_info_and_other_ranks_only_warnings_with_their_rank()
    {
        var logger = NLog.LogManager.GetLogger("test");

        var out0 = new StringWriter();
        var err0 = new StringWriter();
        Log.Configure(0, verbose: false, out0, err0);
        logger.Info("hello");
        logger.Debug("hidden");
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[r0\] INFO hello\r?\n$", out0.ToString());
        Assert.Equal("", err0.ToString());

        var out1 = new StringWriter();
        var err1 = new StringWriter();
        Log.Configure(1, verbose: true, out1, err1);
        logger.Info("not from rank 1");
        logger.Warn("careful");
        Assert.Equal("", out1.ToString());
        Assert.Matches(@"\[r1\] WARN careful", err1.ToString());

        NLog.LogManager.Configuration = null;
    }
}
