using ParallelDlra.Angular;

namespace ParallelDlra.Kinetic;

/// <summary>A problem whose velocity space can be replaced in place by another of the same shape (the same count,
/// dimension, mass and isotropic state): rS_N's ordinates of the next turn. Only what depends on the velocity space is
/// made again — the angular matrices B_k of the Kronecker terms, the angular vectors c_j of the sources, the outflow
/// weights, what the problem derived from them (transposes, structured forms, the right-hand-side plan, a limiter's
/// characteristic data) and the checkerboard rate; the spatial operators, halos, material arrays and backend buffers stay,
/// so a swap costs n_moments² work, none n_cells long, and no collective. The result equals the problem built on the new
/// space bit for bit. The equation layer knows nothing of MPI or the backend here: the swap is the same on every rank.</summary>
public interface IVelocitySpaceSwap
{
    /// <summary>Whether <see cref="SwapVelocitySpace"/> can rebuild every angular part (false e.g. for an operator with
    /// terms added after construction, or a wrapper around a problem that cannot swap).</summary>
    bool CanSwapVelocitySpace { get; }

    /// <summary>Replaces the velocity space by <paramref name="basis"/>.</summary>
    /// <exception cref="ArgumentException">the space has another shape, mass or isotropic state</exception>
    /// <exception cref="NotSupportedException"><see cref="CanSwapVelocitySpace"/> is false</exception>
    void SwapVelocitySpace(IVelocitySpace basis);
}
