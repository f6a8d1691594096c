using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;

namespace ParallelDlra.Uncertainty;

/// <summary>
/// The stochastic-Galerkin problem of a deck's <c>uncertainty</c> section for linear kinetics. An input affine in
/// the parameters, σ(x, ξ) = σ̄(x) + Σ_k s_k(x) ξ_k, is split into its mean σ̄ + Σ_k s_k E[ξ_k] (a deterministic
/// material: the usual terms with B ⊗ I) and the fluctuations s_k (ξ_k − E ξ_k), whose Galerkin projection
/// E[(ξ_k − E ξ_k) p_j p_l] = T_k (<see cref="ChaosBasis.Fluctuation"/>) gives the Kronecker terms
///   scattering   diag(s_s,k) ⊗ (P ⊗ T_k),   removal   −diag(s_s,k + s_a,k) ⊗ (I ⊗ T_k),
/// and a source fluctuation the source s_q,k(x) ⊗ (ι ⊗ c_k), c_k = E[(ξ_k − Eξ_k) p_j]. A polynomial input
/// σ̄(x) + Σ_k Σ_m c_{k,m}(x) ξ_k^m gives the same terms once per power, with T_{k,m} = E[(ξ_k^m − E ξ_k^m) p_j p_l] by
/// Gauss quadrature in ξ (<see cref="ChaosBasis.PowerFluctuation"/>) and the mean E[σ] from the moments E[ξ_k^m]. Such
/// a dependence keeps the operator a short Kronecker sum, so every integrator and the conservative truncation work
/// unchanged (DESIGN §8; Kusch, McClarren and Frank, J. Comput. Phys. 2020).
/// </summary>
public sealed class StochasticGalerkinTerms
{
    private readonly UncertaintyOptions _u;

    public StochasticGalerkinTerms(UncertaintyOptions u, IVelocitySpace angle)
    {
        _u = u;
        Chaos = new ChaosBasis([.. u.Parameters.Select(Parameter)], u.Degree,
            u.IndexSet == ChaosIndexSet.Tensor ? IndexSetKind.Tensor : IndexSetKind.TotalDegree);
        Space = new StochasticGalerkinSpace(angle, Chaos);
    }

    public ChaosBasis Chaos { get; }
    public StochasticGalerkinSpace Space { get; }

    /// <summary>The chaos parameter of a deck parameter.</summary>
    public static RandomParameter Parameter(ParameterOptions p) => p.Distribution == ParameterDistribution.Uniform
        ? RandomParameter.Uniform(p.A, p.B)
        : RandomParameter.Normal(p.A, p.B);

    /// <summary>The material map of the means: each region's σ_s, σ_a and Q at E[ξ].</summary>
    public MaterialMap MeanMaterials(MaterialMap map) => UncertainMaterials.Map(_u, map, null);

    /// <summary>The largest σ_t = σ_s + σ_a over the material classes and the parameters' ranges (unbounded parameters
    /// cannot drive σ, the deck reader refuses it): the collision part of the explicit stability limit. The SG removal
    /// operator, the Galerkin matrix E[σ_t(ξ) p_j p_l], has its eigenvalues (Rayleigh quotients E[σ_t v²]/E[v²]) inside
    /// the range of σ_t over the support.</summary>
    public double LargestSigmaT(MaterialMap map)
    {
        double largest = 0.0;
        var classes = new[] { ("background", map.Background) }.Concat(map.Regions.Select(r => (r.Name, r.Material)));
        foreach (var (name, material) in classes)
        {
            var total = _u.Of(UncertainTarget.SigmaS, name, material) + _u.Of(UncertainTarget.SigmaA, name, material);
            largest = Math.Max(largest, total.Range(_u.Parameters).Max);
        }
        return largest;
    }

