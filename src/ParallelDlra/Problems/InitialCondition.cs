using MathNet.Numerics;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;

namespace ParallelDlra.Problems;

/// <summary>Initial scalar flux φ0 on the rank-local cells as cell averages (so a Gaussian pulse carries
/// its mass exactly even when barely resolved). The initial angular flux is isotropic, ψ0 = φ0/|S|,
/// so u0 = (φ0 / norm) ιᵀ is separable (ι the velocity space's isotropic direction): rank one.</summary>
public static class InitialCondition
{
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
    public static double[] Moments(double[] phi, IVelocitySpace space)
    {
        var iota = space.Isotropic;
        int n = phi.Length;
        var u = new double[n * space.Count];
        for (int a = 0; a < space.Count; a++)
        {
            double da = iota.Direction[a];
            if (da == 0.0) continue;
            for (int i = 0; i < n; i++) u[a * n + i] = phi[i] / iota.Norm * da;
        }
        return u;
    }
}
