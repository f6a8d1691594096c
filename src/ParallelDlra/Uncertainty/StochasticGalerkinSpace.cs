using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;

namespace ParallelDlra.Uncertainty;

/// <summary>
/// The velocity space of stochastic Galerkin: angle ⊗ chaos. A coefficient (a, j) is angular coefficient a of the
/// inner space (P_N) times chaos polynomial p_j, stored at index a·n_ξ + j, so that B ⊗ T (the Kronecker product,
/// B outer) acts as B on the angle and T on the chaos. Every deterministic matrix of the inner space becomes B ⊗ I
/// (transport, upwind, reflection, the deterministic part of scattering): what depends on ξ enters as extra
/// collision terms Σ_k diag(σ_k(x)) ⊗ (P ⊗ T_k) (<c>StochasticGalerkinTerms</c>). The mass is the mean of the
/// inner mass, direction d ⊗ e_0 (p_0 = 1): conservative truncation keeps E[φ] exactly. References: Ghanem and
/// Spanos, Stochastic Finite Elements (1991); for kinetics Kusch, McClarren and Frank, J. Comput. Phys. 2020.
/// </summary>
public sealed class StochasticGalerkinSpace : IVelocitySpace
{
    private readonly IVelocitySpace _angle;

    public StochasticGalerkinSpace(IVelocitySpace angle, ChaosBasis chaos)
    {
        _angle = angle;
        Chaos = chaos;
        Conserved = [.. angle.Conserved.Select(c => c with { Direction = Kron(c.Direction, Mean) })];
        Isotropic = new IsotropicState(Kron(angle.Isotropic.Direction, Mean), angle.Isotropic.Norm);
    }

    /// <summary>The angular (inner) velocity space.</summary>
    public IVelocitySpace Angle => _angle;

    /// <summary>The chaos basis in ξ.</summary>
    public ChaosBasis Chaos { get; }

    public int Dimension => _angle.Dimension;
    public int Count => _angle.Count * Chaos.Count;
    public Matrix<double> Flux(int d) => WithIdentity(_angle.Flux(d));
    public Matrix<double> AbsFlux(int d) => WithIdentity(_angle.AbsFlux(d));
    public double SpectralRadius(int d) => _angle.SpectralRadius(d);
    public Matrix<double> Reflection(int d) => WithIdentity(_angle.Reflection(d));
    public IReadOnlyList<ConservedQuantity> Conserved { get; }
    public ConservedQuantity Mass => Conserved[0];
    public IsotropicState Isotropic { get; }
    public Matrix<double> ScatteringProjector => WithIdentity(_angle.ScatteringProjector);
    public string FieldName(int index) => $"{_angle.FieldName(index / Chaos.Count)}_xi{index % Chaos.Count}";

    /// <summary>e_0 of the chaos: the mean mode.</summary>
    private double[] Mean
    {
        get
        {
            var e0 = new double[Chaos.Count];
            e0[0] = 1.0;
            return e0;
        }
    }

    /// <summary>The index of coefficient (a, j).</summary>
    public int Index(int angular, int chaos) => angular * Chaos.Count + chaos;

    /// <summary>The indices of the chaos coefficients of the mass density's direction (a coordinate direction of the inner
    /// space: P_N's isotropic moment): the columns of u holding φ's chaos expansion φ_j, j = 0 … n_ξ − 1.</summary>
    public int[] MassModes()
    {
        var d = _angle.Mass.Direction;
        int[] nonzero = [.. Enumerable.Range(0, d.Length).Where(a => d[a] != 0.0)];
        if (nonzero.Length != 1 || d[nonzero[0]] != 1.0)
            throw new NotSupportedException("the statistics of φ need a mass direction that is one coefficient of the angular space");
        return [.. Enumerable.Range(0, Chaos.Count).Select(j => Index(nonzero[0], j))];
    }

    /// <summary>B ⊗ I_{n_ξ}, stored sparse (its nonzeros are B's, each repeated n_ξ times on a diagonal).</summary>
    public Matrix<double> WithIdentity(Matrix<double> b) => Kronecker(b, Matrix<double>.Build.SparseIdentity(Chaos.Count));

    /// <summary>B ⊗ T, sparse, with index a·n_ξ + j.</summary>
    public static Matrix<double> Kronecker(Matrix<double> b, Matrix<double> t)
    {
        int nt = t.RowCount;
        var bEntries = b.EnumerateIndexed(Zeros.AllowSkip).Where(e => e.Item3 != 0.0).ToArray();
        var tEntries = t.EnumerateIndexed(Zeros.AllowSkip).Where(e => e.Item3 != 0.0).ToArray();
        var entries = new List<Tuple<int, int, double>>(bEntries.Length * tEntries.Length);
        foreach (var (i, j, v) in bEntries)
        foreach (var (k, l, w) in tEntries)
            entries.Add(Tuple.Create(i * nt + k, j * nt + l, v * w));
        return Matrix<double>.Build.SparseOfIndexed(b.RowCount * nt, b.ColumnCount * t.ColumnCount, entries);
    }

    /// <summary>a ⊗ c for vectors.</summary>
    public static double[] Kron(double[] a, double[] c)
    {
        var v = new double[a.Length * c.Length];
        for (int i = 0; i < a.Length; i++)
        for (int j = 0; j < c.Length; j++) v[i * c.Length + j] = a[i] * c[j];
        return v;
    }
}
