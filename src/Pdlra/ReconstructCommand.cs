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
        var (variables, xmf) = Reconstruction.Run(snapshot, target, indices);
        stdout.WriteLine($"wrote {string.Join(", ", variables)} to {target}; index {xmf}");
        return ExitCodes.Done;
    }
}
