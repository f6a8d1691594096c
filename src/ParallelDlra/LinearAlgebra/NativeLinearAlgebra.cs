using System.Runtime.InteropServices;
using ParallelDlra.Interop;
using static ParallelDlra.LinearAlgebra.CblasConstants;

namespace ParallelDlra.LinearAlgebra;

/// <summary>
/// Dense linear algebra through native BLAS/LAPACK: Intel MKL (<c>libmkl_rt.so</c>) where it
/// loads, else OpenBLAS (<c>libopenblas.so.0</c>) + LAPACKE (<c>liblapacke.so.3</c>).
/// Create it with <see cref="TryCreate"/>; nothing here is called before the libraries loaded.
/// </summary>
public sealed unsafe class NativeLinearAlgebra : DenseLinearAlgebra
{
    private readonly INativeKernels k;

    private NativeLinearAlgebra(INativeKernels kernels) => k = kernels;

    public override string Name => k.Name;

    /// <summary>Loads MKL, else OpenBLAS + LAPACKE.</summary>
    /// <param name="provider">the provider, null when neither loads</param>
    /// <param name="reason">why not, when it returns false</param>
    public static bool TryCreate(out NativeLinearAlgebra? provider, out string reason)
    {
        provider = null;
        if (LibMklRt.TryLoad(out var mkl))
        {
            provider = new NativeLinearAlgebra(new MklKernels(mkl));
            reason = "";
            return true;
        }
        if (!LibOpenBlas.TryLoad(out var blas))
        {
            reason = $"OpenBLAS not found ({blas}); MKL not found ({mkl}); install libopenblas-dev liblapacke-dev";
            return false;
        }
        if (!LibLapacke.TryLoad(out var lapacke))
        {
            reason = $"LAPACKE not found ({lapacke}); install liblapacke-dev";
            return false;
        }
        provider = new NativeLinearAlgebra(new OpenBlasKernels(blas, lapacke));
        reason = "";
        return true;
    }

    protected override int GetThreads() => k.GetThreads();
    protected override void SetThreads(int threads) => k.SetThreads(threads);

