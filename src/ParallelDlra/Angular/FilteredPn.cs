using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Angular;

/// <summary>Filtered P_N (McClarren and Hauck 2010; Radice, Abdikamalov, Rezzolla and Ott 2013; Frank, Hauck and Küpper
/// 2016): P_N with the diagonal damping −Σ u, Σ = diag(σ_ℓ), where moment ℓ is damped at the rate
/// σ_ℓ = σ_f · g(ℓ/(N+1)) / g(N/(N+1)) for ℓ ≥ 2 and σ_0 = σ_1 = 0 (mass and current untouched), g = −log f.
/// Applied as a term of the semi-discrete equation (the limit of Radice et al.'s filter f^{σ_f Δt} applied after each
/// step), the damping does not depend on Δt or Δx; σ_f is the damping rate of the highest degree N.
/// Filter functions of η = ℓ/(N+1) with order p:
/// exponential f = exp(−η^p) (g = η^p); spherical_spline f = 1/(1 + η^p) (g = log(1 + η^p)), the shape of the
/// spline filter of McClarren and Hauck; lanczos f = (sin πη / πη)^p. Everything else is the P_N basis's.</summary>
public sealed class FilteredPn : IVelocitySpace
{
    private readonly double[] _rates;

    public FilteredPn(PnBasis pn, FilterOptions filter)
    {
        ArgumentNullException.ThrowIfNull(pn);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Strength < 0) throw new ArgumentOutOfRangeException(nameof(filter), filter.Strength, "filter strength must be >= 0");
        Basis = pn;
        Filter = filter;
        int n = pn.Order;
        double top = n >= 1 ? G(filter, n / (n + 1.0)) : 1.0;
        _rates = [.. pn.Moments.Select(m => m.L <= 1 ? 0.0 : filter.Strength * G(filter, m.L / (n + 1.0)) / top)];
    }

    /// <summary>g(η) = −log f(η) of the filter (0 at η = 0, increasing on (0, 1)).</summary>
    public static double G(FilterOptions filter, double eta) => filter.Type switch
    {
        FilterKind.Exponential => Math.Pow(eta, filter.Order),
        FilterKind.SphericalSpline => Math.Log(1.0 + Math.Pow(eta, filter.Order)),
        FilterKind.Lanczos => eta == 0.0 ? 0.0 : -filter.Order * Math.Log(Math.Sin(Math.PI * eta) / (Math.PI * eta)),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Type, "unknown filter"),
    };

    /// <summary>The unfiltered basis.</summary>
    public PnBasis Basis { get; }

    public FilterOptions Filter { get; }

    /// <summary>σ_ℓ of every moment, in storage order.</summary>
    public IReadOnlyList<double> Rates => _rates;

    public int Dimension => Basis.Dimension;
    public int Count => Basis.Count;
    public Matrix<double> Flux(int d) => Basis.Flux(d);
    public Matrix<double> AbsFlux(int d) => Basis.AbsFlux(d);
    public double SpectralRadius(int d) => Basis.SpectralRadius(d);
    public Matrix<double> Reflection(int d) => Basis.Reflection(d);
    public IReadOnlyList<ConservedQuantity> Conserved => Basis.Conserved;
    public IsotropicState Isotropic => Basis.Isotropic;
    public Matrix<double> ScatteringProjector => Basis.ScatteringProjector;
    public VelocityQuadrature Quadrature(int points) => ((IVelocitySpace)Basis).Quadrature(points);
    public double[] Project(Func<double[], double> profile) => Basis.Project(profile);

    /// <summary>diag(σ_ℓ) (sparse; null when σ_f = 0).</summary>
    public Matrix<double>? Damping => Filter.Strength == 0.0 ? null
        : Matrix<double>.Build.SparseOfIndexed(Count, Count, Enumerable.Range(0, Count).Where(a => _rates[a] != 0.0).Select(a => (a, a, _rates[a])));
}
