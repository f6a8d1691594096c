using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Mesh;
using ParallelDlra.Compute;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Parallel;

namespace ParallelDlra.Kinetic;

/// <summary>The Galerkin coefficients of one basis pair, what every substep consumes.
/// Spatial side (needs a sum over cells): G_k = w XᵀD_kX and s_j(t) = w Xᵀq_j(t); kept with them, the sums they
/// are made of (per stencil axis T_d = w XᵀS₋X, per spatially varying diagonal w XᵀD_kX, per time w XᵀQ_t), so
/// that the coefficients of an augmented basis [X, X̃] reuse the X block.
/// Angular side (replicated): M_k = VᵀB_kᵀV and a_j = Vᵀc_j.</summary>
public sealed record SpatialCoefficients(Matrix<double>[] G, Func<double, Matrix<double>> Source,
    Matrix<double>[] Shifts, Matrix<double>[] Diagonals, IReadOnlyDictionary<double, Matrix<double>> Sources) : ISpatialCoefficients
{
    /// <summary>Per wide stencil (<see cref="AxisStencil"/>, in term order) w X̂ᵀD X̂, empty without one.</summary>
    public Matrix<double>[] Wide { get; init; } = [];
}

/// <inheritdoc cref="SpatialCoefficients"/>
public sealed record AngularCoefficients(Matrix<double>[] M, Matrix<double> Source) : IAngularCoefficients;

/// <summary>
/// The three projections of the separable operator F(u) = Σ_k D_k u B_kᵀ + Σ_j q_j c_jᵀ that the
/// BUG-type integrators need (DESIGN §1):
///   K-step  dK/dt = F(K Vᵀ) V        = Σ_k D_k K M_k + Q_t A            (Q_t = [q_j(t)], A = [a_jᵀ])
///   L-step  dL/dt = F(X Lᵀ)ᵀ W X     = Σ_k B_k L G_kᵀ + C Sᵀ_t           (C = [c_j])
///   S-step  dS/dt = Xᵀ W F(X S Vᵀ) V = Σ_k G_k S M_k + S_t A
/// All spatial sums of one basis are packed into one allreduce. A nonlinear model would supply the same
/// three right-hand sides by quadrature.
/// Cost savers, all exact: for an orthonormal X the Galerkin matrices of the stencils along an axis follow
/// from the single product T_d = w XᵀS₋X with the shift S₋ (since S₊ = S₋ᵀ and w XᵀX = I:
/// w XᵀD X = m·T_d + c·I + p·T_dᵀ for D = m S₋ + c I + p S₊); spatially constant diagonals (uniform σ)
/// give c·I without any cell sum; angular products use the structure of B_k (<see cref="AngularMatrix"/>).
/// A stencil wider than three points (<see cref="AxisStencil"/>, the second-order scheme) is applied to the basis through
/// the backend (halo of its reach) and its Galerkin matrix w X̂ᵀ(D X̂) is one more weighted Gram in the same allreduce; the
/// K-step adds (D x)(C M_k). A <see cref="CellSwap"/> (a reflective second-order face) is handled like a varying diagonal.
/// </summary>
public sealed class KroneckerProjections
{
    private readonly KineticOperator _op;
    private readonly IComputeBackend _backend;
    private readonly IHaloExchange _haloExchange;
    private readonly ICommunicator _comm;
    private readonly IDenseLinearAlgebra _la = LinearAlgebraProvider.Default;
    private readonly Dictionary<(int Columns, int Slot), Halo> _halos = [];
    private AngularMatrix[] _angular = [], _angularT = [];
    /// <summary>Per term: the spatially constant value of a diagonal term, or null.</summary>
    private readonly double?[] _constant;
    /// <summary>Axes that carry stencil terms, in order.</summary>
    private readonly int[] _axes;
    /// <summary>The terms with a stencil wider than three points, in order.</summary>
    private readonly int[] _wide;
    /// <summary>The halo depth of the bases: the widest stencil's reach (1 without wide stencils).</summary>
    private readonly int _depth;

