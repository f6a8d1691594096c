using System.Globalization;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Deck;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Output;

/// <summary>One snapshot written: its file (name only, beside the index), step and time.</summary>
public readonly record struct SnapshotRecord(string File, int Step, double Time);

/// <summary>
/// Snapshots of a run (docs/output.md): <c>snapshot_NNNNNN.h5</c> every <c>output.snapshot_every</c> steps, at
/// the first step reaching each of <c>output.snapshot_times</c> (the time step is not shortened: the file
/// records the time reached) and at the last step; each holds φ, the moments <c>output.moments</c> and, with
/// <c>output.store_factors</c> and a low-rank solver, X, S, V; plus one <c>snapshots.xmf</c> indexing them all
/// as a time series for ParaView. Every rank calls <see cref="Write"/> (collective); rank 0 writes the index.
/// </summary>
public sealed class SnapshotWriter
{
    public const string IndexFile = "snapshots.xmf";
    public const string Format = "pdlra-snapshot";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly RunDescription _run;
    private readonly ICommunicator _comm;
    private readonly List<SnapshotRecord> _written = [];
    private int _nextTime;

    /// <exception cref="InputException">an <c>output.moments</c> index is not below n_moments</exception>
    public SnapshotWriter(RunDescription run, string directory)
    {
        _run = run;
        _comm = run.Comm;
        Directory = directory;
        Validate(run);
    }

    /// <summary>Checks <c>output.moments</c> against the basis (also when no snapshot is asked for).</summary>
    /// <exception cref="InputException">an index is not below n_moments</exception>
    public static void Validate(RunDescription run)
    {
        var o = run.Options.Output;
        int m = run.Basis.Count;
        foreach (int i in o.Moments)
            if (i >= m)
                throw new InputException($"output.moments = [{string.Join(", ", o.Moments)}]: index {i} is not a moment of P_{run.Options.Angular.Order} " +
                                         $"in {run.Grid.Dimension}D; allowed: 0 <= i < n_moments = {m}");
    }

    public string Directory { get; }
    public IReadOnlyList<SnapshotRecord> Written => _written;

    public static string FileName(int step) => $"snapshot_{step:D6}.h5";

    /// <summary>Name a snapshot of run <paramref name="runId"/> is written under before it is renamed into place.</summary>
    public static string TempName(int step, string runId) => $".snapshot_{step:D6}.{runId}.h5.tmp";

