using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Output;
using ParallelDlra.Solvers;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra run DECK [--set k=v]</c>: loads the deck and hands it to <see cref="RunDriver"/>
/// (header, time loop with progress, outputs, summary). Bad input — deck, overrides, an unwritable
/// <c>output.directory</c> — throws <see cref="InputException"/> and becomes exit code 2.</summary>
internal static class RunCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout, TextWriter stderr)
    {
        var options = DeckReader.Load(deckPath, overrides);
        Log.Configure(0, verbose: false, stdout, stderr);
        RunDriver.Run(options, RunContext.Serial(new PhaseTimers()), deckPath, stdout);
        return ExitCodes.Done;
    }
}
