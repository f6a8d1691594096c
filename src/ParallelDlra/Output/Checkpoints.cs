using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using NLog;
using ParallelDlra.Angular;
using ParallelDlra.Deck;
using ParallelDlra.Interop;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Problems;
using ParallelDlra.Solvers;

namespace ParallelDlra.Output;

/// <summary>
/// The options that decide the trajectory of a run, as canonical text and its SHA-256: grid, boundary,
/// angular order, the material map's content, initial condition, CFL number, stepper and solver. Not included:
/// problem name and description, <c>time.end</c> and <c>time.max_steps</c> (a restart may run further), output keys
/// (snapshot times do not change the time steps).
/// </summary>
public static class PhysicsFingerprint
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Text(RunOptions o)
    {
        var w = new StringBuilder();
        string N(double v) => v.ToString("R", Inv);
        string M(Material m) => $"sigma_s={N(m.SigmaS)} sigma_a={N(m.SigmaA)} source={N(m.Source)}";
        w.Append(Inv, $"grid.cells: {string.Join(",", o.Grid.Cells)}\n");
        w.Append(Inv, $"grid.extent: {string.Join(",", o.Grid.Extent.Select(e => $"[{N(e.Min)},{N(e.Max)}]"))}\n");
        w.Append(Inv, $"grid.boundary: {string.Join(",", o.Grid.Faces.Select((f, i) => $"{DeckWords.Faces[i]}={DeckWords.Of(DeckWords.Boundary, f.Kind)}:{N(f.InflowScalarFlux)}"))}\n");
        w.Append(Inv, $"angular.order: {o.Angular.Order}\n");
        if (o.Angular.Method != AngularMethod.Pn)   // P_N fingerprints stay those of the runs written before S_N
            w.Append(Inv, $"angular.method: {DeckWords.Of(DeckWords.Angular, o.Angular.Method)} {DeckWords.Of(DeckWords.Quadrature, o.Angular.Quadrature)}\n");
        if (o.Angular.Rotation is { } rotation)
            w.Append(Inv, $"angular.rotation: {DeckWords.Of(DeckWords.Rotation, rotation.Angle)} fraction={N(rotation.Fraction)} seed={rotation.Seed}\n");
        if (o.Angular.Filter is { } filter)
            w.Append(Inv, $"angular.filter: {DeckWords.Of(DeckWords.Filter, filter.Type)} strength={N(filter.Strength)} order={filter.Order}\n");
        var map = o.Material.Map;
        w.Append(Inv, $"material.background: {M(map.Background)}\n");
        foreach (var r in map.Regions)
            w.Append(Inv, $"material.region {r.Name}: {M(r.Material)} boxes={string.Join(";", r.Boxes.Select(b => string.Join(",", b.Sides.Select(e => $"[{N(e.Min)},{N(e.Max)}]"))))}\n");
        var ic = o.Initial;
        w.Append(Inv, $"initial: {DeckWords.Of(DeckWords.Initial, ic.Kind)} center={string.Join(",", ic.Center.Select(N))} sigma={N(ic.Sigma)} mass={N(ic.Mass)} value={N(ic.Value)}\n");
        w.Append(Inv, $"time.cfl: {N(o.Time.Cfl)}\n");
        w.Append(Inv, $"time.stepper: {DeckWords.Of(DeckWords.Stepper, o.Time.Stepper)}\n");
        var s = o.Solver;
        w.Append(Inv, $"solver: {DeckWords.Of(DeckWords.Solver, s.Kind)} flux={DeckWords.Of(DeckWords.Flux, s.Flux)} rank={s.InitialRank} conservative={s.Conservative}\n");
        w.Append(Inv, $"solver.truncation: theta={N(s.Truncation.Theta)} {DeckWords.Of(DeckWords.Tolerance, s.Truncation.Kind)} r_min={s.Truncation.RMin} r_max={s.Truncation.RMax}\n");
        if (s.SpaceOrder != 1)   // only second-order decks: the fingerprint of every other deck is unchanged
            w.Append(Inv, $"solver.space_order: {s.SpaceOrder}\n");
        if (s.Limiter != SlopeLimiter.None)
            w.Append(Inv, $"solver.limiter: {DeckWords.Of(DeckWords.Limiter, s.Limiter)}\n");
        if (o.Material.Thermal is { } th)   // only thermal decks: the fingerprint of every other deck is unchanged
            w.Append(Inv, $"material.thermal: heat_capacity={N(th.HeatCapacity)} initial_energy={N(th.InitialEnergy)} source_until={N(th.SourceUntil)}\n");
        if (o.Material.Thermal?.Opacity is { } law)   // only decks with an opacity law (the Marshak wave)
            w.Append(Inv, $"material.thermal.opacity: power sigma_0={N(law.Sigma0)} exponent={N(law.Exponent)} temperature_floor={N(law.TemperatureFloor)}\n");
        return w.ToString();
    }

    public static string Hash(RunOptions o) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text(o))));
}