    /// <summary>Before a restart at (<paramref name="step"/>, <paramref name="time"/>): indexes the snapshots of
    /// steps ≤ <paramref name="step"/> already in the folder and skips the listed times already reached.</summary>
    public void ResumeAt(int step, double time)
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "snapshot_*.h5").Order(StringComparer.Ordinal))
        {
            if (!int.TryParse(Path.GetFileNameWithoutExtension(file)["snapshot_".Length..], NumberStyles.None, Inv, out int s) || s > step) continue;
            try
            {
                using var f = Hdf5File.Open(file, SerialCommunicator.Instance);
                if (f.HasAttribute("/", "physics_hash") && f.GetString("/", "physics_hash") != PhysicsFingerprint.Hash(_run.Options)) continue; // another deck's
                _written.Add(new SnapshotRecord(Path.GetFileName(file), s, f.GetDouble("/", "time")));
            }
            catch (Interop.Hdf5Exception) { } // an unreadable leftover is not indexed
        }
        var times = _run.Options.Output.SnapshotTimes;
        while (_nextTime < times.Length && times[_nextTime] <= time * (1 + 1e-12)) _nextTime++;
    }

    /// <summary>Whether a snapshot is due after <paramref name="step"/> at <paramref name="time"/>.</summary>
    public bool Due(int step, double time)
    {
        var o = _run.Options.Output;
        bool due = o.SnapshotEvery > 0 && step % o.SnapshotEvery == 0;
        while (_nextTime < o.SnapshotTimes.Length && o.SnapshotTimes[_nextTime] <= time * (1 + 1e-12) + 1e-300)
        {
            due = true;
            _nextTime++;
        }
        return due;
    }

    /// <summary>Whether the last snapshot is of <paramref name="step"/>.</summary>
    public bool Has(int step) => _written.Count > 0 && _written[^1].Step == step;

    /// <summary>Writes the snapshot of the current state (collective) and, on rank 0, rewrites the index.</summary>
    public string Write(int step, double time)
    {
        var o = _run.Options;
        var solver = _run.Solver;
        string file = FileName(step);
        string path = Path.Combine(Directory, file);
        var dims = FieldLayout.GlobalDims(_run.Grid);
        var start = FieldLayout.Start(_run.Block);
        var count = FieldLayout.Count(_run.Block);

        var moments = o.Output.Moments;
        var names = new List<string> { "phi" };
        names.AddRange(moments.Select(i => $"u_{i}"));
        var statistics = _run.Basis is Uncertainty.StochasticGalerkinSpace sg ? Uncertainty.ChaosStatistics.Of(solver, sg) : null;
        double[][] atPoints = [];
        if (statistics is not null)
        {
            var space = (Uncertainty.StochasticGalerkinSpace)_run.Basis;
            names.AddRange(UncertaintyOutput.SnapshotFields);
            names.AddRange(UncertaintyOutput.PointFields(o.Uncertainty));
            atPoints = UncertaintyOutput.AtPoints(solver, space, o.Uncertainty);
        }
        var fields = solver as ISpatialFields;
        if (fields is not null) names.AddRange(fields.FieldNames);   // e.g. material_energy
        string tmp = Path.Combine(Directory, TempName(step, _run.RunId));
        using (var h5 = Hdf5File.Create(tmp, _comm))
        {
            WriteCommonAttributes(h5, _run, step, time);
            h5.SetAttribute("/", "format", Format);
            h5.SetAttribute("/", "variables", string.Join(" ", names));
            h5.WriteBlock("phi", dims, start, count, solver.ScalarFlux());
            if (moments.Length > 0)
            {
                var u = FieldValues.Moments(_run, moments);
                int n = _run.Block.Count;
                for (int k = 0; k < moments.Length; k++)
                    h5.WriteBlock($"u_{moments[k]}", dims, start, count, u.AsSpan(k * n, n));
            }
            if (statistics is not null)
            {
                h5.WriteBlock("phi_mean", dims, start, count, statistics.Mean);
                h5.WriteBlock("phi_var", dims, start, count, statistics.Variance);
                h5.WriteBlock("phi_std", dims, start, count, statistics.StandardDeviation);
                for (int q = 0; q < atPoints.Length; q++) h5.WriteBlock($"phi_at_{q}", dims, start, count, atPoints[q]);
            }
            if (fields is not null)
                foreach (var name in fields.FieldNames) h5.WriteBlock(name, dims, start, count, fields.Field(name));
            if (o.Output.StoreFactors && solver.StateKind == SolverStateKind.Factors && Radiation(solver.Save()) is FactorsState f)
            {
                h5.CreateGroup("factors");
                WriteFactors(h5, "factors", _run, f);
            }
        }
        if (_comm.Rank == 0) File.Move(tmp, path, overwrite: true); // complete, or not there at all
        _written.RemoveAll(r => r.Step >= step);
        _written.Add(new SnapshotRecord(file, step, time));
        if (_comm.Rank == 0) WriteIndex();
        return path;
    }

    /// <summary>The kinetic part of a saved state: the state itself, or the first part of a <see cref="CompositeState"/>
    /// (the radiation of the thermal model).</summary>
    internal static SolverState Radiation(SolverState state) => state is CompositeState c ? c.Parts[0].Part : state;

    /// <summary>X (r, n_z, n_y, n_x), S (r, r) and V (n_moments, r), both row-major, under <paramref name="group"/>.</summary>
    internal static void WriteFactors(Hdf5File h5, string group, RunDescription run, FactorsState f)
    {
        var block = run.Block;
        ulong r = (ulong)f.Rank;
        h5.WriteBlock($"{group}/X", FieldLayout.Stack(r, FieldLayout.GlobalDims(block.Grid)), FieldLayout.Stack(0, FieldLayout.Start(block)),
            FieldLayout.Stack(r, FieldLayout.Count(block)), f.X);
        h5.WriteReplicated($"{group}/S", [r, r], f.S.ToRowMajorArray());
        h5.WriteReplicated($"{group}/V", [(ulong)f.V.RowCount, r], f.V.ToRowMajorArray());
    }

    /// <summary>Self-describing attributes shared by snapshots and checkpoints.</summary>
    internal static void WriteCommonAttributes(Hdf5File h5, RunDescription run, int step, double time)
    {
        var o = run.Options;
        var grid = run.Grid;
        var (origin, spacing) = FieldLayout.Geometry(grid);
        h5.SetAttribute("/", "format_version", 1L);
        h5.SetAttribute("/", "run_id", run.RunId);
        h5.SetAttribute("/", "time", time);
        h5.SetAttribute("/", "step", (long)step);
        h5.SetAttribute("/", "rank", (long)run.Solver.Rank);
        h5.SetAttribute("/", "solver", DeckWords.Of(DeckWords.Solver, o.Solver.Kind));
        h5.SetAttribute("/", "problem", o.Problem.Name);
        h5.SetAttribute("/", "dimension", (long)grid.Dimension);
        h5.SetAttribute("/", "cells", [.. grid.Cells.Select(c => (long)c)]);
        h5.SetAttribute("/", "origin_xyz", origin);
        h5.SetAttribute("/", "spacing_xyz", spacing);
        h5.SetAttribute("/", "n_moments", (long)run.Basis.Count);
        h5.SetAttribute("/", "isotropic_moment_norm", run.Basis.Mass.Norm);
        // φ = isotropic_moment_norm · phi_directionᵀ u: the velocity space's mass, for `pdlra reconstruct`.
        h5.SetAttribute("/", "phi_direction", run.Basis.Mass.Direction);
        h5.SetAttribute("/", "mpi_ranks", (long)run.Comm.Size);
        h5.SetAttribute("/", "layout", "fields (n_z, n_y, n_x), C order, x fastest; 1D/2D padded with 1; stacks (k, n_z, n_y, n_x)");
        h5.SetAttribute("/", "code_version", FieldLayout.CodeVersion);
        h5.SetAttribute("/", "physics_hash", PhysicsFingerprint.Hash(o));
        h5.SetAttribute("/", "deck", DeckWriter.ToYaml(o));
    }

    /// <summary>Rewrites <c>snapshots.xmf</c> (temporary name, then rename) from the snapshots written.</summary>
    public string WriteIndex()
    {
        var grid = _run.Grid;
        var names = new List<string> { "phi" };
        names.AddRange(_run.Options.Output.Moments.Select(i => $"u_{i}"));
        if (_run.Basis is Uncertainty.StochasticGalerkinSpace)
        {
            names.AddRange(UncertaintyOutput.SnapshotFields);
            names.AddRange(UncertaintyOutput.PointFields(_run.Options.Uncertainty));
        }
        if (_run.Solver is ISpatialFields fields) names.AddRange(fields.FieldNames);
        string xml = Xdmf(grid, _written, names);
        string path = Path.Combine(Directory, IndexFile);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, xml, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>XDMF 2 text: a temporal collection of uniform 3DCoRectMesh grids (node dimensions Z Y X,
    /// ORIGIN_DXDYDZ in Z Y X order), cell-centred attributes read from the HDF5 files beside the index.</summary>
    internal static string Xdmf(Mesh.CartesianGrid grid, IReadOnlyList<SnapshotRecord> snapshots, IReadOnlyList<string> names)
    {
        var dims = FieldLayout.GlobalDims(grid);
        var (origin, spacing) = FieldLayout.Geometry(grid);
        string cells = string.Join(" ", dims);
        string nodes = string.Join(" ", dims.Select(d => d + 1));
        string zyx(double[] v) => string.Join(" ", new[] { v[2], v[1], v[0] }.Select(x => x.ToString("R", Inv)));
        var w = new StringBuilder();
        w.Append("<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n <Domain>\n");
        w.Append("  <Grid Name=\"snapshots\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
        foreach (var s in snapshots)
        {
            w.Append(Inv, $"   <Grid Name=\"step_{s.Step:D6}\" GridType=\"Uniform\">\n");
            w.Append(Inv, $"    <Time Value=\"{s.Time:R}\"/>\n");
            w.Append(Inv, $"    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{nodes}\"/>\n");
            w.Append("    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n");
            w.Append(Inv, $"     <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"3\">{zyx(origin)}</DataItem>\n");
            w.Append(Inv, $"     <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"3\">{zyx(spacing)}</DataItem>\n");
            w.Append("    </Geometry>\n");
            foreach (var name in names)
            {
                w.Append(Inv, $"    <Attribute Name=\"{name}\" AttributeType=\"Scalar\" Center=\"Cell\">\n");
                w.Append(Inv, $"     <DataItem Format=\"HDF\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"{cells}\">{s.File}:/{name}</DataItem>\n");
                w.Append("    </Attribute>\n");
            }
            w.Append("   </Grid>\n");
        }
        w.Append("  </Grid>\n </Domain>\n</Xdmf>\n");
        return w.ToString();
    }
}

/// <summary>Rank-local field values taken from a solver.</summary>
internal static class FieldValues
{
    /// <summary>The moments u_i, i ∈ <paramref name="indices"/>, of the local cells: n_cells × k, column-major.
    /// For a low-rank solver u_i = X (S V(i,:)ᵀ), without forming the dense u.</summary>
    public static double[] Moments(RunDescription run, IReadOnlyList<int> indices)
    {
        return run.Solver.Moments(indices);
    }
}
