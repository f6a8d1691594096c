using MathNet.Numerics;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;

namespace ParallelDlra.Problems;

/// <summary>Initial scalar flux φ0 on the rank-local cells as cell averages (so a Gaussian pulse carries
/// its mass exactly even when barely resolved). The initial angular flux is separable, u0 = (φ0 / norm) aᵀ with the
/// angular state (a, norm) of <see cref="Angle"/>: rank one. It is the velocity space's isotropic state ψ0 = φ0/|S|
/// for every kind but the beam, whose angular profile is projected onto the space's moments.</summary>
public static class InitialCondition
{
    /// <summary>The beam's angular profile g(Ω) = Π_d N(direction_d, angular_sigma²)(Ω_d) (unnormalised product of the
    /// one-dimensional normal densities of the direction components along the grid's axes).</summary>
    public static double BeamProfile(InitialConditionOptions ic, double[] omega) => VelocitySpaces.Gaussian(ic.Direction, ic.AngularSigma, omega);

    /// <summary>The angular state of the initial condition: u0 = (φ0 / Norm) · Direction. The velocity space's isotropic
    /// state, or for the beam Direction = ĝ/‖ĝ‖ (ĝ the projection of <see cref="BeamProfile"/>) and Norm = T/‖ĝ‖ with
    /// T = ∫g dΩ = norm_d · dᵀĝ (d the mass direction), so that u0 = mass · N(x) · ĝ for φ0 = mass · N(x) · T.</summary>
    public static IsotropicState Angle(InitialConditionOptions ic, IVelocitySpace space)
        => ic.Kind == InitialKind.Beam ? Beam(ic, space).Angle : space.Isotropic;

    private static (IsotropicState Angle, double Total) Beam(InitialConditionOptions ic, IVelocitySpace space)
    {
        var g = space.Project(omega => BeamProfile(ic, omega));
        double length = Math.Sqrt(g.Sum(v => v * v));
        double total = space.Mass.Norm * VelocitySpaces.Dot(space.Mass.Direction, g);
        if (!(length > 0) || !(total > 0))
            throw new InputException("initial.angular_sigma: the beam's angular profile has no mass on this velocity space; allowed: a wider angular_sigma or a higher angular.order");
        return (new IsotropicState([.. g.Select(v => v / length)], total / length), total);
    }

    /// <summary>φ0 of the initial condition on the velocity space: <see cref="ScalarFlux(InitialConditionOptions, GridBlock)"/>,
    /// for the beam times T = ∫g dΩ (<see cref="Angle"/>).</summary>
    public static double[] ScalarFlux(InitialConditionOptions ic, GridBlock block, IVelocitySpace space)
    {
        var phi = ScalarFlux(ic, block);
        if (ic.Kind != InitialKind.Beam) return phi;
        double total = Beam(ic, space).Total;
        for (int i = 0; i < phi.Length; i++) phi[i] *= total;
        return phi;
    }

    /// <summary>The spatial factor: φ0 for every kind but the beam, whose φ0 is this times ∫g dΩ.</summary>
    public static double[] ScalarFlux(InitialConditionOptions ic, GridBlock block)
    {
        var phi = new double[block.Count];
        switch (ic.Kind)
        {
            case InitialKind.Zero:
                break;
            case InitialKind.Constant:
                Array.Fill(phi, ic.Value);
                break;
            case InitialKind.Gaussian:
            case InitialKind.Beam:   // the spatial factor mass · N(center, σ² I)
                // Cell average of mass · Π_d N(c_d, σ²): a product of one-dimensional cell averages.
                var factors = new double[block.Dimension][];
                for (int d = 0; d < block.Dimension; d++)
                {
                    double h = block.Grid.Spacing[d], c = ic.Center[d], s = Math.Sqrt(2.0) * ic.Sigma;
                    factors[d] = new double[block.Size[d]];
                    for (int i = 0; i < block.Size[d]; i++)
                    {
                        double lo = block.Grid.Extent[d].Min + (block.Offset[d] + i) * h;
                        factors[d][i] = 0.5 * (SpecialFunctions.Erf((lo + h - c) / s) - SpecialFunctions.Erf((lo - c) / s)) / h;
                    }
                }
                Span<int> ijk = stackalloc int[3];
                for (int cell = 0; cell < block.Count; cell++)
                {
                    block.Index(cell, ijk);
                    double v = ic.Mass;
                    for (int d = 0; d < block.Dimension; d++) v *= factors[d][ijk[d]];
                    phi[cell] = v;
                }
                break;
            default:
                throw new NotSupportedException(ic.Kind.ToString());
        }
        return phi;
    }

    /// <summary>Full coefficient matrix u0 (n_cells × n_moments, column-major) of an isotropic φ0: u0 = (φ0 / norm) ιᵀ
    /// with the velocity space's isotropic state (ι, norm).</summary>
    public static double[] Moments(double[] phi, IVelocitySpace space) => Moments(phi, space.Isotropic, space.Count);

    /// <summary>u0 = (φ0 / norm) aᵀ for the angular state (a, norm) of <see cref="Angle"/>.</summary>
    public static double[] Moments(double[] phi, IsotropicState iota, int count)
    {
        int n = phi.Length;
        var u = new double[n * count];
        for (int a = 0; a < count; a++)
        {
            double da = iota.Direction[a];
            if (da == 0.0) continue;
            for (int i = 0; i < n; i++) u[a * n + i] = phi[i] / iota.Norm * da;
        }
        return u;
    }
}
