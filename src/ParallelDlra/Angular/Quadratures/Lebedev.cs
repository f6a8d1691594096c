namespace ParallelDlra.Angular.Quadratures;

/// <summary>The Lebedev sets (Lebedev 1975, 1976; Lebedev and Laikov, Doklady Mathematics 59(3), 1999, 477–481):
/// octahedrally invariant sets exact for the spherical harmonics of degree ≤ D with few points. <c>angular.order</c>
/// is the degree D: 3, 5, 7, 9, 11, 15, 17, 19, 21, 23, 29, 31 (6, 14, 26, 38, 50, 86, 110, 146, 170, 194, 302 and
/// 350 points on the sphere). Not offered: D = 13 (74 points), 25 (230) and 27 (266), whose rules have negative
/// weights.
/// <para>Tabulated: the orbit parameters a, b and weights v (16 digits, weights normalised to 1) of the C code of
/// D. N. Laikov, as transcribed in pyscf/pyscf, pyscf/dft/LebedevGrid.py (MakeAngularGrid_6 … MakeAngularGrid_350);
/// the orbits are expanded here (<see cref="OctahedralSets.Orbit"/>) and the weights scaled by 4π.</para>
/// <para>The orbit kinds of the tables: (1, 0, 0) 6 points; (a, a, 0), a = 1/√2, 12; (a, a, a), a = 1/√3, 8;
/// (a, a, b), b = √(1 − 2a²), 24; (a, b, 0), b = √(1 − a²), 24; (a, b, c), c = √(1 − a² − b²), 48.</para></summary>
public static class Lebedev
{
    private enum Kind { A00, Aa0, Aaa, Aab, Ab0, Abc }

    private readonly record struct Orbit(Kind Kind, double V, double A = 0, double B = 0);

    private static readonly Dictionary<int, Orbit[]> Rules = new()
    {
        [3] = [new(Kind.A00, 0.1666666666666667)],
        [5] = [new(Kind.A00, 0.6666666666666667e-1), new(Kind.Aaa, 0.7500000000000000e-1)],
        [7] = [new(Kind.A00, 0.4761904761904762e-1), new(Kind.Aa0, 0.3809523809523810e-1), new(Kind.Aaa, 0.3214285714285714e-1)],
        [9] = [new(Kind.A00, 0.9523809523809524e-2), new(Kind.Aaa, 0.3214285714285714e-1), new(Kind.Ab0, 0.2857142857142857e-1, 0.4597008433809831)],
        [11] =
        [
            new(Kind.A00, 0.1269841269841270e-1), new(Kind.Aa0, 0.2257495590828924e-1), new(Kind.Aaa, 0.2109375000000000e-1),
            new(Kind.Aab, 0.2017333553791887e-1, 0.3015113445777636),
        ],
        [15] =
        [
            new(Kind.A00, 0.1154401154401154e-1), new(Kind.Aaa, 0.1194390908585628e-1), new(Kind.Aab, 0.1111055571060340e-1, 0.3696028464541502),
            new(Kind.Aab, 0.1187650129453714e-1, 0.6943540066026664), new(Kind.Ab0, 0.1181230374690448e-1, 0.3742430390903412),
        ],
        [17] =
        [
            new(Kind.A00, 0.3828270494937162e-2), new(Kind.Aaa, 0.9793737512487512e-2), new(Kind.Aab, 0.8211737283191111e-2, 0.1851156353447362),
            new(Kind.Aab, 0.9942814891178103e-2, 0.6904210483822922), new(Kind.Aab, 0.9595471336070963e-2, 0.3956894730559419),
            new(Kind.Ab0, 0.9694996361663028e-2, 0.4783690288121502),
        ],
        [19] =
        [
            new(Kind.A00, 0.5996313688621381e-3), new(Kind.Aa0, 0.7372999718620756e-2), new(Kind.Aaa, 0.7210515360144488e-2),
            new(Kind.Aab, 0.7116355493117555e-2, 0.6764410400114264), new(Kind.Aab, 0.6753829486314477e-2, 0.4174961227965453),
            new(Kind.Aab, 0.7574394159054034e-2, 0.1574676672039082), new(Kind.Abc, 0.6991087353303262e-2, 0.1403553811713183, 0.4493328323269557),
        ],
        [21] =
        [
            new(Kind.A00, 0.5544842902037365e-2), new(Kind.Aa0, 0.6071332770670752e-2), new(Kind.Aaa, 0.6383674773515093e-2),
            new(Kind.Aab, 0.5183387587747790e-2, 0.2551252621114134), new(Kind.Aab, 0.6317929009813725e-2, 0.6743601460362766),
            new(Kind.Aab, 0.6201670006589077e-2, 0.4318910696719410), new(Kind.Ab0, 0.5477143385137348e-2, 0.2613931360335988),
            new(Kind.Abc, 0.5968383987681156e-2, 0.4990453161796037, 0.1446630744325115),
        ],
        [23] =
        [
            new(Kind.A00, 0.1782340447244611e-2), new(Kind.Aa0, 0.5716905949977102e-2), new(Kind.Aaa, 0.5573383178848738e-2),
            new(Kind.Aab, 0.5608704082587997e-2, 0.6712973442695226), new(Kind.Aab, 0.5158237711805383e-2, 0.2892465627575439),
            new(Kind.Aab, 0.5518771467273614e-2, 0.4446933178717437), new(Kind.Aab, 0.4106777028169394e-2, 0.1299335447650067),
            new(Kind.Ab0, 0.5051846064614808e-2, 0.3457702197611283), new(Kind.Abc, 0.5530248916233094e-2, 0.1590417105383530, 0.8360360154824589),
        ],
        [29] =
        [
            new(Kind.A00, 0.8545911725128148e-3), new(Kind.Aaa, 0.3599119285025571e-2), new(Kind.Aab, 0.3449788424305883e-2, 0.3515640345570105),
            new(Kind.Aab, 0.3604822601419882e-2, 0.6566329410219612), new(Kind.Aab, 0.3576729661743367e-2, 0.4729054132581005),
            new(Kind.Aab, 0.2352101413689164e-2, 0.9618308522614784e-1), new(Kind.Aab, 0.3108953122413675e-2, 0.2219645236294178),
            new(Kind.Aab, 0.3650045807677255e-2, 0.7011766416089545), new(Kind.Ab0, 0.2982344963171804e-2, 0.2644152887060663),
            new(Kind.Ab0, 0.3600820932216460e-2, 0.5718955891878961), new(Kind.Abc, 0.3571540554273387e-2, 0.2510034751770465, 0.8000727494073952),
            new(Kind.Abc, 0.3392312205006170e-2, 0.1233548532583327, 0.4127724083168531),
        ],
        [31] =
        [
            new(Kind.A00, 0.3006796749453936e-2), new(Kind.Aaa, 0.3050627745650771e-2), new(Kind.Aab, 0.1621104600288991e-2, 0.7068965463912316),
            new(Kind.Aab, 0.3005701484901752e-2, 0.4794682625712025), new(Kind.Aab, 0.2990992529653774e-2, 0.1927533154878019),
            new(Kind.Aab, 0.2982170644107595e-2, 0.6930357961327123), new(Kind.Aab, 0.2721564237310992e-2, 0.3608302115520091),
            new(Kind.Aab, 0.3033513795811141e-2, 0.6498486161496169), new(Kind.Ab0, 0.3007949555218533e-2, 0.1932945013230339),
            new(Kind.Ab0, 0.2881964603055307e-2, 0.3800494919899303), new(Kind.Abc, 0.2958357626535696e-2, 0.2899558825499574, 0.7934537856582316),
            new(Kind.Abc, 0.3036020026407088e-2, 0.9684121455103957e-1, 0.8280801506686862), new(Kind.Abc, 0.2832187403926303e-2, 0.1833434647041659, 0.9074658265305127),
        ],
    };

