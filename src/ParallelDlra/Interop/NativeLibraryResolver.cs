using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>
/// The one <see cref="NativeLibrary.SetDllImportResolver"/> of this assembly (only one may be set
/// per assembly): maps the logical library names used in <c>[LibraryImport]</c> declarations onto
/// the sonames tried in order, and remembers which one was loaded. A candidate only counts when it
/// exports the symbol named beside it, so e.g. an OpenBLAS built with LAPACKE can stand in for
/// <c>liblapacke.so.3</c>.
/// </summary>
internal static class NativeLibraryResolver
{
    public const string OpenBlas = "openblas";
    public const string Lapacke = "lapacke";
    public const string MklRt = "mkl_rt";
    public const string Hdf5 = "hdf5";
    /// <summary>The MPI shim built by <c>make native</c> (src/native/pdlra_mpi.c).</summary>
    public const string PdlraMpi = "pdlra_mpi";
    /// <summary>File name of the MPI shim.</summary>
    public const string PdlraMpiFile = "libpdlra_mpi.so";
    /// <summary>Environment variable with an explicit path of the MPI shim (tried first).</summary>
    public const string PdlraMpiVariable = "PDLRA_MPI_SHIM";

    private sealed record Candidate(string Soname, string RequiredSymbol);

    private static readonly Dictionary<string, Candidate[]> Candidates = new()
    {
        [OpenBlas] =
        [
            new("libopenblas.so.0", "cblas_dgemm"),
            new("libopenblas.so", "cblas_dgemm"),
            new("libopenblasp-r0.so", "cblas_dgemm"),
        ],
        [Lapacke] =
        [
            new("liblapacke.so.3", "LAPACKE_dgeqrf"),
            new("liblapacke.so", "LAPACKE_dgeqrf"),
            new("libopenblas.so.0", "LAPACKE_dgeqrf"),
            new("libopenblas.so", "LAPACKE_dgeqrf"),
        ],
        [MklRt] =
        [
            new("libmkl_rt.so.2", "MKL_Get_Version_String"),
            new("libmkl_rt.so.1", "MKL_Get_Version_String"),
            new("libmkl_rt.so", "MKL_Get_Version_String"),
        ],
        // Parallel HDF5 built against OpenMPI first (Debian libhdf5-openmpi-103); a serial 1.10 build
        // serves one-rank runs (no H5Pset_fapl_mpio).
        [Hdf5] =
        [
            new("libhdf5_openmpi.so.103", "H5open"),
            new("libhdf5_openmpi.so", "H5open"),
            new("libhdf5_serial.so.103", "H5open"),
            new("libhdf5.so.103", "H5open"),
        ],
        [PdlraMpi] = [.. ShimPaths().Select(p => new Candidate(p, "pdlra_mpi_init"))],
    };

    /// <summary>Where the MPI shim is looked for, in order: $PDLRA_MPI_SHIM; next to this assembly
    /// (the build copies it beside pdlra.dll); build/native of the checkout above the assembly
    /// (walking up from its folder); the default library search path.</summary>
    private static IEnumerable<string> ShimPaths()
    {
        if (Environment.GetEnvironmentVariable(PdlraMpiVariable) is { Length: > 0 } explicitPath) yield return explicitPath;
        var here = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
        if (string.IsNullOrEmpty(here)) here = AppContext.BaseDirectory;
        yield return Path.Combine(here, PdlraMpiFile);
        for (var dir = new DirectoryInfo(here); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "build", "native", PdlraMpiFile);
            if (File.Exists(candidate)) { yield return candidate; break; }
        }
        yield return PdlraMpiFile;
    }

    private sealed record Loaded(IntPtr Handle, string? Soname, string? Reason);

    private static readonly ConcurrentDictionary<string, Loaded> Cache = new();
    private static int registered;

    /// <summary>Installs the resolver once; every Lib* class calls this from its static constructor.</summary>
    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
    }

    /// <summary>Loads the logical library <paramref name="name"/> (cached).</summary>
    /// <returns>true with the soname that was loaded, or false with the reason.</returns>
    public static bool TryLoad(string name, out IntPtr handle, out string sonameOrReason)
    {
        var loaded = Cache.GetOrAdd(name, Load);
        handle = loaded.Handle;
        sonameOrReason = loaded.Soname ?? loaded.Reason ?? "unknown";
        return loaded.Handle != IntPtr.Zero;
    }

    private static Loaded Load(string name)
    {
        // LAPACKE links OpenBLAS: load OpenBLAS first, so that its kernel choice (OpenBlasCore) is made before
        // anything pins the library.
        if (name == Lapacke) TryLoad(OpenBlas, out _, out _);
        var loaded = LoadFirstCandidate(name);
        if (name == OpenBlas && loaded.Handle != IntPtr.Zero && loaded.Soname is { } soname)
            loaded = loaded with { Handle = OpenBlasCore.Ensure(loaded.Handle, soname) };
        return loaded;
    }

    private static Loaded LoadFirstCandidate(string name)
    {
        if (!Candidates.TryGetValue(name, out var candidates))
            return new Loaded(IntPtr.Zero, null, $"no candidates known for native library '{name}'");
        var tried = new List<string>();
        foreach (var c in candidates)
        {
            if (!NativeLibrary.TryLoad(c.Soname, out var h))
            {
                tried.Add($"{c.Soname}: not found");
                continue;
            }
            if (NativeLibrary.TryGetExport(h, c.RequiredSymbol, out _))
                return new Loaded(h, c.Soname, null);
            tried.Add($"{c.Soname}: no {c.RequiredSymbol}");
            NativeLibrary.Free(h);
        }
        return new Loaded(IntPtr.Zero, null, string.Join("; ", tried));
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!Candidates.ContainsKey(libraryName)) return IntPtr.Zero; // default probing
        if (TryLoad(libraryName, out var h, out var reason)) return h;
        throw new DllNotFoundException($"native library '{libraryName}' not available ({reason})");
    }
}
