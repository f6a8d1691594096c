using System.Globalization;
using NLog;
using ParallelDlra.Deck;
using ParallelDlra.Diagnostics;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Output;
using ParallelDlra.Solvers;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Application;

/// <summary>What a finished run reports.</summary>
/// <param name="Steps">time steps taken</param>
/// <param name="FinalTime">simulated time reached</param>
/// <param name="InitialMass">mass at t = 0</param>
/// <param name="FinalMass">mass at <paramref name="FinalTime"/></param>
/// <param name="Wall">wall time of the whole run (setup, time loop, output)</param>
/// <param name="Files">the files written (rank 0)</param>
/// <param name="Timers">the phase timings</param>
public sealed record RunSummary(int Steps, double FinalTime, double InitialMass, double FinalMass, TimeSpan Wall,
    IReadOnlyList<string> Files, PhaseTimers Timers)
{
    /// <summary>(final − initial)/initial; NaN when the initial mass is zero.</summary>
    public double RelativeMassChange => InitialMass != 0 ? (FinalMass - InitialMass) / InitialMass : double.NaN;
}

/// <summary>
/// The body of <c>pdlra run</c>: prepares the output folder (failing early), logs a header, builds the
/// <see cref="Simulation"/>, runs it with a <see cref="ProgressReporter"/>, writes the outputs through
/// <see cref="OutputWriter"/> and logs a summary with the phase timings. Logging goes through NLog
/// (configure it with <see cref="Log.Configure"/> first); only rank 0 writes files.
/// </summary>
public static class RunDriver
{
    /// <summary>Phase names the driver times (solvers may add their own to the same <see cref="PhaseTimers"/>).</summary>
    public const string SetupPhase = "setup", LoopPhase = "time loop", OutputPhase = "output",
        SnapshotPhase = "snapshot write", CheckpointPhase = "checkpoint write";

