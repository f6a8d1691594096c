using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using NLog;
using ParallelDlra.Deck;
using ParallelDlra.Interop;
using ParallelDlra.LowRank;
using ParallelDlra.Parallel;
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
        return w.ToString();
    }

    public static string Hash(RunOptions o) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text(o))));
}

/// <summary>The state a checkpoint restores: where the run stood and its diagnostics so far.</summary>
public sealed record CheckpointState(string File, int Step, double Time, IReadOnlyList<StepDiagnostics> History);

/// <summary>
/// Checkpoints of the whole state (docs/output.md): <c>checkpoint_NNNNNN.h5</c> with the full-rank moments u or the
/// factors X, S, V, the step, the time and the diagnostics so far, every <c>output.checkpoint_every</c> steps and
/// at the end of the run. Written atomically: to <c>.checkpoint_NNNNNN.h5.tmp</c>, fsync, rename, fsync of the
/// folder; then all but the last <c>output.checkpoint_keep</c> are removed. <see cref="Load"/> restores a
/// <see cref="Simulation"/> bit for bit.
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

    private readonly Simulation _sim;
    private readonly ICommunicator _comm;

    public CheckpointStore(Simulation simulation, string directory)
    {
        _sim = simulation;
        _comm = simulation.Context.Comm;
        Directory = directory;
    }

    /// <summary>Removes the temporary files of checkpoint writes that were interrupted (never read); rank 0
    /// calls this at the start of every run.</summary>
    public static void RemoveInterrupted(string directory)
    {
        foreach (var stale in System.IO.Directory.GetFiles(directory, ".checkpoint_*.h5.tmp")) File.Delete(stale);
    }

    public string Directory { get; }

    public static string FileName(int step) => $"checkpoint_{step:D6}.h5";

    public bool Due(int step) => _sim.Options.Output.CheckpointEvery > 0 && step % _sim.Options.Output.CheckpointEvery == 0;

    /// <summary>Writes the checkpoint of the current state after <paramref name="step"/> (collective).</summary>
    public string Write(int step, double time)
    {
        string final = Path.Combine(Directory, FileName(step));
        string tmp = Path.Combine(Directory, "." + FileName(step) + ".tmp");
        var disc = _sim.Discretisation;
        using (var h5 = Hdf5File.Create(tmp, _comm))
        {
            SnapshotWriter.WriteCommonAttributes(h5, _sim, step, time);
            h5.SetAttribute("/", "format", Format);
            h5.SetAttribute("/", "physics", PhysicsFingerprint.Text(_sim.Options));
            h5.CreateGroup("state");
            if (_sim.Solver is LowRankSolver lr)
            {
                SnapshotWriter.WriteFactors(h5, "state", _sim, lr);
            }
            else
            {
                var u = _sim.Solver.Moments();
                ulong m = (ulong)disc.Basis.Count;
                h5.WriteBlock("state/u", FieldLayout.Stack(m, FieldLayout.GlobalDims(disc.Grid)), FieldLayout.Stack(0, FieldLayout.Start(disc.Block)),
                    FieldLayout.Stack(m, FieldLayout.Count(disc.Block)), u);
            }
            WriteHistory(h5, "diagnostics", _sim.History);
            PauseForTests(tmp);
        }
        if (_comm.Rank == 0)
        {
            using (var f = new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite)) f.Flush(flushToDisk: true);
            File.Move(tmp, final, overwrite: true);
            LibC.FsyncDirectory(Directory);
            Rotate();
        }
        _comm.Barrier();
        return final;
    }

    private static void PauseForTests(string file)
    {
        if (Environment.GetEnvironmentVariable(PauseVariable) is not { Length: > 0 } text) return;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0) return;
        Logger.Warn(CultureInfo.InvariantCulture, $"{PauseVariable}={text}: pausing {seconds} s inside the write of {Path.GetFileName(file)}");
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
    }

    /// <summary>Keeps the newest <c>output.checkpoint_keep</c> checkpoints.</summary>
    private void Rotate()
    {
        var all = System.IO.Directory.GetFiles(Directory, "checkpoint_*.h5").Order(StringComparer.Ordinal).ToList();
        foreach (var old in all.Take(Math.Max(0, all.Count - _sim.Options.Output.CheckpointKeep))) File.Delete(old);
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
        var absorption = h5.ReadAll($"{group}/absorption");
        var source = h5.ReadAll($"{group}/source");
        var defect = h5.ReadAll($"{group}/mass_defect");
        return [.. Enumerable.Range(0, step.Length).Select(i => new StepDiagnostics((int)step[i], time[i], dt[i], (int)rank[i], mass[i], outflow[i], tail[i], wall[i],
            orthonormality[i], absorption[i], source[i], defect[i]))];
    }

    /// <summary>Reads checkpoint <paramref name="file"/> into the freshly built <paramref name="sim"/> (solver state
    /// replaced bit for bit, then <see cref="Simulation.Resume"/>). Every rank calls this.</summary>
    /// <exception cref="InputException">missing, truncated or foreign file, or a checkpoint of other physics</exception>
    public static CheckpointState Load(string file, Simulation sim)
    {
        string full = Path.GetFullPath(file);
        string what = $"--restart {file}";
        const string allowed = "allowed: a checkpoint_NNNNNN.h5 written by pdlra run for this deck's physics";
        if (!File.Exists(full)) throw new InputException($"{what}: file not found; {allowed}");
        if (!Hdf5File.IsHdf5(full)) throw new InputException($"{what}: not an HDF5 file (truncated or foreign); {allowed}");
        try
        {
            using var h5 = Hdf5File.Open(full, sim.Context.Comm);
            if (!h5.HasAttribute("/", "format") || h5.GetString("/", "format") != Format)
                throw new InputException($"{what}: an HDF5 file but not a pdlra checkpoint (no format = {Format}); {allowed}");
            string theirs = h5.GetString("/", "physics_hash"), ours = PhysicsFingerprint.Hash(sim.Options);
            if (theirs != ours)
            {
                var a = h5.GetString("/", "physics").Split('\n');
                var b = PhysicsFingerprint.Text(sim.Options).Split('\n');
                int i = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(k => a[k] != b[k], Math.Min(a.Length, b.Length) - 1);
                throw new InputException($"{what}: written for another deck (physics hash {theirs[..12]}, this deck {ours[..12]}; " +
                                         $"checkpoint has '{a[i]}', this deck '{b[i]}'); {allowed}");
            }
            int step = (int)h5.GetInt64("/", "step");
            double time = h5.GetDouble("/", "time");
            var disc = sim.Discretisation;
            var block = disc.Block;
            if (sim.Solver is LowRankSolver lr)
            {
                var sDims = h5.Dims("state/S");
                int r = (int)sDims[0];
                var x = h5.ReadBlock("state/X", FieldLayout.Stack(0, FieldLayout.Start(block)), FieldLayout.Stack((ulong)r, FieldLayout.Count(block)));
                var s = Matrix<double>.Build.DenseOfRowMajor(r, r, h5.ReadAll("state/S"));
                var v = Matrix<double>.Build.DenseOfRowMajor(disc.Basis.Count, r, h5.ReadAll("state/V"));
                lr.RestoreFactors(x, s, v);
            }
            else if (sim.Solver is FullRankSolver fr)
            {
                ulong m = (ulong)disc.Basis.Count;
                fr.RestoreMoments(h5.ReadBlock("state/u", FieldLayout.Stack(0, FieldLayout.Start(block)), FieldLayout.Stack(m, FieldLayout.Count(block))));
            }
            else
            {
                throw new InputException($"{what}: solver {sim.Solver.Name} cannot be restored");
            }
            var history = ReadHistory(h5, "diagnostics");
            sim.Resume(step, time, history);
            return new CheckpointState(full, step, time, history);
        }
        catch (Hdf5Exception e)
        {
            throw new InputException($"{what}: unreadable checkpoint ({e.Message}); {allowed}");
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{what}: the stored state does not fit this deck ({e.Message}); {allowed}");
        }
    }
}
