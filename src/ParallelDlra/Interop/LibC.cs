using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>The few POSIX calls .NET does not offer: fsync of a directory, so that a rename is durable; anonymous
/// memory maps, whose pages go back to the operating system when unmapped.</summary>
internal static partial class LibC
{
    private const int ProtReadWrite = 0x1 | 0x2;          // PROT_READ | PROT_WRITE
    private const int MapPrivateAnonymous = 0x02 | 0x20;  // MAP_PRIVATE | MAP_ANONYMOUS (Linux)

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);

    /// <summary>A zero-filled private anonymous mapping of <paramref name="bytes"/> bytes (pages are committed
    /// when first touched); off Linux, zeroed aligned native memory.</summary>
    /// <exception cref="OutOfMemoryException">the mapping failed</exception>
    public static unsafe nint MapZeroed(long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            var p = NativeMemory.AlignedAlloc((nuint)bytes, 64);
            NativeMemory.Clear(p, (nuint)bytes);
            return (nint)p;
        }
        nint address = mmap(0, (nuint)bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if (address == -1) throw new OutOfMemoryException($"mmap of {bytes} bytes failed: errno {Marshal.GetLastPInvokeError()}");
        return address;
    }

    /// <summary>Releases a mapping of <see cref="MapZeroed"/>: its pages go back to the operating system.</summary>
    public static unsafe void Unmap(nint address, long bytes)
    {
        if (!OperatingSystem.IsLinux()) { NativeMemory.AlignedFree((void*)address); return; }
        munmap(address, (nuint)bytes);
    }

    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux

    [LibraryImport("libc.so.6", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc.so.6")]
    private static partial int close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>setenv(3): sets <paramref name="name"/> in the native environment, which native libraries read with
    /// getenv (Environment.SetEnvironmentVariable changes only the managed copy on Unix), and in the managed one.</summary>
    public static void SetNativeEnvironmentVariable(string name, string value)
    {
        if (SetEnv(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, value);
    }

    [LibraryImport("libc.so.6", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    /// <summary>Ends the process at once with <paramref name="status"/>, without the native exit handlers (after a
    /// failed HDF5 close, whose handler may crash); flush managed output first.</summary>
    public static void ExitWithoutHandlers(int status) => ExitNow(status);

    /// <summary>fsync(2) of the directory <paramref name="path"/>; a no-op off Linux.</summary>
    public static void FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = open(path, ORdOnly | ODirectory);
        if (fd < 0) throw new IOException($"open({path}) for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            close(fd);
        }
    }
}
