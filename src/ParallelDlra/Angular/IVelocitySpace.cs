using MathNet.Numerics.LinearAlgebra;

namespace ParallelDlra.Angular;

/// <summary>A quantity the kinetic model conserves (up to outflow, absorption and sources), as a direction of
/// the velocity space: its density in a cell with coefficients u_i is <see cref="Norm"/> · (Directionᵀ u_i).
/// For P_N the mass: the isotropic direction, norm √|S|, density φ.</summary>
/// <param name="Name">what is conserved ("mass")</param>
/// <param name="Direction">a unit vector of length n_moments</param>
/// <param name="Norm">the density of the unit coefficient along <paramref name="Direction"/></param>
public sealed record ConservedQuantity(string Name, double[] Direction, double Norm)
{
    /// <summary>Directionᵀ values (the terms with a zero direction entry are skipped, so a coordinate direction
    /// picks its entry exactly).</summary>
    public double Along(ReadOnlySpan<double> values) => VelocitySpaces.Dot(Direction, values);

    /// <summary>Vᵀ Direction for a basis V (n_moments × r): the coefficients of the direction in V's columns.</summary>
    public Vector<double> In(Matrix<double> v) => VelocitySpaces.RowCombination(v, Direction);

    /// <summary>The density of every cell of u (n_cells × n_moments, column-major): Norm · (u Direction).</summary>
    public double[] Density(ReadOnlySpan<double> u, int cells)
    {
        var field = new double[cells];
        for (int a = 0; a < Direction.Length; a++)
        {
            double da = Direction[a];
            if (da == 0.0) continue;
            var column = u.Slice(a * cells, cells);
            for (int i = 0; i < cells; i++) field[i] += column[i] * da;
        }
        for (int i = 0; i < cells; i++) field[i] *= Norm;
        return field;
    }
}

/// <summary>The isotropic state: the coefficients of ψ = φ/|S| (φ the scalar flux / density) are
/// (φ / <see cref="Norm"/>) · <see cref="Direction"/>. For P_N: e_0 and √|S|.</summary>
public sealed record IsotropicState(double[] Direction, double Norm);

/// <summary>A quadrature on the velocity space: <see cref="Values"/>[q, a] = m_a(Ω_q) (n_q × n_moments) and the
/// weights w_q, so that ψ(Ω_q) = Σ_a u_a m_a(Ω_q) and ∫ m_a f dΩ ≈ Σ_q w_q m_a(Ω_q) f(Ω_q). What a term that is not a
/// Kronecker product (a nonlinear reaction, a solution-dependent opacity) needs to be evaluated on the factors:
/// ψ at the nodes of u = K Vᵀ is K (Values·V)ᵀ, an n_cells × n_q product (DESIGN §1, §8).</summary>
public sealed record VelocityQuadrature(Matrix<double> Values, double[] Weights)
{
    /// <summary>n_q, the number of nodes.</summary>
    public int Count => Weights.Length;
}

/// <summary>The small side of u ≈ X S Vᵀ: the velocity (angular) discretisation. P_N implements it
/// (<see cref="PnBasis"/>); S_N, filtered P_N, P_N ⊗ polynomial chaos or a velocity grid implement it next.
/// It owns everything that depends on what a coefficient index means: nothing outside the types that implement
/// it may assume that an index (e.g. 0) is the mass or the isotropic moment.</summary>
public interface IVelocitySpace
{
    /// <summary>Spatial dimension the space is built for (1 slab, 2 plane, 3).</summary>
    int Dimension { get; }

    /// <summary>Number of coefficients per cell (n_moments).</summary>
    int Count { get; }

    /// <summary>Flux matrix A_d (symmetric) of spatial direction d.</summary>
    Matrix<double> Flux(int d);

    /// <summary>The upwind (absolute) matrix |A_d|.</summary>
    Matrix<double> AbsFlux(int d);

    /// <summary>ρ(A_d): the largest speed along axis d.</summary>
    double SpectralRadius(int d);

    /// <summary>The reflection R_d of the coefficients under Ω_d → −Ω_d.</summary>
    Matrix<double> Reflection(int d);

    /// <summary>The conserved quantities; the first is the mass (<see cref="Mass"/>).</summary>
    IReadOnlyList<ConservedQuantity> Conserved { get; }

    /// <summary>The mass (the scalar flux φ is its density). Conservative truncation keeps its direction.</summary>
    ConservedQuantity Mass => Conserved[0];

    /// <summary>The isotropic state (initial conditions, isotropic sources and inflow).</summary>
    IsotropicState Isotropic { get; }

    /// <summary>The scattering projector P (n_moments × n_moments): isotropic scattering adds σ_s P u. For P_N
    /// the projection onto the isotropic direction.</summary>
    Matrix<double> ScatteringProjector { get; }

