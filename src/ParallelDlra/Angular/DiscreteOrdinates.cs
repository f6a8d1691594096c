using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular.Quadratures;

namespace ParallelDlra.Angular;

/// <summary>The S_N (discrete ordinates) velocity space: the coefficients of a cell are the weighted values
/// ψ̃_q = √w_q ψ(Ω_q) at the ordinates of a quadrature (<see cref="OrdinateSet"/>).</summary>
/// <remarks>
/// <para>Why √w: with ψ̃ the quadrature inner product Σ_q w_q f_q g_q is the Euclidean one, so the orthonormal V of
/// u ≈ X S Vᵀ is orthonormal in L²(S) (as for P_N), and the scattering projector is the symmetric orthogonal
/// projection P = d dᵀ onto d = √w/√|S|: Σ_q w_q ψ_q/|S| = φ/|S| becomes (P ψ̃)_q = √w_q φ/|S|.</para>
/// <para>Transport is diagonal in the ordinates: A_d = diag(Ω_{q,d}), |A_d| = diag(|Ω_{q,d}|), so the operator's
/// ½ central + ½ |A| second-difference form is exactly the first-order upwind flux of each ordinate,
/// D_d^+ ⊗ diag(max(Ω_d, 0)) + D_d^- ⊗ diag(min(Ω_d, 0)) (DESIGN §8). The reflection in axis d is the permutation
/// of mirrored ordinates (equal weights, so it commutes with the √w scaling).</para>
/// <para>Mass: φ = Σ_q w_q ψ_q = √|S| · dᵀψ̃: the direction d, norm √|S| (the same norm as P_N's isotropic moment).
/// The isotropic state ψ = φ/|S| has ψ̃ = (φ/√|S|) d.</para>
/// </remarks>
public sealed class DiscreteOrdinates : IVelocitySpace
{
    private readonly double[] _direction;

    public DiscreteOrdinates(OrdinateSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Set = set;
        Dimension = set.Dimension;
        SphereMeasure = set.Weights.Sum();
        double root = Math.Sqrt(SphereMeasure);
        _direction = [.. set.Weights.Select(w => Math.Sqrt(w) / root)];
        Conserved = [new ConservedQuantity("mass", (double[])_direction.Clone(), root)];
        Isotropic = new IsotropicState((double[])_direction.Clone(), root);
    }

    /// <summary>The product Gauss–Legendre set of the given dimension and even order N (see <see cref="ProductGaussLegendre"/>).</summary>
    public static DiscreteOrdinates ProductGaussLegendre(int dimension, int order) => new(Quadratures.ProductGaussLegendre.Create(dimension, order));

    /// <summary>The ordinates and weights.</summary>
    public OrdinateSet Set { get; }

    public int Dimension { get; }

    /// <summary>n_q.</summary>
    public int Count => Set.Count;

    /// <summary>Σ_q w_q = |S|.</summary>
    public double SphereMeasure { get; }

    public IReadOnlyList<ConservedQuantity> Conserved { get; }

    public IsotropicState Isotropic { get; }

    /// <summary>diag(Ω_{q,d}) (sparse).</summary>
    public Matrix<double> Flux(int d) => Diagonal(q => Set.Component(q, CheckDirection(d)));

    /// <summary>diag(|Ω_{q,d}|) (sparse).</summary>
    public Matrix<double> AbsFlux(int d) => Diagonal(q => Math.Abs(Set.Component(q, CheckDirection(d))));

    public double SpectralRadius(int d)
    {
        CheckDirection(d);
        double max = 0.0;
        for (int q = 0; q < Count; q++) max = Math.Max(max, Math.Abs(Set.Component(q, d)));
        return max;
    }

    /// <summary>The permutation (R u)_q = u_{q′}, q′ the ordinate mirrored in axis d.</summary>
    public Matrix<double> Reflection(int d)
    {
        var mirror = Set.Mirrors[CheckDirection(d)];
        return Matrix<double>.Build.SparseOfIndexed(Count, Count, Enumerable.Range(0, Count).Select(q => (q, mirror[q], 1.0)));
    }

    /// <summary>d dᵀ with d = √w/√|S| (dense, a fresh copy).</summary>
    public Matrix<double> ScatteringProjector => Matrix<double>.Build.Dense(Count, Count, (i, j) => _direction[i] * _direction[j]);

    /// <summary>The weighted values ψ̃_q = √w_q f(Ω_q) of a function of the direction.</summary>
    public double[] Sample(Func<double, double, double, double> f)
    {
        var v = new double[Count];
        for (int q = 0; q < Count; q++)
        {
            var o = Set.Directions[q];
            v[q] = Math.Sqrt(Set.Weights[q]) * f(o[0], o[1], o[2]);
        }
        return v;
    }

    public string FieldName(int index) => $"u_{index}";

    private Matrix<double> Diagonal(Func<int, double> entry)
        => Matrix<double>.Build.SparseOfIndexed(Count, Count, Enumerable.Range(0, Count).Select(q => (q, q, entry(q))).Where(e => e.Item3 != 0.0));

    private int CheckDirection(int d)
    {
        if (d < 0 || d >= Dimension) throw new ArgumentOutOfRangeException(nameof(d), d, $"direction must be in 0..{Dimension - 1}");
        return d;
    }
}
