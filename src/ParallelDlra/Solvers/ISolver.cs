namespace ParallelDlra.Solvers;

/// <summary>What one time step reports: the rank after the step and, for low-rank integrators, the
/// ℓ2 norm of the discarded singular values.</summary>
public readonly record struct StepReport(int Rank, double DiscardedTail);

/// <summary>The global balance of the current state, computed with one allreduce: mass, the outflow rate
/// through the physical boundary, and for low-rank solvers the orthonormality defect
/// max(|wXᵀX − I|, |VᵀV − I|) of the bases (0 for full rank).</summary>
public readonly record struct SolverBalance(double Mass, double Outflow, double OrthonormalityDefect);

/// <summary>A solver of the semi-discrete kinetic equation: the full-rank reference or a DLRA integrator.
/// Global quantities (mass, outflow) are complete on every rank.</summary>
public interface ISolver : IDisposable
{
    string Name { get; }

    /// <summary>Current rank r (n_moments for the full-rank solver).</summary>
    int Rank { get; }

    /// <summary>Advances the state from t to t + dt.</summary>
    StepReport Step(double t, double dt);

    /// <summary>Mass, outflow and orthonormality defect together (one collective): what the time loop
    /// records every step.</summary>
    SolverBalance Balance();

    /// <summary>Total mass ∫∫ψ dΩ dx = Σ_i φ_i·|cell|.</summary>
    double Mass() => Balance().Mass;

    /// <summary>Rate at which mass leaves through the physical boundary, from the numerical fluxes.</summary>
    double Outflow() => Balance().Outflow;

    /// <summary>Scalar flux φ on the rank-local cells.</summary>
    double[] ScalarFlux();

    /// <summary>The rank-local moments u (n_cells × n_moments, column-major); a debugging aid for DLRA.</summary>
    double[] Moments();
}
