namespace ParallelDlra.LinearAlgebra;

/// <summary>Turns LAPACK(E) status codes into exceptions, in one place.</summary>
internal static class NativeStatus
{
    /// <summary>LAPACKE_WORK_MEMORY_ERROR / LAPACKE_TRANSPOSE_MEMORY_ERROR.</summary>
    private const int WorkMemoryError = -1010;
    private const int TransposeMemoryError = -1011;

    /// <summary>Throws unless <paramref name="info"/> is 0.</summary>
    /// <param name="info">the returned <c>info</c></param>
    /// <param name="function">the LAPACKE function, for the message</param>
    /// <param name="positiveMeaning">what <c>info &gt; 0</c> means for this function</param>
    public static void Check(int info, string function, string positiveMeaning = "the computation failed")
    {
        if (info == 0) return;
        throw info switch
        {
            WorkMemoryError or TransposeMemoryError =>
                new OutOfMemoryException($"{function}: LAPACKE could not allocate its work space (info = {info})"),
            < 0 => new ArgumentException($"{function}: argument {-info} had an illegal value (info = {info})"),
            _ => new LinearAlgebraException(function, info, $"{function}: {positiveMeaning} (info = {info})"),
        };
    }
}

/// <summary>Constants of the C interfaces (cblas.h, lapacke.h).</summary>
internal static class CblasConstants
{
    public const int ColMajor = 102;
    public const int NoTrans = 111;
    public const int Trans = 112;
    public const int Upper = 121;
    public const int Lower = 122;

    /// <summary>LAPACK_COL_MAJOR of lapacke.h (the same value as CblasColMajor).</summary>
    public const int LapackColMajor = 102;
}