    public KroneckerProjections(KineticOperator op, IComputeBackend backend, IHaloExchange haloExchange, ICommunicator comm)
    {
        _op = op;
        _backend = backend;
        _haloExchange = haloExchange;
        _comm = comm;
        // Three-point stencils take the shifted-view GEMMs; wider stencils the backend's stencil and a Gram.
        _wide = [.. Enumerable.Range(0, op.Terms.Count).Where(k => op.Terms[k].Spatial is AxisStencil)];
        _depth = op.Terms.Select(t => t.Spatial is AxisStencil w ? w.Reach : 1).DefaultIfEmpty(1).Max();
        RefreshAngular();
        _constant = new double?[op.Terms.Count];
        for (int k = 0; k < op.Terms.Count; k++)
        {
            if (op.Terms[k].Spatial is not DiagonalOperator diag) continue;
            double lo = DistributedSums.Min(comm, diag.Weights.Length > 0 ? diag.Weights.Min() : double.PositiveInfinity);
            double hi = DistributedSums.Max(comm, diag.Weights.Length > 0 ? diag.Weights.Max() : double.NegativeInfinity);
            if (lo == hi) _constant[k] = lo;
        }
        _axes = [.. op.Terms.Select(t => t.Spatial).OfType<StencilOperator>().Select(s => s.Axis).Distinct().Order()];
    }

    /// <summary>Makes the structured forms of the angular matrices B_k and B_kᵀ again from the operator's terms (after
    /// <see cref="KineticOperator.SwapVelocitySpace"/>): n_moments² work; the spatial data (constant diagonals, axes, wide
    /// stencils, halos) stay.</summary>
    public void RefreshAngular()
    {
        _angular = [.. _op.Terms.Select(t => new AngularMatrix(t.Angular))];
        _angularT = [.. _op.Terms.Select((t, k) => _angular[k].IsSymmetric ? _angular[k] : new AngularMatrix(t.Angular.Transpose()))];
    }

    public KineticOperator Operator => _op;
    public double Weight => _op.Block.Grid.CellVolume;
    public int Moments => _op.Basis.Count;

    public AngularCoefficients Angular(Matrix<double> v)
    {
        // M_k = Vᵀ(B_kᵀV): n_moments-long inner products, through BLAS (a symmetric B_k shares its structure).
        var vd = v.AsColumnMajorArray() ?? v.ToColumnMajorArray();
        int rows = v.RowCount, r = v.ColumnCount;
        var m = _angularT.Select(bt =>
        {
            var bv = bt.Multiply(v);
            var product = new double[r * r];
            if (r > 0 && rows > 0)
                _la.Gemm(Transpose.Yes, Transpose.No, r, r, rows, 1.0, vd, rows, bv.AsColumnMajorArray() ?? bv.ToColumnMajorArray(), rows, 0.0, product, r);
            return Matrix<double>.Build.Dense(r, r, product);
        }).ToArray();
        var a = Matrix<double>.Build.Dense(_op.Sources.Count, v.ColumnCount);
        for (int j = 0; j < _op.Sources.Count; j++) a.SetRow(j, v.TransposeThisAndMultiply(Vector<double>.Build.Dense(_op.Sources[j].Angular)));
        return new(m, a);
    }

    /// <summary>G_k and the source projections at the given times, with one allreduce.
    /// Precondition: x is orthonormal in the cell-volume inner product (w xᵀx = I), as every basis of the
    /// integrators is.</summary>
    public SpatialCoefficients Spatial(Block x, IReadOnlyList<double> times) => Spatial([x], null, times);

