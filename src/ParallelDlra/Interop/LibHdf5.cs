using System.Runtime.InteropServices;
using System.Text;

namespace ParallelDlra.Interop;

/// <summary>Thrown when an HDF5 call fails (the message carries the library's error stack) or when the
/// library cannot be loaded.</summary>
public sealed class Hdf5Exception(string message) : Exception(message);

/// <summary>
/// The parallel HDF5 C library (<c>libhdf5_openmpi.so.103</c>, HDF5 1.10; a serial 1.10 build is
/// accepted as a fallback without the MPI-IO functions). <c>hid_t</c> is 64-bit, <c>herr_t</c> and
/// <c>htri_t</c> are <c>int</c>, <c>hsize_t</c> is 64-bit unsigned. The predefined types and property
/// list classes (<c>H5T_NATIVE_DOUBLE</c>, <c>H5P_FILE_ACCESS</c>, ...) are macros over exported global
/// variables (<c>H5T_NATIVE_DOUBLE_g</c>, ...) that are valid only after <c>H5open()</c>; <see cref="Ids"/>
/// reads them once. Every failing call goes through <see cref="Check(int, string)"/> /
/// <see cref="Check(long, string)"/>, which turns the error stack into one <see cref="Hdf5Exception"/>;
/// the library's automatic printing of errors to stderr is switched off.
/// </summary>
internal static unsafe partial class LibHdf5
{
    private const string Lib = NativeLibraryResolver.Hdf5;

    public const long H5P_DEFAULT = 0, H5S_ALL = 0, H5E_DEFAULT = 0;
    public const uint H5F_ACC_RDONLY = 0, H5F_ACC_RDWR = 1, H5F_ACC_TRUNC = 2, H5F_ACC_EXCL = 4;
    public const int H5S_SELECT_SET = 0, H5S_SCALAR = 0;
    public const int H5FD_MPIO_INDEPENDENT = 0, H5FD_MPIO_COLLECTIVE = 1;
    public const int H5T_STR_NULLTERM = 0, H5T_CSET_UTF8 = 1;
    private const int H5E_WALK_DOWNWARD = 1;

    static LibHdf5() => NativeLibraryResolver.EnsureRegistered();

    /// <summary>The global ids read after <c>H5open()</c>.</summary>
    public sealed record GlobalIds(long NativeDouble, long NativeInt64, long NativeInt32, long CString,
        long FileAccess, long DatasetXfer, bool HasMpio, string Version);

