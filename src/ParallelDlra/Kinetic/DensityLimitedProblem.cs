using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Compute;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Kinetic;

/// <summary>
/// The density-limited second-order scheme (<c>solver.limiter: density_mc | density_minmod | density_vanalbada</c>), for full rank and every
/// low-rank integrator alike. Fromm's flux across the face j between cells j−1 and j is the first-order flux plus the
/// anti-diffusive correction C_j = A_d (s_{j−1} − s_j)/4 + D_d (s_{j−1} + s_j)/4 with s_c = σ_c = (u_{c+1} − u_{c−1})/2 the
/// centred slope of every moment (D_d = |A_d| Roe, ρ(A_d) I Rusanov). The limited scheme scales the slopes of every moment
/// in cell c by one factor from the density ρ = u d (d the mass direction):
///   s_c = θ_c σ_c,   θ_c = lim(a, b) / ((a + b)/2) ∈ [0, 1],   a = ρ_c − ρ_{c−1}, b = ρ_{c+1} − ρ_c,
/// lim the MC (minmod(2a, 2b, (a + b)/2)) or minmod slope; θ_c = 0 at an extremum of ρ, 1 where ρ is flat or smooth (MC:
/// a/b in [1/3, 3]). For a scalar equation (ρ = u) this is MUSCL with the MC or minmod slope exactly, TVD for cfl ≤ 1/2.
/// <c>density_vanalbada</c> takes a smooth factor instead (<see cref="VanAlbada"/>: θ depends on ρ and on the slope norm of
/// every moment with a bounded derivative, no clipping at smooth extrema), second order on smooth data and not amplifying
/// rounding differences between rank counts.
/// θ is a function of the state, frozen once per time-integration stage from the stage's start value (<see cref="BeginStage"/>:
/// ρ = X (S (Vᵀd)) for the low-rank state, n_cells × r work; full rank: from u, its one evaluation per stage) and used in
/// every substep of the stage (K, L, S and the variants of the parallel and second-order integrators). Given θ the
/// correction is
/// Σ_d (P^A_d u) A_dᵀ + (P^D_d u) D_dᵀ with the linear spatial operators P^A_d = −δ_d S^A_d diag(θ_d) C_d / Δx (C_d the
/// centred slope, S the face sums), linear in u, so the DLRA projections within a stage are those of one linear F: K-step
/// Σ (P K)(Vᵀ Bᵀ V), S-step Σ G S (Vᵀ Bᵀ V), L-step Σ B L Gᵀ, G = w X̂ᵀ P X̂ (one collective), and at r = n_moments every
/// integrator reproduces the full-rank stage. Without a <see cref="BeginStage"/> call (a right-hand side evaluated alone)
/// θ comes from the state of that right-hand side (K: ρ = K (Vᵀd), L: X̂ (Lᵀd), S: X̂ (S Vᵀd)). When θ was recomputed
/// at every substep the K-, L- and S-steps saw different F's and the augmented BUG at r = n_moments missed full rank by
/// 1e-4 after 12 steps of a 2D deck (1.1 % on the 100² line source): docs/design.md.
/// As in <see cref="LimitedTransportProblem"/>, slopes are zero in the first cell layer of a physical (non-periodic) face
/// and in its ghosts, so no correction crosses it: the boundary terms, outflow functionals and the balance are those of the
/// first-order problem wrapped. Between ranks and across periodic faces the slopes and ρ come from halos of depth 2 (the
/// halo exchange of the parallel layer); ρ is summed in a fixed order per cell, so θ is the same on every rank count.
/// Work on host copies (the corrections are stencils; the Grams are BLAS products).
/// </summary>
public sealed class DensityLimitedProblem : IKineticProblem, IVelocitySpaceSwap
{
    private readonly IKineticProblem _first;
    private readonly IComputeBackend _backend;
    private readonly IHaloExchange _haloExchange;
    private readonly ICommunicator _comm;
    private readonly bool[] _periodic;
    private readonly SlopeLimiter _limiter;
    private readonly bool _unit;
    private readonly IDenseLinearAlgebra _la = LinearAlgebraProvider.Default;
    /// <summary>Per axis A_d and D_d, and [A_dᵀ; D_dᵀ] stacked (2m × m) for the full-rank product.</summary>
    private Matrix<double>[] _a = [], _d = [];
    private double[] _stacked = [];
    private readonly FluxKind _flux;
    private readonly Dictionary<int, Halo> _halos = [];
    /// <summary>θ of the current stage (<see cref="BeginStage"/>); null before the first call.</summary>
    private double[][]? _stage;

