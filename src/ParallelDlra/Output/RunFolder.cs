using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using ParallelDlra.Parallel;

namespace ParallelDlra.Output;

/// <summary>
/// Who owns an output folder (issue #18, "nothing lost"): every run gets a run identifier, written into
/// <c>run.json</c> and into every HDF5 file and <c>phi.json</c> it writes. A fresh run into a folder that holds
/// another run's results is refused (exit 2 naming the folder and <c>--overwrite</c>); <c>--overwrite</c> removes
/// those results first; <c>--restart</c> continues (earlier files stay; nothing of the earlier run is pruned).
/// </summary>
public static class RunFolder
{
    public const string MarkerFile = "run.json";

    /// <summary>File name patterns of results a run writes (what <c>--overwrite</c> removes, what marks a folder as used).</summary>
    public static readonly string[] ResultPatterns =
    [
        MarkerFile, OutputWriter.DeckFile, OutputWriter.DiagnosticsFile, OutputWriter.DiagnosticsHdf5File,
        OutputWriter.FieldCsvFile, OutputWriter.FieldBinaryFile, OutputWriter.FieldMetadataFile,
        SnapshotWriter.IndexFile, "snapshot_*.h5", "checkpoint_*.h5", ".checkpoint_*.h5.tmp", ".snapshot_*.h5.tmp", SnapshotWriter.IndexFile + ".tmp",
        .. new[] { OutputWriter.DeckFile, OutputWriter.DiagnosticsFile, OutputWriter.DiagnosticsHdf5File, OutputWriter.FieldCsvFile,
            OutputWriter.FieldBinaryFile, OutputWriter.FieldMetadataFile, MarkerFile }.Select(OutputWriter.TempName),
    ];

    /// <summary>A new run identifier, made on rank 0 and shared with every rank (collective): UTC start time and 48
    /// random bits, e.g. <c>20261201T160512Z-3fa81c09d2e4</c>.</summary>
    public static string NewId(ICommunicator comm)
    {
        Span<double> v = [0, 0];
        if (comm.Rank == 0)
        {
            v[0] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            v[1] = RandomNumberGenerator.GetInt32(1 << 24) * (double)(1 << 24) + RandomNumberGenerator.GetInt32(1 << 24);
        }
        if (comm.Size > 1) comm.Broadcast(v);
        var when = DateTimeOffset.FromUnixTimeSeconds((long)v[0]).UtcDateTime;
        return $"{when.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{(long)v[1]:x12}";
    }

    /// <summary>The result files in <paramref name="directory"/> (any run's).</summary>
    public static IReadOnlyList<string> Results(string directory)
        => [.. ResultPatterns.SelectMany(p => Directory.GetFiles(directory, p)).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The run identifier recorded in <c>run.json</c>, or null.</summary>
    public static string? RecordedId(string directory)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, MarkerFile)));
            return doc.RootElement.TryGetProperty("run_id", out var id) ? id.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Rank 0, before any computing: refuses a fresh run into a folder with another run's results, unless
    /// <paramref name="overwrite"/>; a restart (<paramref name="restart"/> set) may continue there. Returns the files a
    /// fresh run will replace (<see cref="Take"/> removes them once the run is set up, so that bad input found later
    /// still leaves them).</summary>
    /// <exception cref="InputException">the folder holds results and neither <c>--overwrite</c> nor <c>--restart</c> was given</exception>
    public static IReadOnlyList<string> Claim(string directory, string? restart, bool overwrite)
    {
        if (restart is not null) return [];
        var results = Results(directory);
        if (results.Count > 0 && !overwrite)
        {
            string owner = RecordedId(directory) is { } id ? $"run {id}" : "an earlier run";
            throw new InputException($"output.directory = {directory}: holds the results of {owner} ({results.Count} file(s), e.g. " +
                                     $"{Path.GetFileName(results[0])}); allowed: a new or empty folder, --overwrite to replace them, " +
                                     "or --restart CHECKPOINT to continue that run");
        }
        return results;
    }

    /// <summary>Rank 0, for a fresh run just before it writes: removes <paramref name="replaced"/> (what
    /// <see cref="Claim"/> found, with <c>--overwrite</c>) and claims the folder with an exclusive create of
    /// <c>run.json</c>, so that a second run started at the same moment is refused.</summary>
    /// <exception cref="InputException">another run claimed the folder in the meantime</exception>
    public static void Take(string directory, IReadOnlyList<string> replaced)
    {
        foreach (var f in replaced) File.Delete(f);
        try
        {
            using var claim = new FileStream(Path.Combine(directory, MarkerFile), FileMode.CreateNew, FileAccess.Write);
        }
        catch (IOException)
        {
            throw new InputException($"output.directory = {directory}: another run has just started there; allowed: another output.directory");
        }
    }

    /// <summary>Writes <c>run.json</c> (temporary name, rename): run id, the run continued, its status.</summary>
    public static void WriteMarker(string directory, string runId, string problem, string? parentId, string? restartFrom, string status)
    {
        string path = Path.Combine(directory, MarkerFile), tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var j = new Utf8JsonWriter(f, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("run_id", runId);
            j.WriteString("problem", problem);
            j.WriteString("status", status);
            j.WriteString("updated", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            if (parentId is not null) j.WriteString("continues_run", parentId);
            if (restartFrom is not null) j.WriteString("restart_from", restartFrom);
            j.WriteString("code_version", FieldLayout.CodeVersion);
            j.WriteEndObject();
        }
        File.Move(tmp, path, overwrite: true);
    }
}