    /// <summary>The degrees offered (the values of <c>angular.order</c>).</summary>
    public static readonly int[] Orders = [.. Rules.Keys.Order()];

    /// <summary>All points of the rule of degree <paramref name="degree"/> on the sphere, weights summing to 4π.</summary>
    public static List<(double X, double Y, double Z, double W)> Sphere(int degree)
    {
        if (!Rules.TryGetValue(degree, out var orbits))
            throw new ArgumentOutOfRangeException(nameof(degree), degree, $"Lebedev degrees are {string.Join(", ", Orders)}");
        var points = new List<(double, double, double, double)>();
        foreach (var o in orbits)
        {
            double w = 4 * Math.PI * o.V;
            points.AddRange(o.Kind switch
            {
                Kind.A00 => OctahedralSets.Orbit(1, 0, 0, w),
                Kind.Aa0 => OctahedralSets.Orbit(Math.Sqrt(0.5), Math.Sqrt(0.5), 0, w),
                Kind.Aaa => OctahedralSets.Orbit(Math.Sqrt(1.0 / 3), Math.Sqrt(1.0 / 3), Math.Sqrt(1.0 / 3), w),
                Kind.Aab => OctahedralSets.Orbit(o.A, o.A, Math.Sqrt(1 - 2 * o.A * o.A), w),
                Kind.Ab0 => OctahedralSets.Orbit(o.A, Math.Sqrt(1 - o.A * o.A), 0, w),
                _ => OctahedralSets.Orbit(o.A, o.B, Math.Sqrt(1 - o.A * o.A - o.B * o.B), w),
            });
        }
        return points;
    }

    /// <summary>The Lebedev set of degree <paramref name="degree"/> in 2D (upper hemisphere, Ω_z ≥ 0) or 3D.</summary>
    public static OrdinateSet Create(int dimension, int degree) => OctahedralSets.Restrict(dimension, Sphere(degree), degree);

    /// <summary>n_q: the points on the sphere (3D) or those with Ω_z ≥ 0 (2D).</summary>
    public static int Count(int dimension, int degree)
    {
        var sphere = Sphere(degree);
        return dimension == 3 ? sphere.Count : sphere.Count(p => p.Z >= 0.0);
    }
}
