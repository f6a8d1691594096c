using System.Diagnostics;

namespace ParallelDlra.Tests.Support;

/// <summary>The one way the tests start a child process (pdlra, mpiexec, sbatch, python, h5dump, pvpython, mount):
/// standard output and error redirected and drained asynchronously (a full pipe would block the child), no shell,
/// TERM=dumb, extra environment variables, an optional working directory, and a wall-clock limit after which the
/// whole process tree is killed.</summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut)
    {
        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s{(TimedOut ? " (TIMED OUT)" : "")}\nstderr:\n{Stderr}\nstdout:\n{Stdout}";
    }

    /// <summary>The start information: <paramref name="exe"/> with <paramref name="args"/> (each one argument, no shell).</summary>
    public static ProcessStartInfo Info(string exe, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>>? environment = null,
        string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "dumb";
        foreach (var (k, v) in environment ?? []) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Starts the process; the caller reads (or discards) its redirected streams.</summary>
    public static Process Start(ProcessStartInfo psi) =>
        Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");

    /// <summary>Runs the process to completion or to <paramref name="limit"/> (then kills its tree; exit code −1).</summary>
    public static Result Run(ProcessStartInfo psi, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        using var p = Start(psi);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool done = p.WaitForExit(limit);
        if (!done)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        p.WaitForExit();   // also waits for the redirected streams to close
        return new Result(done ? p.ExitCode : -1, stdout.Result, stderr.Result, clock.Elapsed, !done);
    }

    /// <summary>Full path of an executable on PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
