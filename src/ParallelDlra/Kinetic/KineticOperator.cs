using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular;
using ParallelDlra.Mesh;
using ParallelDlra.Problems;

namespace ParallelDlra.Kinetic;

/// <summary>One Kronecker term D ⊗ B of the semi-discrete operator: its contribution to cell i is
/// B·(D u)_i, i.e. (D u) Bᵀ for u stored n_cells × n_moments.</summary>
public sealed record KroneckerTerm(string Name, SpatialOperator Spatial, Matrix<double> Angular);

/// <summary>A separable source q(x, t) cᵀ: its contribution to cell i is q_i(t)·c.
/// <paramref name="Boundary"/>: the ghost values of an inflow face, whose mass flux is part of the face's outflow
/// (<see cref="FaceOutflow.Constant"/>), not an emission in the volume.</summary>
public sealed record SourceTerm(string Name, double[] Angular, Func<double, double[]> Spatial, bool TimeDependent, bool Boundary = false);

/// <summary>The mass leaving through one physical face: Σ_{i ∈ face} wᵀu_i + Constant (per unit time).
/// <paramref name="Cells"/> are the rank-local cells on the face (none when the rank's block does not touch
/// it); the sum over cells is completed over ranks, and <paramref name="Constant"/> (the whole face's) is
/// added once, after that sum.</summary>
public sealed record FaceOutflow(int Face, int[] Cells, double[] Weights, double Constant);

/// <summary>
/// The P_N finite-volume discretisation of linear radiative transfer with isotropic scattering,
///   ∂t ψ + Ω·∇ψ + σ_t ψ = σ_s φ/|S| + Q/|S|,
/// in the separable form du/dt = F(u) = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ (DESIGN §1). The numerical flux at a
/// face between cells L and R along axis d is F = A_d (u_L + u_R)/2 − D_d (u_R − u_L)/2 with D_d = |A_d|
/// (Roe / upwind) or ρ(A_d) I (Rusanov / local Lax–Friedrichs), which gives per axis a central-difference
/// term ⊗ A_d and a second-difference term ⊗ D_d. Ghost cells beyond a physical face are zero (vacuum,
/// i.e. no inflow); a reflective face adds D_face ⊗ G R_d with the mirror matrix R_d, an inflow face adds a
/// source on its cells. The operator is built on the rank-local block and knows nothing of MPI.
/// With <c>spaceOrder</c> 2 the transport is Fromm's linear second-order upwind scheme with five-point stencils
/// (<c>KineticOperator.SecondOrder.cs</c>).
/// </summary>
public sealed partial class KineticOperator : IVelocitySpaceSwap
{
    private readonly List<KroneckerTerm> _terms = [];
    private readonly List<SourceTerm> _sources = [];
    private readonly List<FaceOutflow> _outflows = [];
    private readonly IReadOnlyList<double[]?>? _inflowGhosts;

    /// <summary>The ghost state of inflow face <paramref name="f"/> as a scale times a direction: (φ_in / norm, ι), or
    /// (1, the given coefficients).</summary>
    private (double G0, double[] Direction) InflowGhost(int f, BoundaryFace face, IsotropicState isotropic)
        => _inflowGhosts?[f] is { } ghost ? (1.0, ghost) : (face.InflowScalarFlux / isotropic.Norm, isotropic.Direction);