    /// <summary>The coefficients of the basis X̂ = [parts₀, parts₁, ...] (the columns side by side, never
    /// concatenated in memory), with one allreduce. With <paramref name="known"/> the coefficients of parts₀
    /// alone (from earlier in the step), its diagonal blocks are taken from there and not summed again. A block
    /// (a, b) of T_d = w X̂ᵀS₋X̂ below the diagonal is computed as (w x_bᵀS₊x_a)ᵀ (S₊ = S₋ᵀ over the whole grid:
    /// zero ghosts on physical faces, periodic images, neighbours' cells), so only the ghosts of the later parts
    /// are exchanged. Precondition: X̂ is orthonormal in the cell-volume inner product.</summary>
    public SpatialCoefficients Spatial(IReadOnlyList<Block> parts, SpatialCoefficients? known, IReadOnlyList<double> times)
    {
        int count = parts.Count, terms = _op.Terms.Count, sources = _op.Sources.Count;
        var width = parts.Select(b => b.Columns).ToArray();
        var start = new int[count + 1];
        for (int i = 0; i < count; i++) start[i + 1] = start[i] + width[i];
        int r = start[count];
        var variable = Enumerable.Range(0, terms).Where(k => _op.Terms[k].Spatial is DiagonalOperator or CellSwap && _constant[k] is null).ToArray();
        bool Known(int a, int b) => known is not null && a == 0 && b == 0;

        // Packed layout: per axis the blocks (a, b) for all a, b; per varying diagonal the blocks (a, b ≥ a);
        // per time and source the blocks a; every block that is not known.
        var layout = new List<(int Kind, int Index, int A, int B, int Offset)>();   // kind 0 shift, 1 diagonal (or cell swap), 2 source, 3 wide stencil
        int length = 0;
        void Add(int kind, int index, int a, int b, int size) { layout.Add((kind, index, a, b, length)); length += size; }
        for (int d = 0; d < _axes.Length; d++)
            for (int a = 0; a < count; a++)
                for (int b = 0; b < count; b++)
                    if (!Known(a, b)) Add(0, d, a, b, width[a] * width[b]);
        for (int v = 0; v < variable.Length; v++)
            for (int a = 0; a < count; a++)
                for (int b = a; b < count; b++)
                    if (!Known(a, b)) Add(1, v, a, b, width[a] * width[b]);
        for (int ti = 0; ti < times.Count; ti++)
            for (int a = 0; a < count; a++)
                if (!Known(a, a)) Add(2, ti, a, 0, width[a] * sources);
        for (int v = 0; v < _wide.Length; v++)
            for (int a = 0; a < count; a++)
                for (int b = 0; b < count; b++)
                    if (!Known(a, b)) Add(3, v, a, b, width[a] * width[b]);
        var packed = new double[length];

        // Ghosts of every part that is not known (part 0 is known or needed), exchanged one after the other;
        // the sums that need no ghosts overlap the last exchange.
        var halos = new Halo?[count];
        int first = known is null ? 0 : 1;
        for (int i = first; i < count - 1; i++)
        {
            halos[i] = HaloFor(width[i], i);
            _haloExchange.Exchange(_backend, parts[i], halos[i]!);
        }
        if (count > first)
        {
            halos[count - 1] = HaloFor(width[count - 1], count - 1);
            _haloExchange.Begin(_backend, parts[count - 1], halos[count - 1]!);
        }
        using var q = sources > 0 ? _backend.Allocate(parts[0].Rows, 1) : null;
        // Varying diagonals: D x_b once per part b, then its sums with every x_a (a ≤ b).
        foreach (var group in layout.Where(e => e.Kind == 1).GroupBy(e => (e.Index, e.B)))
        {
            var (index, b) = group.Key;
            using var dx = _backend.Allocate(parts[b].Rows, width[b]);
            _backend.ApplySpatial(_op.Terms[variable[index]].Spatial, _op.Block, parts[b], null, 1.0, dx);
            foreach (var e in group) _backend.Gram(parts[e.A], dx).AsColumnMajorArray().CopyTo(packed, e.Offset);
        }
        foreach (var (kind, index, a, _, offset) in layout.Where(e => e.Kind == 2))
            for (int j = 0; j < sources; j++)
            {
                _backend.Upload(_op.Sources[j].Spatial(times[index]), q!);
                _backend.Gram(parts[a], q!).AsColumnMajorArray().CopyTo(packed, offset + j * width[a]);
            }
        if (count > first) _haloExchange.End();
        // The shift blocks grouped by the part whose ghosts they read (b ≥ a: x_aᵀS₋x_b; b < a: (x_bᵀS₊x_a)ᵀ), every
        // axis of a group in one pass over the rows (ShiftGrams): each part read once for all its blocks and axes.
        foreach (var group in layout.Where(e => e.Kind == 0).GroupBy(e => Math.Max(e.A, e.B)))
        {
            var entries = group.ToList();
            var products = entries.Select(e => e.B >= e.A ? (e.A, _axes[e.Index], -1) : (e.B, _axes[e.Index], +1)).ToList();
            var grams = _backend.ShiftGrams(_op.Block, parts, parts[group.Key], halos[group.Key]!, products);
            for (int i = 0; i < entries.Count; i++)
                (entries[i].B >= entries[i].A ? grams[i] : grams[i].Transpose()).ToColumnMajorArray().CopyTo(packed, entries[i].Offset);
        }
        WideGrams(parts, halos, layout, packed);
        DistributedSums.Complete(_comm, packed, Weight);   // every cell sum of the basis: one allreduce

        // Assemble the weighted sums of X̂ from the blocks (and the known ones).
        var shifts = new Matrix<double>[_axes.Length];
        var diagonals = new Matrix<double>[variable.Length];
        var bySource = new Dictionary<double, Matrix<double>>();
        var wide = new Matrix<double>[_wide.Length];
        for (int v = 0; v < wide.Length; v++) wide[v] = known is null ? Matrix<double>.Build.Dense(r, r) : Widen(known.Wide[v], r, r);
        for (int d = 0; d < shifts.Length; d++) shifts[d] = known is null ? Matrix<double>.Build.Dense(r, r) : Widen(known.Shifts[d], r, r);
        for (int v = 0; v < diagonals.Length; v++) diagonals[v] = known is null ? Matrix<double>.Build.Dense(r, r) : Widen(known.Diagonals[v], r, r);
        for (int ti = 0; ti < times.Count; ti++)
            bySource[times[ti]] = known is null ? Matrix<double>.Build.Dense(r, sources) : Widen(known.Sources[times[ti]], r, sources);
        foreach (var (kind, index, a, b, offset) in layout)
        {
            switch (kind)
            {
                case 0:
                    shifts[index].SetSubMatrix(start[a], start[b], Block(packed, offset, width[a], width[b]));
                    break;
                case 1:
                    var block = Block(packed, offset, width[a], width[b]);
                    diagonals[index].SetSubMatrix(start[a], start[b], block);
                    if (b != a) diagonals[index].SetSubMatrix(start[b], start[a], block.Transpose());
                    break;
                case 2:
                    bySource[times[index]].SetSubMatrix(start[a], 0, Block(packed, offset, width[a], sources));
                    break;
                default:
                    wide[index].SetSubMatrix(start[a], start[b], Block(packed, offset, width[a], width[b]));
                    break;
            }
        }

        var identity = Matrix<double>.Build.DenseIdentity(r);
        var g = new Matrix<double>[terms];
        for (int k = 0; k < terms; k++)
        {
            g[k] = _op.Terms[k].Spatial switch
            {
                StencilOperator s => shifts[Array.IndexOf(_axes, s.Axis)] * s.Minus + identity * s.Center + shifts[Array.IndexOf(_axes, s.Axis)].Transpose() * s.Plus,
                DiagonalOperator when _constant[k] is double c => identity * c,
                AxisStencil => wide[Array.IndexOf(_wide, k)],
                _ => diagonals[Array.IndexOf(variable, k)],
            };
        }
        return new(g, t => bySource.TryGetValue(t, out var src) ? src
            : throw new InvalidOperationException($"source projection at t = {t} was not prepared"), shifts, diagonals, bySource) { Wide = wide };
    }