    /// <summary>The first-order problem plus the limited corrections; <paramref name="unit"/> sets θ ≡ 1 (Fromm's scheme away
    /// from physical faces), for tests only.</summary>
    public DensityLimitedProblem(IKineticProblem firstOrder, FluxKind flux, SlopeLimiter limiter, IComputeBackend backend, IHaloExchange haloExchange,
        ICommunicator comm, bool[] periodic, bool unit = false, double share = DefaultShare)
    {
        if (!(share > 0) || !double.IsFinite(share)) throw new ArgumentOutOfRangeException(nameof(share), share, "the share c must be positive");
        _share = share;
        if (limiter is not (SlopeLimiter.DensityMc or SlopeLimiter.DensityMinmod or SlopeLimiter.DensityVanAlbada)) throw new ArgumentException("not a density limiter", nameof(limiter));
        _first = firstOrder;
        _backend = backend;
        _haloExchange = haloExchange;
        _comm = comm;
        _periodic = periodic;
        _limiter = limiter;
        _unit = unit;
        _flux = flux;
        SetAngular();
    }

    /// <summary>A_d, D_d and their stacked transposes from the current velocity space.</summary>
    private void SetAngular()
    {
        var basis = _first.Basis;
        int m = basis.Count, dim = _first.Block.Dimension;
        _a = new Matrix<double>[dim];
        _d = new Matrix<double>[dim];
        var stacked = Matrix<double>.Build.Dense(2 * dim * m, m);
        for (int d = 0; d < dim; d++)
        {
            _a[d] = Matrix<double>.Build.DenseOfMatrix(basis.Flux(d));
            _d[d] = _flux == FluxKind.Roe ? Matrix<double>.Build.DenseOfMatrix(basis.AbsFlux(d)) : Matrix<double>.Build.DenseIdentity(m) * basis.SpectralRadius(d);
            stacked.SetSubMatrix(2 * d * m, 0, _a[d].Transpose());
            stacked.SetSubMatrix((2 * d + 1) * m, 0, _d[d].Transpose());
        }
        _stacked = stacked.ToColumnMajorArray();
    }

    public bool CanSwapVelocitySpace => _first is IVelocitySpaceSwap { CanSwapVelocitySpace: true };

    /// <summary>The first-order problem's swap, then A_d and D_d of the new space (<see cref="IVelocitySpaceSwap"/>).</summary>
    public void SwapVelocitySpace(IVelocitySpace basis)
    {
        if (_first is not IVelocitySpaceSwap swap) throw new NotSupportedException($"{_first.GetType().Name} cannot swap its velocity space");
        swap.SwapVelocitySpace(basis);
        SetAngular();
    }

    public GridBlock Block => _first.Block;
    public IVelocitySpace Basis => _first.Basis;
    public double Weight => _first.Weight;

    private sealed record Spatial_(ISpatialCoefficients First, Block[] Parts) : ISpatialCoefficients;

    /// <summary>The first-order coefficients, V, Vᵀd and per term k (axis d: 2d for A_d, 2d + 1 for D_d) M_k = Vᵀ B_kᵀ V.</summary>
    private sealed record Angular_(IAngularCoefficients First, Matrix<double> V, double[] MassOfV, Matrix<double>[] M) : IAngularCoefficients;

    private int Terms => 2 * Block.Dimension;

    private Matrix<double> B(int k) => k % 2 == 0 ? _a[k / 2] : _d[k / 2];