    // inflowGhosts: per face, the coefficients of the ghost state of an inflow face in place of (φ_in / norm) ι (null
    // entries, or null: the isotropic inflow of the face). Stochastic Galerkin gives the chaos coefficients of an
    // uncertain φ_in(ξ) this way (StochasticGalerkinTerms.InflowGhosts).
    public KineticOperator(GridBlock block, IVelocitySpace basis, MaterialMap materials, IReadOnlyList<BoundaryFace> faces, FluxKind flux, int spaceOrder = 1,
        IReadOnlyList<double[]?>? inflowGhosts = null)
    {
        _inflowGhosts = inflowGhosts;
        if (basis.Dimension != block.Dimension) throw new ArgumentException("angular basis and grid have different dimensions");
        if (spaceOrder is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(spaceOrder), spaceOrder, "the spatial order is 1 or 2");
        Block = block;
        Basis = basis;
        Flux = flux;
        SpaceOrder = spaceOrder;
        _faces = faces;
        int n = block.Count;
        var isotropic = basis.Isotropic;   // inflow and sources are isotropic

        AddTransport();

        // Collisions: −σ_t u + σ_s P u (P the velocity space's scattering projector), and the isotropic source
        // Q/|S| → coefficients (Q / norm) ι.
        var sigmaT = new double[n];
        var sigmaS = new double[n];
        var sigmaA = new double[n];
        var source = new double[n];
        Span<double> x = stackalloc double[3];
        for (int c = 0; c < n; c++)
        {
            block.Center(c, x);
            var mat = materials.At(x[..block.Dimension]);
            sigmaT[c] = -mat.SigmaT;
            sigmaS[c] = mat.SigmaS;
            sigmaA[c] = mat.SigmaA;
            source[c] = mat.Source / isotropic.Norm;
            LocalSigmaTMax = Math.Max(LocalSigmaTMax, mat.SigmaT);
        }
        // Which terms exist is decided on the whole grid, so every rank of a decomposition has the same list.
        var (anyAbsorption, anyScattering, anySource, anySigmaA) = block.Count == block.Grid.CellCount
            ? (sigmaT.Any(v => v != 0.0), sigmaS.Any(v => v != 0.0), source.Any(v => v != 0.0), sigmaA.Any(v => v != 0.0))
            : GlobalPresence(block.Grid, materials);
        Absorption = anySigmaA ? sigmaA : null;
        _collisions = (anyAbsorption ? sigmaT : null, anyScattering ? sigmaS : null, anySource ? source : null);
        AddCollisions();
        (_ownTerms, _ownSources, _ownOutflows) = (_terms.Count, _sources.Count, _outflows.Count);
    }

    /// <summary>The faces the operator was built with (what the transport terms of <see cref="SwapVelocitySpace"/> are rebuilt from).</summary>
    private readonly IReadOnlyList<BoundaryFace> _faces;

    /// <summary>σ_t (negated), σ_s and Q/norm on the local cells where the term exists on the whole grid, else null.</summary>
    private readonly (double[]? SigmaT, double[]? SigmaS, double[]? Source) _collisions;

    /// <summary>How many terms, sources and outflows the constructor made (those <see cref="SwapVelocitySpace"/> replaces).</summary>
    private readonly int _ownTerms, _ownSources, _ownOutflows;

    /// <summary>Set while <see cref="SwapVelocitySpace"/> runs the construction again: the Add helpers then replace the angular
    /// part of the entry at the cursor instead of appending (the spatial part, made by the factory, is kept).</summary>
    private bool _replacing;
    private int _termCursor, _sourceCursor, _outflowCursor;

    /// <summary>Appends D ⊗ B, or (while swapping) replaces B of the next term, keeping its D.</summary>
    private void AddOwnTerm(string name, Func<SpatialOperator> spatial, Matrix<double> angular)
    {
        if (!_replacing) { _terms.Add(new(name, spatial(), angular)); return; }
        var old = _terms[_termCursor];
        if (old.Name != name) throw new InvalidOperationException($"term {_termCursor} is {old.Name}, the swap made {name}");
        _terms[_termCursor++] = old with { Angular = angular };
    }

    /// <summary>Appends a source, or (while swapping) replaces the angular vector of the next one, keeping its q(x, t).</summary>
    private void AddOwnSource(string name, double[] angular, Func<Func<double, double[]>> spatial, bool timeDependent, bool boundary = false)
    {
        if (!_replacing) { _sources.Add(new(name, angular, spatial(), timeDependent, boundary)); return; }
        var old = _sources[_sourceCursor];
        if (old.Name != name) throw new InvalidOperationException($"source {_sourceCursor} is {old.Name}, the swap made {name}");
        _sources[_sourceCursor++] = old with { Angular = angular };
    }

    /// <summary>Appends a face outflow, or (while swapping) replaces the weights and the constant of the next one.</summary>
    private void AddOwnOutflow(int face, int[] cells, double[] weights, double constant)
    {
        if (!_replacing) { _outflows.Add(new(face, cells, weights, constant)); return; }
        var old = _outflows[_outflowCursor];
        if (old.Face != face || old.Cells.Length != cells.Length) throw new InvalidOperationException($"outflow {_outflowCursor} is of face {old.Face}, the swap made face {face}");
        _outflows[_outflowCursor++] = old with { Weights = weights, Constant = constant };
    }