    private static readonly Logger Logger = LogManager.GetLogger("run");
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <param name="options">the resolved deck</param>
    /// <param name="context">communicator and backend; its <see cref="RunContext.Timers"/> is used (or created) and passed on to the solver</param>
    /// <param name="source">where the options came from (the deck path), for the header</param>
    /// <param name="terminal">where a live progress bar is drawn (default <see cref="Console.Out"/>)</param>
    /// <exception cref="InputException">bad input, e.g. an <c>output.directory</c> that cannot be written</exception>
    /// <param name="restart">a checkpoint to continue from (<c>pdlra run DECK --restart FILE</c>), or null</param>
    /// <param name="overwrite">replace the results of another run in <c>output.directory</c> (<c>--overwrite</c>)</param>
    public static RunSummary Run(RunOptions options, RunContext context, string source, TextWriter? terminal = null, string? restart = null,
        bool overwrite = false)
    {
        var timers = context.Timers ?? new PhaseTimers();
        if (options.Uncertainty is { Method: not UncertaintyMethod.StochasticGalerkin })
        {
            // Collocation / Monte Carlo: an ensemble of deterministic runs (no checkpoints, no restart).
            if (restart is not null) throw new InputException($"--restart {restart}: an ensemble (uncertainty.method: collocation | monte_carlo) has no checkpoints to restart from");
            var ensemble = EnsembleDriver.Run(options, context with { Timers = timers }, source);
            return new RunSummary(0, options.Time.End, 0, 0, timers.Wall, ensemble.Files, timers);
        }

        // Sized before anything is allocated: the same estimate on every rank (the deck and the rank count only).
        ResourceEstimate.Refuse(options, context.Comm);

        // Fail on an unusable output folder, or one holding another run's results, before any computing: rank 0
        // checks and shares the outcome, so every rank throws the same InputException (only rank 0 has the message to print).
        OutputWriter? writer = null;
        IReadOnlyList<string> replaced = [];
        RootDecides(context.Comm, options, () =>
        {
            writer = OutputWriter.Prepare(options.Output.Directory, ResourceEstimate.Of(options, context.Comm.Size).DiskBytes);
            replaced = RunFolder.Claim(writer.Directory, restart, overwrite);
        });
        string runId = RunFolder.NewId(context.Comm);
        context = context with { Timers = timers, RunId = runId };
        // HDF5 is needed for diagnostics.h5 (and snapshots, checkpoints, restarts): fail before computing.
        _ = Interop.LibHdf5.Ids;

        var o = options;
        Logger.Info(Inv, $"pdlra run {source}: problem {o.Problem.Name}{(o.Problem.Description.Length > 0 ? $" — {o.Problem.Description}" : "")}");
        Logger.Info(Inv, $"grid {string.Join(" × ", o.Grid.Cells)} cells ({o.Grid.Dimension}D) on {string.Join(" × ", o.Grid.Extent.Select(e => $"[{e.Min:G6}, {e.Max:G6}]"))}, " +
                         $"boundary {string.Join(", ", o.Grid.Faces.Select((f, i) => $"{DeckWords.Faces[i]} {DeckWords.Of(DeckWords.Boundary, f.Kind)}"))}; " +
                         $"material {o.Material.Map.Name}");

        Simulation sim;
        using (timers.Measure(SetupPhase))
            sim = new Simulation(options, context);

        try
        {
            var disc = sim.Discretisation;
            int expected = ExpectedSteps(o.Time, sim.TimeStep);
            var la = LinearAlgebraProvider.Default;
            Logger.Info(Inv, $"angular {o.Angular.Describe()}, n_moments = {disc.Basis.Count}; n_cells = {disc.Grid.CellCount}; " +
                             $"solver {sim.Solver.Name} ({DeckWords.Of(DeckWords.Solver, o.Solver.Kind)}, flux {DeckWords.Of(DeckWords.Flux, o.Solver.Flux)}, " +
                             $"stepper {DeckWords.Of(DeckWords.Stepper, o.Time.Stepper)})");
            Logger.Info(Inv, $"time end {o.Time.End:G6}, cfl {o.Time.Cfl:G4}, Δt = {sim.TimeStep:E4}, {expected} steps expected" +
                             (o.Time.MaxSteps < int.MaxValue ? $" (time.max_steps = {o.Time.MaxSteps})" : ""));
            Logger.Info(Inv, $"backend {context.Backend.Name}; linear algebra {la.Name}, {la.Threads} thread(s); {context.Comm.Size} rank(s)");
            Logger.Info(Inv, $"output {writer?.Directory ?? options.Output.Directory}");

            // The progress ETA runs to the time the run will actually reach (time.max_steps may stop it early).
            double tStop = Math.Min(o.Time.End, expected * sim.TimeStep);
            if (!(tStop > 0)) tStop = o.Time.End;
            string directory = writer?.Directory ?? options.Output.Directory;
            SnapshotWriter.Validate(sim.Description);
            var snapshots = o.Output.Snapshots ? new SnapshotWriter(sim.Description, directory) : null;
            var checkpoints = o.Output.CheckpointEvery > 0 ? new CheckpointStore(sim.Description, directory) : null;
            string? parent = null;
            if (restart is not null)
            {
                CheckpointState state;
                using (timers.Measure(SetupPhase))
                {
                    state = CheckpointStore.Load(restart, sim.Description);
                    sim.Resume(state.Step, state.Time, state.History);
                }
                RootDecides(context.Comm, options, () =>
                {
                    if (writer is null) return;
                    CheckpointStore.RemoveInterrupted(writer.Directory, state.RunId, restart);
                    if (!overwrite && checkpoints is not null) RefuseReplacing(writer.Directory, o, sim, state);
                });
                snapshots?.ResumeAt(state.Step, state.Time);
                parent = state.RunId;
                if (writer is not null) RunFolder.WriteMarker(writer.Directory, runId, o.Problem.Name, state.RunId, state.File, "running");
                Logger.Info(Inv, $"restart from {state.File}: step {state.Step}, t = {state.Time:R}, rank {sim.Solver.Rank}");
            }
            else
            {
                RootDecides(context.Comm, options, () => { if (writer is not null) RunFolder.Take(writer.Directory, replaced); });
                if (writer is not null) RunFolder.WriteMarker(writer.Directory, runId, o.Problem.Name, null, null, "running");
                if (snapshots is not null && snapshots.Due(0, 0.0))
                    using (timers.Measure(SnapshotPhase)) snapshots.Write(0, 0.0);
            }
            Logger.Info(Inv, $"run id {runId}");

            if (!(tStop > sim.StartTime)) tStop = sim.StartTime + sim.TimeStep; // a restart with no step left to take
            var uq = UncertaintyOutput.For(sim.Description);
            if (uq is not null && sim.History.Count == 0) uq.Record(0, 0.0);
            var progress = new ProgressReporter(sim.StartTime, tStop, o.Output.ProgressEvery, ProgressReporter.DetectMode(context.Comm.Rank), terminal);
            int lastCheckpoint = -1;
            var counters = context.Comm.Counters;
            long loopCalls0 = counters.CollectiveCalls, loopBytes0 = counters.CollectiveBytes;
            try
            {
                using (timers.Measure(LoopPhase))
                    sim.Run(d =>
                    {
                        progress.Report(new ProgressSample(d.Time, d.Step, d.TimeStep, d.Mass, d.Rank));
                        uq?.Record(d.Step, d.Time);
                        if (snapshots is not null && snapshots.Due(d.Step, d.Time))
                            using (timers.Measure(SnapshotPhase)) snapshots.Write(d.Step, d.Time);
                        if (checkpoints is not null && checkpoints.Due(d.Step))
                            using (timers.Measure(CheckpointPhase)) { checkpoints.Write(d.Step, d.Time); lastCheckpoint = d.Step; }
                    });
            }
            catch (SimulationFailure)
            {
                WritePartial(writer, sim, runId);
                throw;
            }
            long loopCalls = counters.CollectiveCalls - loopCalls0, loopBytes = counters.CollectiveBytes - loopBytes0;
            var first = sim.History[0];
            var last = sim.History[^1];
            progress.Finish(new ProgressSample(last.Time, last.Step, last.TimeStep, last.Mass, last.Rank));

            IReadOnlyList<string> files = [];
            using (timers.Measure(OutputPhase))
            {
                // The last step always gets a snapshot and a checkpoint when they are asked for at all (collective).
                if (snapshots is not null && !snapshots.Has(last.Step))
                    using (timers.Measure(SnapshotPhase)) snapshots.Write(last.Step, last.Time);
                if (checkpoints is not null && lastCheckpoint != last.Step && last.Step > sim.StartStep)
                {
                    try
                    {
                        using (timers.Measure(CheckpointPhase)) checkpoints.Write(last.Step, last.Time);
                    }
                    catch (SimulationFailure)
                    {
                        WritePartial(writer, sim, runId); // a full disk at the last checkpoint
                        throw;
                    }
                }
                var uqFiles = uq?.Write(writer) ?? []; // collective
                var run = OutputWriter.WriteRun(writer, sim.Description); // collective: the field comes to rank 0 chunk by chunk
                if (writer is not null)
                {
                    var written = run.ToList();
                    written.AddRange(uqFiles);
                    if (snapshots is not null) written.Add(writer.PathOf(SnapshotWriter.IndexFile));
                    files = written;
                }
            }

            if (writer is not null) RunFolder.WriteMarker(writer.Directory, runId, o.Problem.Name, parent, restart is null ? null : Path.GetFullPath(restart), "done");
            var summary = new RunSummary(last.Step, last.Time, first.Mass, last.Mass, timers.Wall, files, timers);
            LogSummary(summary, writer);
            // Rank 0's own counts (every rank does the same collectives); per step: the time loop only.
            int loopSteps = last.Step - sim.StartStep;
            Logger.Info(Inv, $"communication: {counters.CollectiveCalls} collective calls " +
                             $"({(loopSteps > 0 ? (double)loopCalls / loopSteps : 0):F1} per step), " +
                             $"{(loopSteps > 0 ? (double)loopBytes / loopSteps : 0):F0} bytes per step; " +
                             $"halo exchange {counters.MessagesSent} messages, {counters.BytesSent} bytes");
            if (sim.Solver is LowRank.LowRankSolver { Options: { Kind: SolverKind.ParallelBug or SolverKind.AugmentedBug, StepRejection: true } } lr)
                Logger.Info(Inv, $"step rejection: {lr.Context.Rejections} {(lr.Options.Kind == SolverKind.ParallelBug ? "parallel" : "augmented")} BUG steps repeated on augmented bases");
            if (sim.Solver is LowRank.LowRankSolver { Context.CappedTruncations: > 0 } capped)
                Logger.Warn(Inv, $"the rank was held at solver.truncation.r_max = {capped.Options.Truncation.RMax} in " +
                                 $"{capped.Context.CappedTruncations} truncations, discarding up to {capped.Context.CappedExcess:G3} × the " +
                                 $"tolerance θ·Δt allows: there r_max, not θ, set the error; raise r_max (at most n_moments) for the accuracy θ asks");
            return summary;
        }
        finally
        {
            sim.Solver.Dispose();
        }
    }