    public IAngularCoefficients Angular(Matrix<double> v)
    {
        var dv = VelocitySpaces.RowCombination(v, Basis.Mass.Direction);   // Vᵀ d
        return new Angular_(_first.Angular(v), v, [.. dv], [.. Enumerable.Range(0, Terms).Select(k => v.TransposeThisAndMultiply(B(k).TransposeThisAndMultiply(v)))]);
    }

    public ISpatialCoefficients Spatial(IReadOnlyList<Block> parts, ISpatialCoefficients? known, IReadOnlyList<double> times) =>
        new Spatial_(_first.Spatial(parts, (known as Spatial_)?.First, times), [.. parts]);

    public void KRightHandSide(double t, Block x, Matrix<double>? c, IAngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra)
    {
        var an = (Angular_)a;
        _first.KRightHandSide(t, x, c, an.First, alpha, beta, result, extra);
        int n = Block.Count, r = an.M[0].RowCount;
        // K = x C on the host; ρ = K (Vᵀd).
        var kh = new double[n * r];
        if (c is null) _backend.Download(x, kh);
        else
        {
            using var k = _backend.Allocate(n, r);
            _backend.MultiplySmall(x, c, 1.0, 0.0, k);
            _backend.Download(k, kh);
        }
        var theta = _stage ?? Factors(Density([kh], [an.MassOfV]), Smooth ? SlopeSquares(kh, r, an.V.Transpose()) : null);
        var p = Corrections(kh, r, theta);
        // result += α Σ_k (P_k K) M_k
        var sum = new double[n * r];
        for (int k = 0; k < Terms; k++)
            _la.Gemm(Transpose.No, Transpose.No, n, r, r, alpha, p[k], n, an.M[k].ToColumnMajorArray(), r, 1.0, sum, n);
        AddToDevice(sum, n, r, result);
    }

    public Matrix<double> LRightHandSide(double t, Matrix<double> l, ISpatialCoefficients s)
    {
        var sp = (Spatial_)s;
        var result = _first.LRightHandSide(t, l, sp.First);
        // u = X̂ Lᵀ: ρ = X̂ (Lᵀ d)
        var z = VelocitySpaces.RowCombination(l, Basis.Mass.Direction);
        var g = Grams(sp.Parts, z.ToArray(), l.Transpose());
        // dL/dt += Σ_k B_k L G_kᵀ
        for (int k = 0; k < Terms; k++) result += B(k) * l * g[k].Transpose();
        return result;
    }

    public Matrix<double> SRightHandSide(double t, Matrix<double> s, ISpatialCoefficients g, IAngularCoefficients a)
    {
        var (sp, an) = ((Spatial_)g, (Angular_)a);
        var result = _first.SRightHandSide(t, s, sp.First, an.First);
        // u = X̂ S Vᵀ: ρ = X̂ (S Vᵀ d)
        var z = s * Vector<double>.Build.Dense(an.MassOfV);
        var grams = Grams(sp.Parts, z.ToArray(), s * an.V.Transpose());
        // dS/dt += Σ_k G_k S M_k
        for (int k = 0; k < Terms; k++) result += grams[k] * s * an.M[k];
        return result;
    }

    public void RightHandSide(double t, Block u, Block result)
    {
        _first.RightHandSide(t, u, result);
        int n = Block.Count, m = Basis.Count;
        var uh = new double[n * m];
        _backend.Download(u, uh);
        var rho = Density([uh], [Basis.Mass.Direction]);
        var theta = Factors(rho, Smooth ? SlopeSquares(uh, m, null) : null);
        var p = Corrections(uh, m, theta);
        // Σ_k (P_k u) B_kᵀ as one product [P_0 u, P_1 u, …] (n × 2·dim·m) times the stacked B_kᵀ.
        var side = new double[n * m * Terms];
        for (int k = 0; k < Terms; k++) p[k].CopyTo(side, k * n * m);
        var sum = new double[n * m];
        _la.Gemm(Transpose.No, Transpose.No, n, m, Terms * m, 1.0, side, n, _stacked, Terms * m, 0.0, sum, n);
        AddToDevice(sum, n, m, result);
    }

