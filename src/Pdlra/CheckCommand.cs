using ParallelDlra.Deck;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra check DECK [--set k=v]</c>: loads and validates the deck and prints the resolved
/// options as YAML (every key, defaults filled in). Bad input throws and becomes exit code 2.</summary>
internal static class CheckCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout)
    {
        var options = DeckReader.Load(deckPath, overrides);
        stdout.WriteLine($"# {deckPath}: valid; resolved options ({options.Grid.Dimension}D, P_{options.Angular.Order})");
        stdout.Write(DeckWriter.ToYaml(options));
        return ExitCodes.Done;
    }
}