    /// <summary>Adds the fluctuation terms of every parameter to <paramref name="op"/> (built on <see cref="Space"/> with
    /// <see cref="MeanMaterials"/>). Which terms exist is decided on the material classes, not on the local cells, so
    /// every rank adds the same list.</summary>
    public void AddTo(KineticOperator op, MaterialMap map)
    {
        if (op.Basis != Space) throw new ArgumentException("the operator is not built on this stochastic-Galerkin space", nameof(op));
        var block = op.Block;
        int n = block.Count;
        var angle = Space.Angle;
        var classes = new[] { ("background", map.Background) }.Concat(map.Regions.Select(r => (r.Name, r.Material))).ToArray();
        var cellClass = new string[n];
        Span<double> x = stackalloc double[3];
        for (int c = 0; c < n; c++)
        {
            block.Center(c, x);
            cellClass[c] = map.RegionAt(x[..block.Dimension]);
        }
        var material = classes.GroupBy(c => c.Item1).ToDictionary(g => g.Key, g => g.Last().Item2);
        var scatter = material.ToDictionary(m => m.Key, m => _u.Of(UncertainTarget.SigmaS, m.Key, m.Value));
        var absorb = material.ToDictionary(m => m.Key, m => _u.Of(UncertainTarget.SigmaA, m.Key, m.Value));
        var emit = material.ToDictionary(m => m.Key, m => _u.Of(UncertainTarget.Source, m.Key, m.Value));
        static double Coefficient(Dependence d, int k, int m) => m <= d.Powers[k].Length ? d.Powers[k][m - 1] : 0.0;
        double[] Field(Dictionary<string, Dependence> of, int k, int m)
        {
            var byClass = of.ToDictionary(d => d.Key, d => Coefficient(d.Value, k, m));
            return [.. cellClass.Select(name => byClass[name])];
        }
        bool Any(Dictionary<string, Dependence> of, int k, int m) => of.Values.Any(d => d.Drives(k, m));
        int Highest(int k) => new[] { scatter, absorb, emit }.SelectMany(of => of.Values).Max(d => d.Powers[k].Length);

        var identity = Matrix<double>.Build.SparseIdentity(angle.Count);
        var iota = angle.Isotropic;
        if (Chaos.Degree == 0) return;   // the fluctuations have no Galerkin projection onto the constants
        for (int k = 0; k < Chaos.Parameters.Count; k++)
        for (int m = 1; m <= Highest(k); m++)
        {
            // The fluctuation c_{k,m}(x)·(ξ_k^m − E ξ_k^m) of each input: one Kronecker term per parameter and power.
            string name = m == 1 ? $"ξ{k}" : $"ξ{k}^{m}";
            bool scattering = Any(scatter, k, m), absorption = Any(absorb, k, m);
            if (scattering || absorption)
            {
                var t = Chaos.PowerFluctuation(k, m);
                var ss = Field(scatter, k, m);
                var sa = Field(absorb, k, m);
                var removal = new double[n];
                for (int c = 0; c < n; c++) removal[c] = -(ss[c] + sa[c]);
                bool anyRemoval = material.Keys.Any(c => Coefficient(scatter[c], k, m) + Coefficient(absorb[c], k, m) != 0.0);
                if (anyRemoval)   // σ_t = σ_s + σ_a may be certain although both are not (the uncertain plane source)
                    op.AddTerm(new($"removal {name}", new DiagonalOperator(removal), StochasticGalerkinSpace.Kronecker(identity, t)));
                if (scattering)
                    op.AddTerm(new($"scattering {name}", new DiagonalOperator(ss), StochasticGalerkinSpace.Kronecker(angle.ScatteringProjector, t)));
                if (absorption)
                    op.AddAbsorption(sa, StochasticGalerkinSpace.Kron(angle.Mass.Direction, Chaos.PowerFluctuationCoefficients(k, m)));
            }
            if (Any(emit, k, m))
            {
                var sq = Field(emit, k, m);
                var q = sq.Select(v => v / iota.Norm).ToArray();
                op.AddSource(new SourceTerm($"source {name}", StochasticGalerkinSpace.Kron(iota.Direction, Chaos.PowerFluctuationCoefficients(k, m)), _ => q, false));
            }
        }
    }