    public void BeginStage(Block x, Matrix<double> s, Matrix<double> v)
    {
        _first.BeginStage(x, s, v);
        // ρ = X (S (Vᵀd)): n_cells × r work.
        var z = s * VelocitySpaces.RowCombination(v, Basis.Mass.Direction);
        var xh = new double[Block.Count * x.Columns];
        _backend.Download(x, xh);
        _stage = Factors(Density([xh], [z.ToArray()]), Smooth ? SlopeSquares(xh, x.Columns, s * v.Transpose()) : null);
    }

    private void AddToDevice(double[] host, int rows, int columns, Block result)
    {
        using var work = _backend.Allocate(rows, columns);
        _backend.Upload(host, work);
        _backend.Axpby(1.0, work, 1.0, result);
    }

    /// <summary>G_k = w X̂ᵀ (P_k X̂) for every term k, with θ from ρ = X̂ z (the state X̂ Z, z = Z d); one collective.</summary>
    private Matrix<double>[] Grams(Block[] parts, double[] z, Matrix<double> coefficients)
    {
        int n = Block.Count, total = parts.Sum(p => p.Columns);
        var hosts = new double[parts.Length][];
        var zs = new double[parts.Length][];
        int start = 0;
        for (int q = 0; q < parts.Length; q++)
        {
            hosts[q] = new double[n * parts[q].Columns];
            _backend.Download(parts[q], hosts[q]);
            zs[q] = z[start..(start + parts[q].Columns)];
            start += parts[q].Columns;
        }
        var theta = _stage ?? Factors(Density(hosts, zs), Smooth ? SlopeSquares(Concatenate(hosts), total, coefficients) : null);
        // [P_k X̂] for all k side by side: n × (terms · total)
        var side = new double[n * total * Terms];
        start = 0;
        for (int q = 0; q < parts.Length; q++)
        {
            int c = parts[q].Columns;
            var p = Corrections(hosts[q], c, theta);
            for (int k = 0; k < Terms; k++) p[k].CopyTo(side, (k * total + start) * n);
            start += c;
        }
        using var block = _backend.Allocate(n, total * Terms);
        _backend.Upload(side, block);
        var all = QuadratureParts.WeightedGrams(_backend, _comm, parts, block, Weight);   // total × (terms · total)
        return [.. Enumerable.Range(0, Terms).Select(k => all.SubMatrix(0, total, k * total, total))];
    }

    /// <summary>ρ_i = Σ_q Σ_j y_q[i, j] z_q[j], summed in a fixed order per cell (the same on every rank count).</summary>
    private double[] Density(double[][] y, IReadOnlyList<double>[] z)
    {
        int n = Block.Count;
        var rho = new double[n];
        for (int q = 0; q < y.Length; q++)
            for (int j = 0; j < z[q].Count; j++)
            {
                double zj = z[q][j];
                var column = y[q].AsSpan(j * n, n);
                for (int i = 0; i < n; i++) rho[i] += column[i] * zj;
            }
        return rho;
    }

    /// <summary>One line of cells along an axis with its two ghost layers on each side: line[c + 2] for the cells c = −2..n + 1
    /// (cell c of the line at column[first + c · inner]; the ghosts at <paramref name="position"/> of each layer).</summary>
    private static void GatherLine(Span<double> line, ReadOnlySpan<double> column, int n, int inner, int first, int position,
        ReadOnlySpan<double> lo1, ReadOnlySpan<double> lo2, ReadOnlySpan<double> hi1, ReadOnlySpan<double> hi2)
    {
        for (int c = 0; c < n; c++) line[c + 2] = column[first + c * inner];
        line[1] = lo1[position];
        line[0] = lo2[position];
        line[n + 2] = hi1[position];
        line[n + 3] = hi2[position];
    }

    private Halo HaloOf(int columns)
    {
        if (!_halos.TryGetValue(columns, out var halo)) _halos[columns] = halo = new Halo(Block, columns, 2);
        return halo;
    }