    /// <summary>The cells of a face's outflow: made by <paramref name="make"/>, or while swapping those of the outflow
    /// <paramref name="ahead"/> places after the cursor (the face's own, kept: no scan of the block).</summary>
    private int[] OwnCells(int face, int ahead, Func<int[]> make)
    {
        if (!_replacing) return make();
        var outflow = _outflows[_outflowCursor + ahead];
        if (outflow.Face != face) throw new InvalidOperationException($"outflow {_outflowCursor + ahead} is of face {outflow.Face}, the swap is at face {face}");
        return outflow.Cells;
    }

    /// <summary>Replaces the velocity space by <paramref name="basis"/> in place (rS_N: the ordinates of the next turn): the
    /// angular matrices of the terms (A_d, |A_d| or ρ(A_d) I and their second-order and face combinations, P, the filter),
    /// the angular vectors of the sources and the outflow weights are made again from <paramref name="basis"/> by the same
    /// code as the constructor's, so the operator equals one built on <paramref name="basis"/> bit for bit; the spatial
    /// operators, material arrays and face cell lists stay (n_moments² work, none n_cells long). <paramref name="basis"/> must
    /// have the same count, dimension, mass and isotropic state (the material arrays and the mass weight depend on their
    /// norms). Not for an operator with profiled inflow ghosts (coefficients of the old space) or with terms or sources added
    /// after construction (<see cref="AddTerm"/>, <see cref="AddSource"/>: their angular parts are the caller's).</summary>
    public void SwapVelocitySpace(IVelocitySpace basis)
    {
        ArgumentNullException.ThrowIfNull(basis);
        if (!CanSwapVelocitySpace) throw new NotSupportedException("the operator has angular data it cannot rebuild (profiled inflow ghosts, or terms or sources added after construction)");
        if (basis.Count != Basis.Count || basis.Dimension != Basis.Dimension)
            throw new ArgumentException($"a velocity space of {basis.Count} coefficients in {basis.Dimension}D for an operator of {Basis.Count} in {Basis.Dimension}D", nameof(basis));
        if (basis.Mass.Norm != Basis.Mass.Norm || !basis.Mass.Direction.AsSpan().SequenceEqual(Basis.Mass.Direction)
            || basis.Isotropic.Norm != Basis.Isotropic.Norm || !basis.Isotropic.Direction.AsSpan().SequenceEqual(Basis.Isotropic.Direction))
            throw new ArgumentException("the new velocity space has another mass or isotropic state (the material arrays depend on them)", nameof(basis));
        var previous = Basis;
        Basis = basis;
        (_replacing, _termCursor, _sourceCursor, _outflowCursor) = (true, 0, 0, 0);
        try
        {
            AddTransport();
            AddCollisions();
            if (_termCursor != _ownTerms || _sourceCursor != _ownSources || _outflowCursor != _ownOutflows)
                throw new InvalidOperationException("the swap made another number of terms, sources or outflows");
        }
        catch
        {
            Basis = previous;
            throw;
        }
        finally
        {
            _replacing = false;
        }
        _checkerboardRate = null;
        _volumeSources = null;
    }

    /// <summary>Whether <see cref="SwapVelocitySpace"/> can rebuild every angular part of the operator.</summary>
    public bool CanSwapVelocitySpace => _inflowGhosts is null && _terms.Count == _ownTerms && _sources.Count == _ownSources && _outflows.Count == _ownOutflows;

