namespace ParallelDlra.Parallel;

/// <summary>The rank and size a launcher (mpiexec of Open MPI or MPICH, srun) put into the environment,
/// read before any MPI call.</summary>
public static class LaunchEnvironment
{
    public static (int Rank, int Size) Detect()
    {
        foreach (var (rank, size) in new[] { ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS") })
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(rank), out int r) &&
                int.TryParse(Environment.GetEnvironmentVariable(size), out int s) && s >= 1)
                return (r, s);
        }
        return (0, 1);
    }
}