    /// <summary>The rank-local sums x_aᵀ(D x_b) of the wide stencils into their places of the packed buffer. A block with
    /// b ≥ a applies D to x_b (its halo); one below the diagonal is (x_bᵀ(Dᵀx_a))ᵀ with Dᵀ the stencil of reversed weights
    /// (the transpose over the whole grid: zero ghosts on physical faces, periodic images, neighbours' cells), so only
    /// the halos of the parts that are not known are needed, as for the three-point shifts.</summary>
    private void WideGrams(IReadOnlyList<Block> parts, Halo?[] halos, List<(int Kind, int Index, int A, int B, int Offset)> layout, double[] packed)
    {
        foreach (var group in layout.Where(e => e.Kind == 3).GroupBy(e => (e.Index, Part: Math.Max(e.A, e.B))))
        {
            var (index, part) = group.Key;
            var stencil = (AxisStencil)_op.Terms[_wide[index]].Spatial;
            var x = parts[part];
            // D x and Dᵀx one after the other through one temporary: at most one n_cells × width block beside the parts.
            using var dx = _backend.Allocate(x.Rows, x.Columns);
            if (group.Any(e => e.B == part))
            {
                _backend.Clear(dx);
                _backend.ApplySpatial(stencil, _op.Block, x, halos[part]!, 1.0, dx);
                foreach (var (_, _, a, b, offset) in group)
                    if (b >= a) _backend.Gram(parts[a], dx).ToColumnMajorArray().CopyTo(packed, offset);
            }
            if (group.Any(e => e.B < e.A))
            {
                _backend.Clear(dx);
                _backend.ApplySpatial(new AxisStencil(stencil.Axis, [.. stencil.Weights.Reverse()]), _op.Block, x, halos[part]!, 1.0, dx);
                foreach (var (_, _, a, b, offset) in group)
                    if (b < a) _backend.Gram(parts[b], dx).Transpose().ToColumnMajorArray().CopyTo(packed, offset);
            }
        }
    }

