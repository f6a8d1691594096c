using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Angular;

/// <summary>
/// The velocity space of a scalar conservation law (Burgers' equation): no velocity variable, one coefficient per
/// cell, the value u itself. The conserved quantity is ∫u (direction 1, norm 1), the isotropic state is u; it has no
/// linear flux (the flux of a nonlinear law is the problem's, evaluated by quadrature), no reflection and no
/// scattering. Combined with a chaos basis (<c>Uncertainty.StochasticGalerkinSpace</c>) it gives the stochastic-Galerkin
/// space of an uncertain scalar law, whose mass direction is the mean mode.
/// </summary>
public sealed class ScalarSpace(int dimension = 1) : IVelocitySpace
{
    public int Dimension => dimension;
    public int Count => 1;
    public Matrix<double> Flux(int d) => Matrix<double>.Build.Sparse(1, 1);
    public Matrix<double> AbsFlux(int d) => Matrix<double>.Build.Sparse(1, 1);
    public double SpectralRadius(int d) => 0.0;
    public Matrix<double> Reflection(int d) => Matrix<double>.Build.SparseIdentity(1);
    public IReadOnlyList<ConservedQuantity> Conserved { get; } = [new ConservedQuantity("mass", [1.0], 1.0)];
    public ConservedQuantity Mass => Conserved[0];
    public IsotropicState Isotropic { get; } = new([1.0], 1.0);
    public Matrix<double> ScatteringProjector => Matrix<double>.Build.SparseIdentity(1);
    public string FieldName(int index) => "u";
}
