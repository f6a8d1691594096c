namespace ParallelDlra.Angular.Quadratures;

/// <summary>The level-symmetric sets LQ_N (Carlson; Lewis and Miller, Computational Methods of Neutron Transport,
/// 1984, §4-2), N = 2, 4, …, 16: the same N/2 positive direction cosines μ_1 &lt; … &lt; μ_{N/2} on every axis, from
/// the recurrence μ_i² = μ_1² + (i − 1)Δ, Δ = 2(1 − 3μ_1²)/(N − 2), so that (μ_i, μ_j, μ_k) is a unit vector iff
/// i + j + k = N/2 + 1 (1-based): N(N + 2)/8 ordinates per octant, N(N + 2) on the sphere (3D), N(N + 2)/2 on the
/// upper hemisphere (2D). Point weights are equal on ordinates related by a permutation of the cosines.
/// <para>Tabulated: μ_1 and the point weights (normalised to 1 per octant), taken from robertsj/libdetran,
/// src/angle/LevelSymmetric.cc (24 digits; there the LQ_N tables of Lewis and Miller recomputed). The higher cosines are
/// computed here by the recurrence (the test checks them against libdetran's cosines). N ≥ 18 is not offered: the
/// moment-fitted weights turn negative at N = 20 (Lewis and Miller), and at 18 one weight is 1e-4 of the others.</para>
/// <para>Degree (the largest D with every harmonic of degree ≤ D integrated exactly): N + 1 for N = 2…10 and 14;
/// 11 for N = 12 and 15 for N = 16, where degree N has two Oh-invariant harmonics and the weights fit only the
/// moments of one cosine (<see cref="OctahedralSets"/>). Tested both ways in
/// <c>tests/.../Angular/OctahedralQuadratureTests.cs</c>.</para></summary>
public static class LevelSymmetric
{
    /// <summary>The orders offered: N = 2, 4, …, 16.</summary>
    public static readonly int[] Orders = [2, 4, 6, 8, 10, 12, 14, 16];

    // μ_1 of LQ_N, N = 2, 4, …, 16 (libdetran att[0]).
    private static readonly double[] FirstCosine =
    [
        0.577350269189625764509149, 0.350021174581540677777041, 0.266635401516704720331535, 0.218217890235992381266097,
        0.189321326478010476671494, 0.167212652822713264084504, 0.151985861461031912404799, 0.138956875067780344591732,
    ];

    // The distinct point weights of one octant (sum over the octant's points = 1) and, for the points (μ_i, μ_j, μ_k) in
    // the order i = 1…N/2, j = 1…N/2 + 1 − i, the index of each point's weight (libdetran wtt and wpN).
    private static readonly double[][] ClassWeights =
    [
        [1.0],
        [0.333333333333333333333333],
        [0.176126130863383433783565, 0.157207202469949899549768],
        [0.120987654320987654320988, 0.0907407407407407407407407, 0.0925925925925925925925926],
        [0.0893031479843567214704325, 0.0725291517123655242296233, 0.0450437674364086390490892, 0.0539281144878369243545650],
        [0.0707625899700910439766549, 0.0558811015648888075828962, 0.0373376737588285824652402, 0.0502819010600571181385765, 0.0258512916557503911218290],
        [0.0579970408969969964063611, 0.0489007976368104874582568, 0.0227935342411872473257345, 0.0394132005950078294492985,
         0.0380990861440121712365891, 0.0258394076418900119611012, 0.00826957997262252825269908],
        [0.0489872391580385335008367, 0.0413295978698440232405505, 0.0203032007393652080748070, 0.0265500757813498446015484,
         0.0379074407956004002099321, 0.0135295047786756344371600, 0.0326369372026850701318409, 0.0103769578385399087825920],
    ];

    private static readonly int[][] PointClass =
    [
        [0],
        [0, 0, 0],
        [0, 1, 0, 1, 1, 0],
        [0, 1, 1, 0, 1, 2, 1, 1, 1, 0],
        [0, 1, 2, 1, 0, 1, 3, 3, 1, 2, 3, 2, 1, 1, 0],
        [0, 1, 2, 2, 1, 0, 1, 3, 4, 3, 1, 2, 4, 4, 2, 2, 3, 2, 1, 1, 0],
        [0, 1, 2, 3, 2, 1, 0, 1, 4, 5, 5, 4, 1, 2, 5, 6, 5, 2, 3, 5, 5, 3, 2, 4, 2, 1, 1, 0],
        [0, 1, 2, 3, 3, 2, 1, 0, 1, 4, 5, 6, 5, 4, 1, 2, 5, 7, 7, 5, 2, 3, 6, 7, 6, 3, 3, 5, 5, 3, 2, 4, 2, 1, 1, 0],
    ];

    private static readonly int[] Degrees = [3, 5, 7, 9, 11, 11, 15, 15];

    /// <summary>The N/2 direction cosines of LQ_N from μ_1 and the recurrence.</summary>
    public static double[] Cosines(int order)
    {
        int at = Index(order), n = order / 2;
        double mu1 = FirstCosine[at];
        if (n == 1) return [mu1];
        double delta = 2 * (1 - 3 * mu1 * mu1) / (order - 2);
        return [.. Enumerable.Range(0, n).Select(i => Math.Sqrt(mu1 * mu1 + i * delta))];
    }

    /// <summary>The degree of LQ_N.</summary>
    public static int Degree(int order) => Degrees[Index(order)];

    /// <summary>All N(N + 2) points of LQ_N on the sphere with weights summing to 4π.</summary>
    public static List<(double X, double Y, double Z, double W)> Sphere(int order)
    {
        int at = Index(order), n = order / 2;
        var mu = Cosines(order);
        var points = new List<(double, double, double, double)>(order * (order + 2));
        for (int s = 0; s < 8; s++)
        {
            int m = 0;
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n - i; j++, m++)
            {
                int k = n - 1 - i - j;
                double w = ClassWeights[at][PointClass[at][m]] * (Math.PI / 2);   // 4π/8 per octant
                points.Add(((s & 1) != 0 ? -mu[i] : mu[i], (s & 2) != 0 ? -mu[j] : mu[j], (s & 4) != 0 ? -mu[k] : mu[k], w));
            }
        }
        return points;
    }

    /// <summary>LQ_N in 2D (upper hemisphere) or 3D.</summary>
    public static OrdinateSet Create(int dimension, int order) => OctahedralSets.Restrict(dimension, Sphere(order), Degree(order));

    /// <summary>n_q of LQ_N: N(N + 2)/2 in 2D, N(N + 2) in 3D.</summary>
    public static int Count(int dimension, int order) => dimension == 2 ? order * (order + 2) / 2 : order * (order + 2);

    private static int Index(int order)
    {
        int at = Array.IndexOf(Orders, order);
        return at >= 0 ? at : throw new ArgumentOutOfRangeException(nameof(order), order, "level-symmetric orders are 2, 4, …, 16");
    }
}
