using ParallelDlra.Verification;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra bench NAME [ARGS]</c>: runs a benchmark of <see cref="Benchmarks.All"/> and prints its
/// figures (nothing asserted). An unknown name is bad input (exit 2).</summary>
internal static class BenchCommand
{
    public static int Execute(string name, string[] args, TextWriter stdout)
    {
        Benchmarks.Run(name, args, stdout);
        return ExitCodes.Done;
    }
}
