using Xunit;
using ParallelDlra.Interop;
using ParallelDlra.LinearAlgebra;

namespace ParallelDlra.Tests.LinearAlgebra;

/// <summary>The kernel set of OpenBLAS (Interop.OpenBlasCore): a pre-AVX2 fallback core on an AVX2 CPU is replaced,
/// a user's OPENBLAS_CORETYPE and OpenBLAS's own modern choice are kept, and the provider says which kernels run.</summary>
public class OpenBlasCoreTests
{
    [Theory]
    [InlineData("Prescott", null, true, true, "SkylakeX")]     // Debian 12's 0.3.21 on Emerald Rapids
    [InlineData("Prescott", null, true, false, "Haswell")]
    [InlineData("Nehalem", "", true, false, "Haswell")]
    [InlineData("Sandybridge", null, true, true, "SkylakeX")]
    [InlineData("Prescott", "Prescott", true, true, null)]     // the user asked for it
    [InlineData("Prescott", null, false, false, null)]         // a CPU without AVX2: Prescott may be right
    [InlineData("Haswell", null, true, true, null)]            // a modern choice stands
    [InlineData("Zen", null, true, true, null)]
    [InlineData("SkylakeX", null, true, true, null)]
    [InlineData("SapphireRapids", null, true, true, null)]
    public void A_pre_avx2_fallback_is_replaced_by_the_newest_core_the_cpu_supports(
        string detected, string? user, bool avx2, bool avx512, string? expected) =>
        Assert.Equal(expected, OpenBlasCore.Replacement(detected, user, avx2, avx512));

    [Fact]
    public void The_loaded_openblas_runs_kernels_for_this_cpu_and_the_provider_names_them()
    {
        if (!NativeLinearAlgebra.TryCreate(out var la, out var reason)) throw new InvalidOperationException(reason);
        if (!la!.Name.StartsWith("OpenBLAS", StringComparison.Ordinal)) return;   // MKL: no core to choose
        Assert.True(NativeLibraryResolver.TryLoad(NativeLibraryResolver.OpenBlas, out var handle, out var soname), soname);
        var core = OpenBlasCore.CoreName(handle);
        Assert.NotNull(core);
        Assert.Contains($"{core} kernels", la.Name);
        bool modern = System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
        bool setByUser = OpenBlasCore.Note is null && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OpenBlasCore.Variable));
        if (setByUser) return;   // the user's choice is kept, whatever it is
        // No pre-AVX2 fallback left running on an AVX2 CPU, whether OpenBLAS knew the CPU or we replaced its choice.
        Assert.Null(OpenBlasCore.Replacement(core!, null, modern, false));
    }
}
