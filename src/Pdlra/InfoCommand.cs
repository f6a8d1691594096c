namespace ParallelDlra.Cli;

internal static class InfoCommand
{
    public static int Execute(TextWriter stdout) => throw new NotImplementedException();
}