    private static Matrix<double> Block(double[] packed, int offset, int rows, int columns) =>
        Matrix<double>.Build.Dense(rows, columns, packed.AsSpan(offset, rows * columns).ToArray());

    /// <summary>A rows × columns matrix with <paramref name="m"/> in its upper left corner.</summary>
    private static Matrix<double> Widen(Matrix<double> m, int rows, int columns)
    {
        var w = Matrix<double>.Build.Dense(rows, columns);
        w.SetSubMatrix(0, 0, m);
        return w;
    }

    /// <summary>result ← beta·result + alpha·F(x C Vᵀ) V = beta·result + alpha·[Σ_k (D_k x)(C M_k) + Q_t A] for the
    /// angular coefficients of V; C = I when <paramref name="c"/> is null. With x = X0 and C = S0 this is F(K)V
    /// at K = X0 S0 without forming K. The stencil terms are grouped by shift: per axis (S₋x)·C Σ m_k M_k and
    /// (S₊x)·C Σ p_k M_k, and every centre and spatially constant diagonal in one x·C Σ c_k M_k.</summary>
    public void KRightHandSide(double t, Block x, Matrix<double>? c, AngularCoefficients a, double alpha, double beta, Block result) =>
        KRightHandSide(t, x, c, a, alpha, beta, result, null);