    /// <summary>The ghost states of the inflow faces for an uncertain inflow φ_in(ξ) = m + Σ_k s_k ξ_k
    /// (<c>uncertainty.inflow</c>), else null (the faces' own isotropic inflow): per inflow face (ι ⊗ a)/norm with the
    /// chaos coefficients a of φ_in, a_0 = m + Σ_k s_k E ξ_k and a_{e_k} = s_k c_k. The fluctuation ξ_k − E ξ_k is
    /// c_k p_{e_k}: for ξ uniform on [A, B], ξ − E ξ = ((B − A)/2) ζ with ζ uniform on [−1, 1] and the orthonormal
    /// Legendre p_1(ζ) = √3 ζ, so c = (B − A)/(2√3); for ξ normal N(μ, σ²), ξ − μ = σ He_1 and c = σ
    /// (<see cref="ChaosBasis.FluctuationCoefficients"/>). The transport of the ghost state is B ⊗ I, linear in it, so
    /// each chaos mode of the inflow drives its own mode: an exact Galerkin projection, no quadrature in ξ.</summary>
    public IReadOnlyList<double[]?>? InflowGhosts(IReadOnlyList<BoundaryFace> faces)
    {
        if (!_u.On(UncertainTarget.Inflow).Any()) return null;
        var angle = Space.Angle.Isotropic;
        var ghosts = new double[]?[faces.Count];
        for (int f = 0; f < faces.Count; f++)
        {
            if (faces[f].Kind != BoundaryKind.Inflow) continue;
            var a = ChaosCoefficients(_u.Inflow(faces[f].InflowScalarFlux));
            var ghost = StochasticGalerkinSpace.Kron(angle.Direction, a);
            for (int i = 0; i < ghost.Length; i++) ghost[i] /= angle.Norm;
            ghosts[f] = ghost;
        }
        return ghosts;
    }

    /// <summary>The chaos coefficients a_α = E[f p_α] of f(ξ) = mean + Σ_k Σ_m c_{k,m} ξ_k^m: a_0 = E[f] (the moments in
    /// closed form), plus Σ c_{k,m} E[(ξ_k^m − E ξ_k^m) p_α] (<see cref="ChaosBasis.PowerFluctuationCoefficients"/>).</summary>
    private double[] ChaosCoefficients(Dependence f)
    {
        var a = new double[Chaos.Count];
        a[0] = f.At(_u.Parameters, null);
        for (int k = 0; k < f.Powers.Length; k++)
        for (int m = 1; m <= f.Powers[k].Length; m++)
        {
            double c = f.Powers[k][m - 1];
            if (c == 0.0) continue;
            var e = Chaos.PowerFluctuationCoefficients(k, m);
            for (int j = 0; j < a.Length; j++) a[j] += c * e[j];
        }
        return a;
    }

    /// <summary>Gauss points per parameter of the projection of an uncertain Gaussian initial condition: 2(n + 1) + 8 for
    /// chaos degree n (at most 64). The Q-point rule is exact for polynomials of degree ≤ 2Q − 1, so the coefficient of
    /// p_j (j ≤ n) is polluted only by the chaos coefficients of u0(x; ·) beyond degree 2Q − 1 − n = 3n + 19 + … ≥ n + 20:
    /// for the Gaussian family, entire in ξ, these decay faster than geometrically, so the aliasing lies ≥ 20 degrees
    /// deeper in that decay than the truncation error of the degree-n chaos itself.</summary>
    public static int ShapePoints(int degree) => Math.Min(64, 2 * (degree + 1) + 8);

