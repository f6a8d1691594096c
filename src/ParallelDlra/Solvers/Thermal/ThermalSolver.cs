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

    /// <summary>The output name of the material temperature T = e/c_v (with an opacity law only).</summary>
    public const string MaterialTemperature = "material_temperature";

    /// <summary>The part name of the radiation in <see cref="CompositeState"/>.</summary>
    public const string Radiation = "radiation";

    private readonly ISolver _radiation;
    private readonly IRelaxable _relaxable;
    private readonly IThermalExchange _exchange;
    private readonly WaveFront? _front;
    private readonly double[] _energy;
    private readonly ICommunicator _comm;
    private readonly double _cellVolume, _sourcePower, _massNorm;

    /// <param name="radiation">the radiation solver over the streaming operator; it must be <see cref="IRelaxable"/></param>
    /// <param name="exchange">σ_a, Q, C on the rank-local cells</param>
    /// <param name="initialEnergy">e at t = 0 on the rank-local cells</param>
    /// <param name="comm">the communicator of the run (the energy sums)</param>
    /// <param name="cellVolume">|cell|</param>
    /// <param name="massNorm">the norm of the velocity space's mass direction (√|S| for P_N): for <see cref="Energy"/></param>
    /// <param name="front">with a <see cref="MarshakExchange"/>: the heat front reported in the balance (null: none)</param>
    public ThermalSolver(ISolver radiation, IThermalExchange exchange, double[] initialEnergy, ICommunicator comm, double cellVolume, double massNorm,
        WaveFront? front = null)
    {
        if (front is not null && exchange is not MarshakExchange) throw new ArgumentException("a heat front needs a material temperature (an opacity law)", nameof(front));
        _front = front;
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

    /// <summary>The radiation's balance with the total energy ∫(φ + e) as the mass and the source's power at t (and
    /// the heat front's position, where the run has one).</summary>
    public SolverBalance Balance(double t)
    {
        var b = _radiation.Balance(t);
        b = b with { Mass = b.Mass + MaterialEnergyTotal(), Source = b.Source + (_exchange.SourceOn(t) ? _sourcePower : 0.0) };
        return _front is null ? b : b with { FrontPosition = _front.Position(_comm, Temperature()) };
    }

    /// <summary>T = e/c_v on the rank-local cells (an opacity law only).</summary>
    private double[] Temperature()
    {
        var law = _exchange as MarshakExchange ?? throw new InvalidOperationException("the Su–Olson closure has no material temperature here");
        return [.. _energy.Select(law.Temperature)];
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
        if (_exchange is not ThermalExchange linear) throw new NotSupportedException("the energy of the Su–Olson closure only");
        double local = 0.0;
        foreach (double v in _radiation.Moments()) local += v * v;
        double c = linear.HeatCapacity * _massNorm * _massNorm;
        foreach (double e in _energy) local += e * e / c;
        return DistributedSums.Sum(_comm, local) * _cellVolume;
    }

    public double[] ScalarFlux() => _radiation.ScalarFlux();
    public double[] Moments() => _radiation.Moments();
    public double[] Moments(IReadOnlyList<int> indices) => _radiation.Moments(indices);

    /// <summary>The material energy, and with an opacity law the material temperature (derived from it).</summary>
    public IReadOnlyList<string> FieldNames => _exchange is MarshakExchange ? [MaterialEnergy, MaterialTemperature] : [MaterialEnergy];

    public double[] Field(string name) => name switch
    {
        MaterialEnergy => (double[])_energy.Clone(),
        MaterialTemperature when _exchange is MarshakExchange => Temperature(),
        _ => throw new ArgumentException($"no field {name}; the fields are {string.Join(", ", FieldNames)}", nameof(name)),
    };

    public SolverStateKind StateKind => _radiation.StateKind;

    /// <summary>The radiation and every field of <see cref="FieldNames"/> (the temperature is derived: a restore reads e only).</summary>
    public SolverState Save() => new CompositeState([(Radiation, _radiation.Save()), .. FieldNames.Select(f => (f, (SolverState)new MomentsState(Field(f))))]);

    public void Restore(SolverState state)
    {
        if (state is not CompositeState c || c.Parts.Count != FieldNames.Count + 1 || c.Parts[0].Name != Radiation || c.Parts[1].Name != MaterialEnergy
            || c.Parts[1].Part is not MomentsState { U: var e })
            throw new ArgumentException($"{Name} keeps ({Radiation}, {string.Join(", ", FieldNames)}), not a {state.GetType().Name}", nameof(state));
        if (e.Length != _energy.Length) throw new ArgumentException($"{e.Length} material energies for {_energy.Length} cells", nameof(state));
        _radiation.Restore(c.Parts[0].Part);
        e.CopyTo(_energy, 0);
    }

    public void Dispose() => _radiation.Dispose();
}
