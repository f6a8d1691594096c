namespace ParallelDlra.LinearAlgebra;

/// <summary>A dense factorisation failed on its input (not positive definite, no convergence).</summary>
public sealed class LinearAlgebraException(string function, int info, string message) : Exception(message)
{
    /// <summary>The routine that failed (a LAPACK name for the native provider).</summary>
    public string Function { get; } = function;

    /// <summary>LAPACK's positive <c>info</c>, or 1 where the managed provider has no such code.</summary>
    public int Info { get; } = info;
}
