using ParallelDlra.Angular;
using ParallelDlra.Deck;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra check DECK [--set k=v]</c>: loads and validates the deck and prints the resolved
/// options as YAML (every key, defaults filled in). Bad input throws and becomes exit code 2.</summary>
internal static class CheckCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout, int ranks = 1)
    {
        if (ranks < 1) throw new InputException($"--ranks {ranks}: not a rank count; allowed: an integer >= 1");
        var options = DeckReader.Load(deckPath, overrides);
        // With --ranks N the ensemble's groups must divide N (the run checks the same against its ranks).
        if (ranks > 1 && options.Uncertainty?.GroupsError(ranks) is { } groupsError) throw groupsError;
        // A rank-local array beyond .NET's limit is refused here as at run (machine-independent); memory only at run.
        ParallelDlra.Application.ResourceEstimate.RefuseArrays(options, ranks);
        stdout.WriteLine($"# {deckPath}: valid; resolved options ({options.Grid.Dimension}D, {options.Angular.Describe()})");
        if (options.Angular.Method == AngularMethod.Sn)
            stdout.WriteLine($"# n_q = {DeckReader.AngularCount(options.Grid.Dimension, options.Angular)} ordinates");
        var estimate = ParallelDlra.Application.ResourceEstimate.Of(options, ranks);
        foreach (var line in estimate.Describe(ParallelDlra.Application.ResourceEstimate.Available(ranks)))
            stdout.WriteLine($"# {line}");
        stdout.Write(DeckWriter.ToYaml(options));
        return ExitCodes.Done;
    }
}
