using ParallelDlra.Mesh;

namespace ParallelDlra.Problems.Thermal;

/// <summary>
/// The absorption–emission exchange of thermal radiative transfer with the linear (Su–Olson) closure e = C·B, per
/// cell, backward Euler (Baumann, Einkemmer, Klingenberg and Kusch, "An energy stable and conservative dynamical
/// low-rank discretization for the Su–Olson problem"): after an explicit streaming step, with a = Δt σ_a,
///   φ' = φ* + a (e'/C − φ') + Δt Q(t + Δt),   e' = e + a (φ' − e'/C),
/// the 2 × 2 linear system of (φ', e'/C) solved exactly (det = C + a + aC > 0), and every direction of ψ orthogonal
/// to the isotropic one damped, u' = u*/(1 + a) (the absorption −σ_a ψ of the non-isotropic part, implicit).
/// The exchange w = a (e'/C − φ') enters φ' with + and e' with −, so φ' + e' = φ* + e + Δt Q to rounding in every
/// cell: the total energy ∫(φ + e) changes only by the source and the streaming's boundary outflow.
/// Energy stability: with W = diag(1, C) the system is (W + a L) y' = W y, L = [1 −1; −1 1] ⪰ 0, so
/// y'ᵀW y' ≤ y'ᵀ(W + aL) y' = y'ᵀ W y ⇒ φ'² + C β'² ≤ φ² + C β² (β = e/C): the exchange never raises
/// φ²/|S| + e²/(C|S|) + Σ(non-isotropic u²) for Q = 0, whatever Δt σ_a (no time-step limit from the stiff part).
/// Knows nothing of moments, low rank or MPI: arrays of the rank-local cells only.
/// </summary>
public sealed class ThermalExchange : IThermalExchange
{
    private readonly double[] _sigmaA, _source;

    /// <param name="sigmaA">σ_a on the rank-local cells</param>
    /// <param name="source">the external emission density Q (integrated over directions) on the rank-local cells</param>
    /// <param name="heatCapacity">C in e = C·B (&gt; 0)</param>
    /// <param name="sourceUntil">the source is on while t ≤ this</param>
    public ThermalExchange(double[] sigmaA, double[] source, double heatCapacity, double sourceUntil)
    {
        if (sigmaA.Length != source.Length) throw new ArgumentException("σ_a and Q on different cells");
        if (!(heatCapacity > 0)) throw new ArgumentOutOfRangeException(nameof(heatCapacity), heatCapacity, "the heat capacity must be positive");
        _sigmaA = sigmaA;
        _source = source;
        HeatCapacity = heatCapacity;
        SourceUntil = sourceUntil;
        LocalSourceSum = source.Sum();
    }

    /// <summary>σ_a and Q of the material map at the centres of the block's cells.</summary>
    public static ThermalExchange Build(GridBlock block, MaterialMap materials, ThermalOptions options)
    {
        int n = block.Count;
        var sigma = new double[n];
        var q = new double[n];
        Span<double> x = stackalloc double[3];
        for (int c = 0; c < n; c++)
        {
            block.Center(c, x);
            var m = materials.At(x[..block.Dimension]);
            sigma[c] = m.SigmaA;
            q[c] = m.Source;
        }
        return new ThermalExchange(sigma, q, options.HeatCapacity, options.SourceUntil);
    }

    public double HeatCapacity { get; }
    public double SourceUntil { get; }
    public int Cells => _sigmaA.Length;

    /// <summary>Σ_i Q_i over the rank-local cells (times the cell volume and summed over ranks: the source's power).</summary>
    public double LocalSourceSum { get; }

    /// <summary>Whether the source is on at time <paramref name="t"/>.</summary>
    public bool SourceOn(double t) => t <= SourceUntil;

    /// <summary>One backward-Euler exchange step of length <paramref name="dt"/> ending at <paramref name="tEnd"/>:
    /// <paramref name="phi"/> (φ* in, φ' out) and <paramref name="energy"/> (e in, e' out) per cell, and the damping
    /// factor 1/(1 + Δt σ_a) of every non-isotropic direction written to <paramref name="damping"/>.</summary>
    public void Apply(double tEnd, double dt, Span<double> phi, Span<double> energy, Span<double> damping)
    {
        int n = _sigmaA.Length;
        if (phi.Length != n || energy.Length != n || damping.Length != n) throw new ArgumentException($"fields of {phi.Length}, {energy.Length}, {damping.Length} cells for {n}");
        double c = HeatCapacity;
        bool on = SourceOn(tEnd);
        for (int i = 0; i < n; i++)
        {
            double a = dt * _sigmaA[i];
            double r1 = phi[i] + (on ? dt * _source[i] : 0.0), r2 = energy[i];
            // w = a (β' − φ') with β' = e'/C: from the 2 × 2 solve, β' − φ' = (r2 − C r1)/det.
            double w = a * (r2 - c * r1) / (c + a + a * c);
            phi[i] = r1 + w;
            energy[i] = r2 - w;
            damping[i] = 1.0 / (1.0 + a);
        }
    }
}
