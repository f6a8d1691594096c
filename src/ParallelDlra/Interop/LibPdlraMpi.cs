using System.Runtime.InteropServices;

namespace ParallelDlra.Interop;

/// <summary>The MPI shim <c>libpdlra_mpi.so</c> (src/native/pdlra_mpi.c, built by <c>make native</c> with
/// the site's mpicc). Plain C types only; every function returns an MPI error code (0 = success).</summary>
internal static unsafe partial class LibPdlraMpi
{
    private const string Lib = NativeLibraryResolver.PdlraMpi;

    /// <summary>The ABI version this code expects from <c>pdlra_mpi_abi()</c>.</summary>
    public const int Abi = 2;

    /// <summary>Operation codes of <see cref="pdlra_mpi_allreduce"/>.</summary>
    public const int OpSum = 0, OpMax = 1, OpMin = 2;

    static LibPdlraMpi() => NativeLibraryResolver.EnsureRegistered();

    /// <summary>Loads the shim; false with the reason when it is not there.</summary>
    public static bool TryLoad(out string pathOrReason) => NativeLibraryResolver.TryLoad(Lib, out _, out pathOrReason);

    [LibraryImport(Lib)] public static partial int pdlra_mpi_abi();
    [LibraryImport(Lib)] public static partial int pdlra_mpi_initialized();
    [LibraryImport(Lib)] public static partial int pdlra_mpi_init(int* rank, int* size);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_finalize();
    [LibraryImport(Lib)] public static partial int pdlra_mpi_abort(int code);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_error_string(int code, byte* buffer, int capacity);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_barrier();
    [LibraryImport(Lib)] public static partial nint pdlra_mpi_comm_handle();
    [LibraryImport(Lib)] public static partial nint pdlra_mpi_info_null();
    [LibraryImport(Lib)] public static partial int pdlra_mpi_allreduce(double* values, int count, int op);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_bcast(double* values, int count, int root);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_allgather(double* send, int count, double* recv);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_gatherv(double* send, int count, double* recv, int* counts, int* displs, int root);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_isend(double* buffer, int count, int dest, int tag, long* request);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_irecv(double* buffer, int count, int source, int tag, long* request);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_waitall(int count, long* requests);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_library_version(byte* buffer, int capacity);

    // The same on a communicator made by pdlra_mpi_comm_split (index c; 0 is the job's). ABI 2.
    [LibraryImport(Lib)] public static partial int pdlra_mpi_comm_split(int parent, int color, int key, int* child, int* rank, int* size);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_comm_free(int c);
    [LibraryImport(Lib)] public static partial nint pdlra_mpi_comm_handle_on(int c);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_barrier_on(int c);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_allreduce_on(int c, double* values, int count, int op);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_bcast_on(int c, double* values, int count, int root);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_allgather_on(int c, double* send, int count, double* recv);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_gatherv_on(int c, double* send, int count, double* recv, int* counts, int* displs, int root);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_isend_on(int c, double* buffer, int count, int dest, int tag, long* request);
    [LibraryImport(Lib)] public static partial int pdlra_mpi_irecv_on(int c, double* buffer, int count, int source, int tag, long* request);
}
