using System.Runtime.InteropServices;
using System.Text;

namespace ParallelDlra.Interop;

/// <summary>
/// Finds the MPI library without initialising MPI: tries the sonames of OpenMPI
/// (<c>libmpi.so.40</c>) and MPICH (<c>libmpi.so.12</c>) and asks for
/// <c>MPI_Get_library_version</c>, which MPI-3 allows before <c>MPI_Init</c>.
/// </summary>
internal static unsafe class MpiLibraryProbe
{
    /// <summary>Sonames tried, in order: OpenMPI, then MPICH (and its derivatives).</summary>
    public static readonly string[] Candidates = ["libmpi.so.40", "libmpi.so.12", "libmpi.so"];

    /// <summary>MPICH's MPI_MAX_LIBRARY_VERSION_STRING (OpenMPI's is 256): a buffer that fits both.</summary>
    private const int MaxLibraryVersionString = 8192;

    /// <summary>The soname that loaded and the first line of its library version string
    /// (null when the library has no MPI_Get_library_version); false when none loads.</summary>
    public static bool TryDescribe(out string soname, out string? version)
    {
        version = null;
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            soname = name;
            if (NativeLibrary.TryGetExport(handle, "MPI_Get_library_version", out var fn))
            {
                var buffer = new byte[MaxLibraryVersionString];
                int length = 0;
                int rc;
                fixed (byte* p = buffer)
                    rc = ((delegate* unmanaged<byte*, int*, int>)fn)(p, &length);
                if (rc == 0 && length > 0)
                {
                    var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length)).TrimEnd('\0');
                    version = text.Split('\n', 2)[0].Trim();
                }
            }
            return true;
        }
        soname = "";
        return false;
    }
}
