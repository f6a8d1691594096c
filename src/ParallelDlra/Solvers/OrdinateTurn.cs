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

/// <summary>A solver whose state can be carried, in place, through a linear map R of the angular coefficients (rS_N's
/// interpolation onto the turned ordinates): u ← u Rᵀ, each cell's coefficients multiplied by R. Full rank: one product of
/// the live u by Rᵀ into the solver's second block (n_cells × n_moments work for R's two nonzeros a row); low rank: V ← R V
/// = Q T re-orthonormalised (<see cref="AngularMap.Turn"/>) and S ← S Tᵀ, X untouched — n_moments × r work, none n_cells
/// long. No Save/Restore, no host copy of the state; the solver's blocks stay.</summary>
public interface IAngularMap
{
    /// <summary>u ← u Rᵀ for the n_moments × n_moments map <paramref name="r"/>.</summary>
    void MapAngular(MathNet.Numerics.LinearAlgebra.Matrix<double> r);
}

/// <summary>The low-rank side of <see cref="IAngularMap"/>.</summary>
public static class AngularMap
{
    /// <summary>R V = Q T by a thin QR, signs so that diag T ≥ 0: then X S (RV)ᵀ = X (S Tᵀ) Qᵀ exactly.</summary>
    public static (MathNet.Numerics.LinearAlgebra.Matrix<double> Q, MathNet.Numerics.LinearAlgebra.Matrix<double> T) Turn(
        MathNet.Numerics.LinearAlgebra.Matrix<double> v, MathNet.Numerics.LinearAlgebra.Matrix<double> r)
    {
        var rv = r * v;
        var qr = rv.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        var q = qr.Q.Clone();
        var t = qr.R.Clone();
        for (int j = 0; j < t.RowCount; j++)
        {
            if (t[j, j] >= 0) continue;
            q.SetColumn(j, -q.Column(j));
            t.SetRow(j, -t.Row(j));
        }
        return (q, t);
    }
}