    private static readonly Lazy<GlobalIds> LazyIds = new(Initialise, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the library, calls <c>H5open</c>, silences automatic error printing and reads the global ids.</summary>
    /// <exception cref="Hdf5Exception">the library is not installed (names the sonames tried and the Debian package)</exception>
    public static GlobalIds Ids => LazyIds.Value;

    /// <summary>Whether the library loads (without throwing); the soname or the reason.</summary>
    public static bool TryLoad(out string sonameOrReason) => NativeLibraryResolver.TryLoad(Lib, out _, out sonameOrReason);

    private static GlobalIds Initialise()
    {
        if (!NativeLibraryResolver.TryLoad(Lib, out var handle, out var reason))
            throw new Hdf5Exception($"HDF5 is not available ({reason}); install libhdf5-openmpi-dev (make deps)");
        Check(H5open(), "H5open");
        Check(H5Eset_auto2(H5E_DEFAULT, IntPtr.Zero, IntPtr.Zero), "H5Eset_auto2");
        uint major, minor, release;
        Check(H5get_libversion(&major, &minor, &release), "H5get_libversion");
        long Global(string symbol)
        {
            if (!NativeLibrary.TryGetExport(handle, symbol, out var address))
                throw new Hdf5Exception($"HDF5 library has no global {symbol}");
            return *(long*)address;
        }
        return new GlobalIds(
            Global("H5T_NATIVE_DOUBLE_g"), Global("H5T_NATIVE_LLONG_g"), Global("H5T_NATIVE_INT_g"), Global("H5T_C_S1_g"),
            Global("H5P_CLS_FILE_ACCESS_ID_g"), Global("H5P_CLS_DATASET_XFER_ID_g"),
            NativeLibrary.TryGetExport(handle, "H5Pset_fapl_mpio", out _),
            $"{major}.{minor}.{release}");
    }

    // ---- error handling ---------------------------------------------------------------------------

    /// <summary>Throws unless <paramref name="status"/> (herr_t) is non-negative.</summary>
    public static void Check(int status, string function)
    {
        if (status < 0) throw Failure(function);
    }

    /// <summary>Returns <paramref name="id"/> (hid_t) or throws when it is negative.</summary>
    public static long Check(long id, string function) => id >= 0 ? id : throw Failure(function);

    /// <summary>An htri_t: true, false, or an exception when negative.</summary>
    public static bool CheckBool(int tri, string function) => tri > 0 || (tri == 0 ? false : throw Failure(function));

    private static Hdf5Exception Failure(string function)
    {
        var lines = new List<string>();
        long stack = H5Eget_current_stack();
        if (stack >= 0)
        {
            var handle = GCHandle.Alloc(lines);
            try
            {
                H5Ewalk2(stack, H5E_WALK_DOWNWARD, &Walk, GCHandle.ToIntPtr(handle));
            }
            finally
            {
                handle.Free();
                H5Eclose_stack(stack);
            }
        }
        string detail = lines.Count > 0 ? string.Join("; ", lines.Distinct()) : "no details";
        return new Hdf5Exception($"{function} failed: {detail}");
    }

    [UnmanagedCallersOnly]
    private static int Walk(uint n, ErrorRecord* error, nint clientData)
    {
        var lines = (List<string>)GCHandle.FromIntPtr(clientData).Target!;
        string func = Marshal.PtrToStringUTF8(error->FuncName) ?? "?";
        string desc = Marshal.PtrToStringUTF8(error->Desc) ?? "";
        lines.Add($"{func}: {desc}");
        return 0;
    }

    /// <summary>H5E_error2_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ErrorRecord
    {
        public long ClassId, Major, Minor;
        public uint Line;
        public nint FuncName, FileName, Desc;
    }

    // ---- the C API --------------------------------------------------------------------------------

    [LibraryImport(Lib)] public static partial int H5open();
    [LibraryImport(Lib)] public static partial int H5get_libversion(uint* major, uint* minor, uint* release);
    [LibraryImport(Lib)] private static partial int H5Eset_auto2(long stack, nint func, nint clientData);
    [LibraryImport(Lib)] private static partial long H5Eget_current_stack();
    [LibraryImport(Lib)] private static partial int H5Eclose_stack(long stack);
    [LibraryImport(Lib)] private static partial int H5Ewalk2(long stack, int direction, delegate* unmanaged<uint, ErrorRecord*, nint, int> func, nint clientData);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int H5Fis_hdf5(string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Fcreate(string name, uint flags, long fcpl, long fapl);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Fopen(string name, uint flags, long fapl);
    [LibraryImport(Lib)] public static partial int H5Fclose(long file);

    [LibraryImport(Lib)] public static partial long H5Pcreate(long cls);
    [LibraryImport(Lib)] public static partial int H5Pclose(long plist);
    [LibraryImport(Lib)] public static partial int H5Pset_fapl_mpio(long fapl, nint comm, nint info);
    [LibraryImport(Lib)] public static partial int H5Pset_dxpl_mpio(long dxpl, int mode);

    [LibraryImport(Lib)] public static partial long H5Screate(int type);
    [LibraryImport(Lib)] public static partial long H5Screate_simple(int rank, ulong* dims, ulong* maxdims);
    [LibraryImport(Lib)] public static partial int H5Sselect_hyperslab(long space, int op, ulong* start, ulong* stride, ulong* count, ulong* block);
    [LibraryImport(Lib)] public static partial int H5Sselect_none(long space);
    [LibraryImport(Lib)] public static partial int H5Sget_simple_extent_ndims(long space);
    [LibraryImport(Lib)] public static partial int H5Sget_simple_extent_dims(long space, ulong* dims, ulong* maxdims);
    [LibraryImport(Lib)] public static partial int H5Sclose(long space);

    [LibraryImport(Lib)] public static partial long H5Tcopy(long type);
    [LibraryImport(Lib)] public static partial int H5Tset_size(long type, nuint size);
    [LibraryImport(Lib)] public static partial nuint H5Tget_size(long type);
    [LibraryImport(Lib)] public static partial int H5Tset_strpad(long type, int pad);
    [LibraryImport(Lib)] public static partial int H5Tset_cset(long type, int cset);
    [LibraryImport(Lib)] public static partial int H5Tclose(long type);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Gcreate2(long loc, string name, long lcpl, long gcpl, long gapl);
    [LibraryImport(Lib)] public static partial int H5Gclose(long group);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int H5Lexists(long loc, string name, long lapl);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Dcreate2(long loc, string name, long type, long space, long lcpl, long dcpl, long dapl);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Dopen2(long loc, string name, long dapl);
    [LibraryImport(Lib)] public static partial long H5Dget_space(long dataset);
    [LibraryImport(Lib)] public static partial int H5Dwrite(long dataset, long memType, long memSpace, long fileSpace, long dxpl, void* buffer);
    [LibraryImport(Lib)] public static partial int H5Dread(long dataset, long memType, long memSpace, long fileSpace, long dxpl, void* buffer);
    [LibraryImport(Lib)] public static partial int H5Dclose(long dataset);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Acreate2(long loc, string name, long type, long space, long acpl, long aapl);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial long H5Aopen(long loc, string name, long aapl);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int H5Aexists(long loc, string name);
    [LibraryImport(Lib)] public static partial long H5Aget_type(long attribute);
    [LibraryImport(Lib)] public static partial long H5Aget_space(long attribute);
    [LibraryImport(Lib)] public static partial int H5Awrite(long attribute, long memType, void* buffer);
    [LibraryImport(Lib)] public static partial int H5Aread(long attribute, long memType, void* buffer);
    [LibraryImport(Lib)] public static partial int H5Aclose(long attribute);

    /// <summary>UTF-8 bytes of <paramref name="s"/> (for fixed-length string attributes).</summary>
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