    /// <summary>Transport: per axis a central difference ⊗ A_d and a numerical-diffusion second difference ⊗ D_d, the face
    /// terms, sources and outflows (construction, and again by <see cref="SwapVelocitySpace"/>).</summary>
    private void AddTransport()
    {
        var block = Block;
        var basis = Basis;
        var faces = _faces;
        int n = block.Count, m = basis.Count;
        var mass = basis.Mass;             // the outflow and the balance measure the mass
        var isotropic = basis.Isotropic;   // inflow and sources are isotropic
        for (int d = 0; d < block.Dimension; d++)
        {
            double h = block.Grid.Spacing[d];
            // Sparse matrices are stored sparse (A_d has at most six nonzeros a row): the operator's angular
            // part then costs little memory next to the factors of a low-rank run.
            var a = basis.Flux(d);
            var diffusion = Flux == FluxKind.Roe ? basis.AbsFlux(d) : Matrix<double>.Build.SparseIdentity(m) * basis.SpectralRadius(d);
            if (SpaceOrder == 2)
            {
                AddSecondOrderAxis(d, a, diffusion, faces);
                continue;
            }
            int axis = d;
            AddOwnTerm($"advection {Axis(d)}", () => new StencilOperator(axis, 0.5 / h, 0.0, -0.5 / h), a);
            AddOwnTerm($"upwind diffusion {Axis(d)}", () => new StencilOperator(axis, 0.5 / h, -1.0 / h, 0.5 / h), diffusion);

            for (int side = 0; side < 2; side++)
            {
                int f = 2 * d + side;
                // Every rank gets the same terms, sources and outflows (the Galerkin and outflow sums pack
                // them into one buffer per allreduce); a rank whose block does not touch the face has no
                // cells on it, so its terms are zero there.
                if (faces[f].Kind == BoundaryKind.Periodic) continue;
                double s = side == 0 ? -1.0 : 1.0;                  // outward normal
                var cells = OwnCells(f, 0, () => block.OnPhysicalBoundary[f] ? block.FaceCells(f) : []);   // FaceCells scans the block
                long globalFaceCells = block.Grid.CellCount / block.Grid.Cells[d];
                // The mass leaving is its direction d applied to the face flux, so the outflow needs dᵀA and dᵀD:
                // outflow = dᵀ[s A (u + g) + D (u − g)]/2, with g = 0 on a vacuum face.
                var a0 = VelocitySpaces.RowCombination(a, mass.Direction);
                var d0 = VelocitySpaces.RowCombination(diffusion, mass.Direction);
                var weights = ((a0 * s + d0) * 0.5).ToArray();
                double constant = 0.0;
                switch (faces[f].Kind)
                {
                    case BoundaryKind.Reflective:
                    {
                        // g = R u: the term D_face ⊗ G R with G = −A s/(2h) + D/(2h), the weight of the ghost value.
                        var r = basis.Reflection(d);
                        var ghost = a * (-0.5 * s / h) + diffusion * (0.5 / h);
                        AddOwnTerm($"reflection {FaceName(f)}", () => new DiagonalOperator(Indicator(n, cells)), ghost * r);
                        if (IsDiagonal(r))
                            for (int k = 0; k < m; k++) weights[k] = 0.5 * (s * a0[k] * (1.0 + r[k, k]) + d0[k] * (1.0 - r[k, k]));
                        else   // a permutation of ordinates (S_N): dᵀ[s A (I + R) + D (I − R)]/2
                            weights = ((a0 + r.TransposeThisAndMultiply(a0)) * (0.5 * s) + (d0 - r.TransposeThisAndMultiply(d0)) * 0.5).ToArray();
                        break;
                    }
                    case BoundaryKind.Inflow:
                    {
                        // g = g0 ι on the face (ι the isotropic direction): a source G g on its cells.
                        var (g0, iota) = InflowGhost(f, faces[f], isotropic);
                        var ghostSource = (VelocitySpaces.ColumnCombination(a, iota) * (-0.5 * s / h) + VelocitySpaces.ColumnCombination(diffusion, iota) * (0.5 / h)) * g0;
                        AddOwnSource($"inflow {FaceName(f)}", ghostSource.ToArray(), () => { var indicator = Indicator(n, cells); return _ => indicator; }, false, boundary: true);
                        constant = 0.5 * (s * VelocitySpaces.Bilinear(mass.Direction, a, iota) - VelocitySpaces.Bilinear(mass.Direction, diffusion, iota))
                                   * g0 * globalFaceCells; // the whole face's, on every rank
                        break;
                    }
                }
                double area = block.Grid.FaceArea(d);
                for (int k = 0; k < m; k++) weights[k] *= area * mass.Norm;
                AddOwnOutflow(f, cells, weights, constant * area * mass.Norm);
            }
        }
    }