/// <summary>The state a checkpoint restores: where the run stood and its diagnostics so far, and the run that wrote it
/// (<see cref="RunId"/>, "" for a file of an older pdlra).</summary>
public sealed record CheckpointState(string File, int Step, double Time, IReadOnlyList<StepDiagnostics> History, string RunId = "");

/// <summary>
/// Checkpoints of the whole state (docs/output.md): <c>checkpoint_NNNNNN.h5</c> with the full-rank moments u or the
/// factors X, S, V, the step, the time and the diagnostics so far, every <c>output.checkpoint_every</c> steps and
/// at the end of the run. Written atomically: to <c>.checkpoint_NNNNNN.h5.tmp</c>, fsync, rename, fsync of the
/// folder; then all but the last <c>output.checkpoint_keep</c> are removed. <see cref="Load"/> restores a run's
/// solver state bit for bit (through <see cref="ISolver.Restore"/>) and returns the step, time and diagnostics to resume from.
/// </summary>
public sealed class CheckpointStore
{
    public const string Format = "pdlra-checkpoint";

    /// <summary>Test hook (documented in docs/output.md, "Test hooks"): seconds to sleep inside every checkpoint
    /// write, after the data are in the temporary file and before it is closed and renamed, so that a test can
    /// kill the process in the middle of a write.</summary>
    public const string PauseVariable = "PDLRA_TEST_CHECKPOINT_PAUSE_S";

    private static readonly Logger Logger = LogManager.GetLogger("checkpoint");
    private static readonly string[] DiagnosticColumns = ["step", "time", "dt", "rank", "mass", "outflow", "discarded_tail", "orthonormality_defect", "wall_s", "absorption", "source", "mass_defect"];

    private readonly RunDescription _run;
    private readonly ICommunicator _comm;
    private readonly List<string> _written = [];
    private long _lastBytes;

    public CheckpointStore(RunDescription run, string directory)
    {
        _run = run;
        _comm = run.Comm;
        Directory = directory;
    }

    /// <summary>Removes the temporary files of interrupted checkpoint writes of run <paramref name="runId"/> (the run a
    /// restart continues; it is not running any more) — never another run's, never <paramref name="keep"/> (the
    /// restart source). Rank 0.</summary>
    public static void RemoveInterrupted(string directory, string runId, string? keep = null)
    {
        if (runId.Length == 0) return;
        string? kept = keep is null ? null : Path.GetFullPath(keep);
        foreach (var stale in System.IO.Directory.GetFiles(directory, $".checkpoint_*.{runId}.h5.tmp")
                     .Concat(System.IO.Directory.GetFiles(directory, $".snapshot_*.{runId}.h5.tmp")))
            if (Path.GetFullPath(stale) != kept) File.Delete(stale);
    }

    public string Directory { get; }

    /// <summary>The checkpoints this run has written and not yet pruned, oldest first.</summary>
    public IReadOnlyList<string> Written => _written;

    public static string FileName(int step) => $"checkpoint_{step:D6}.h5";

