using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Parallel;

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
/// Only rank 0 writes; under MPI the field comes to rank 0 chunk by chunk in global cell order
/// (<see cref="WriteFieldFiles"/>, collective, never the whole grid on one rank), so the files are the same as a serial run's.
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

    /// <summary>Test hook (documented in docs/output.md, "Test hooks"): cells per chunk in which the field files are
    /// brought to rank 0 (<see cref="ChunkedGather"/>), so that a small test grid is written in many chunks.</summary>
    public const string ChunkVariable = "PDLRA_TEST_FIELD_CHUNK_CELLS";

    /// <summary>Collective: writes everything a finished run produces — on rank 0 (<paramref name="writer"/>, null on
    /// the other ranks) the diagnostics and the resolved deck, then, when <c>output.write_field</c>, the final scalar
    /// flux and the solver's spatial fields (<see cref="ISpatialFields"/>, columns of <c>phi.csv</c> after φ), brought
    /// to rank 0 chunk by chunk (<see cref="WriteFieldFiles"/>). Returns the files written (empty on the other ranks).</summary>
    public static IReadOnlyList<string> WriteRun(OutputWriter? writer, RunDescription run)
    {
        var o = run.Options;
        string runId = run.RunId;
        List<string> files = writer is null ? []
            : [writer.WriteDiagnostics(run.History), writer.WriteDiagnosticsHdf5(run.History, o, runId), writer.WriteDeck(o, runId)];
        if (o.Output.WriteField) files.AddRange(WriteFieldFiles(writer, run));
        return files;
    }

    /// <summary>Collective: <c>phi.csv</c>, <c>phi.bin</c> and <c>phi.json</c> of the solver's φ (and its spatial fields)
    /// without gathering the whole grid anywhere: rank 0 receives and writes one chunk of whole x-lines at a time
    /// (<see cref="ChunkedGather.Stream"/>, at most <see cref="ChunkedGather.DefaultChunkCells"/> cells), so its memory
    /// is bounded and a grid may have more than 2^31 cells; the files are those of a serial run. Returns the files on
    /// rank 0 (<paramref name="writer"/> non-null), empty elsewhere.</summary>
    public static IReadOnlyList<string> WriteFieldFiles(OutputWriter? writer, RunDescription run)
    {
        var comm = run.Comm;
        var grid = run.Grid;
        List<string> names = [];
        List<double[]> locals = [run.Solver.ScalarFlux()];
        if (run.Solver is ISpatialFields own)
            foreach (var name in own.FieldNames) { names.Add(name); locals.Add(own.Field(name)); }
        if (comm.IsRoot && writer is null) throw new InvalidOperationException("rank 0 writes the field files: it needs the output writer");
        using var files = comm.IsRoot ? new FieldFiles(writer!, grid, names) : null;
        ChunkedGather.Stream(comm, run.Block, locals, (chunk, values) => files!.Append(chunk, values), ChunkCells());
        if (files is null) return [];
        var last = run.History.Count > 0 ? run.History[^1] : default;
        return files.Commit(last.Time, last.Step, run.Options.Problem.Name, run.RunId);
    }

    private static long ChunkCells()
        => long.TryParse(Environment.GetEnvironmentVariable(ChunkVariable), NumberStyles.Integer, Inv, out long n) && n > 0 ? n : ChunkedGather.DefaultChunkCells;

    /// <summary>Collective: a rank-local field of one value per cell gathered into global cell order on rank 0 (the
    /// whole field in one array: for the statistics of an ensemble and of stochastic Galerkin in 1D; the field files
    /// of a run use <see cref="WriteFieldFiles"/>). Null on the other ranks; in a one-rank run the field itself.</summary>
    public static double[]? GatherField(RunDescription run, double[] local)
    {
        var comm = run.Comm;
        if (comm.Size == 1) return local;
        var grid = run.Grid;
        var whole = comm.IsRoot ? new double[grid.CellCount] : null;
        ChunkedGather.Stream(comm, run.Block, [local],
            (chunk, values) => values[0].AsSpan(0, (int)chunk.Count).CopyTo(whole.AsSpan(checked((int)chunk.First))));
        return whole;
    }

    /// <summary>Collective: the whole-grid φ on rank 0 (<see cref="GatherField"/>), null elsewhere.</summary>
    public static double[]? GatherScalarFlux(RunDescription run) => GatherField(run, run.Solver.ScalarFlux());

    /// <summary><c>diagnostics.csv</c>: one row per entry of the history.</summary>
    public string WriteDiagnostics(IReadOnlyList<StepDiagnostics> history)
    {
        bool front = StepDiagnostics.HasFront(history);   // a thermal run with an opacity law: the heat front's position
        var sb = new StringBuilder("step,time,dt,rank,mass,outflow,discarded_tail,orthonormality_defect,wall_s,absorption,source,mass_defect" + (front ? ",front_position\n" : "\n"));
        foreach (var d in history)
            sb.Append(Inv, $"{d.Step},{R(d.Time)},{R(d.TimeStep)},{d.Rank},{R(d.Mass)},{R(d.Outflow)},{R(d.DiscardedTail)},{R(d.OrthonormalityDefect)},{R(d.WallSeconds)},{R(d.Absorption)},{R(d.Source)},{R(d.MassDefect)}")
              .Append(front ? $",{R(d.FrontPosition)}\n" : "\n");
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
            h5.SetAttribute("/", "columns", "step time dt rank mass outflow discarded_tail orthonormality_defect wall_s absorption source mass_defect"
                                            + (StepDiagnostics.HasFront(history) ? " front_position" : ""));
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
    /// <paramref name="phi"/> (global cell order, x fastest), on one rank.</summary>
    public IReadOnlyList<string> WriteField(CartesianGrid grid, ReadOnlySpan<double> phi, double time, int step, string problem, string runId = "",
        IReadOnlyList<(string Name, double[] Values)>? fields = null)
    {
        if (phi.Length != grid.CellCount)
            throw new ArgumentException($"the field has {phi.Length} values but the grid {grid.CellCount} cells", nameof(phi));
        fields ??= [];
        foreach (var (name, values) in fields)
            if (values.Length != grid.CellCount) throw new ArgumentException($"the field {name} has {values.Length} values but the grid {grid.CellCount} cells", nameof(fields));
        using var files = new FieldFiles(this, grid, [.. fields.Select(f => f.Name)]);
        double[][] all = [phi.ToArray(), .. fields.Select(f => f.Values)];
        files.Append(ChunkedGather.Whole(grid.Cells), all);
        return files.Commit(time, step, problem, runId);
    }

    /// <summary>
    /// <c>phi.csv</c> and <c>phi.bin</c> written chunk after chunk in the global cell order (x fastest), under their
    /// temporary names; <see cref="Commit"/> adds <c>phi.json</c> and renames the three. Disposed uncommitted (a failure
    /// on the way), it removes its temporary files.
    /// </summary>
    private sealed class FieldFiles : IDisposable
    {
        private readonly OutputWriter _writer;
        private readonly CartesianGrid _grid;
        private readonly StreamWriter _csv;
        private readonly FileStream _bin;
        private long _next;
        private bool _done;

        public FieldFiles(OutputWriter writer, CartesianGrid grid, IReadOnlyList<string> fieldNames)
        {
            _writer = writer;
            _grid = grid;
            _csv = new StreamWriter(writer.TempOf(FieldCsvFile), append: false, new UTF8Encoding(false), 1 << 16);
            _bin = new FileStream(writer.TempOf(FieldBinaryFile), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            string[] axes = ["x", "y", "z"];
            _csv.Write(string.Join(',', axes.Take(grid.Dimension)));
            _csv.Write(",phi");
            foreach (var name in fieldNames) _csv.Write("," + name);   // the solver's spatial fields, e.g. material_energy
            _csv.Write('\n');
        }

        /// <summary>The next chunk: <c>values[0]</c> φ, then the spatial fields, <c>chunk.Count</c> values each.</summary>
        public void Append(GridChunk chunk, double[][] values)
        {
            if (chunk.First != _next) throw new InvalidOperationException($"field chunk at cell {chunk.First}, expected {_next}");
            int n = checked((int)chunk.Count);
            var phi = values[0].AsSpan(0, n);
            int dim = _grid.Dimension;
            Span<int> ijk = stackalloc int[3];
            for (int c = 0; c < n; c++)
            {
                long rest = chunk.First + c;
                for (int d = 0; d < dim; d++) { ijk[d] = (int)(rest % _grid.Cells[d]); rest /= _grid.Cells[d]; }
                for (int d = 0; d < dim; d++)
                {
                    _csv.Write(R(_grid.Center(d, ijk[d])));
                    _csv.Write(',');
                }
                _csv.Write(R(phi[c]));
                for (int f = 1; f < values.Length; f++)
                {
                    _csv.Write(',');
                    _csv.Write(R(values[f][c]));
                }
                _csv.Write('\n');
            }
            if (BitConverter.IsLittleEndian)
            {
                _bin.Write(MemoryMarshal.AsBytes(phi));
            }
            else
            {
                Span<byte> b = stackalloc byte[8];
                foreach (double v in phi)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(b, v);
                    _bin.Write(b);
                }
            }
            _next += n;
        }

        /// <summary>Closes both files, writes <c>phi.json</c> and renames the three into place.</summary>
        public IReadOnlyList<string> Commit(double time, int step, string problem, string runId)
        {
            if (_next != _grid.CellCount) throw new InvalidOperationException($"{_next} of {_grid.CellCount} cells written to the field files");
            _csv.Dispose();
            _bin.Dispose();
            var files = new[] { _writer.Commit(_writer.TempOf(FieldCsvFile), FieldCsvFile), _writer.Commit(_writer.TempOf(FieldBinaryFile), FieldBinaryFile),
                                _writer.WriteFieldMetadata(_grid, time, step, problem, runId) };
            _done = true;
            return files;
        }

        public void Dispose()
        {
            _csv.Dispose();
            _bin.Dispose();
            if (_done) return;
            foreach (var file in new[] { FieldCsvFile, FieldBinaryFile })
                try { File.Delete(_writer.TempOf(file)); } catch (IOException) { }
        }
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
