namespace ParallelDlra.Parallel;

/// <summary>
/// Implemented by a communicator that wraps a real MPI communicator: gives its raw <c>MPI_Comm</c> handle
/// to native libraries that take one (parallel HDF5's <c>H5Pset_fapl_mpio</c>). With OpenMPI the handle is
/// a pointer (e.g. the address of <c>ompi_mpi_comm_world</c> or a duplicated communicator), with MPICH an
/// integer widened to <see cref="nint"/>. Output uses collective MPI-IO when the communicator implements
/// this and has more than one rank; otherwise it writes with HDF5's default (serial) file driver.
/// </summary>
public interface IMpiCommunicatorHandle
{
    /// <summary>The raw <c>MPI_Comm</c>; valid from MPI_Init to MPI_Finalize (all HDF5 objects are closed before).</summary>
    nint MpiComm { get; }

    /// <summary>MPI_INFO_NULL of the same MPI library.</summary>
    nint MpiInfoNull { get; }
}
