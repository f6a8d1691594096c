using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>CBLAS, LAPACKE and the service functions of Intel MKL's single dynamic library
/// <c>libmkl_rt.so</c> (default LP64 interface).</summary>
internal static unsafe partial class LibMklRt
{
    private const string Lib = NativeLibraryResolver.MklRt;

    static LibMklRt() => NativeLibraryResolver.EnsureRegistered();

    /// <summary>Loads the library; false with the reason when it is not there.</summary>
    public static bool TryLoad(out string sonameOrReason) => NativeLibraryResolver.TryLoad(Lib, out _, out sonameOrReason);

    [LibraryImport(Lib)]
    public static partial void cblas_dgemm(int layout, int transA, int transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    [LibraryImport(Lib)]
    public static partial void cblas_dsyrk(int layout, int uplo, int trans, int n, int k,
        double alpha, double* a, int lda, double beta, double* c, int ldc);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dgeqrf(int layout, int m, int n, double* a, int lda, double* tau);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dorgqr(int layout, int m, int n, int k, double* a, int lda, double* tau);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dgesvd(int layout, byte jobu, byte jobvt, int m, int n, double* a, int lda,
        double* s, double* u, int ldu, double* vt, int ldvt, double* superb);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dgesdd(int layout, byte jobz, int m, int n, double* a, int lda,
        double* s, double* u, int ldu, double* vt, int ldvt);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dsyevd(int layout, byte jobz, byte uplo, int n, double* a, int lda, double* w);

    [LibraryImport(Lib)]
    public static partial int LAPACKE_dpotrf(int layout, byte uplo, int n, double* a, int lda);

    [LibraryImport(Lib)]
    public static partial void MKL_Get_Version_String(byte* buffer, int length);

    [LibraryImport(Lib)]
    public static partial void MKL_Set_Num_Threads(int threads);

    [LibraryImport(Lib)]
    public static partial int MKL_Get_Max_Threads();
}
