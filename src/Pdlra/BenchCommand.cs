namespace ParallelDlra.Cli;

internal static class BenchCommand
{
    public static int Execute(string name, TextWriter stdout) => throw new NotImplementedException();
}