    /// <summary>The collision terms and the isotropic source on the material arrays of the constructor (construction, and
    /// again by <see cref="SwapVelocitySpace"/>).</summary>
    private void AddCollisions()
    {
        var basis = Basis;
        int n = Block.Count, m = basis.Count;
        var (sigmaT, sigmaS, source) = _collisions;
        if (sigmaT is not null) AddOwnTerm("absorption", () => new DiagonalOperator(sigmaT), Matrix<double>.Build.SparseIdentity(m));
        if (sigmaS is not null) AddOwnTerm("scattering", () => new DiagonalOperator(sigmaS), basis.ScatteringProjector);
        // Filtered P_N: −Σ u in every cell, Σ the velocity space's diagonal damping.
        if (basis.Damping is { } damping)
        {
            AddOwnTerm("filter", () => new DiagonalOperator(Enumerable.Repeat(-1.0, n).ToArray()), damping);
            DampingMax = damping.Diagonal().Maximum();
        }
        if (source is not null) AddOwnSource("isotropic source", (double[])basis.Isotropic.Direction.Clone(), () => _ => source, false);
    }

    public GridBlock Block { get; }

    /// <summary>The velocity space (replaced by <see cref="SwapVelocitySpace"/>).</summary>
    public IVelocitySpace Basis { get; private set; }
    public FluxKind Flux { get; }

    /// <summary>1: first-order upwind (three-point stencils); 2: Fromm's scheme (five-point stencils, two ghost layers).</summary>
    public int SpaceOrder { get; }
    public IReadOnlyList<KroneckerTerm> Terms => _terms;
    public IReadOnlyList<SourceTerm> Sources => _sources;
    public IReadOnlyList<FaceOutflow> Outflows => _outflows;

    /// <summary>σ_a on the rank-local cells, for the absorption rate ∫σ_a φ of the balance; null when σ_a = 0 on
    /// the whole grid (the same on every rank).</summary>
    public double[]? Absorption { get; }

    /// <summary>The sources emitting in the volume (not the ghost values of inflow faces, which the outflow counts).</summary>
    public IReadOnlyList<SourceTerm> VolumeSources => _volumeSources ??= [.. _sources.Where(s => !s.Boundary)];

    private SourceTerm[]? _volumeSources;

    /// <summary>Σ_i q_i(t) over the rank-local cells of a source: its emission rate is MassWeight·(dᵀc)·(the sum over
    /// ranks), d the mass direction (<see cref="EmissionWeight"/>).</summary>
    public double SourceSum(SourceTerm source, double t)
    {
        double sum = 0.0;
        foreach (double v in source.Spatial(t)) sum += v;
        return sum;
    }

    /// <summary>The largest rate of the velocity space's damping term (0 without one): Forward Euler needs
    /// Δt·(checkerboard rate + σ_t + this) ≤ 2.</summary>
    public double DampingMax { get; private set; }

    /// <summary>Largest σ_t over the rank-local cells.</summary>
    public double LocalSigmaTMax { get; }

    /// <summary>Adds a Kronecker term D ⊗ B (e.g. a collision term of stochastic Galerkin, Σ_k diag(σ_k) ⊗ (P ⊗ T_k)).
    /// Every rank must add the same terms in the same order.</summary>
    public void AddTerm(KroneckerTerm term) => _terms.Add(term);

    /// <summary>Absorption rates beyond <see cref="Absorption"/>: a term removing mass at the rate
    /// MassWeight · Σ_i σ_i wᵀu_i (σ on the rank-local cells, w an n_moments vector), e.g. the uncertain part of σ_a
    /// in stochastic Galerkin, whose mean absorption is E[σ_a φ] = Σ_k σ_a,k (d ⊗ T_k e_0)ᵀu.</summary>
    public IReadOnlyList<(double[] Sigma, double[] Direction)> ExtraAbsorption => _extraAbsorption;

    private readonly List<(double[] Sigma, double[] Direction)> _extraAbsorption = [];

    /// <summary>Adds an absorption rate to the balance (see <see cref="ExtraAbsorption"/>); every rank adds the same ones.</summary>
    public void AddAbsorption(double[] sigma, double[] direction) => _extraAbsorption.Add((sigma, direction));

