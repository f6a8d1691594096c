using NLog;

namespace ParallelDlra.LinearAlgebra;

/// <summary>Which <see cref="IDenseLinearAlgebra"/> to use.</summary>
public enum LinearAlgebraKind
{
    /// <summary>Native where it loads, else managed (with a warning that says why).</summary>
    Auto,
    /// <summary><see cref="NativeLinearAlgebra"/>; an error when no library loads.</summary>
    Native,
    /// <summary><see cref="ManagedLinearAlgebra"/>.</summary>
    Managed,
}

/// <summary>
/// Chooses the dense linear algebra provider once per process. The environment variable
/// <c>PDLRA_LINALG=native|managed</c> forces one; unset (or <c>auto</c>) takes native when MKL or
/// OpenBLAS + LAPACKE load, else managed, and <see cref="FallbackReason"/> says why.
/// </summary>
public static class LinearAlgebraProvider
{
    /// <summary>The environment variable that forces a provider.</summary>
    public const string EnvironmentVariable = "PDLRA_LINALG";

    private static readonly Logger Logger = LogManager.GetCurrentClassLogger();
    private static readonly Lazy<IDenseLinearAlgebra> Lazy = new(CreateDefault, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? fallbackReason;

    /// <summary>The process-wide provider (created on first use, threads set by
    /// <see cref="DefaultThreads"/>).</summary>
    public static IDenseLinearAlgebra Default => Lazy.Value;

    /// <summary>Why <see cref="Default"/> is the managed provider although native was allowed;
    /// null when it is not a fallback.</summary>
    public static string? FallbackReason
    {
        get
        {
            _ = Lazy.Value;
            return fallbackReason;
        }
    }

    /// <summary>Creates a provider of the given kind (a new instance; threads set by <see cref="DefaultThreads"/>).</summary>
    /// <param name="kind">what to create</param>
    /// <param name="fallback">for <see cref="LinearAlgebraKind.Auto"/>: why native was not taken, else null</param>
    /// <exception cref="InvalidOperationException">native was asked for and does not load</exception>
    public static IDenseLinearAlgebra Create(LinearAlgebraKind kind, out string? fallback)
    {
        fallback = null;
        IDenseLinearAlgebra provider;
        switch (kind)
        {
            case LinearAlgebraKind.Managed:
                provider = new ManagedLinearAlgebra();
                break;
            case LinearAlgebraKind.Native:
                if (!NativeLinearAlgebra.TryCreate(out var native, out var why))
                    throw new InvalidOperationException($"native linear algebra requested ({EnvironmentVariable}=native) but not available: {why}");
                provider = native!;
                break;
            default:
                if (NativeLinearAlgebra.TryCreate(out var nat, out var reason))
                {
                    provider = nat!;
                }
                else
                {
                    fallback = reason;
                    provider = new ManagedLinearAlgebra();
                }
                break;
        }
        provider.Threads = DefaultThreads();
        return provider;
    }

    /// <summary>The kind <c>PDLRA_LINALG</c> asks for (<see cref="LinearAlgebraKind.Auto"/> when unset).</summary>
    /// <exception cref="InputException">an unknown value</exception>
    public static LinearAlgebraKind KindFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        return value switch
        {
            null or "" or "auto" => LinearAlgebraKind.Auto,
            "native" => LinearAlgebraKind.Native,
            "managed" => LinearAlgebraKind.Managed,
            _ => throw new InputException($"{EnvironmentVariable}={value}: allowed are native, managed, auto"),
        };
    }

    /// <summary>
    /// Threads per linear algebra call: the cores of this node divided among the MPI ranks on it
    /// (OpenMPI's <c>OMPI_COMM_WORLD_LOCAL_SIZE</c>, MPICH's <c>MPI_LOCALNRANKS</c>), at least 1.
    /// <c>PDLRA_LINALG_THREADS</c>, else <c>OPENBLAS_NUM_THREADS</c> / <c>OMP_NUM_THREADS</c>, override it.
    /// </summary>
    public static int DefaultThreads()
    {
        foreach (var name in (string[])["PDLRA_LINALG_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out var t) && t >= 1)
                return t;
        int localRanks = 1;
        foreach (var name in (string[])["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"])
            if (int.TryParse(Environment.GetEnvironmentVariable(name), out var r) && r >= 1)
            {
                localRanks = r;
                break;
            }
        return Math.Max(1, Environment.ProcessorCount / localRanks);
    }

    private static IDenseLinearAlgebra CreateDefault()
    {
        var provider = Create(KindFromEnvironment(), out var fallback);
        fallbackReason = fallback;
        if (fallback is not null)
            Logger.Warn("native BLAS/LAPACK not available, using the managed fallback (much slower): {0}", fallback);
        else
            Logger.Debug("dense linear algebra: {0}, {1} thread(s)", provider.Name, provider.Threads);
        return provider;
    }
}
