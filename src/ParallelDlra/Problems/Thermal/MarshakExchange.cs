using ParallelDlra.Mesh;

namespace ParallelDlra.Problems.Thermal;

/// <summary>
/// The absorption–emission exchange of a material with a constant heat capacity c_v (e = c_v T), Planck emission
/// B = T⁴ (a·c = 1) and a temperature-dependent opacity σ_a(T) (<see cref="PowerLawOpacity"/>; the Marshak wave),
///   ∂t ψ + Ω·∇ψ + σ_a(T) ψ = σ_a(T) B/|S| + Q/|S|,   ∂t e = σ_a(T) (φ − B),
/// per cell, semi-implicit after Fleck and Cummings (1971, the linearisation behind implicit Monte Carlo): σ_a at
/// T_n, the emission linearised about T_n, B' = T_n⁴ + 4T_n³ (T' − T_n) = B_n + k (e' − e) with k = 4T_n³/c_v,
/// and backward Euler with a = Δt σ_a(T_n):
///   φ' = φ* + Δt Q + w,   e' = e − w,   w = a (B' − φ').
/// Solved exactly, w = a (B_n − φ* − Δt Q)/(1 + a + a k): the same 2 × 2 linear system per cell as the Su–Olson
/// exchange (for B = e/C, k = 1/C it is that exchange), with coefficients of the cell's own state, so
/// φ' + e' = φ* + e + Δt Q in every cell to rounding — the total energy is conserved exactly, the nonlinearity costs
/// no iteration, and the step is first order in Δt like the splitting it sits in. Every non-isotropic direction of ψ
/// is damped by 1/(1 + a). The material energy stays positive for φ* + Δt Q ≥ 0: w ≤ a B_n/(1 + a + a k) &lt; B_n/k
/// = e/4, so e' &gt; 3e/4. Knows nothing of moments, low rank or MPI: arrays of the rank-local cells only.
/// </summary>
public sealed class MarshakExchange : IThermalExchange
{
    private readonly double[] _source;

    /// <param name="source">the external emission density Q (integrated over directions) on the rank-local cells</param>
    /// <param name="heatCapacity">c_v in e = c_v T (&gt; 0)</param>
    /// <param name="opacity">σ_a(T)</param>
    /// <param name="sourceUntil">the source is on while t ≤ this</param>
    public MarshakExchange(double[] source, double heatCapacity, PowerLawOpacity opacity, double sourceUntil)
    {
        if (!(heatCapacity > 0)) throw new ArgumentOutOfRangeException(nameof(heatCapacity), heatCapacity, "the heat capacity must be positive");
        if (!(opacity.Sigma0 > 0 && opacity.TemperatureFloor > 0 && double.IsFinite(opacity.Exponent)))
            throw new ArgumentOutOfRangeException(nameof(opacity), opacity, "σ_0 > 0, a finite exponent and a floor temperature > 0");
        _source = source;
        HeatCapacity = heatCapacity;
        Opacity = opacity;
        SourceUntil = sourceUntil;
        LocalSourceSum = source.Sum();
    }

    /// <summary>Q of the material map at the centres of the block's cells (its σ_a is not used: the opacity law is).</summary>
    public static MarshakExchange Build(GridBlock block, MaterialMap materials, ThermalOptions options, PowerLawOpacity opacity)
    {
        var q = new double[block.Count];
        Span<double> x = stackalloc double[3];
        for (int c = 0; c < q.Length; c++)
        {
            block.Center(c, x);
            q[c] = materials.At(x[..block.Dimension]).Source;
        }
        return new MarshakExchange(q, options.HeatCapacity, opacity, options.SourceUntil);
    }

    public double HeatCapacity { get; }
    public PowerLawOpacity Opacity { get; }
    public double SourceUntil { get; }
    public int Cells => _source.Length;
    public double LocalSourceSum { get; }
    public bool SourceOn(double t) => t <= SourceUntil;

    /// <summary>The material temperature T = e/c_v.</summary>
    public double Temperature(double energy) => energy / HeatCapacity;

    public void Apply(double tEnd, double dt, Span<double> phi, Span<double> energy, Span<double> damping)
    {
        int n = _source.Length;
        if (phi.Length != n || energy.Length != n || damping.Length != n) throw new ArgumentException($"fields of {phi.Length}, {energy.Length}, {damping.Length} cells for {n}");
        bool on = SourceOn(tEnd);
        for (int i = 0; i < n; i++)
        {
            double t = Math.Max(Temperature(energy[i]), 0.0);
            double t3 = t * t * t;
            double a = dt * Opacity.At(t);
            double k = 4.0 * t3 / HeatCapacity;
            double r1 = phi[i] + (on ? dt * _source[i] : 0.0), r2 = energy[i];
            double w = a * (t3 * t - r1) / (1.0 + a + a * k);
            phi[i] = r1 + w;
            energy[i] = r2 - w;
            damping[i] = 1.0 / (1.0 + a);
        }
    }
}
