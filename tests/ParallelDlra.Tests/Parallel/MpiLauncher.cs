using System.Diagnostics;
using System.Reflection;
using ParallelDlra.Tests.Support;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Starts the built <c>pdlra</c> (src/Pdlra/bin/CONFIG/net10.0, the configuration of this test
/// assembly) under <c>mpiexec -n k</c>, or directly for one rank, with a wall-clock limit.</summary>
internal static class MpiLauncher
{
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

    /// <summary>How to start pdlra with <paramref name="args"/> on <paramref name="ranks"/> ranks (1: without mpiexec).</summary>
    public static ProcessStartInfo StartInfo(int ranks, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var prefix = ranks == 1 ? []
            : new List<string>(Environment.UserName == "root" ? ["--allow-run-as-root"] : [])
                { "--oversubscribe", "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), Pdlra };
        // One BLAS thread per rank: the machine's cores are shared by the ranks. A serial run also gets one compute
        // thread (DOTNET_PROCESSOR_COUNT): its 2 threads' Parallel.For, sharing 2 cores with the busy-polling ranks of
        // the other test classes' mpiexec jobs, took 152 s for a run of 3.4 s alone (CI, 2026-12-02). The reductions
        // are chunked the same for every thread count, so the answers are those of the default.
        var environment = new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["OPENBLAS_NUM_THREADS"] = "1" };
        if (ranks == 1) environment["DOTNET_PROCESSOR_COUNT"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) environment[k] = v;
        return ChildProcess.Info(ranks == 1 ? Pdlra : ChildProcess.FindOnPath("mpiexec")!, [.. prefix, .. args], environment);
    }

    /// <summary>Runs pdlra with <paramref name="args"/> on <paramref name="ranks"/> ranks (1: without mpiexec).</summary>
    public static ChildProcess.Result Run(int ranks, IEnumerable<string> args, TimeSpan limit, IReadOnlyDictionary<string, string>? env = null)
        => ChildProcess.Run(StartInfo(ranks, args, env), limit);

    private static string? FindOnPath(string name) => ChildProcess.FindOnPath(name);
}
