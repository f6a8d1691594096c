using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ParallelDlra.Interop;
using ParallelDlra.LinearAlgebra;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra info</c>: what this installation will run on. Initialises nothing (no MPI_Init,
/// no GPU context beyond enumerating devices) and never fails for a missing library: it says
/// what is missing and how to get it.</summary>
internal static class InfoCommand
{
    public static int Execute(TextWriter stdout)
    {
        void Row(string key, string value) => stdout.WriteLine($"{key,-15} {value}");

        Row("pdlra", Version());
        Row(".NET", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        Row("OS", OperatingSystemName());
        Row("cores", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row("linear algebra", LinearAlgebra());
        Row("MPI", Mpi());
        foreach (var line in Gpus()) stdout.WriteLine(line);
        return ExitCodes.Done;
    }

    private static string Version()
    {
        var assembly = typeof(InfoCommand).Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }

    private static string OperatingSystemName()
    {
        string? pretty = null;
        try
        {
            if (File.Exists("/etc/os-release"))
                pretty = File.ReadLines("/etc/os-release")
                    .FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"');
        }
        catch (IOException)
        {
        }
        var os = pretty ?? RuntimeInformation.OSDescription;
        return $"{os}, kernel {Environment.OSVersion.Version}";
    }

    private static string LinearAlgebra()
    {
        try
        {
            var la = LinearAlgebraProvider.Default;
            var text = $"{la.Name}, {la.Threads} thread(s)";
            if (LinearAlgebraProvider.FallbackReason is { } why)
                text += $" — native not available: {why}";
            return text;
        }
        catch (Exception e) when (e is InvalidOperationException or InputException)
        {
            return $"unavailable: {e.Message}";
        }
    }

    private static string Mpi()
    {
        if (!MpiLibraryProbe.TryDescribe(out var soname, out var version))
            return $"not found ({string.Join(", ", MpiLibraryProbe.Candidates)}): install openmpi-bin libopenmpi-dev";
        return version is null ? $"{soname} (no MPI_Get_library_version)" : $"{soname}: {version}";
    }

    /// <summary>The CUDA devices ILGPU sees; never throws on a machine without CUDA.</summary>
    private static IEnumerable<string> Gpus()
    {
        bool driver = NativeLibrary.TryLoad("libcuda.so.1", out var cuda);
        if (driver) NativeLibrary.Free(cuda);

        List<string> lines = [];
        string? failure = null;
        try
        {
            using var context = Context.Create(b => b.Cuda());
            foreach (var device in context.GetCudaDevices())
                lines.Add($"  [{lines.Count}] {device.Name}, {device.MemorySize / (1024.0 * 1024 * 1024):F1} GiB, " +
                          $"compute capability {device.Architecture?.ToString() ?? "unknown"}, {device.NumMultiprocessors} SMs");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
        }

        if (!driver && lines.Count == 0)
            yield return "GPUs: none (CUDA driver not found)";
        else if (failure is not null)
            yield return $"GPUs: none (CUDA driver found, ILGPU could not use it: {failure})";
        else if (lines.Count == 0)
            yield return "GPUs: none (CUDA driver found, no device)";
        else
        {
            yield return $"GPUs: {lines.Count} (CUDA, via ILGPU)";
            foreach (var l in lines) yield return l;
        }
    }
}
