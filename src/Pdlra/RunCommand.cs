using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra run DECK [--set k=v] [--restart CHECKPOINT]</c>: loads the deck and hands it to <see cref="RunDriver"/>
/// (header, time loop with progress, outputs, summary). Bad input — deck, overrides, an unwritable
/// <c>output.directory</c> — throws <see cref="InputException"/> and becomes exit code 2.</summary>
internal static class RunCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout, TextWriter stderr, string? restart = null)
    {
        var (rank, size) = LaunchEnvironment.Detect();
        Log.Configure(rank, verbose: false, stdout, stderr);
        if (size > 1)
        {
            // The domain-decomposed MPI layer is not in this build yet: rank 0 solves the whole grid.
            if (rank > 0) return ExitCodes.Done;
            NLog.LogManager.GetLogger("pdlra").Warn($"launched on {size} ranks, but this build has no MPI domain decomposition yet: rank 0 solves the whole grid, the other ranks exit");
        }
        var options = DeckReader.Load(deckPath, overrides);
        RunDriver.Run(options, RunContext.Serial(new PhaseTimers()), deckPath, stdout, restart);
        return ExitCodes.Done;
    }
}
