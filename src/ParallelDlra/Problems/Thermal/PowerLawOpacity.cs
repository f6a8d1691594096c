namespace ParallelDlra.Problems.Thermal;

/// <summary>deck key <c>material.thermal.opacity</c> (<c>law: power</c>): a temperature-dependent absorption opacity
/// σ_a(T) = σ_0 · max(T, T_floor)^p, the Marshak-wave opacity for p = −3 (a cold material is opaque, a hot one
/// transparent). <see cref="TemperatureFloor"/> keeps σ_a finite where the material is cold (p &lt; 0) and bounds it
/// there by σ_0 T_floor^p. With an opacity law the thermal model has a constant heat capacity c_v (e = c_v T) and
/// emits B = T⁴ (units with a·c = 1: φ = T⁴ is radiation in equilibrium at T).</summary>
public sealed record PowerLawOpacity(double Sigma0, double Exponent, double TemperatureFloor)
{
    /// <summary>σ_a at temperature <paramref name="temperature"/>.</summary>
    public double At(double temperature) => Sigma0 * Math.Pow(Math.Max(temperature, TemperatureFloor), Exponent);
}
