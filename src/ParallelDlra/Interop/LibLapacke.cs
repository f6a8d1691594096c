using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>LAPACKE (C interface to LAPACK) from <c>liblapacke.so.3</c> (LP64). Character
/// arguments are passed as ASCII bytes.</summary>
internal static unsafe partial class LibLapacke
{
    private const string Lib = NativeLibraryResolver.Lapacke;

    static LibLapacke() => NativeLibraryResolver.EnsureRegistered();

    /// <summary>Loads the library; false with the reason when it is not there.</summary>
    public static bool TryLoad(out string sonameOrReason) => NativeLibraryResolver.TryLoad(Lib, out _, out sonameOrReason);

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
}
