using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;
using ParallelDlra.Application;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra run DECK [--set k=v] [--restart CHECKPOINT]</c>: loads the deck and hands it to <see cref="RunDriver"/>
/// (header, time loop with progress, outputs, summary). Bad input — deck, overrides, an unwritable
/// <c>output.directory</c> — throws <see cref="InputException"/> and becomes exit code 2.
/// <para>Started by a launcher with more than one rank (mpiexec, srun: <see cref="LaunchEnvironment"/>), it
/// initialises MPI, splits the grid (<see cref="CartesianDecomposition"/>) and every rank solves its block;
/// otherwise it runs serially without touching MPI. The failure policy of a parallel run is in
/// <see cref="MpiFailurePolicy"/>.</para></summary>
internal static class RunCommand
{
    public static int Execute(string deckPath, string[] overrides, TextWriter stdout, TextWriter stderr, string? restart = null, bool overwrite = false)
    {
        var (rank, size) = LaunchEnvironment.Detect();
        Log.Configure(rank, verbose: false, stdout, stderr);
        if (size == 1)
        {
            TestFailure.ThrowIfRequested(rank);
            var options = DeckReader.Load(deckPath, overrides);
            var local = NodeLocalRank.FromEnvironment();
            using var backend = ComputeBackends.Create(options.Compute, local.Rank, local.Size);
            RunDriver.Run(options, new RunContext(SerialCommunicator.Instance, backend, Timers: new PhaseTimers()), deckPath, stdout, restart, overwrite);
            return ExitCodes.Done;
        }

        var comm = MpiCommunicator.InitializeWorld();
        return MpiFailurePolicy.Run(comm, stderr, () =>
        {
            TestFailure.ThrowIfRequested(comm.Rank);
            var options = DeckReader.Load(deckPath, overrides);
            var local = NodeLocalRank.FromEnvironment();
            using var backend = ComputeBackends.Create(options.Compute, local.Rank, local.Size);
            var context = new RunContext(comm, backend, CartesianDecomposition.Hook(comm), new PhaseTimers())
            {
                DecomposeOver = group => CartesianDecomposition.Hook((MpiCommunicator)group),   // ensemble groups (uncertainty.groups)
            };
            RunDriver.Run(options, context, deckPath, stdout, restart, overwrite);
            return ExitCodes.Done;
        });
    }
}

/// <summary>
/// What happens when a rank of a parallel run fails (issue #4):
/// <list type="bullet">
/// <item><see cref="InputException"/>: bad input that every rank detects the same way (deck, overrides,
/// a grid that cannot be split, an unwritable output folder shared by rank 0). Rank 0 prints
/// <c>error: message</c>, every rank finalises MPI and exits with 2. Should the other ranks not follow
/// (the input was bad on some ranks only), a watchdog logs <c>rank N: message</c> after
/// <see cref="FinalizeTimeout"/> and aborts the job with 2.</item>
/// <item><see cref="SimulationFailure"/> (divergence, lost orthonormality or conservation, detected from
/// allreduced data, so on every rank alike): rank 0 prints <c>failure: message</c>, every rank exits with 1.</item>
/// <item>any other exception: the rank logs <c>rank N: Type: message</c> on standard error and calls
/// MPI_Abort(1), which ends every rank — no rank waits forever in a collective.</item>
/// </list>
/// </summary>
internal static class MpiFailurePolicy
{
    public static readonly TimeSpan FinalizeTimeout = TimeSpan.FromSeconds(10);

    public static int Run(MpiCommunicator comm, TextWriter stderr, Func<int> body)
    {
        int code;
        try
        {
            code = body();
        }
        catch (InputException e)
        {
            if (comm.IsRoot) stderr.WriteLine($"error: {e.Message}");
            stderr.Flush();
            FinalizeOrAbort(comm, stderr, ExitCodes.BadInput, e.Message);
            return ExitCodes.BadInput;
        }
        catch (SimulationFailure e)
        {
            // Detected alike on every rank (from allreduced quantities): one line from rank 0, exit 1 everywhere.
            if (comm.IsRoot) stderr.WriteLine($"failure: {e.Message}");
            stderr.Flush();
            FinalizeOrAbort(comm, stderr, ExitCodes.Failure, e.Message);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AbortJob(comm, stderr, ExitCodes.Failure, $"{e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure; // not reached
        }
        FinalizeOrAbort(comm, stderr, code, null);
        return code;
    }

    /// <summary>Logs <c>rank N: message</c> and ends the whole job (MPI_Abort). Only the first rank of the job (on this
    /// node) to fail prints: when every rank fails alike, one copy of the message, not one per rank.</summary>
    public static void AbortJob(ICommunicator comm, TextWriter stderr, int code, string message)
    {
        if (FirstToReport()) stderr.WriteLine($"rank {comm.Rank}: {message}");
        stderr.Flush();
        Console.Out.Flush();
        comm.Abort(code);
    }

    /// <summary>Whether this rank is the first of its job on this node to report a failure: an exclusive create of
    /// <c>pdlra-failure-JOB</c> in the temporary folder (JOB: the launcher's job id). Without a job id: true.</summary>
    private static bool FirstToReport()
    {
        string? job = Environment.GetEnvironmentVariable("PMIX_NAMESPACE") ?? Environment.GetEnvironmentVariable("OMPI_MCA_ess_base_jobid")
            ?? (Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { } j ? $"{j}.{Environment.GetEnvironmentVariable("SLURM_STEP_ID")}" : null);
        if (job is null || job.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '.' and not '-' and not '_')) return true;
        try
        {
            using var claim = new FileStream(Path.Combine(Path.GetTempPath(), $"pdlra-failure-{job}"), FileMode.CreateNew, FileAccess.Write);
            return true;
        }
        catch (IOException)
        {
            return false; // another rank of this job has reported
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>MPI_Finalize, which waits for every rank; if that takes longer than
    /// <see cref="FinalizeTimeout"/> (some rank is stuck elsewhere), abort the job instead.</summary>
    private static void FinalizeOrAbort(MpiCommunicator comm, TextWriter stderr, int code, string? message)
    {
        using var finalized = new ManualResetEventSlim();
        var watchdog = new Thread(() =>
        {
            if (finalized.Wait(FinalizeTimeout)) return;
            AbortJob(comm, stderr, code == ExitCodes.Done ? ExitCodes.Failure : code,
                message ?? $"the other ranks did not finish within {FinalizeTimeout.TotalSeconds:F0} s");
        }) { IsBackground = true, Name = "mpi-finalize-watchdog" };
        watchdog.Start();
        comm.Dispose();
        finalized.Set();
    }
}

/// <summary>Deliberate failures for the MPI tests. The one place that reads <c>PDLRA_TEST_FAIL_RANK</c>:
/// when it holds this process's rank (or <c>all</c>: every rank), <c>pdlra run</c> throws before loading the deck (the other ranks go
/// on into their first collective), so the tests can check that one failing rank ends the whole job.</summary>
internal static class TestFailure
{
    public const string Variable = "PDLRA_TEST_FAIL_RANK";

    public static void ThrowIfRequested(int rank)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "all")
            throw new InvalidOperationException($"{Variable}=all: failing on purpose");
        if (int.TryParse(Environment.GetEnvironmentVariable(Variable), out int failing) && failing == rank)
            throw new InvalidOperationException($"{Variable}={failing}: failing on purpose");
    }
}
