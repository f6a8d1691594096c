namespace ParallelDlra.Problems.Thermal;

/// <summary>The implicit per-cell absorption–emission exchange of the thermal model after a streaming step: the
/// linear Su–Olson closure (<see cref="ThermalExchange"/>) or a constant heat capacity with a temperature-dependent
/// opacity (<see cref="MarshakExchange"/>). Both move energy between φ and e in exchange form (φ' = φ* + Δt Q + w,
/// e' = e − w), so φ' + e' = φ* + e + Δt Q in every cell to rounding. Arrays of the rank-local cells only.</summary>
public interface IThermalExchange
{
    /// <summary>The number of rank-local cells.</summary>
    int Cells { get; }

    /// <summary>Σ_i Q_i over the rank-local cells (times the cell volume and summed over ranks: the source's power).</summary>
    double LocalSourceSum { get; }

    /// <summary>Whether the source is on at time <paramref name="t"/>.</summary>
    bool SourceOn(double t);

    /// <summary>One exchange step of length <paramref name="dt"/> ending at <paramref name="tEnd"/>:
    /// <paramref name="phi"/> (φ* in, φ' out) and <paramref name="energy"/> (e in, e' out) per cell, and the damping
    /// factor of every non-isotropic direction written to <paramref name="damping"/>.</summary>
    void Apply(double tEnd, double dt, Span<double> phi, Span<double> energy, Span<double> damping);
}
