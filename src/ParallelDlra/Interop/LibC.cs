using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>The few POSIX calls .NET does not offer: fsync of a directory, so that a rename is durable.</summary>
internal static partial class LibC
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux

    [LibraryImport("libc.so.6", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc.so.6")]
    private static partial int close(int fd);

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
