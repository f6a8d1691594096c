using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;

namespace ParallelDlra.Output;

/// <summary>
/// Writes the results of a run into <c>output.directory</c>; the one class that knows the output
/// file formats (README, "Reading the output"):
/// <list type="bullet">
/// <item><c>diagnostics.csv</c>: step,time,dt,rank,mass,outflow,discarded_tail,orthonormality_defect,wall_s,absorption,source,mass_defect,
/// one row per step (step 0 included; the balance is documented in docs/output.md);</item>
/// <item><c>diagnostics.h5</c>: the same series, one dataset per column under <c>/diagnostics</c>, with the deck and code version as attributes;</item>
/// <item><c>phi.csv</c>: cell centre x[,y[,z]] and φ, one row per cell, x fastest;</item>
/// <item><c>phi.bin</c>: φ as raw little-endian float64, x fastest, described by the sidecar <c>phi.json</c>;</item>
/// <item><c>run.yaml</c>: the resolved deck (<see cref="DeckWriter.ToYaml"/>).</item>
/// </list>
/// Only rank 0 writes; under MPI the field is first gathered to rank 0 in global cell order
/// (<see cref="GatherScalarFlux"/>, collective), so the files are the same as a serial run's.
/// </summary>
public sealed class OutputWriter
{
    public const string DiagnosticsFile = "diagnostics.csv";
    public const string DiagnosticsHdf5File = "diagnostics.h5";
    public const string FieldCsvFile = "phi.csv";
    public const string FieldBinaryFile = "phi.bin";
    public const string FieldMetadataFile = "phi.json";
    public const string DeckFile = "run.yaml";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private OutputWriter(string directory) => Directory = directory;

    /// <summary>The absolute output folder.</summary>
    public string Directory { get; }