    /// <summary>Name of the temporary file of a checkpoint write of run <paramref name="runId"/>.</summary>
    public static string TempName(int step, string runId) => $".checkpoint_{step:D6}.{runId}.h5.tmp";

    public bool Due(int step) => _run.Options.Output.CheckpointEvery > 0 && step % _run.Options.Output.CheckpointEvery == 0;

    /// <summary>Writes the checkpoint of the current state after <paramref name="step"/> (collective), with a checksum on
    /// every dataset. A write that fails (a full disk) removes its temporary file and throws
    /// <see cref="SimulationFailure"/>; the checkpoints written before stay.</summary>
    public string Write(int step, double time)
    {
        string final = Path.Combine(Directory, FileName(step));
        string tmp = Path.Combine(Directory, TempName(step, _run.RunId));
        RefuseWhenFull(step, time);
        try
        {
            WriteFile(tmp, step, time);
            if (_comm.Rank == 0)
            {
                using (var f = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite)) f.Flush(flushToDisk: true);
                File.Move(tmp, final, overwrite: true);
                LibC.FsyncDirectory(Directory);
                _lastBytes = new FileInfo(final).Length;
            }
        }
        catch (Exception e) when (e is Hdf5Exception or IOException or UnauthorizedAccessException)
        {
            if (_comm.Rank == 0) try { File.Delete(tmp); } catch (IOException) { }
            string kept = _written.Count > 0 ? $"{Path.GetFileName(_written[^1])} is kept" : "no earlier checkpoint of this run";
            throw new SimulationFailure($"step {step} (t = {time.ToString("G6", CultureInfo.InvariantCulture)}): checkpoint {FileName(step)} could not be written " +
                                        $"in {Directory} ({OneLine(e.Message)}); {kept}; free space there (a full disk?) and restart from it");
        }
        _written.Remove(final);
        _written.Add(final);
        if (_comm.Rank == 0) Rotate();
        _comm.Barrier();
        return final;
    }

    /// <summary>Stops the run before a checkpoint write that would not fit (free space below twice the size of the last
    /// checkpoint and 64 KiB): decided on rank 0 and shared, so every rank stops alike, and HDF5 never meets a full disk
    /// in the common case.</summary>
    private void RefuseWhenFull(int step, double time)
    {
        Span<double> v = [0, 0];
        if (_comm.Rank == 0 && _lastBytes > 0)
        {
            try { v[0] = new DriveInfo(Directory).AvailableFreeSpace; v[1] = 2 * _lastBytes + (64 << 10); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { v[0] = v[1] = 0; }
        }
        if (_comm.Size > 1) _comm.Broadcast(v);
        if (v[0] >= v[1]) return;
        string kept = _written.Count > 0 ? $"{Path.GetFileName(_written[^1])} is kept" : "no earlier checkpoint of this run";
        throw new SimulationFailure($"step {step} (t = {time.ToString("G6", CultureInfo.InvariantCulture)}): checkpoint {FileName(step)} could not be written " +
                                    $"in {Directory} (only {(long)v[0] / 1024} KiB free, the last checkpoint took {_lastBytes / 1024} KiB); {kept}; " +
                                    "free space there (a full disk?) and restart from it");
    }

    private void WriteFile(string tmp, int step, double time)
    {
        using var h5 = Hdf5File.Create(tmp, _comm);
        SnapshotWriter.WriteCommonAttributes(h5, _run, step, time);
        h5.SetAttribute("/", "format", Format);
        h5.SetAttribute("/", "physics", PhysicsFingerprint.Text(_run.Options));
        h5.CreateGroup("state");
        var saved = _run.Solver.Save();
        if (saved is CompositeState composite)
        {
            // The parts after the first are spatial fields (ISpatialFields), one column each: state/NAME.
            foreach (var (name, part) in composite.Parts.Skip(1))
            {
                if (part is not MomentsState { U: var field }) throw new NotSupportedException($"checkpoints of a {part.GetType().Name} part are not written yet");
                h5.WriteBlock($"state/{name}", FieldLayout.GlobalDims(_run.Grid), FieldLayout.Start(_run.Block), FieldLayout.Count(_run.Block), field);
                DatasetChecksum.Store(h5, $"state/{name}", DatasetChecksum.Distributed(field, 1, _run.Block, _comm));
            }
            saved = composite.Parts[0].Part;
        }
        switch (saved)
        {
            case FactorsState f:
                SnapshotWriter.WriteFactors(h5, "state", _run, f);
                DatasetChecksum.Store(h5, "state/X", DatasetChecksum.Distributed(f.X, f.Rank, _run.Block, _comm));
                DatasetChecksum.Store(h5, "state/S", DatasetChecksum.Replicated(f.S.ToRowMajorArray()));
                DatasetChecksum.Store(h5, "state/V", DatasetChecksum.Replicated(f.V.ToRowMajorArray()));
                break;
            case MomentsState { U: var u }:
            {
            ulong m = (ulong)_run.Basis.Count;
            h5.WriteBlock("state/u", FieldLayout.Stack(m, FieldLayout.GlobalDims(_run.Grid)), FieldLayout.Stack(0, FieldLayout.Start(_run.Block)),
                FieldLayout.Stack(m, FieldLayout.Count(_run.Block)), u);
            DatasetChecksum.Store(h5, "state/u", DatasetChecksum.Distributed(u, (int)m, _run.Block, _comm));
                break;
            }
            case var other:
                throw new NotSupportedException($"checkpoints of a {other.GetType().Name} are not written yet");
        }
        WriteHistory(h5, "diagnostics", _run.History);
        PauseForTests(tmp);
    }

    /// <summary>A message on one line; of an HDF5 error stack only the system's reason (e.g. "No space left on device").</summary>
    private static string OneLine(string s)
    {
        const string marker = "error message = '";
        int at = s.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            int end = s.IndexOf('\'', at + marker.Length);
            if (end > at) return s[(at + marker.Length)..end];
        }
        string flat = string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 300 ? flat[..300] + "…" : flat;
    }

    private static void PauseForTests(string file)
    {
        if (Environment.GetEnvironmentVariable(PauseVariable) is not { Length: > 0 } text) return;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0) return;
        Logger.Warn(CultureInfo.InvariantCulture, $"{PauseVariable}={text}: pausing {seconds} s inside the write of {Path.GetFileName(file)}");
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
    }

    /// <summary>Keeps the newest <c>output.checkpoint_keep</c> of the checkpoints this run wrote (in the order written);
    /// another run's checkpoints — the restart source among them — are never removed.</summary>
    private void Rotate()
    {
        while (_written.Count > _run.Options.Output.CheckpointKeep)
        {
            File.Delete(_written[0]);
            _written.RemoveAt(0);
        }
    }

    /// <summary>One dataset per column of the diagnostics (step and rank int64, the rest float64) under <paramref name="group"/>.</summary>
    internal static void WriteHistory(Hdf5File h5, string group, IReadOnlyList<StepDiagnostics> history)
    {
        h5.CreateGroup(group);
        ulong[] n = [(ulong)history.Count];
        h5.WriteReplicated($"{group}/step", n, history.Select(d => (long)d.Step).ToArray());
        h5.WriteReplicated($"{group}/time", n, history.Select(d => d.Time).ToArray());
        h5.WriteReplicated($"{group}/dt", n, history.Select(d => d.TimeStep).ToArray());
        h5.WriteReplicated($"{group}/rank", n, history.Select(d => (long)d.Rank).ToArray());
        h5.WriteReplicated($"{group}/mass", n, history.Select(d => d.Mass).ToArray());
        h5.WriteReplicated($"{group}/outflow", n, history.Select(d => d.Outflow).ToArray());
        h5.WriteReplicated($"{group}/discarded_tail", n, history.Select(d => d.DiscardedTail).ToArray());
        h5.WriteReplicated($"{group}/orthonormality_defect", n, history.Select(d => d.OrthonormalityDefect).ToArray());
        h5.WriteReplicated($"{group}/wall_s", n, history.Select(d => d.WallSeconds).ToArray());
        h5.WriteReplicated($"{group}/absorption", n, history.Select(d => d.Absorption).ToArray());
        h5.WriteReplicated($"{group}/source", n, history.Select(d => d.Source).ToArray());
        h5.WriteReplicated($"{group}/mass_defect", n, history.Select(d => d.MassDefect).ToArray());
        if (StepDiagnostics.HasFront(history))   // thermal runs with an opacity law only
            h5.WriteReplicated($"{group}/front_position", n, history.Select(d => d.FrontPosition).ToArray());
        foreach (var (name, values) in DoubleColumns(history))
            DatasetChecksum.Store(h5, $"{group}/{name}", DatasetChecksum.Replicated(values));
        DatasetChecksum.Store(h5, $"{group}/step", DatasetChecksum.Replicated(history.Select(d => (long)d.Step).ToArray()));
        DatasetChecksum.Store(h5, $"{group}/rank", DatasetChecksum.Replicated(history.Select(d => (long)d.Rank).ToArray()));
    }

    private static IEnumerable<(string Name, double[] Values)> DoubleColumns(IReadOnlyList<StepDiagnostics> h) =>
    [
        ("time", [.. h.Select(d => d.Time)]), ("dt", [.. h.Select(d => d.TimeStep)]), ("mass", [.. h.Select(d => d.Mass)]),
        ("outflow", [.. h.Select(d => d.Outflow)]), ("discarded_tail", [.. h.Select(d => d.DiscardedTail)]),
        ("orthonormality_defect", [.. h.Select(d => d.OrthonormalityDefect)]), ("absorption", [.. h.Select(d => d.Absorption)]),
        ("source", [.. h.Select(d => d.Source)]), ("mass_defect", [.. h.Select(d => d.MassDefect)]),
        .. (StepDiagnostics.HasFront(h) ? new[] { ("front_position", h.Select(d => d.FrontPosition).ToArray()) } : []),
        // not wall_s: each rank has its own clock (rank 0's is stored), so its checksum would differ between ranks
    ];

    /// <summary>The datasets of <paramref name="group"/> whose checksum does not match the history read from them.</summary>
    private static IEnumerable<string> BadHistoryColumns(Hdf5File h5, string group, IReadOnlyList<StepDiagnostics> history)
    {
        foreach (var (name, values) in DoubleColumns(history))
            if (!DatasetChecksum.Verify(h5, $"{group}/{name}", DatasetChecksum.Replicated(values), out _)) yield return $"{group}/{name}";
        if (!DatasetChecksum.Verify(h5, $"{group}/step", DatasetChecksum.Replicated(history.Select(d => (long)d.Step).ToArray()), out _)) yield return $"{group}/step";
        if (!DatasetChecksum.Verify(h5, $"{group}/rank", DatasetChecksum.Replicated(history.Select(d => (long)d.Rank).ToArray()), out _)) yield return $"{group}/rank";
    }

    internal static List<StepDiagnostics> ReadHistory(Hdf5File h5, string group)
    {
        var step = h5.ReadAllInt64($"{group}/step");
        var time = h5.ReadAll($"{group}/time");
        var dt = h5.ReadAll($"{group}/dt");
        var rank = h5.ReadAllInt64($"{group}/rank");
        var mass = h5.ReadAll($"{group}/mass");
        var outflow = h5.ReadAll($"{group}/outflow");
        var tail = h5.ReadAll($"{group}/discarded_tail");
        var orthonormality = h5.ReadAll($"{group}/orthonormality_defect");
        var wall = h5.ReadAll($"{group}/wall_s");
        // Written since issue #12; a checkpoint of an earlier version has none (zeros: no rates, no defect recorded).
        double[] Optional(string name) => h5.Exists($"{group}/{name}") ? h5.ReadAll($"{group}/{name}") : new double[step.Length];
        var absorption = Optional("absorption");
        var source = Optional("source");
        var defect = Optional("mass_defect");
        // Thermal runs with an opacity law only (issue #17); NaN elsewhere: no heat front.
        var front = h5.Exists($"{group}/front_position") ? h5.ReadAll($"{group}/front_position") : Enumerable.Repeat(double.NaN, step.Length).ToArray();
        return [.. Enumerable.Range(0, step.Length).Select(i => new StepDiagnostics((int)step[i], time[i], dt[i], (int)rank[i], mass[i], outflow[i], tail[i], wall[i],
            orthonormality[i], absorption[i], source[i], defect[i], front[i]))];
    }

    /// <summary>Reads checkpoint <paramref name="file"/> into the freshly built <paramref name="run"/> (solver state
    /// replaced bit for bit; the caller resumes the time loop from the returned step, time and diagnostics). Every rank calls this. Verifies the checksum of
    /// every dataset, then the restored state itself (finite mass, orthonormal bases), and that the deck's
    /// <c>time.end</c> and <c>time.max_steps</c> do not lie before the checkpoint.</summary>
    /// <exception cref="InputException">missing, truncated, corrupted or foreign file, a checkpoint of other physics, or
    /// a deck that ends before it</exception>
    public static CheckpointState Load(string file, RunDescription run)
    {
        string full = Path.GetFullPath(file);
        string what = $"--restart {file}";
        const string allowed = "allowed: a checkpoint_NNNNNN.h5 written by pdlra run for this deck's physics";
        if (full.EndsWith(".tmp", StringComparison.Ordinal))
            throw new InputException($"{what}: the temporary file of a checkpoint write that did not complete (it is kept); {allowed}");
        if (!File.Exists(full)) throw new InputException($"{what}: file not found; {allowed}");
        if (!Hdf5File.IsHdf5(full)) throw new InputException($"{what}: not an HDF5 file (truncated or foreign); {allowed}");
        try
        {
            using var h5 = Hdf5File.Open(full, run.Comm);
            if (!h5.HasAttribute("/", "format") || h5.GetString("/", "format") != Format)
                throw new InputException($"{what}: an HDF5 file but not a pdlra checkpoint (no format = {Format}); {allowed}");
            string theirs = h5.GetString("/", "physics_hash"), ours = PhysicsFingerprint.Hash(run.Options);
            if (theirs != ours)
            {
                var a = h5.GetString("/", "physics").Split('\n');
                var b = PhysicsFingerprint.Text(run.Options).Split('\n');
                int i = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(k => a[k] != b[k], Math.Min(a.Length, b.Length) - 1);
                throw new InputException($"{what}: written for another deck (physics hash {theirs[..12]}, this deck {ours[..12]}; " +
                                         $"checkpoint has '{a[i]}', this deck '{b[i]}'); {allowed}");
            }
            int step = (int)h5.GetInt64("/", "step");
            double time = h5.GetDouble("/", "time");
            string runId = h5.HasAttribute("/", "run_id") ? h5.GetString("/", "run_id") : "";
            var t = run.Options.Time;
            if (t.End < time * (1 - 1e-12))
                throw new InputException($"{what}: time.end = {t.End:R} lies before the checkpoint (t = {time:R}, step {step}); allowed: time.end >= {time:R}");
            if (t.MaxSteps < step)
                throw new InputException($"{what}: time.max_steps = {t.MaxSteps} lies before the checkpoint (step {step}); allowed: time.max_steps >= {step}");

            var block = run.Block;
            var comm = run.Comm;
            void Verify(string dataset, string computed)
            {
                if (!DatasetChecksum.Verify(h5, dataset, computed, out string stored))
                    throw new InputException($"{what}: corrupted: the checksum of /{dataset} does not match (stored {stored}, read {computed}); {allowed}");
            }
            SolverState WithFields(SolverState radiation)
            {
                if (run.Solver is not ISpatialFields fields) return radiation;
                var parts = new List<(string, SolverState)> { (Solvers.Thermal.ThermalSolver.Radiation, radiation) };
                foreach (var name in fields.FieldNames)
                {
                    var field = h5.ReadBlock($"state/{name}", FieldLayout.Start(block), FieldLayout.Count(block));
                    Verify($"state/{name}", DatasetChecksum.Distributed(field, 1, block, comm));
                    parts.Add((name, new MomentsState(field)));
                }
                return new CompositeState(parts);
            }
            if (run.Solver.StateKind == SolverStateKind.Factors)
            {
                var sDims = h5.Dims("state/S");
                int r = (int)sDims[0];
                var x = h5.ReadBlock("state/X", FieldLayout.Stack(0, FieldLayout.Start(block)), FieldLayout.Stack((ulong)r, FieldLayout.Count(block)));
                var sValues = h5.ReadAll("state/S");
                var vValues = h5.ReadAll("state/V");
                Verify("state/X", DatasetChecksum.Distributed(x, r, block, comm));
                Verify("state/S", DatasetChecksum.Replicated(sValues));
                Verify("state/V", DatasetChecksum.Replicated(vValues));
                var s = Matrix<double>.Build.DenseOfRowMajor(r, r, sValues);
                var v = Matrix<double>.Build.DenseOfRowMajor(run.Basis.Count, r, vValues);
                run.Solver.Restore(WithFields(new FactorsState(x, s, v)));
            }
            else if (run.Solver.StateKind == SolverStateKind.Moments)
            {
                ulong m = (ulong)run.Basis.Count;
                var u = h5.ReadBlock("state/u", FieldLayout.Stack(0, FieldLayout.Start(block)), FieldLayout.Stack(m, FieldLayout.Count(block)));
                Verify("state/u", DatasetChecksum.Distributed(u, (int)m, block, comm));
                run.Solver.Restore(WithFields(new MomentsState(u)));
            }
            else
            {
                throw new InputException($"{what}: solver {run.Solver.Name} cannot be restored");
            }
            var history = ReadHistory(h5, "diagnostics");
            if (BadHistoryColumns(h5, "diagnostics", history).FirstOrDefault() is { } bad)
                throw new InputException($"{what}: corrupted: the checksum of /{bad} does not match; {allowed}");
            if (history.Count == 0 || history[^1].Step != step)
                throw new InputException($"{what}: corrupted: the diagnostics do not end at step {step}; {allowed}");
            CheckRestored(run, history[^1], what, allowed);
            return new CheckpointState(full, step, time, history, runId);
        }
        catch (Hdf5Exception e)
        {
            throw new InputException($"{what}: unreadable checkpoint ({OneLine(e.Message)}); {allowed}");
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{what}: the stored state does not fit this deck ({OneLine(e.Message)}); {allowed}");
        }
    }

    /// <summary>Cheap sanity checks of the restored state (collective): a finite mass equal to the one recorded at the
    /// checkpoint's step (to rounding), and bases orthonormal to 1e-8 (or no worse than recorded).</summary>
    private static void CheckRestored(RunDescription run, StepDiagnostics recorded, string what, string allowed)
    {
        var b = run.Solver.Balance(recorded.Time);
        if (!double.IsFinite(b.Mass) || !double.IsFinite(b.OrthonormalityDefect))
            throw new InputException($"{what}: corrupted: the restored state has non-finite values (mass {b.Mass}); {allowed}");
        double defectLimit = Math.Max(1e-8, 10 * recorded.OrthonormalityDefect);
        if (b.OrthonormalityDefect > defectLimit)
            throw new InputException($"{what}: corrupted: the restored bases are not orthonormal (defect {b.OrthonormalityDefect:G3}, " +
                                     $"recorded {recorded.OrthonormalityDefect:G3}); {allowed}");
        double scale = Math.Max(Math.Abs(recorded.Mass), 1e-300);
        if (Math.Abs(b.Mass - recorded.Mass) > 1e-8 * scale + 1e-300)
            throw new InputException($"{what}: corrupted: the restored mass {b.Mass:G9} differs from the recorded {recorded.Mass:G9}; {allowed}");
    }
}
