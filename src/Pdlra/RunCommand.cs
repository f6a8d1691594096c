namespace ParallelDlra.Cli;

internal static class RunCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout, TextWriter stderr)
        => throw new NotImplementedException();
}