    /// <summary>An angular damping term: the diagonal rates Σ (n_moments × n_moments) of −Σ u, the same in every
    /// cell (filtered P_N, <see cref="FilteredPn"/>); null where the space has none.</summary>
    Matrix<double>? Damping => null;

    /// <summary>Name of the output field of coefficient <paramref name="index"/> (moments written beside φ).</summary>
    string FieldName(int index) => $"u_{index}";

    /// <summary>A quadrature of the velocity space with <paramref name="points"/> nodes per polar direction (what a
    /// point means is the space's own: Gauss–Legendre points in μ for P_N). Spaces without one throw.</summary>
    /// <exception cref="NotSupportedException">the space has no quadrature</exception>
    VelocityQuadrature Quadrature(int points) => throw new NotSupportedException($"{GetType().Name} has no velocity quadrature");

    /// <summary>The coefficients of an angular profile f(Ω) (anisotropic initial data): the L² projection
    /// u_a = ∫ m_a(Ω) f(Ω) dΩ for an orthonormal moment basis; <paramref name="profile"/> receives the direction's
    /// components along the grid's axes (Dimension of them; 1D: μ). Spaces without it throw.</summary>
    /// <exception cref="NotSupportedException">the space cannot project an angular profile</exception>
    double[] Project(Func<double[], double> profile) => throw new NotSupportedException($"{GetType().Name} cannot project an angular profile");
}

/// <summary>Small exact helpers over velocity-space vectors.</summary>
public static class VelocitySpaces
{
    /// <summary>The angular Gaussian g(Ω) = Π_d N(direction_d, σ²)(Ω_d) (product of one-dimensional normal densities of the
    /// direction components along the grid's axes): the shape of the beam initial state and of an anisotropic inflow.</summary>
    public static double Gaussian(IReadOnlyList<double> direction, double sigma, double[] omega)
    {
        double g = 1.0;
        for (int d = 0; d < omega.Length; d++)
        {
            double z = (omega[d] - direction[d]) / sigma;
            g *= Math.Exp(-0.5 * z * z) / (sigma * Math.Sqrt(2.0 * Math.PI));
        }
        return g;
    }

    /// <summary>Σ_a d_a v_a over the nonzero d_a (a coordinate direction picks v_a exactly).</summary>
    public static double Dot(ReadOnlySpan<double> direction, ReadOnlySpan<double> values)
    {
        if (direction.Length != values.Length) throw new ArgumentException($"{values.Length} values for a direction of {direction.Length}");
        double sum = 0.0;
        for (int a = 0; a < direction.Length; a++)
            if (direction[a] != 0.0) sum += direction[a] * values[a];
        return sum;
    }

    /// <summary>Σ_a d_a M(a, :) = Mᵀ d over the nonzero d_a (a coordinate direction picks row a exactly).</summary>
    public static Vector<double> RowCombination(Matrix<double> m, ReadOnlySpan<double> direction)
    {
        if (direction.Length != m.RowCount) throw new ArgumentException($"a direction of {direction.Length} for {m.RowCount} rows");
        var sum = Vector<double>.Build.Dense(m.ColumnCount);
        bool first = true;
        for (int a = 0; a < direction.Length; a++)
        {
            if (direction[a] == 0.0) continue;
            var row = m.Row(a);
            if (first && direction[a] == 1.0) row.CopyTo(sum);
            else sum += row * direction[a];
            first = false;
        }
        return sum;
    }

    /// <summary>M d over the nonzero d_a (a coordinate direction picks column a exactly).</summary>
    public static Vector<double> ColumnCombination(Matrix<double> m, ReadOnlySpan<double> direction)
    {
        if (direction.Length != m.ColumnCount) throw new ArgumentException($"a direction of {direction.Length} for {m.ColumnCount} columns");
        var sum = Vector<double>.Build.Dense(m.RowCount);
        bool first = true;
        for (int a = 0; a < direction.Length; a++)
        {
            if (direction[a] == 0.0) continue;
            var column = m.Column(a);
            if (first && direction[a] == 1.0) column.CopyTo(sum);
            else sum += column * direction[a];
            first = false;
        }
        return sum;
    }

    /// <summary>dᵀ M g over the nonzero entries of d and g.</summary>
    public static double Bilinear(ReadOnlySpan<double> d, Matrix<double> m, ReadOnlySpan<double> g)
    {
        double sum = 0.0;
        for (int a = 0; a < d.Length; a++)
        {
            if (d[a] == 0.0) continue;
            double inner = 0.0;
            for (int b = 0; b < g.Length; b++)
                if (g[b] != 0.0) inner += m[a, b] * g[b];
            sum += d[a] * inner;
        }
        return sum;
    }
}