    protected override void GemmCore(Transpose transA, Transpose transB, int m, int n, int kk,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc)
    {
        fixed (double* pa = a)
        fixed (double* pb = b)
        fixed (double* pc = c)
            k.Dgemm(transA == Transpose.No ? NoTrans : Trans, transB == Transpose.No ? NoTrans : Trans,
                m, n, kk, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    protected override void GramCore(int m, int n, ReadOnlySpan<double> a, int lda, Span<double> g)
    {
        fixed (double* pa = a)
        fixed (double* pg = g)
            k.Dsyrk(Lower, Trans, n, m, 1.0, pa, lda, 0.0, pg, n);
        for (int j = 1; j < n; j++)
            for (int i = 0; i < j; i++)
                g[i + j * n] = g[j + i * n];
    }

    protected override void QrCore(int m, int n, Span<double> a, int lda, Span<double> r)
    {
        var tau = new double[n];
        fixed (double* pa = a)
        fixed (double* pt = tau)
        {
            NativeStatus.Check(k.Dgeqrf(LapackColMajor, m, n, pa, lda, pt), "LAPACKE_dgeqrf");
            r[..(n * n)].Clear();
            for (int j = 0; j < n; j++)
                for (int i = 0; i <= j; i++)
                    r[i + j * n] = pa[i + (long)j * lda];
            NativeStatus.Check(k.Dorgqr(LapackColMajor, m, n, n, pa, lda, pt), "LAPACKE_dorgqr");
        }
    }

    protected override void SvdCore(int n, ReadOnlySpan<double> a, Span<double> u, Span<double> sigma, Span<double> vt)
    {
        var work = a[..(n * n)].ToArray(); // gesdd/gesvd destroy their input
        fixed (double* pw = work)
        fixed (double* pu = u)
        fixed (double* ps = sigma)
        fixed (double* pv = vt)
        {
            int info = k.Dgesdd(LapackColMajor, (byte)'A', n, n, pw, n, ps, pu, n, pv, n);
            if (info > 0)
            {
                // Divide and conquer did not converge: fall back to QR iteration.
                a[..(n * n)].CopyTo(work);
                var superb = new double[Math.Max(1, n - 1)];
                fixed (double* pb = superb)
                    info = k.Dgesvd(LapackColMajor, (byte)'A', (byte)'A', n, n, pw, n, ps, pu, n, pv, n, pb);
                NativeStatus.Check(info, "LAPACKE_dgesvd", "the QR iteration did not converge");
            }
            else
            {
                NativeStatus.Check(info, "LAPACKE_dgesdd");
            }
        }
    }

    protected override void SymmetricEigenCore(int n, ReadOnlySpan<double> a, Span<double> eigenvalues, Span<double> eigenvectors)
    {
        a[..(n * n)].CopyTo(eigenvectors);
        fixed (double* pz = eigenvectors)
        fixed (double* pw = eigenvalues)
            NativeStatus.Check(k.Dsyevd(LapackColMajor, (byte)'V', (byte)'L', n, pz, n, pw),
                "LAPACKE_dsyevd", "the algorithm did not converge");
    }

    protected override bool TryCholeskyCore(int n, Span<double> a, int lda)
    {
        int info;
        fixed (double* pa = a)
            info = k.Dpotrf(LapackColMajor, (byte)'L', n, pa, lda);
        if (info > 0) return false; // leading minor of order info is not positive
        NativeStatus.Check(info, "LAPACKE_dpotrf");
        return true;
    }

    /// <summary>The native entry points of one library set, so the methods above are written once.</summary>
    private interface INativeKernels
    {
        string Name { get; }
        int GetThreads();
        void SetThreads(int threads);
        void Dgemm(int ta, int tb, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);
        void Dsyrk(int uplo, int trans, int n, int k, double alpha, double* a, int lda, double beta, double* c, int ldc);
        int Dgeqrf(int layout, int m, int n, double* a, int lda, double* tau);
        int Dorgqr(int layout, int m, int n, int k, double* a, int lda, double* tau);
        int Dgesdd(int layout, byte jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt);
        int Dgesvd(int layout, byte jobu, byte jobvt, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, double* superb);
        int Dsyevd(int layout, byte jobz, byte uplo, int n, double* a, int lda, double* w);
        int Dpotrf(int layout, byte uplo, int n, double* a, int lda);
    }

    private sealed class OpenBlasKernels(string blasSoname, string lapackeSoname) : INativeKernels
    {
        public string Name { get; } = $"{Version()} + LAPACKE ({blasSoname}, {lapackeSoname})";

        private static string Version()
        {
            // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" → "OpenBLAS 0.3.21"
            var config = Marshal.PtrToStringUTF8((IntPtr)LibOpenBlas.openblas_get_config()) ?? "OpenBLAS";
            var words = config.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var version = words.Length >= 2 ? $"{words[0]} {words[1]}" : config;
            // The kernel set (DYNAMIC_ARCH), and why it was overridden where it was (Interop.OpenBlasCore).
            var core = Marshal.PtrToStringUTF8((IntPtr)LibOpenBlas.openblas_get_corename());
            if (string.IsNullOrEmpty(core)) return version;
            return OpenBlasCore.Note is { } note ? $"{version} {core} kernels ({note})" : $"{version} {core} kernels";
        }

        public int GetThreads() => LibOpenBlas.openblas_get_num_threads();
        public void SetThreads(int threads) => LibOpenBlas.openblas_set_num_threads(threads);
        public void Dgemm(int ta, int tb, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
            => LibOpenBlas.cblas_dgemm(ColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        public void Dsyrk(int uplo, int trans, int n, int k, double alpha, double* a, int lda, double beta, double* c, int ldc)
            => LibOpenBlas.cblas_dsyrk(ColMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
        public int Dgeqrf(int layout, int m, int n, double* a, int lda, double* tau) => LibLapacke.LAPACKE_dgeqrf(layout, m, n, a, lda, tau);
        public int Dorgqr(int layout, int m, int n, int k, double* a, int lda, double* tau) => LibLapacke.LAPACKE_dorgqr(layout, m, n, k, a, lda, tau);
        public int Dgesdd(int layout, byte jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt)
            => LibLapacke.LAPACKE_dgesdd(layout, jobz, m, n, a, lda, s, u, ldu, vt, ldvt);
        public int Dgesvd(int layout, byte jobu, byte jobvt, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, double* superb)
            => LibLapacke.LAPACKE_dgesvd(layout, jobu, jobvt, m, n, a, lda, s, u, ldu, vt, ldvt, superb);
        public int Dsyevd(int layout, byte jobz, byte uplo, int n, double* a, int lda, double* w) => LibLapacke.LAPACKE_dsyevd(layout, jobz, uplo, n, a, lda, w);
        public int Dpotrf(int layout, byte uplo, int n, double* a, int lda) => LibLapacke.LAPACKE_dpotrf(layout, uplo, n, a, lda);
    }

    private sealed class MklKernels(string soname) : INativeKernels
    {
        public string Name { get; } = $"{Version()} ({soname})";

        private static string Version()
        {
            var buffer = stackalloc byte[256];
            LibMklRt.MKL_Get_Version_String(buffer, 256);
            return (Marshal.PtrToStringUTF8((IntPtr)buffer) ?? "Intel MKL").Trim();
        }

        public int GetThreads() => LibMklRt.MKL_Get_Max_Threads();
        public void SetThreads(int threads) => LibMklRt.MKL_Set_Num_Threads(threads);
        public void Dgemm(int ta, int tb, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
            => LibMklRt.cblas_dgemm(ColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        public void Dsyrk(int uplo, int trans, int n, int k, double alpha, double* a, int lda, double beta, double* c, int ldc)
            => LibMklRt.cblas_dsyrk(ColMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
        public int Dgeqrf(int layout, int m, int n, double* a, int lda, double* tau) => LibMklRt.LAPACKE_dgeqrf(layout, m, n, a, lda, tau);
        public int Dorgqr(int layout, int m, int n, int k, double* a, int lda, double* tau) => LibMklRt.LAPACKE_dorgqr(layout, m, n, k, a, lda, tau);
        public int Dgesdd(int layout, byte jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt)
            => LibMklRt.LAPACKE_dgesdd(layout, jobz, m, n, a, lda, s, u, ldu, vt, ldvt);
        public int Dgesvd(int layout, byte jobu, byte jobvt, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt, double* superb)
            => LibMklRt.LAPACKE_dgesvd(layout, jobu, jobvt, m, n, a, lda, s, u, ldu, vt, ldvt, superb);
        public int Dsyevd(int layout, byte jobz, byte uplo, int n, double* a, int lda, double* w) => LibMklRt.LAPACKE_dsyevd(layout, jobz, uplo, n, a, lda, w);
        public int Dpotrf(int layout, byte uplo, int n, double* a, int lda) => LibMklRt.LAPACKE_dpotrf(layout, uplo, n, a, lda);
    }
}
