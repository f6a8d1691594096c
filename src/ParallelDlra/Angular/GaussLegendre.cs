namespace ParallelDlra.Angular;

/// <summary>Gauss–Legendre quadrature on [−1, 1].</summary>
/// <remarks>Nodes are found by Newton's method on the three-term recursion
/// (k+1) P_{k+1} = (2k+1) x P_k − k P_{k−1}, started from Tricomi's asymptotic guess
/// x_i ≈ (1 − (n−1)/(8n³)) cos(π(i − ¼)/(n + ½)); weights are w_i = 2/((1 − x_i²) P_n′(x_i)²).
/// Only the positive half is computed; the rule is mirrored so that it is exactly symmetric.
/// Accurate to rounding well beyond n = 200.</remarks>
public static class GaussLegendre
{
    /// <summary>The n-point rule: nodes in increasing order and positive weights summing to 2.</summary>
    /// <param name="n">Number of nodes, n ≥ 1; exact for polynomials of degree ≤ 2n − 1.</param>
    public static (double[] nodes, double[] weights) Rule(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 1; i <= n / 2 + n % 2; i++)
        {
            // i-th largest root.
            double x = (1.0 - (n - 1.0) / (8.0 * n * n * n)) * Math.Cos(Math.PI * (i - 0.25) / (n + 0.5));
            double dp = 0;
            if (n % 2 == 1 && i == n / 2 + 1)
            {
                x = 0; // the middle node of an odd rule is exactly 0
                (_, dp) = Legendre(n, x);
            }
            else
            {
                // Newton; quadratic convergence from the asymptotic guess. One extra step after the
                // update falls below rounding makes the result insensitive to the stopping test.
                bool converged = false;
                for (int iter = 0; iter < 100; iter++)
                {
                    (double p, dp) = Legendre(n, x);
                    double dx = p / dp;
                    x -= dx;
                    if (converged) break;
                    converged = Math.Abs(dx) <= 1e-15;
                }
                (_, dp) = Legendre(n, x);
            }
            double w = 2.0 / ((1.0 - x * x) * dp * dp);
            nodes[n - i] = x;
            nodes[i - 1] = -x;
            weights[n - i] = w;
            weights[i - 1] = w;
        }
        return (nodes, weights);
    }

    /// <summary>P_n(x) and P_n′(x) by the three-term recursion (|x| &lt; 1).</summary>
    private static (double p, double dp) Legendre(int n, double x)
    {
        double p0 = 1, p1 = x;
        if (n == 0) return (1, 0);
        for (int k = 1; k < n; k++)
        {
            double p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
            p0 = p1;
            p1 = p2;
        }
        return (p1, n * (x * p1 - p0) / (x * x - 1));
    }
}