    /// <summary>The ghosts (depth 2) of a host block of <paramref name="columns"/> columns.</summary>
    private Halo Ghosts(double[] host, int columns)
    {
        var halo = HaloOf(columns);
        using var work = _backend.Allocate(Block.Count, columns);
        _backend.Upload(host, work);
        _haloExchange.Exchange(_backend, work, halo);
        return halo;
    }

    private bool Smooth => _limiter == SlopeLimiter.DensityVanAlbada && !_unit;

    /// <summary>The share c of the slope norm in ε² of the van Albada factor (<see cref="VanAlbada"/>; <c>solver.limiter_share</c>,
    /// default <see cref="DefaultShare"/>).</summary>
    /// <remarks>On the 100² line source (filtered P_9, t = 1; 2026-12-02): c = 0.25 gives 5.52 % error, min φ −0.91 % of
    /// max φ and its augmented BUG (θ = 1) 0.535 % from full rank; c = 0.1 gives 3.91 %, −0.34 % but 1.58 % from full rank,
    /// c = 0.05 3.70 %, −0.30 %, 1.89 %: a smaller share limits harder and makes θ more sensitive to the state (the 1e-12
    /// scaling of <c>DensityLimiterRoundingTests</c> grows to 2.6e-10 with c = 0.1, stays at 3.8e-16 with 0.25).</remarks>
    private readonly double _share;

    /// <summary>The default share c (<c>solver.limiter_share</c>).</summary>
    public const double DefaultShare = 0.25;

    private static double[] Concatenate(double[][] hosts)
    {
        var all = new double[hosts.Sum(h => h.Length)];
        int start = 0;
        foreach (var h in hosts)
        {
            h.CopyTo(all, start);
            start += h.Length;
        }
        return all;
    }