    /// <summary>Runs <paramref name="check"/> on rank 0 and shares whether it threw <see cref="InputException"/>, so that
    /// every rank throws (only rank 0 has the message; the others' name <c>output.directory</c>).</summary>
    private static void RootDecides(Parallel.ICommunicator comm, RunOptions options, Action check)
    {
        InputException? bad = null;
        if (comm.Rank == 0)
        {
            try { check(); }
            catch (InputException e) { bad = e; }
        }
        if (comm.Size > 1)
        {
            Span<double> ok = [bad is null ? 1.0 : 0.0];
            comm.Broadcast(ok);
            if (ok[0] == 0.0 && bad is null) bad = new InputException($"output.directory = {options.Output.Directory}: refused on rank 0");
        }
        if (bad is not null) throw bad;
    }

    /// <summary>A restart must not replace a checkpoint of an earlier run: refuses when a file it will write exists.</summary>
    private static void RefuseReplacing(string directory, RunOptions o, Simulation sim, CheckpointState state)
    {
        int last = ExpectedSteps(o.Time, sim.TimeStep), every = o.Output.CheckpointEvery;
        var steps = new List<int> { last };
        for (long k = ((long)state.Step / every + 1) * every; k <= last; k += every) steps.Add((int)k);
        foreach (int step in steps.Where(k => k > state.Step))
        {
            string path = Path.Combine(directory, CheckpointStore.FileName(step));
            if (File.Exists(path) && Path.GetFullPath(path) != state.File)
                throw new InputException($"output.directory = {directory}: the restart would replace {CheckpointStore.FileName(step)} of an earlier run; " +
                                         "allowed: another output.directory, or --overwrite to replace it");
        }
    }

