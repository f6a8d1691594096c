using NLog;
using NLog.Config;
using NLog.Targets;

namespace ParallelDlra.Diagnostics;

/// <summary>
/// Programmatic NLog set-up for an MPI run: one readable stream from rank 0, warnings and errors
/// from every rank with its rank number. Layout:
/// <c>${longdate:universalTime=true} [r${rank}] ${level} ${message}</c>. Info and below go to
/// standard output, Warn and above to standard error.
/// </summary>
public static class Log
{
    /// <summary>The layout of every line (<c>${rank}</c> is this process's MPI rank).</summary>
    public const string Layout = "${longdate:universalTime=true} [r${rank}] ${level:uppercase=true} ${message}${onexception:inner=${newline}${exception:format=tostring}}";

    /// <summary>
    /// Replaces the NLog configuration. Rank 0 logs Info (Debug when <paramref name="verbose"/>)
    /// and above; the other ranks log Warn and above only.
    /// </summary>
    /// <param name="mpiRank">this process's rank in the world communicator (0 for a serial run)</param>
    /// <param name="verbose">rank 0 also logs Debug</param>
    /// <param name="stdout">where Info/Debug go (default <see cref="Console.Out"/>)</param>
    /// <param name="stderr">where Warn/Error go (default <see cref="Console.Error"/>)</param>
    public static void Configure(int mpiRank, bool verbose, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mpiRank);
        LogManager.Setup().SetupExtensions(e => e.RegisterLayoutRenderer("rank", _ => mpiRank.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var config = new LoggingConfiguration();
        var outTarget = new TextWriterTarget("stdout", () => stdout ?? Console.Out) { Layout = Layout };
        var errTarget = new TextWriterTarget("stderr", () => stderr ?? Console.Error) { Layout = Layout };
        if (mpiRank == 0)
            config.AddRule(verbose ? LogLevel.Debug : LogLevel.Info, LogLevel.Info, outTarget);
        config.AddRule(LogLevel.Warn, LogLevel.Fatal, errTarget);
        LogManager.Configuration = config;
    }

    /// <summary>Writes rendered lines to a <see cref="TextWriter"/> chosen at write time, so
    /// <c>Console.SetOut</c> and in-process command runs (tests) are honoured.</summary>
    private sealed class TextWriterTarget : TargetWithLayout
    {
        private readonly Func<TextWriter> writer;

        public TextWriterTarget(string name, Func<TextWriter> writer)
        {
            Name = name;
            this.writer = writer;
        }

        protected override void Write(LogEventInfo logEvent)
        {
            var w = writer();
            w.WriteLine(RenderLogEvent(Layout, logEvent));
            w.Flush();
        }
    }
}
