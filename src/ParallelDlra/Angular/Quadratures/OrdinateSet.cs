namespace ParallelDlra.Angular.Quadratures;

/// <summary>A quadrature on the unit sphere (or on [−1, 1] in slab 1D): ordinates Ω_q with positive weights w_q,
/// Σ w_q = |S| (4π; 2 in 1D), and for each axis the mirror map q ↦ q′ with Ω_q′ the reflection of Ω_q in the
/// plane normal to that axis (the same weight). In 2D the set covers the upper hemisphere Ω_z &gt; 0 with doubled
/// weights: it integrates exactly the functions even in Ω_z that the full set integrates exactly.</summary>
/// <param name="Dimension">spatial dimension (1, 2, 3): the number of components of each ordinate used</param>
/// <param name="Directions">Ω_q as (x, y, z); in 1D only the component μ, stored as z</param>
/// <param name="Weights">w_q</param>
/// <param name="Mirrors">Mirrors[d][q]: the ordinate mirrored in axis d (d &lt; Dimension)</param>
/// <param name="Rings">the ordinates of equal polar angle, in increasing azimuth (equally spaced, equal weights): the
/// rows on which a rotation about z interpolates (rS_N); empty when the set has no such structure</param>
/// <param name="Degree">the largest degree of the spherical harmonics (Legendre polynomials in 1D) integrated exactly</param>
public sealed record OrdinateSet(int Dimension, double[][] Directions, double[] Weights, int[][] Mirrors, int[][] Rings, int Degree)
{
    public int Count => Weights.Length;

    /// <summary>Component of Ω_q along spatial direction d (in 1D: μ).</summary>
    public double Component(int q, int d) => Dimension == 1 ? Directions[q][2] : Directions[q][d];
}
