namespace ParallelDlra.Solvers;

/// <summary>What one time step reports: the rank after the step, for low-rank integrators the ℓ2 norm of the
/// discarded singular values (of all the step's truncations together), and the mass change that the step's
/// stage rates imply, Δt Σ bᵢ ρᵢ (<see cref="ShuOsher.MassChange"/>): a conservative scheme changes the mass by
/// exactly this, to rounding.</summary>
public readonly record struct StepReport(int Rank, double DiscardedTail, double MassChange = 0.0);

/// <summary>The global balance of the current state, computed with one allreduce: mass, the outflow rate
/// through the physical boundary (inflow counts negative), for low-rank solvers the orthonormality defect
/// max(|wXᵀX − I|, |VᵀV − I|) of the bases (0 for full rank), the absorption rate ∫σ_a φ and the emission
/// rate of the volume sources ∫Q. dM/dt = −Outflow − Absorption + Source. FrontPosition: the heat front of a thermal
/// run with an opacity law (<see cref="Thermal.WaveFront"/>), NaN where the run has none.</summary>
public readonly record struct SolverBalance(double Mass, double Outflow, double OrthonormalityDefect, double Absorption = 0.0, double Source = 0.0,
    double FrontPosition = double.NaN)
{
    /// <summary>dM/dt of the semi-discrete scheme at this state.</summary>
    public double NetRate => -Outflow - Absorption + Source;
}

/// <summary>A solver of the semi-discrete kinetic equation: the full-rank reference or a DLRA integrator.
/// Global quantities (mass, outflow) are complete on every rank.</summary>
public interface ISolver : IDisposable
{
    string Name { get; }

    /// <summary>Current rank r (n_moments for the full-rank solver).</summary>
    int Rank { get; }

    /// <summary>Advances the state from t to t + dt.</summary>
    StepReport Step(double t, double dt);

    /// <summary>Mass, outflow, absorption, sources at time <paramref name="t"/> and orthonormality defect together
    /// (one collective): what the time loop records every step.</summary>
    SolverBalance Balance(double t);

    /// <summary>Whether the solver promises that mass changes only by outflow, absorption and sources, to rounding:
    /// the time loop then checks it every step.</summary>
    bool Conserves { get; }

    /// <summary>Total mass ∫∫ψ dΩ dx = Σ_i φ_i·|cell|.</summary>
    double Mass() => Balance(0.0).Mass;

    /// <summary>Rate at which mass leaves through the physical boundary, from the numerical fluxes.</summary>
    double Outflow() => Balance(0.0).Outflow;

    /// <summary>Scalar flux φ on the rank-local cells.</summary>
    double[] ScalarFlux();

    /// <summary>The rank-local moments u (n_cells × n_moments, column-major); a debugging aid for DLRA.</summary>
    double[] Moments();

    /// <summary>The coefficients u_i, i ∈ <paramref name="indices"/>, of the rank-local cells (n_cells × k,
    /// column-major); a low-rank solver forms X (S V(i,:)ᵀ) without the dense u.</summary>
    double[] Moments(IReadOnlyList<int> indices);

    /// <summary>What <see cref="Save"/> returns: the layout of a checkpoint of this solver.</summary>
    SolverStateKind StateKind { get; }

    /// <summary>A host copy of the rank-local state (checkpoints, stored factors).</summary>
    SolverState Save();

    /// <summary>Replaces the state by <paramref name="state"/>, bit for bit (a restart).</summary>
    /// <exception cref="ArgumentException">a state of another kind or shape</exception>
    void Restore(SolverState state);
}
