using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace ParallelDlra.Interop;

/// <summary>
/// The kernel set of a DYNAMIC_ARCH OpenBLAS, chosen when the library loads. OpenBLAS picks it from the CPU model;
/// a release older than the CPU does not know the model and falls back to a pre-AVX core: Debian 12's OpenBLAS
/// 0.3.21 takes Intel family 6 model 207 (Emerald Rapids) for "Prescott", and with those kernels the distributed
/// DLRA runs produced bases that are not orthonormal (defect 1e-3 to 0.8, stopped by the run's orthonormality check),
/// while SkylakeX and Haswell kernels give the right answer. So: when OPENBLAS_CORETYPE is not set and the core
/// OpenBLAS chose is a pre-AVX2 one on a CPU that has AVX2 and FMA, the library is closed, OPENBLAS_CORETYPE is set
/// to the newest core the CPU supports (SkylakeX with AVX-512 F/CD/BW/DQ/VL, else Haswell) and the library is
/// loaded again. A user's OPENBLAS_CORETYPE is left as it is.
/// </summary>
internal static class OpenBlasCore
{
    public const string Variable = "OPENBLAS_CORETYPE";

    /// <summary>OpenBLAS's names of the x86-64 cores without AVX2 (its gotoblas_corename list).</summary>
    private static readonly HashSet<string> PreAvx2Cores = new(StringComparer.OrdinalIgnoreCase)
    {
        "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Sandybridge", "Bobcat",
        "Bulldozer", "Piledriver", "Steamroller", "Excavator",
    };

    /// <summary>What was decided, for the run log; null when OpenBLAS's own choice stands.</summary>
    public static string? Note { get; private set; }

    /// <summary>The core to use instead of <paramref name="detected"/>, or null to keep it.</summary>
    public static string? Replacement(string detected, string? userSetting, bool avx2Fma, bool avx512)
    {
        if (!string.IsNullOrEmpty(userSetting)) return null;
        if (!PreAvx2Cores.Contains(detected) || !avx2Fma) return null;
        return avx512 ? "SkylakeX" : "Haswell";
    }

    private static bool CpuHasAvx2Fma => Avx2.IsSupported && Fma.IsSupported;

    private static bool CpuHasAvx512 =>
        Avx512F.IsSupported && Avx512CD.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;

    /// <summary>The core name OpenBLAS reports for the loaded library <paramref name="handle"/> (null: not OpenBLAS,
    /// or too old to say).</summary>
    public static unsafe string? CoreName(IntPtr handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var f)) return null;
        return Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)f)());
    }

    /// <summary>Returns the handle of <paramref name="soname"/> with the right kernels: <paramref name="handle"/>
    /// itself, or the library loaded again with OPENBLAS_CORETYPE set.</summary>
    public static IntPtr Ensure(IntPtr handle, string soname)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return handle;
        var detected = CoreName(handle);
        if (detected is null) return handle;
        var replacement = Replacement(detected, Environment.GetEnvironmentVariable(Variable), CpuHasAvx2Fma, CpuHasAvx512);
        if (replacement is null) return handle;
        NativeLibrary.Free(handle);
        LibC.SetNativeEnvironmentVariable(Variable, replacement);
        var again = NativeLibrary.Load(soname);
        var now = CoreName(again) ?? "?";
        Note = string.Equals(now, replacement, StringComparison.OrdinalIgnoreCase)
            ? $"its choice {detected} for this {(CpuHasAvx512 ? "AVX-512" : "AVX2")} CPU replaced: {Variable}={replacement}"
            : $"its choice {detected} for this {(CpuHasAvx512 ? "AVX-512" : "AVX2")} CPU could not be replaced (the library stayed loaded, core {now}): set {Variable}={replacement} before the run";
        return again;
    }
}