    /// <summary>Adds a separable source (e.g. the source of a manufactured solution).</summary>
    public void AddSource(SourceTerm source)
    {
        _sources.Add(source);
        _volumeSources = null;
    }

    /// <summary>Δt = cfl / Σ_d ρ(A_d)/Δx_d: the CFL condition of the explicit upwind scheme.</summary>
    public double TimeStep(double cfl)
    {
        double rate = 0.0;
        for (int d = 0; d < Block.Dimension; d++) rate += Basis.SpectralRadius(d) / Block.Grid.Spacing[d];
        return cfl / rate;
    }

    /// <summary>The damping rate of the checkerboard mode (−1 in every cell's neighbour) by the transport terms:
    /// there the central differences vanish and each second difference gives −2/Δx_d, so the mode decays at the
    /// rate λ_max(Σ_d 2 D_d/Δx_d) with D_d the numerical diffusion (|A_d| for Roe, ρ(A_d) I for Rusanov). Forward
    /// Euler multiplies the mode by 1 − Δt(rate + σ_t): stable only for Δt·(rate + σ_t) ≤ 2. Computed once
    /// (a symmetric eigenvalue problem of n_moments × n_moments).</summary>
    public double CheckerboardRate()
    {
        if (_checkerboardRate is double known) return known;
        int m = Basis.Count;
        var sum = Matrix<double>.Build.Dense(m, m);
        // On the checkerboard mode a stencil m S₋ + c I + p S₊ acts as c − m − p: −2/Δx_d for the second
        // differences, 0 for the central ones.
        foreach (var term in _terms)
        {
            if (term.Spatial is StencilOperator st && st.Center - st.Minus - st.Plus != 0.0)
                sum -= term.Angular * (st.Center - st.Minus - st.Plus);
            else if (term.Spatial is AxisStencil wide && CheckerboardValue(wide) != 0.0)
                sum -= term.Angular * CheckerboardValue(wide);   // Σ_o w_o (−1)^o: −2/Δx_d for Fromm's fourth difference too
        }
        var eigenvalues = new double[m];
        var vectors = new double[m * m];
        LinearAlgebra.LinearAlgebraProvider.Default.SymmetricEigen(m, sum.ToColumnMajorArray(), eigenvalues, vectors);
        double rate = m == 0 ? 0.0 : Math.Max(0.0, eigenvalues[^1]);
        _checkerboardRate = rate;
        return rate;
    }

    private double? _checkerboardRate;

    /// <summary>Mass weight: M(u) = CellVolume · norm · Σ_i dᵀu_i with the velocity space's mass (direction d, norm).</summary>
    public double MassWeight => Block.Grid.CellVolume * Basis.Mass.Norm;

    /// <summary>dᵀc of a source's angular vector c: the mass it emits per unit of its spatial sum and of <see cref="MassWeight"/>.</summary>
    public double EmissionWeight(SourceTerm source) => Basis.Mass.Along(source.Angular);

    /// <summary>Whether σ_t, σ_s, Q and σ_a are nonzero anywhere on the whole grid (every rank computes the same, from
    /// the materials the grid's cell centres take: <see cref="MaterialMap.MaterialsOn"/>, not a scan of every cell).</summary>
    private static (bool Absorption, bool Scattering, bool Source, bool SigmaA) GlobalPresence(CartesianGrid grid, MaterialMap materials)
    {
        var present = materials.MaterialsOn(grid);
        return (present.Any(m => m.SigmaT != 0.0), present.Any(m => m.SigmaS != 0.0), present.Any(m => m.Source != 0.0), present.Any(m => m.SigmaA != 0.0));
    }

    private static bool IsDiagonal(Matrix<double> r) => r.EnumerateIndexed(Zeros.AllowSkip).All(e => e.Item1 == e.Item2 || e.Item3 == 0.0);

    /// <summary>1 on the given local cells, 0 elsewhere.</summary>
    private static double[] Indicator(int n, int[] cells)
    {
        var indicator = new double[n];
        foreach (int c in cells) indicator[c] = 1.0;
        return indicator;
    }

    private static string Axis(int d) => "xyz"[d].ToString();
    private static string FaceName(int f) => $"{Axis(f / 2)}_{(f % 2 == 0 ? "min" : "max")}";
}