    /// <summary><see cref="KRightHandSide(double, Block, Matrix{double}?, AngularCoefficients, double, double, Block)"/>
    /// plus x·<paramref name="extra"/>, folded into the product with the centre terms (one GEMM less for
    /// K1 = X0 S0 + Δt F(X0 S0 V0ᵀ)V0).</summary>
    public void KRightHandSide(double t, Block x, Matrix<double>? c, AngularCoefficients a, double alpha, double beta, Block result, Matrix<double>? extra)
    {
        int r = x.Columns, q = result.Columns;
        var halo = HaloFor(r);
        _haloExchange.Begin(_backend, x, halo);   // overlapped with the terms that need no ghosts
        Matrix<double> Right(Matrix<double> m) => c is null ? m * alpha : c * m * alpha;
        var centre = Matrix<double>.Build.Dense(q, q);
        var minus = new Dictionary<int, Matrix<double>>();
        var plus = new Dictionary<int, Matrix<double>>();
        for (int term = 0; term < _op.Terms.Count; term++)
        {
            switch (_op.Terms[term].Spatial)
            {
                case AxisStencil:
                    break;   // after the exchange
                case StencilOperator st:
                    if (st.Center != 0.0) centre += a.M[term] * st.Center;
                    if (st.Minus != 0.0) minus[st.Axis] = minus.TryGetValue(st.Axis, out var mm) ? mm + a.M[term] * st.Minus : a.M[term] * st.Minus;
                    if (st.Plus != 0.0) plus[st.Axis] = plus.TryGetValue(st.Axis, out var pp) ? pp + a.M[term] * st.Plus : a.M[term] * st.Plus;
                    break;
                case DiagonalOperator when _constant[term] is double value:
                    centre += a.M[term] * value;
                    break;
            }
        }
        _backend.MultiplySmall(x, extra is null ? Right(centre) : Right(centre) + extra, 1.0, beta, result);
        Block? work = null;
        for (int term = 0; term < _op.Terms.Count; term++)
        {
            if (_constant[term] is not null || _op.Terms[term].Spatial is StencilOperator or AxisStencil) continue;
            // A spatially varying diagonal (material map): (D x)(C M) through one temporary.
            work ??= _backend.Allocate(x.Rows, r);
            _backend.Clear(work);
            _backend.ApplySpatial(_op.Terms[term].Spatial, _op.Block, x, null, 1.0, work);
            _backend.MultiplySmall(work, Right(a.M[term]), 1.0, 1.0, result);
        }
        work?.Dispose();
        for (int j = 0; j < _op.Sources.Count; j++) _backend.AddOuter(_op.Sources[j].Spatial(t), a.Source.Row(j).ToArray(), alpha, result);
        _haloExchange.End();
        var shifts = new List<ShiftProduct>();
        foreach (int axis in _axes)
        {
            if (minus.TryGetValue(axis, out var m)) shifts.Add(new ShiftProduct(axis, -1, Right(m)));
            if (plus.TryGetValue(axis, out var p)) shifts.Add(new ShiftProduct(axis, +1, Right(p)));
        }
        _backend.AddShiftedProducts(_op.Block, x, halo, shifts, result);
        if (_wide.Length == 0) return;
        // Wide stencils: (D_k x)(C M_k) through one temporary.
        using var dx = _backend.Allocate(x.Rows, r);
        foreach (int term in _wide)
        {
            _backend.Clear(dx);
            _backend.ApplySpatial(_op.Terms[term].Spatial, _op.Block, x, halo, 1.0, dx);
            _backend.MultiplySmall(dx, Right(a.M[term]), 1.0, 1.0, result);
        }
    }

    /// <summary>dL/dt = Σ_k B_k L G_kᵀ + C s(t)ᵀ.</summary>
    public Matrix<double> LRightHandSide(double t, Matrix<double> l, SpatialCoefficients s)
    {
        var result = Matrix<double>.Build.Dense(l.RowCount, l.ColumnCount);
        for (int k = 0; k < _op.Terms.Count; k++) result += _angular[k].Multiply(l.TransposeAndMultiply(s.G[k]));
        if (_op.Sources.Count > 0)
        {
            var src = s.Source(t);
            for (int j = 0; j < _op.Sources.Count; j++)
                result += Vector<double>.Build.Dense(_op.Sources[j].Angular).OuterProduct(src.Column(j));
        }
        return result;
    }

    /// <summary>dS/dt = Σ_k G_k S M_k + s(t) A.</summary>
    public Matrix<double> SRightHandSide(double t, Matrix<double> sMat, SpatialCoefficients s, AngularCoefficients a)
    {
        var result = Matrix<double>.Build.Dense(sMat.RowCount, sMat.ColumnCount);
        for (int k = 0; k < _op.Terms.Count; k++) result += s.G[k] * sMat * a.M[k];
        if (_op.Sources.Count > 0) result += s.Source(t) * a.Source;
        return result;
    }

    /// <summary>The ghost layers for a block of the given width; <paramref name="slot"/> tells apart blocks whose
    /// halos are alive at the same time (the parts of an augmented basis).</summary>
    private Halo HaloFor(int columns, int slot = 0)
    {
        if (!_halos.TryGetValue((columns, slot), out var h)) _halos[(columns, slot)] = h = new Halo(_op.Block, columns, _depth);
        return h;
    }
}