    /// <summary>After a run stopped on purpose: the diagnostics up to the failing step and the resolved deck (rank 0); the
    /// checkpoints already written stay. A second failure here (a full disk) is logged, not thrown over the first.</summary>
    private static void WritePartial(OutputWriter? writer, Simulation sim, string runId)
    {
        if (writer is null) return;
        try
        {
            writer.WriteDiagnostics(sim.History);
            writer.WriteDiagnosticsHdf5(sim.History, sim.Options, runId);
            writer.WriteDeck(sim.Options, runId);
            RunFolder.WriteMarker(writer.Directory, runId, sim.Options.Problem.Name, null, null, "failed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Interop.Hdf5Exception)
        {
            Logger.Warn($"the partial diagnostics could not be written: {e.Message}");
        }
    }

    /// <summary>Steps the time loop of <see cref="Simulation.Run"/> will take: ⌈end/Δt⌉ (with its 1e-12
    /// tolerance), at most time.max_steps.</summary>
    public static int ExpectedSteps(TimeOptions time, double dt)
    {
        double n = Math.Ceiling(time.End * (1 - 1e-12) / dt);
        return n >= time.MaxSteps ? time.MaxSteps : (int)n;
    }

    private static void LogSummary(RunSummary s, OutputWriter? writer)
    {
        double perStep = s.Steps > 0 ? s.Timers.Phases.First(p => p.Name == LoopPhase).Total.TotalSeconds / s.Steps : 0;
        Logger.Info(Inv, $"done: {s.Steps} steps to t = {s.FinalTime:G6} in {ProgressReporter.FormatDuration(s.Wall)} ({s.Wall.TotalSeconds:F3} s; {1e3 * perStep:F3} ms per step)");
        string change = double.IsNaN(s.RelativeMassChange)
            ? $"change {s.FinalMass - s.InitialMass:E3} (initial mass 0)"
            : $"relative change {s.RelativeMassChange:E3}";
        Logger.Info(Inv, $"mass: initial {s.InitialMass:E9}, final {s.FinalMass:E9}, {change}");
        if (writer is not null)
            Logger.Info(Inv, $"wrote {string.Join(", ", s.Files.Select(Path.GetFileName))} in {writer.Directory}");
        Logger.Info("phase timings:");
        foreach (var line in s.Timers.FormatTable(s.Wall).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Logger.Info(line);
    }
}