    /// <summary>‖σ_c‖² per axis on the cells −1..n_d of each line (the layout of <see cref="Factors"/>): σ_c = (u_{c+1} − u_{c−1})/2
    /// the centred slope of the state u = Y Z (Y the host block of <paramref name="columns"/> columns, Z its coefficients,
    /// null for the identity), in the Euclidean norm of u's coefficients: ‖σ Z‖² = ‖σ T‖² with Z Zᵀ = T Tᵀ (T = U Λ^½ from
    /// the symmetric eigendecomposition of the small Gram, the same on every rank), so the work is n_cells × columns² and u is
    /// never formed. Summed per cell over the columns in a fixed order: the same on every rank count.</summary>
    private double[][] SlopeSquares(double[] y, int columns, Matrix<double>? coefficients)
    {
        var block = Block;
        int cells = block.Count;
        var values = y;
        if (coefficients is not null)
        {
            var evd = (coefficients * coefficients.Transpose()).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var t = evd.EigenVectors.Clone();
            for (int j = 0; j < columns; j++) t.SetColumn(j, t.Column(j) * Math.Sqrt(Math.Max(0.0, evd.EigenValues[j].Real)));
            values = new double[cells * columns];
            _la.Gemm(Transpose.No, Transpose.No, cells, columns, columns, 1.0, y, cells, t.ToColumnMajorArray(), columns, 0.0, values, cells);
        }
        var ghosts = Ghosts(values, columns);
        var result = new double[block.Dimension][];
        for (int d = 0; d < block.Dimension; d++)
        {
            int n = block.Size[d], inner = block.Stride[d], outer = cells / (n * inner);
            var line = new double[n + 4];
            var e = result[d] = new double[outer * inner * (n + 2)];
            for (int k = 0; k < columns; k++)
            {
                var lo1 = ghosts.Layer(2 * d, 1, k);
                var lo2 = ghosts.Layer(2 * d, 2, k);
                var hi1 = ghosts.Layer(2 * d + 1, 1, k);
                var hi2 = ghosts.Layer(2 * d + 1, 2, k);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        int position = o * inner + i;
                        GatherLine(line, values.AsSpan(k * cells, cells), n, inner, o * n * inner + i, position, lo1, lo2, hi1, hi2);
                        for (int c = -1; c <= n; c++)
                        {
                            double sigma = 0.5 * (line[c + 3] - line[c + 1]);
                            e[position * (n + 2) + c + 1] += sigma * sigma;
                        }
                    }
            }
        }
        return result;
    }

    /// <summary>θ per axis on the cells −1..n_d of each line of cells: theta[d][line · (n_d + 2) + c + 1]; for the van Albada
    /// factor <paramref name="slopeSquares"/> holds ‖σ_c‖² in the same layout (<see cref="SlopeSquares"/>).</summary>
    private double[][] Factors(double[] rho, double[][]? slopeSquares)
    {
        var block = Block;
        double rhoMax = 0.0, massNorm2 = 0.0;
        if (slopeSquares is not null)
        {
            Span<double> max = [rho.Length == 0 ? 0.0 : rho.Max(Math.Abs)];
            _comm.AllreduceMax(max);
            rhoMax = max[0];
            foreach (double v in Basis.Mass.Direction) massNorm2 += v * v;
        }
        var ghosts = Ghosts(rho, 1);
        var theta = new double[block.Dimension][];
        for (int d = 0; d < block.Dimension; d++)
        {
            int n = block.Size[d], inner = block.Stride[d], outer = block.Count / (n * inner);
            var lo1 = ghosts.Layer(2 * d, 1, 0);
            var lo2 = ghosts.Layer(2 * d, 2, 0);
            var hi1 = ghosts.Layer(2 * d + 1, 1, 0);
            var hi2 = ghosts.Layer(2 * d + 1, 2, 0);
            bool loPhysical = block.OnPhysicalBoundary[2 * d] && !_periodic[d];
            bool hiPhysical = block.OnPhysicalBoundary[2 * d + 1] && !_periodic[d];
            var values = new double[n + 4];
            var e = theta[d] = new double[outer * inner * (n + 2)];
            double h = block.Grid.Spacing[d], floor = h * h * h * rhoMax * rhoMax, share = _share * _share * massNorm2;
            var squares = slopeSquares?[d];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int position = o * inner + i;
                    GatherLine(values, rho, n, inner, o * n * inner + i, position, lo1, lo2, hi1, hi2);
                    for (int c = -1; c <= n; c++)
                    {
                        // Slopes next to a physical face are zero (Corrections): their factor does not matter.
                        bool zero = (loPhysical && c <= 0) || (hiPhysical && c >= n - 1);
                        int index = position * (n + 2) + c + 1;
                        double a = values[c + 2] - values[c + 1], b = values[c + 3] - values[c + 2];
                        e[index] = zero || _unit ? 1.0 : squares is null ? Ratio(a, b) : VanAlbada(a, b, floor + share * squares[index]);
                    }
                }
        }
        return theta;
    }

    /// <summary>The smooth factor of <c>density_vanalbada</c>: van Albada's slope (a b + ε²)(a + b)/(a² + b² + 2ε²) divided by
    /// the centred slope (a + b)/2, θ = max(0, 2(a b + ε²)/(a² + b² + 2ε²)) ∈ [0, 1], with ε² = Δx³ ρ_max² + c² ‖d‖² ‖σ_c‖²
    /// (c = <c>solver.limiter_share</c>, σ_c the centred slope of every moment in the cell, ‖d‖ ‖σ_c‖ ≥ |(a + b)/2|): θ depends
    /// smoothly on ρ (its derivative is bounded by about 1/ε) and θ σ_c by about 1/c, so a rounding change of the state changes
    /// the limited slopes by a bounded multiple (the ratio factor <see cref="Ratio"/> has a derivative ~ 1/|b| near the
    /// extrema of ρ, where the slopes of the other moments need not be small). At a smooth extremum of ρ, a − b = O(Δx²)
    /// and ε² ≥ Δx³ ρ_max², so 1 − θ = (a − b)²/(a² + b² + 2ε²) = O(Δx) and the slope error (1 − θ) σ_c = O(Δx^2.5): no
    /// clipping to first order there (the TVB idea of Shu 1987 with Δx³ in place of M Δx²). At a jump (a = 0, |b| = J)
    /// θ = 2ε²/(J² + 2ε²), small unless the other moments' slopes dwarf the density's.</summary>
    private static double VanAlbada(double a, double b, double epsilon2)
    {
        double denominator = a * a + b * b + 2.0 * epsilon2;
        if (denominator == 0.0) return 1.0;
        return Math.Clamp(2.0 * (a * b + epsilon2) / denominator, 0.0, 1.0);
    }

    /// <summary>θ = lim(a, b) / ((a + b)/2) ∈ [0, 1]: 1 on a flat ρ, 0 at an extremum.</summary>
    private double Ratio(double a, double b)
    {
        if (a == 0.0 && b == 0.0) return 1.0;
        double limited = Math.Abs(LimitedTransportProblem.Limit(_limiter == SlopeLimiter.DensityMinmod, a, b));
        return Math.Min(1.0, limited / (0.5 * (Math.Abs(a) + Math.Abs(b))));
    }

    /// <summary>P_k y for the terms k (2d: A_d, 2d + 1: D_d) on a host block y of <paramref name="columns"/> columns: per line
    /// and column, the limited slopes s = θσ on cells −1..n (zero next to a physical face), the face corrections
    /// (s_{j−1} ∓ s_j)/4 and their negative divided difference.</summary>
    private double[][] Corrections(double[] y, int columns, double[][] theta)
    {
        var block = Block;
        int cells = block.Count;
        var ghosts = Ghosts(y, columns);
        var result = new double[Terms][];
        for (int d = 0; d < block.Dimension; d++)
        {
            var pa = result[2 * d] = new double[cells * columns];
            var pd = result[2 * d + 1] = new double[cells * columns];
            int n = block.Size[d], inner = block.Stride[d], outer = cells / (n * inner);
            double h = block.Grid.Spacing[d];
            bool loPhysical = block.OnPhysicalBoundary[2 * d] && !_periodic[d];
            bool hiPhysical = block.OnPhysicalBoundary[2 * d + 1] && !_periodic[d];
            var values = new double[n + 4];
            var slope = new double[n + 2];
            var fa = new double[n + 1];
            var fd = new double[n + 1];
            var e = theta[d];
            for (int k = 0; k < columns; k++)
            {
                var lo1 = ghosts.Layer(2 * d, 1, k);
                var lo2 = ghosts.Layer(2 * d, 2, k);
                var hi1 = ghosts.Layer(2 * d + 1, 1, k);
                var hi2 = ghosts.Layer(2 * d + 1, 2, k);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        int position = o * inner + i;
                        GatherLine(values, y.AsSpan(k * cells, cells), n, inner, o * n * inner + i, position, lo1, lo2, hi1, hi2);
                        for (int c = -1; c <= n; c++)
                        {
                            bool zero = (loPhysical && c <= 0) || (hiPhysical && c >= n - 1);
                            slope[c + 1] = zero ? 0.0 : 0.5 * e[position * (n + 2) + c + 1] * (values[c + 3] - values[c + 1]);
                        }
                        for (int j = 0; j <= n; j++)
                        {
                            fa[j] = 0.25 * (slope[j] - slope[j + 1]);
                            fd[j] = 0.25 * (slope[j] + slope[j + 1]);
                        }
                        for (int c = 0; c < n; c++)
                        {
                            int index = k * cells + (o * n + c) * inner + i;
                            pa[index] = -(fa[c + 1] - fa[c]) / h;
                            pd[index] = -(fd[c + 1] - fd[c]) / h;
                        }
                    }
            }
        }
        return result;
    }

    public double TimeStep(double cfl) => _first.TimeStep(cfl);
    public double CheckerboardRate() => _first.CheckerboardRate();
    public double LocalSigmaTMax => _first.LocalSigmaTMax;
    public IReadOnlyList<FaceOutflow> Outflows => _first.Outflows;
    public IReadOnlyList<SourceTerm> VolumeSources => _first.VolumeSources;
    public double[]? Absorption => _first.Absorption;
    public double SourceSum(SourceTerm source, double t) => _first.SourceSum(source, t);
    public double MassWeight => _first.MassWeight;
    public double EmissionWeight(SourceTerm source) => _first.EmissionWeight(source);
    public IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => _first.ExtraAbsorption;
}