    /// <summary>Creates <paramref name="directory"/> (with its parents) and checks that a file can be
    /// written there and that it has <paramref name="neededBytes"/> free, so that a bad <c>output.directory</c> fails
    /// before any computing.</summary>
    /// <exception cref="InputException">the folder cannot be created or written, or is too full; names <c>output.directory</c></exception>
    public static OutputWriter Prepare(string directory, long neededBytes = 0)
    {
        string full;
        string probe = "";
        try
        {
            full = Path.GetFullPath(directory);
            System.IO.Directory.CreateDirectory(full);
            probe = Path.Combine(full, $".pdlra-write-test-{Environment.ProcessId}");
            using (var f = new FileStream(probe, FileMode.Create, FileAccess.Write))
            {
                f.Write(new byte[64 << 10]);
                f.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            try { if (probe.Length > 0) File.Delete(probe); } catch (IOException) { }
            throw new InputException($"output.directory = {directory}: cannot be created or written ({e.Message}); " +
                                     "allowed: a folder this process can create and write to, with free space");
        }
        long free = FreeBytes(full);
        if (free >= 0 && free < neededBytes)
            throw new InputException($"output.directory = {directory}: {free / 1024} KiB free, but the run needs about {neededBytes / 1024} KiB " +
                                     "(a checkpoint, the field files, diagnostics); allowed: a folder on a file system with that much space");
        return new OutputWriter(full);
    }

    /// <summary>Free bytes for this user on the file system of <paramref name="path"/> (statvfs), or −1 when unknown.</summary>
    private static long FreeBytes(string path)
    {
        try { return new DriveInfo(path).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return -1; }
    }

    /// <summary>Full path of an output file.</summary>
    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Writes everything a finished run produces: diagnostics, the resolved deck and, when
    /// <c>output.write_field</c>, the final scalar flux. Returns the files written.</summary>
    /// <param name="run">the finished run</param>
    /// <param name="field">the whole-grid φ from <see cref="GatherScalarFlux"/>; null in a serial run (the
    /// solver's field is the whole grid then)</param>
    /// <param name="fields">the whole-grid spatial fields of the solver (<see cref="ISpatialFields"/>, from
    /// <see cref="GatherSpatialFields"/>): columns of <c>phi.csv</c> after φ; null in a serial run</param>
    public IReadOnlyList<string> WriteRun(RunDescription run, double[]? field = null, IReadOnlyList<(string Name, double[] Values)>? fields = null)
    {
        fields ??= run.Solver is ISpatialFields own && run.Comm.Size == 1
            ? [.. own.FieldNames.Select(n => (n, own.Field(n)))] : [];
        var o = run.Options;
        string runId = run.RunId;
        List<string> files = [WriteDiagnostics(run.History), WriteDiagnosticsHdf5(run.History, o, runId), WriteDeck(o, runId)];
        if (o.Output.WriteField)
        {
            var last = run.History.Count > 0 ? run.History[^1] : default;
            files.AddRange(WriteField(run.Grid, field ?? run.Solver.ScalarFlux(), last.Time, last.Step, o.Problem.Name, runId, fields));
        }
        return files;
    }

    /// <summary>Collective: gathers the rank-local φ of every rank into global cell order (x fastest) on
    /// rank 0 (one allgather of the block shapes, one gatherv of the values). Returns the whole field on
    /// rank 0 and null elsewhere; in a one-rank run it returns the solver's field.</summary>
    public static double[]? GatherScalarFlux(RunDescription run) => GatherField(run, run.Solver.ScalarFlux());

    /// <summary>Collective: the solver's spatial fields (<see cref="ISpatialFields"/>, e.g. the material energy)
    /// gathered like φ; the whole fields on rank 0, null elsewhere, empty for a solver without such fields.</summary>
    public static IReadOnlyList<(string Name, double[] Values)>? GatherSpatialFields(RunDescription run)
    {
        if (run.Solver is not ISpatialFields fields) return [];
        var all = new List<(string, double[])>();
        foreach (var name in fields.FieldNames)
            if (GatherField(run, fields.Field(name)) is { } whole) all.Add((name, whole));
        return run.Comm.IsRoot ? all : null;
    }

    /// <summary>Collective: a rank-local field of one value per cell gathered into global cell order on rank 0.</summary>
    public static double[]? GatherField(RunDescription run, double[] local)
    {
        var comm = run.Comm;
        if (comm.Size == 1) return local;
        var block = run.Block;
        var grid = run.Grid;
        Span<double> shape = stackalloc double[6];
        shape.Clear();
        for (int d = 0; d < block.Dimension; d++) { shape[d] = block.Offset[d]; shape[3 + d] = block.Size[d]; }
        var shapes = new double[6 * comm.Size];
        comm.Allgather(shape, shapes);
        var counts = new int[comm.Size];
        for (int k = 0; k < comm.Size; k++)
        {
            int n = 1;
            for (int d = 0; d < block.Dimension; d++) n *= (int)shapes[6 * k + 3 + d];
            counts[k] = n;
        }
        var all = comm.IsRoot ? new double[counts.Sum()] : [];
        comm.Gatherv(local, all, counts);
        if (!comm.IsRoot) return null;

        var phi = new double[grid.CellCount];
        Span<int> ijk = stackalloc int[3];
        int at = 0;
        for (int k = 0; k < comm.Size; k++)
        {
            int dim = grid.Dimension;
            for (int c = 0; c < counts[k]; c++, at++)
            {
                int rest = c;
                long global = 0, stride = 1;
                for (int d = 0; d < dim; d++)
                {
                    int size = (int)shapes[6 * k + 3 + d];
                    ijk[d] = rest % size; rest /= size;
                    global += ((int)shapes[6 * k + d] + ijk[d]) * stride;
                    stride *= grid.Cells[d];
                }
                phi[global] = all[at];
            }
        }
        return phi;
    }

    /// <summary><c>diagnostics.csv</c>: one row per entry of the history.</summary>
    public string WriteDiagnostics(IReadOnlyList<StepDiagnostics> history)
    {
        var sb = new StringBuilder("step,time,dt,rank,mass,outflow,discarded_tail,orthonormality_defect,wall_s,absorption,source,mass_defect\n");
        foreach (var d in history)
            sb.Append(Inv, $"{d.Step},{R(d.Time)},{R(d.TimeStep)},{d.Rank},{R(d.Mass)},{R(d.Outflow)},{R(d.DiscardedTail)},{R(d.OrthonormalityDefect)},{R(d.WallSeconds)},{R(d.Absorption)},{R(d.Source)},{R(d.MassDefect)}\n");
        return WriteText(DiagnosticsFile, sb.ToString());
    }

    /// <summary><c>diagnostics.h5</c>: the history as one dataset per column (step and rank int64, the rest
    /// float64) in the group <c>/diagnostics</c>; attributes name the columns and hold the deck. Rank 0 only,
    /// HDF5's default (serial) driver.</summary>
    public string WriteDiagnosticsHdf5(IReadOnlyList<StepDiagnostics> history, RunOptions options, string runId = "")
    {
        string tmp = TempOf(DiagnosticsHdf5File);
        using (var h5 = Hdf5File.Create(tmp, Parallel.SerialCommunicator.Instance))
        {
            h5.SetAttribute("/", "format", "pdlra-diagnostics");
            h5.SetAttribute("/", "format_version", 1L);
            h5.SetAttribute("/", "run_id", runId);
            h5.SetAttribute("/", "columns", "step time dt rank mass outflow discarded_tail orthonormality_defect wall_s absorption source mass_defect");
            h5.SetAttribute("/", "problem", options.Problem.Name);
            h5.SetAttribute("/", "code_version", FieldLayout.CodeVersion);
            h5.SetAttribute("/", "deck", DeckWriter.ToYaml(options));
            CheckpointStore.WriteHistory(h5, "diagnostics", history);
        }
        return Commit(tmp, DiagnosticsHdf5File);
    }

    /// <summary><c>run.yaml</c>: the resolved options; <c>pdlra run run.yaml</c> repeats the run.</summary>
    public string WriteDeck(RunOptions options, string runId = "")
        => WriteText(DeckFile, (runId.Length > 0 ? $"# run_id: {runId}\n" : "") + DeckWriter.ToYaml(options));

    /// <summary><c>phi.csv</c>, <c>phi.bin</c> and <c>phi.json</c> for the whole-grid field
    /// <paramref name="phi"/> (global cell order, x fastest).</summary>
    public IReadOnlyList<string> WriteField(CartesianGrid grid, ReadOnlySpan<double> phi, double time, int step, string problem, string runId = "",
        IReadOnlyList<(string Name, double[] Values)>? fields = null)
    {
        if (phi.Length != grid.CellCount)
            throw new ArgumentException($"the field has {phi.Length} values but the grid {grid.CellCount} cells", nameof(phi));
        fields ??= [];
        foreach (var (name, values) in fields)
            if (values.Length != grid.CellCount) throw new ArgumentException($"the field {name} has {values.Length} values but the grid {grid.CellCount} cells", nameof(fields));
        return [WriteFieldCsv(grid, phi, fields), WriteFieldBinary(phi), WriteFieldMetadata(grid, time, step, problem, runId)];
    }

    private string WriteFieldCsv(CartesianGrid grid, ReadOnlySpan<double> phi, IReadOnlyList<(string Name, double[] Values)> fields)
    {
        string tmp = TempOf(FieldCsvFile);
        using (var w = new StreamWriter(tmp, append: false, new UTF8Encoding(false), 1 << 16))
        {
            string[] axes = ["x", "y", "z"];
            w.Write(string.Join(',', axes.Take(grid.Dimension)));
            w.Write(",phi");
            foreach (var (name, _) in fields) w.Write("," + name);   // the solver's spatial fields, e.g. material_energy
            w.Write('\n');
            int dim = grid.Dimension;
            Span<int> ijk = stackalloc int[3];
            for (long c = 0; c < phi.Length; c++)
            {
                long rest = c;
                for (int d = 0; d < dim; d++) { ijk[d] = (int)(rest % grid.Cells[d]); rest /= grid.Cells[d]; }
                for (int d = 0; d < dim; d++)
                {
                    w.Write(R(grid.Center(d, ijk[d])));
                    w.Write(',');
                }
                w.Write(R(phi[(int)c]));
                foreach (var (_, values) in fields)
                {
                    w.Write(',');
                    w.Write(R(values[c]));
                }
                w.Write('\n');
            }
        }
        return Commit(tmp, FieldCsvFile);
    }

    private string WriteFieldBinary(ReadOnlySpan<double> phi)
    {
        string tmp = TempOf(FieldBinaryFile);
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            if (BitConverter.IsLittleEndian)
            {
                f.Write(MemoryMarshal.AsBytes(phi));
            }
            else
            {
                Span<byte> b = stackalloc byte[8];
                foreach (double v in phi)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(b, v);
                    f.Write(b);
                }
            }
        }
        return Commit(tmp, FieldBinaryFile);
    }

    private string WriteFieldMetadata(CartesianGrid grid, double time, int step, string problem, string runId)
    {
        string tmp = TempOf(FieldMetadataFile);
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var j = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("file", FieldBinaryFile);
            j.WriteString("quantity", "phi");
            j.WriteString("dtype", "float64");
            j.WriteString("byte_order", "little");
            j.WriteString("layout", "x fastest: index = i + nx*(j + ny*k)");
            j.WriteStartArray("dims");
            foreach (int n in grid.Cells) j.WriteNumberValue(n);
            j.WriteEndArray();
            j.WriteStartArray("extent");
            foreach (var e in grid.Extent)
            {
                j.WriteStartArray();
                j.WriteNumberValue(e.Min);
                j.WriteNumberValue(e.Max);
                j.WriteEndArray();
            }
            j.WriteEndArray();
            j.WriteNumber("time", time);
            j.WriteNumber("step", step);
            j.WriteString("problem", problem);
            j.WriteString("run_id", runId);
            j.WriteEndObject();
        }
        return Commit(tmp, FieldMetadataFile);
    }

    internal string WriteText(string file, string text)
    {
        string tmp = TempOf(file);
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        return Commit(tmp, file);
    }

    /// <summary>The temporary name a result file is written under (<c>.NAME.tmp</c>) before <see cref="Commit"/>, so that
    /// a crash or a full disk in the middle of a write never leaves a half-written file in place of a complete one.</summary>
    public static string TempName(string file) => "." + file + ".tmp";

    private string TempOf(string file) => PathOf(TempName(file));

    /// <summary>Renames a finished temporary file over <paramref name="file"/> (atomic on POSIX file systems).</summary>
    private string Commit(string tmp, string file)
    {
        string path = PathOf(file);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>Shortest round-trip form, invariant culture.</summary>
    private static string R(double v) => v.ToString("R", Inv);
}
