namespace ParallelDlra.Solvers;

/// <summary>A solver whose ordinates turn from step to step (rS_N): besides its coefficients (<see cref="ISolver.Save"/>,
/// in the frame of the current turn) its state is the number of turns made and the current azimuth offset β.
/// Checkpoints write both as attributes (<c>rotation_turns</c>, <c>rotation_offset</c>) and a restart hands them back
/// through <see cref="Resume"/> before <see cref="ISolver.Restore"/>, so a restarted run draws the same angles from the
/// same step numbers and continues on the same ordinates: bit-identical to an uninterrupted run.</summary>
public interface IOrdinateTurn
{
    /// <summary>The turns made so far (one after every step).</summary>
    int Turns { get; }

    /// <summary>β ∈ [0, Δφ): the current azimuth offset of the ordinates (radians).</summary>
    double Offset { get; }

    /// <summary>Moves the solver onto the ordinates of offset <paramref name="offset"/> after <paramref name="turns"/>
    /// turns; the coefficients are set by the <see cref="ISolver.Restore"/> that follows.</summary>
    void Resume(int turns, double offset);
}
