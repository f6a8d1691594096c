using System.Diagnostics;
using System.Reflection;
using ParallelDlra.Tests.Support;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Starts the built <c>pdlra</c> (src/Pdlra/bin/CONFIG/net10.0, the configuration of this test
/// assembly) under <c>mpiexec -n k</c>, or directly for one rank, with a wall-clock limit.</summary>
internal static class MpiLauncher
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut)
    {
        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s{(TimedOut ? " (TIMED OUT)" : "")}\nstderr:\n{Stderr}\nstdout:\n{Stdout}";
    }

    private static readonly string Configuration =
        typeof(MpiLauncher).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string Pdlra => Path.Combine(TestDecks.RepositoryRoot(), "src", "Pdlra", "bin", Configuration, "net10.0", "pdlra");

    /// <summary>Why MPI tests cannot run here (null when they can): no mpiexec, no built pdlra, no shim.</summary>
    public static string? Unavailable()
    {
        if (FindOnPath("mpiexec") is null) return "mpiexec not on PATH";
        if (!File.Exists(Pdlra)) return $"{Pdlra} not built";
        if (!File.Exists(Path.Combine(Path.GetDirectoryName(Pdlra)!, "libpdlra_mpi.so")) &&
            !File.Exists(Path.Combine(TestDecks.RepositoryRoot(), "build", "native", "libpdlra_mpi.so")))
            return "MPI shim libpdlra_mpi.so not built (make native)";
        return null;
    }

    /// <summary>Runs pdlra with <paramref name="args"/> on <paramref name="ranks"/> ranks (1: without mpiexec).</summary>
    public static Result Run(int ranks, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (ranks == 1)
        {
            psi.FileName = Pdlra;
        }
        else
        {
            psi.FileName = FindOnPath("mpiexec")!;
            if (Environment.UserName == "root") psi.ArgumentList.Add("--allow-run-as-root");
            foreach (var a in new[] { "--oversubscribe", "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Pdlra })
                psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "dumb";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // One BLAS thread per rank: the machine's cores are shared by the ranks.
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool done = p.WaitForExit(limit);
        if (!done)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        return new Result(done ? p.ExitCode : -1, stdout.Result, stderr.Result, clock.Elapsed, !done);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
