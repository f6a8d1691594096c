using ParallelDlra.Parallel;
using ParallelDlra.Problems.Thermal;

namespace ParallelDlra.Solvers.Thermal;

/// <summary>
/// Thermal radiative transfer as a composite state: the radiation (full-rank u, or factors X S Vᵀ: the radiation
/// solver) and the material energy e on the rank-local cells. A step is the radiation solver's
/// explicit streaming step (its operator has no absorption, emission or source) followed by the implicit per-cell
/// exchange (<see cref="ThermalExchange"/>) applied through <see cref="IRelaxable"/>: φ and e change together, the
/// non-isotropic directions are damped. The balance reports the total energy ∫(φ + e) as the mass: it changes only by
/// the streaming's outflow and by Δt·∫Q (the source at the step's end, backward Euler), which the step reports as its
/// mass change, so the time loop's conservation check covers the total energy.
/// Energy stability (docs/design.md, "Thermal radiative transfer"): for Δt Σ_d ρ(A_d)/Δx_d ≤ 1 (time.cfl ≤ 1) the
/// upwind streaming step does not raise ‖u‖², and the exchange does not raise φ²/|S| + e²/(C|S|) + Σ u_⊥², so
/// <see cref="Energy"/> never grows without a source.
/// </summary>
public sealed class ThermalSolver : ISolver, ISpatialFields
{
    /// <summary>The output name of the material energy field.</summary>
    public const string MaterialEnergy = "material_energy";

    /// <summary>The part name of the radiation in <see cref="CompositeState"/>.</summary>
    public const string Radiation = "radiation";

    private readonly ISolver _radiation;
    private readonly IRelaxable _relaxable;
    private readonly ThermalExchange _exchange;
    private readonly double[] _energy;
    private readonly ICommunicator _comm;
    private readonly double _cellVolume, _sourcePower, _massNorm;

    /// <param name="radiation">the radiation solver over the streaming operator; it must be <see cref="IRelaxable"/></param>
    /// <param name="exchange">σ_a, Q, C on the rank-local cells</param>
    /// <param name="initialEnergy">e at t = 0 on the rank-local cells</param>
    /// <param name="comm">the communicator of the run (the energy sums)</param>
    /// <param name="cellVolume">|cell|</param>
    /// <param name="massNorm">the norm of the velocity space's mass direction (√|S| for P_N): for <see cref="Energy"/></param>
    public ThermalSolver(ISolver radiation, ThermalExchange exchange, double[] initialEnergy, ICommunicator comm, double cellVolume, double massNorm)
    {
        _radiation = radiation;
        _relaxable = radiation as IRelaxable ?? throw new ArgumentException($"{radiation.Name} cannot apply a per-cell exchange", nameof(radiation));
        if (initialEnergy.Length != exchange.Cells) throw new ArgumentException($"{initialEnergy.Length} energies for {exchange.Cells} cells", nameof(initialEnergy));
        _exchange = exchange;
        _energy = (double[])initialEnergy.Clone();
        _comm = comm;
        _cellVolume = cellVolume;
        _massNorm = massNorm;
        _sourcePower = DistributedSums.Sum(comm, exchange.LocalSourceSum) * cellVolume;
    }

    public string Name => $"thermal, {_radiation.Name}";
    public int Rank => _radiation.Rank;
    public bool Conserves => _radiation.Conserves;

    /// <summary>The radiation solver (streaming and the exchange hook).</summary>
    public ISolver RadiationSolver => _radiation;

    public StepReport Step(double t, double dt)
    {
        var streaming = _radiation.Step(t, dt);
        var exchange = _relaxable.Relax((phi, damping) => _exchange.Apply(t + dt, dt, phi, _energy, damping), dt);
        double input = _exchange.SourceOn(t + dt) ? dt * _sourcePower : 0.0;
        double tail = Math.Sqrt(streaming.DiscardedTail * streaming.DiscardedTail + exchange.DiscardedTail * exchange.DiscardedTail);
        return new StepReport(exchange.Rank, tail, streaming.MassChange + input);
    }

    /// <summary>The radiation's balance with the total energy ∫(φ + e) as the mass and the source's power at t.</summary>
    public SolverBalance Balance(double t)
    {
        var b = _radiation.Balance(t);
        return b with { Mass = b.Mass + MaterialEnergyTotal(), Source = b.Source + (_exchange.SourceOn(t) ? _sourcePower : 0.0) };
    }

    /// <summary>∫ e dx over the whole grid (one allreduce).</summary>
    public double MaterialEnergyTotal()
    {
        double local = 0.0;
        foreach (double v in _energy) local += v;
        return DistributedSums.Sum(_comm, local) * _cellVolume;
    }

    /// <summary>The discrete energy the scheme does not raise without a source: Σ_i |cell| (Σ_a u_ia² + e_i²/(C·norm²))
    /// (ψ's L² norm and the material's, one allreduce). Forms the dense u: for tests and diagnostics of small runs.</summary>
    public double Energy()
    {
        double local = 0.0;
        foreach (double v in _radiation.Moments()) local += v * v;
        double c = _exchange.HeatCapacity * _massNorm * _massNorm;
        foreach (double e in _energy) local += e * e / c;
        return DistributedSums.Sum(_comm, local) * _cellVolume;
    }

    public double[] ScalarFlux() => _radiation.ScalarFlux();
    public double[] Moments() => _radiation.Moments();
    public double[] Moments(IReadOnlyList<int> indices) => _radiation.Moments(indices);

    public IReadOnlyList<string> FieldNames { get; } = [MaterialEnergy];

    public double[] Field(string name) => name == MaterialEnergy ? (double[])_energy.Clone()
        : throw new ArgumentException($"no field {name}; the fields are {MaterialEnergy}", nameof(name));

    public SolverStateKind StateKind => _radiation.StateKind;

    public SolverState Save() => new CompositeState([(Radiation, _radiation.Save()), (MaterialEnergy, new MomentsState((double[])_energy.Clone()))]);

    public void Restore(SolverState state)
    {
        if (state is not CompositeState c || c.Parts.Count != 2 || c.Parts[0].Name != Radiation || c.Parts[1].Name != MaterialEnergy
            || c.Parts[1].Part is not MomentsState { U: var e })
            throw new ArgumentException($"{Name} keeps ({Radiation}, {MaterialEnergy}), not a {state.GetType().Name}", nameof(state));
        if (e.Length != _energy.Length) throw new ArgumentException($"{e.Length} material energies for {_energy.Length} cells", nameof(state));
        _radiation.Restore(c.Parts[0].Part);
        e.CopyTo(_energy, 0);
    }

    public void Dispose() => _radiation.Dispose();
}
