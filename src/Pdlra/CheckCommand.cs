namespace ParallelDlra.Cli;

internal static class CheckCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout)
        => throw new NotImplementedException();
}
