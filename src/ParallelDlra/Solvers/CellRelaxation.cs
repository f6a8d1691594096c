namespace ParallelDlra.Solvers;

/// <summary>A per-cell implicit update of the mass density: given φ on the rank-local cells (the density of the
/// velocity space's mass direction d), overwrite it with the new φ' and write, per cell, the factor c by which every
/// direction orthogonal to d is multiplied.</summary>
public delegate void CellRelaxation(Span<double> phi, Span<double> damping);

/// <summary>A solver that can apply a <see cref="CellRelaxation"/> to its state: u_i ← c_i (u_i − (dᵀu_i) d) + (φ'_i/norm) d
/// in every cell (thermal radiative transfer: the implicit absorption–emission exchange after a streaming step).
/// The update acts on the cells' d-coefficients and scales the rest, so a low-rank solver keeps V and changes only
/// the spatial side; with d ∈ span(V) (conservative truncation) it is exact before the truncation.</summary>
public interface IRelaxable
{
    /// <summary>Applies <paramref name="relax"/> (see <see cref="IRelaxable"/>); <paramref name="dt"/> scales the
    /// truncation tolerance of a low-rank solver. Returns the rank after it and the discarded tail.</summary>
    StepReport Relax(CellRelaxation relax, double dt);
}