    /// <summary>The initial state of the deck's <paramref name="ic"/> in chaos space. With an uncertain centre or width the
    /// Gaussian is not affine in ξ: its chaos coefficients φ̂_α(x) = Σ_q w_q p_α(ζ_q) φ0(x; ξ_q) (tensor Gauss rule of
    /// <see cref="ShapePoints"/> nodes over the parameters that drive the initial condition; a mode that involves another
    /// parameter is zero) give u0 = Σ_α φ̂_α ⊗ (ι ⊗ e_α)/norm, rank ≤ n_ξ, put into the solver by
    /// <see cref="ChaosInitialState"/> (the amplitude, if uncertain too, is part of φ0(x; ξ_q)). Otherwise the affine
    /// amplitude (<see cref="ApplyInitialAmplitude"/>). Collective.</summary>
    public void ApplyInitialState(Solvers.ISolver solver, InitialConditionOptions ic, GridBlock block, Parallel.ICommunicator comm)
    {
        if (!_u.UncertainShape)
        {
            ApplyInitialAmplitude(solver);
            return;
        }
        int p = Chaos.Parameters.Count, nx = Chaos.Count, n = block.Count;
        var driving = _u.Inputs.Where(i => i.Target is UncertainTarget.InitialCenter or UncertainTarget.InitialWidth or UncertainTarget.InitialAmplitude)
            .Select(i => i.Parameter).Distinct().Order().ToArray();
        int points = ShapePoints(Chaos.Degree);
        var rules = driving.Select(k => OrthonormalPolynomials.GaussRule(Chaos.Parameters[k].Family, points)).ToArray();
        var a = new double[n * nx];
        var digit = new int[driving.Length];
        var xi = Chaos.Parameters.Select(par => par.Mean).ToArray();
        var poly = driving.Select(_ => new double[Chaos.Degree + 1]).ToArray();
        long total = (long)Math.Pow(points, driving.Length);
        for (long q = 0; q < total; q++)
        {
            long rest = q;
            double w = 1.0;
            for (int d = driving.Length - 1; d >= 0; d--) { digit[d] = (int)(rest % points); rest /= points; }
            for (int d = 0; d < driving.Length; d++)
            {
                double zeta = rules[d].Nodes[digit[d]];
                w *= rules[d].Weights[digit[d]];
                xi[driving[d]] = Chaos.Parameters[driving[d]].At(zeta);
                OrthonormalPolynomials.Evaluate(Chaos.Parameters[driving[d]].Family, Chaos.Degree, zeta, poly[d]);
            }
            var phi = InitialCondition.ScalarFlux(_u.InitialAt(ic, xi), block);
            for (int j = 0; j < nx; j++)
            {
                var alpha = Chaos.Indices[j];
                double c = w;
                for (int k = 0; k < p; k++)
                {
                    int at = Array.IndexOf(driving, k);
                    c *= at < 0 ? (alpha[k] == 0 ? 1.0 : 0.0) : poly[at][alpha[k]];
                }
                if (c == 0.0) continue;
                for (int i = 0; i < n; i++) a[j * n + i] += c * phi[i];
            }
        }
        var iota = Space.Angle.Isotropic;
        var b = Matrix<double>.Build.Dense(Space.Count, nx);
        for (int s = 0; s < Space.Angle.Count; s++)
        {
            if (iota.Direction[s] == 0.0) continue;
            for (int j = 0; j < nx; j++) b[Space.Index(s, j), j] = iota.Direction[s] / iota.Norm;
        }
        ChaosInitialState.Apply(solver, a, b, nx, n, Space.Mass.Direction, comm, block.Grid.CellVolume, reorthonormalise: true);
    }

    /// <summary>An uncertain amplitude of the initial condition, φ0(x)·a(ξ) with a(ξ) = ā + Σ_k s_k ξ_k: the deterministic
    /// initial state u0 = φ0 ⊗ (ι ⊗ e_0) becomes φ0 ⊗ (ι ⊗ a) with the chaos coefficients a_0 = ā + Σ_k s_k E ξ_k and
    /// a_{e_k} = s_k E[(ξ_k − Eξ_k) p_{e_k}]: u0 ← u0 (I ⊗ M), M = e_0 aᵀ + Σ_{j≥1} e_j e_jᵀ (<see cref="ChaosTransform"/>).
    /// Nothing happens without an uncertain amplitude.</summary>
    public void ApplyInitialAmplitude(Solvers.ISolver solver)
    {
        if (!_u.On(UncertainTarget.InitialAmplitude).Any()) return;
        var a = ChaosCoefficients(_u.Of(UncertainTarget.InitialAmplitude, "background", default));
        var m = Matrix<double>.Build.DenseIdentity(Chaos.Count);
        m.SetRow(0, a);
        ChaosTransform.Apply(solver, Space.Angle.Count, m);
    }
}
