namespace ParallelDlra.Solvers;

/// <summary>
/// An implicit–explicit (IMEX) Runge–Kutta pair for y' = f_E(t, y) + f_I(t, y), f_I stiff (the material coupling of
/// thermal radiative transfer, stiff collisions): explicit tableau (Ã, b̃, c̃) for f_E, diagonally implicit (A, b, c)
/// for f_I (Ascher, Ruuth and Spiteri, Appl. Numer. Math. 25, 1997; Pareschi and Russo, J. Sci. Comput. 25, 2005):
///   Y_i = y + Δt Σ_{j&lt;i} ã_ij f_E(Y_j) + Δt Σ_{j≤i} a_ij f_I(Y_j),   y(t + Δt) = y + Δt Σ_i (b̃_i f_E(Y_i) + b_i f_I(Y_i)).
/// Each stage needs one solve of (I − Δt a_ii f_I) Y_i = rhs. <see cref="Step"/> works on any vector type through
/// delegates (distributed blocks or small replicated matrices alike).
/// Not yet used by a solver: the stiff couplings that need it come with the thermal radiative transfer issue.
/// </summary>
public sealed record ImexRungeKutta(string Name, double[,] ExplicitA, double[] ExplicitB, double[,] ImplicitA, double[] ImplicitB, int Order)
{
    public int Stages => ExplicitB.Length;

    /// <summary>Forward–backward Euler (IMEX(1,1,1) of Ascher, Ruuth and Spiteri), first order, written with two stages:
    /// Y_1 = y, Y_2 = y + Δt f_E(y) + Δt f_I(Y_2), y(t + Δt) = Y_2.</summary>
    public static ImexRungeKutta EulerPair { get; } = new("IMEX Euler (forward/backward)",
        new double[,] { { 0, 0 }, { 1, 0 } }, [1, 0],
        new double[,] { { 0, 0 }, { 0, 1 } }, [0, 1], 1);

    /// <summary>IMEX-SSP2(2,2,2) of Pareschi and Russo (2005): SSP-RK2 explicit part (Heun), L-stable implicit part with
    /// γ = 1 − 1/√2; second order.</summary>
    public static ImexRungeKutta Ssp2 { get; } = Ssp2Pair();

    private static ImexRungeKutta Ssp2Pair()
    {
        double g = 1.0 - 1.0 / Math.Sqrt(2.0);
        return new("IMEX-SSP2(2,2,2)",
            new double[,] { { 0, 0 }, { 1, 0 } }, [0.5, 0.5],
            new double[,] { { g, 0 }, { 1 - 2 * g, g } }, [0.5, 0.5], 2);
    }

    /// <summary>Abscissae c̃_i = Σ_j ã_ij of the explicit part.</summary>
    public double ExplicitC(int i) { double c = 0; for (int j = 0; j < Stages; j++) c += ExplicitA[i, j]; return c; }

    /// <summary>Abscissae c_i = Σ_j a_ij of the implicit part.</summary>
    public double ImplicitC(int i) { double c = 0; for (int j = 0; j < Stages; j++) c += ImplicitA[i, j]; return c; }

    /// <summary>One step from y at t. <paramref name="combine"/>(y, terms) returns y + Σ coefficient·vector;
    /// <paramref name="solve"/>(t, rhs, α) returns Y with Y − α f_I(t, Y) = rhs (α = Δt a_ii; called with α = 0 only
    /// where the tableau has a zero diagonal, and must then return rhs).</summary>
    public T Step<T>(double t, double dt, T y, Func<double, T, T> explicitRate, Func<double, T, T> implicitRate,
        Func<double, T, double, T> solve, Func<T, IReadOnlyList<(double Coefficient, T Vector)>, T> combine)
    {
        int s = Stages;
        var fe = new T[s];
        var fi = new T[s];
        for (int i = 0; i < s; i++)
        {
            var terms = new List<(double, T)>();
            for (int j = 0; j < i; j++)
            {
                if (ExplicitA[i, j] != 0) terms.Add((dt * ExplicitA[i, j], fe[j]));
                if (ImplicitA[i, j] != 0) terms.Add((dt * ImplicitA[i, j], fi[j]));
            }
            var rhs = combine(y, terms);
            double tE = t + ExplicitC(i) * dt, tI = t + ImplicitC(i) * dt;
            var stage = ImplicitA[i, i] != 0 ? solve(tI, rhs, dt * ImplicitA[i, i]) : rhs;
            fe[i] = explicitRate(tE, stage);
            fi[i] = implicitRate(tI, stage);
        }
        var final = new List<(double, T)>();
        for (int i = 0; i < s; i++)
        {
            if (ExplicitB[i] != 0) final.Add((dt * ExplicitB[i], fe[i]));
            if (ImplicitB[i] != 0) final.Add((dt * ImplicitB[i], fi[i]));
        }
        return combine(y, final);
    }
}
