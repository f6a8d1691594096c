using System.Globalization;
using ParallelDlra.Output;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra reconstruct SNAPSHOT [--output FILE] [--moments 0,1,2]</c>: φ and moments from the stored
/// low-rank factors (<see cref="Reconstruction"/>). Bad input exits with code 2.</summary>
internal static class ReconstructCommand
{
    public static int Execute(string snapshot, string? output, string? moments, TextWriter stdout)
    {
        List<int>? indices = null;
        if (moments is not null)
        {
            indices = [];
            foreach (var part in moments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                    throw new InputException($"--moments {moments}: '{part}' is not a moment index; allowed: comma-separated integers >= 0, e.g. 0,1,2");
                indices.Add(i);
            }
        }
        string target = output ?? Reconstruction.DefaultOutput(snapshot);
        CheckWritable(snapshot, target, output is null ? "the output (default: next to the snapshot)" : $"--output {output}");
        var (variables, xmf) = Reconstruction.Run(snapshot, target, indices);
        stdout.WriteLine($"wrote {string.Join(", ", variables)} to {target}; index {xmf}");
        return ExitCodes.Done;
    }

    /// <summary>The output must be a new place in a folder this process can write — never the snapshot itself — so a
    /// bad --output is named as such before the snapshot is read.</summary>
    private static void CheckWritable(string snapshot, string target, string what)
    {
        string full = Path.GetFullPath(target);
        if (File.Exists(snapshot) && full == Path.GetFullPath(snapshot))
            throw new InputException($"{what}: is the snapshot itself; allowed: another file name");
        string folder = Path.GetDirectoryName(full)!;
        string probe = Path.Combine(folder, $".pdlra-write-test-{Environment.ProcessId}");
        try
        {
            if (Directory.Exists(full)) throw new IOException("it is a folder");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputException($"{what}: cannot be written ({e.Message}); allowed: a file in a folder that exists and can be written");
        }
    }
}
