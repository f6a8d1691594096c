using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>CBLAS and the OpenBLAS control functions from <c>libopenblas.so.0</c> (LP64).</summary>
internal static unsafe partial class LibOpenBlas
{
    private const string Lib = NativeLibraryResolver.OpenBlas;

    static LibOpenBlas() => NativeLibraryResolver.EnsureRegistered();

    /// <summary>Loads the library; false with the reason when it is not there.</summary>
    public static bool TryLoad(out string sonameOrReason) => NativeLibraryResolver.TryLoad(Lib, out _, out sonameOrReason);

    [LibraryImport(Lib)]
    public static partial void cblas_dgemm(int layout, int transA, int transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    [LibraryImport(Lib)]
    public static partial void cblas_dsyrk(int layout, int uplo, int trans, int n, int k,
        double alpha, double* a, int lda, double beta, double* c, int ldc);

    /// <summary>e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".</summary>
    [LibraryImport(Lib)]
    public static partial byte* openblas_get_config();

    /// <summary>The kernel set a DYNAMIC_ARCH build chose, e.g. "Haswell", "SkylakeX".</summary>
    [LibraryImport(Lib)]
    public static partial byte* openblas_get_corename();

    [LibraryImport(Lib)]
    public static partial void openblas_set_num_threads(int threads);

    [LibraryImport(Lib)]
    public static partial int openblas_get_num_threads();
}
