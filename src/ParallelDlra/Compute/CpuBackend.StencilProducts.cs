using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>The fused right-hand side of the CPU backend (<see cref="IComputeBackend.StencilProducts"/>): one pass over
/// fixed row panels of x, each panel's whole output formed while the panel is in cache (issue #19).</summary>
public sealed partial class CpuBackend
{
    /// <summary>Rows of one panel of <see cref="StencilProducts"/>. A panel's output (rows × columns), its accumulator and
    /// the rows of x its stencils read (along the slowest axis of a 2D block the panel ± one grid row) stay in the 1 MiB L2
    /// of the development machine for 136 moments; a multiple of 8, so that every panel of a column starts on a 64-byte
    /// boundary when the column does. Panels are fixed (not the threads), so every row's sums are the same whatever the
    /// thread count.</summary>
    public const int ProductRows = 256;

    private readonly ConditionalWeakTable<IReadOnlyList<StencilProduct>, ProductPlan> _productPlans = new();
    private readonly ConcurrentBag<PanelWorkspace> _panelWorkspaces = [];

    /// <summary>Per panel of <see cref="ProductRows"/> rows, the products in three kinds (<see cref="ProductPlan"/>):
    /// (1) the dense blocks of all products that share a column set (|A_x| and |A_y| of P_N share the four parity classes)
    /// as one GEMM per set, [D₁x_R₁ D₂x_R₂ …]·[B₁; B₂; …] with the stencils formed into a panel buffer, into a panel
    /// accumulator P; (2) the rest that is not sparse (dense B, blocks that share no set, diagonals D) as before, formed,
    /// multiplied and added into P; (3) every sparse product with the identity or a three-point stencil as taps
    /// w·x_i[r + offset] (offset 0 or ± the axis stride; taps of the same column and offset merged), summed per output
    /// column in one vectorised pass over the panel together with its P column, the outer products and the update
    /// y ← z + alpha·(…). Taps read x through whole-block offset views; the face rows, where such a view pairs a row
    /// with the wrong cell (or none), get w·(ghost − that cell) (as <see cref="AddShiftedProducts"/> does). Each output
    /// row is written by one thread, once. The panels run on the BLAS threads of the provider (<see
    /// cref="IDenseLinearAlgebra.Threads"/>: the run's threads), each GEMM single-threaded; buffers are kept between
    /// calls.</summary>
    public void StencilProducts(GridBlock block, Block x, Halo? halo, IReadOnlyList<StencilProduct> products, IReadOnlyList<OuterProduct> outer,
        Block y, double alpha = 1.0, Block? z = null)
    {
        int n = x.Rows, p = x.Columns, q = y.Columns;
        if (y.Rows != n || (z is not null && (z.Rows != n || z.Columns != q)) || n != block.Count)
            throw new ArgumentException($"shapes x {n}x{p}, y {y.Rows}x{q}, z {z?.Rows}x{z?.Columns} on a block of {block.Count} cells");
        if (ReferenceEquals(x, y) || ReferenceEquals(z, y)) throw new ArgumentException("y must not be x or z", nameof(y));
        foreach (var s in products)
        {
            if (s.Matrix.Rows != p || s.Matrix.Columns != q)
                throw new ArgumentException($"product matrix {s.Matrix.Rows}x{s.Matrix.Columns} does not fit {p} → {q} columns");
            if (s.Spatial is StencilOperator st)
            {
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                FaceRows(block, st.Axis, -1);   // geometry cached before the threads read it
                FaceRows(block, st.Axis, +1);
            }
            else if (s.Spatial is not (null or DiagonalOperator))
                throw new NotSupportedException($"{s.Spatial.GetType().Name} in a stencil product (three-point stencils and diagonals only)");
        }
        foreach (var o in outer)
            if (o.Spatial.Length < n || o.Angular.Length != q) throw new ArgumentException($"outer product {o.Spatial.Length} x {o.Angular.Length} does not fit {n} x {q}");
        var plan = PlanFor(block, products, p, q);
        int threads0 = _la.Threads;
        var xm = H(x).Memory; var ym = H(y).Memory;
        Memory<double>? zm = z is null ? null : H(z).Memory;
        int panels = (n + ProductRows - 1) / ProductRows;
        int threads = Math.Max(1, Math.Min(_la.Threads, panels));
        if (_la.Threads != 1) _la.Threads = 1;   // one GEMM per panel and thread
        try
        {
            // Contiguous runs of panels per thread, so that the rows a panel's stencils share with the next stay in its cache.
            System.Threading.Tasks.Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, worker =>
            {
                var ws = RentWorkspace(plan);
                try
                {
                    unsafe
                    {
                        using var zPin = zm is { } zmem ? zmem.Pin() : default;
                        double* pz = zm is null ? null : (double*)zPin.Pointer;
                        int first = (int)((long)worker * panels / threads), end = (int)((long)(worker + 1) * panels / threads);
                        for (int panel = first; panel < end; panel++)
                        {
                            int lo = panel * ProductRows, rows = Math.Min(ProductRows, n - lo);
                            Panel(plan, block, xm.Span, halo, products, outer, ym.Span, alpha, pz, n, lo, rows, ws);
                        }
                    }
                }
                finally { _panelWorkspaces.Add(ws); }
            });
        }
        finally
        {
            if (_la.Threads != threads0) _la.Threads = threads0;
        }
    }

    private PanelWorkspace RentWorkspace(ProductPlan plan)
    {
        if (!_panelWorkspaces.TryTake(out var ws)) ws = new PanelWorkspace();
        ws.Ensure(ProductRows, plan);
        return ws;
    }

    private ProductPlan PlanFor(GridBlock block, IReadOnlyList<StencilProduct> products, int p, int q)
    {
        if (_productPlans.TryGetValue(products, out var known) && known.Fits(block, p, q)) return known;
        var plan = new ProductPlan(block, products, p, q);
        for (int face = 0; face < plan.Faces.Length; face++)
            if (plan.UsesFace(face)) plan.Faces[face] = FaceRows(block, face / 2, face % 2 == 0 ? -1 : +1);
        _productPlans.AddOrUpdate(products, plan);
        return plan;
    }

    /// <summary>Rows [lo, lo + rows) of y: the GEMM groups and the other products into P, then per output column the taps,
    /// P, the face corrections, the outer products and the update.</summary>
    private unsafe void Panel(ProductPlan plan, GridBlock block, ReadOnlySpan<double> xd, Halo? halo, IReadOnlyList<StencilProduct> products,
        IReadOnlyList<OuterProduct> outer, Span<double> yd, double alpha, double* pz, int n, int lo, int rows, PanelWorkspace ws)
    {
        int q = plan.Q, hi = lo + rows;
        var pAcc = ws.P;
        // The face rows of this panel: [FaceFirst, FaceEnd) of each face's rows.
        for (int face = 0; face < plan.Faces.Length; face++)
        {
            if (plan.Faces[face].Rows is not { } faceRows) continue;
            int k0 = LowerBound(faceRows, lo), k1 = k0;
            while (k1 < faceRows.Length && faceRows[k1] < hi) k1++;
            ws.FaceFirst[face] = k0; ws.FaceEnd[face] = k1;
        }
        fixed (double* px = xd, py = yd, pa = ws.Acc, pp = pAcc, pt = ws.T)
        {
            // (1) The GEMM groups: each writes its columns of P (beta = 0) first.
            foreach (var g in plan.Groups)
            {
                for (int k = 0; k < g.Inputs.Length; k++)
                {
                    var (spatial, column) = g.Inputs[k];
                    double* dst = pt + (long)k * rows;
                    double* xc = px + (long)column * n;
                    if (spatial is StencilOperator st)
                    {
                        int stride = block.Stride[st.Axis];
                        Stencil3(xc, n, lo, rows, stride, st.Minus, st.Center, st.Plus, dst);
                        FaceFix(plan, ws, halo!, 2 * st.Axis, column, st.Minus, xc, lo, dst);
                        FaceFix(plan, ws, halo!, 2 * st.Axis + 1, column, st.Plus, xc, lo, dst);
                    }
                    else new ReadOnlySpan<double>(xc + lo, rows).CopyTo(new Span<double>(dst, rows));
                }
                if (PanelGemm.IsAccelerated)
                    fixed (double* pb = g.Values) PanelGemm.Multiply(rows, g.Columns.Length, g.Inputs.Length, pt, rows, pb, g.Inputs.Length, pp + (long)g.Start * rows, rows);
                else
                    _la.Gemm(Transpose.No, Transpose.No, rows, g.Columns.Length, g.Inputs.Length, 1.0, ws.T, rows, g.Values, g.Inputs.Length, 0.0,
                        pAcc.AsSpan(g.Start * rows, g.Columns.Length * rows), rows);
            }
            // (2) The other products, added into P (its columns outside the groups cleared first).
            if (plan.Others.Length > 0)
            {
                for (int c = plan.GroupedColumns; c < q; c++) pAcc.AsSpan(c * rows, rows).Clear();
                foreach (int index in plan.Others) OtherProduct(plan, block, index, products[index], xd, halo, n, lo, rows, ws);
            }
            // (3) Per output column: P and the taps, the face corrections, the outer products, the update.
            fixed (nint* psources = ws.Sources)
            {
            var sources = (double**)psources;
            for (int j = 0; j < q; j++)
            {
                int position = plan.Position[j];
                int t0 = plan.TapStart[j], count = plan.TapStart[j + 1] - t0;
                int a = lo, e = hi;
                for (int t = 0; t < count; t++)
                {
                    var tap = plan.Taps[t0 + t];
                    sources[t] = px + (long)tap.Column * n + tap.Offset;
                    a = Math.Max(a, -tap.Offset); e = Math.Min(e, n - tap.Offset);
                }
                double* init = position >= 0 ? pp + (long)position * rows - lo : null;
                if (e > a)
                {
                    SumTaps(sources, plan.Weights, t0, count, init, a, e, pa - lo);
                    SumTapsChecked(sources, plan.Taps, t0, count, init, n, lo, a, pa - lo);
                    SumTapsChecked(sources, plan.Taps, t0, count, init, n, e, hi, pa - lo);
                }
                else SumTapsChecked(sources, plan.Taps, t0, count, init, n, lo, hi, pa - lo);
                for (int f = plan.FixStart[j]; f < plan.FixStart[j + 1]; f++)
                {
                    var fix = plan.Fixes[f];
                    FaceFix(plan, ws, halo!, fix.Face, fix.Column, fix.Weight, px + (long)fix.Column * n, lo, pa);
                }
                foreach (var o in outer)
                    if (o.Angular[j] != 0.0) Kernels.Axpy(o.Angular[j], o.Spatial.AsSpan(lo, rows), ws.Acc.AsSpan(0, rows));
                // The rows of column j the next panel reads first (its widest stencil's reach beyond this panel) towards the caches.
                if (System.Runtime.Intrinsics.X86.Sse.IsSupported && plan.Prefetch)
                {
                    long from = Math.Min((long)hi + plan.Reach, n), to = Math.Min(from + rows, n);
                    double* xc = px + (long)j * n;
                    for (long r = from; r < to; r += 8) System.Runtime.Intrinsics.X86.Sse.Prefetch1(xc + r);
                }
                double* yc = py + (long)j * n + lo;
                if (pz is not null) Update(pz + (long)j * n + lo, alpha, pa, yc, rows);
                else Scale(alpha, pa, yc, rows);
            }
            }
        }
    }

    /// <summary>dst[r − lo] += w·(ghost − the cell the offset view paired face row r with) for the face rows of this panel
    /// on <paramref name="face"/>, input column <paramref name="column"/> (xc its values).</summary>
    private static unsafe void FaceFix(ProductPlan plan, PanelWorkspace ws, Halo halo, int face, int column, double w, double* xc, int lo, double* dst)
    {
        if (w == 0.0) return;
        var (faceRows, paired) = plan.Faces[face];
        var ghost = halo.Ghost[face];
        int offset = column * faceRows!.Length;
        for (int k = ws.FaceFirst[face], end = ws.FaceEnd[face]; k < end; k++)
        {
            int other = paired![k];
            dst[faceRows[k] - lo] += w * (ghost[offset + k] - (other >= 0 ? xc[other] : 0.0));
        }
    }

    /// <summary>dst[r − lo] ← m·x[r − s] + c·x[r] + p·x[r + s], r ∈ [lo, lo + rows), a neighbour outside [0, n) read as 0.</summary>
    private static unsafe void Stencil3(double* x, int n, int lo, int rows, int s, double m, double c, double p, double* dst)
    {
        int hi = lo + rows, a = Math.Max(lo, s), e = Math.Min(hi, n - s);
        if (e <= a) a = e = hi;
        for (int r = lo; r < a; r++) dst[r - lo] = (r - s >= 0 ? m * x[r - s] : 0.0) + c * x[r] + (r + s < n ? p * x[r + s] : 0.0);
        int i = a;
        if (Vector512.IsHardwareAccelerated)
        {
            var vm = Vector512.Create(m); var vc = Vector512.Create(c); var vp = Vector512.Create(p);
            for (; i + 8 <= e; i += 8)
                Vector512.Store(Vector512.FusedMultiplyAdd(vp, Vector512.Load(x + i + s), Vector512.FusedMultiplyAdd(vc, Vector512.Load(x + i), vm * Vector512.Load(x + i - s))), dst + i - lo);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var vm = new Vector<double>(m); var vc = new Vector<double>(c); var vp = new Vector<double>(p);
            for (; i + width <= e; i += width)
                Vector.Store(Vector.FusedMultiplyAdd(vp, Vector.Load(x + i + s), Vector.FusedMultiplyAdd(vc, Vector.Load(x + i), vm * Vector.Load(x + i - s))), dst + i - lo);
        }
        for (; i < e; i++) dst[i - lo] = Math.FusedMultiplyAdd(p, x[i + s], Math.FusedMultiplyAdd(c, x[i], m * x[i - s]));
        for (int r = Math.Max(e, a); r < hi; r++) dst[r - lo] = (r - s >= 0 ? m * x[r - s] : 0.0) + c * x[r] + (r + s < n ? p * x[r + s] : 0.0);
    }

    /// <summary>acc[r] ← init[r] (0 when null) + Σ_t w_t·src_t[r] for r ∈ [a, e), where every tap reads inside x: 32 rows
    /// at a time, the taps in order.</summary>
    private static unsafe void SumTaps(double** src, double[] weights, int t0, int count, double* init, int a, int e, double* acc)
    {
        int r = a;
        fixed (double* pw = weights)
        {
            double* w = pw + t0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; r + 32 <= e; r += 32)
                {
                    Vector512<double> s0, s1, s2, s3;
                    if (init is null) s0 = s1 = s2 = s3 = Vector512<double>.Zero;
                    else { s0 = Vector512.Load(init + r); s1 = Vector512.Load(init + r + 8); s2 = Vector512.Load(init + r + 16); s3 = Vector512.Load(init + r + 24); }
                    for (int t = 0; t < count; t++)
                    {
                        var vw = Vector512.Create(w[t]);
                        double* x = src[t] + r;
                        s0 = Vector512.FusedMultiplyAdd(vw, Vector512.Load(x), s0);
                        s1 = Vector512.FusedMultiplyAdd(vw, Vector512.Load(x + 8), s1);
                        s2 = Vector512.FusedMultiplyAdd(vw, Vector512.Load(x + 16), s2);
                        s3 = Vector512.FusedMultiplyAdd(vw, Vector512.Load(x + 24), s3);
                    }
                    Vector512.Store(s0, acc + r); Vector512.Store(s1, acc + r + 8); Vector512.Store(s2, acc + r + 16); Vector512.Store(s3, acc + r + 24);
                }
                for (; r + 8 <= e; r += 8)
                {
                    var s0 = init is null ? Vector512<double>.Zero : Vector512.Load(init + r);
                    for (int t = 0; t < count; t++) s0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[t]), Vector512.Load(src[t] + r), s0);
                    Vector512.Store(s0, acc + r);
                }
            }
            else if (Vector.IsHardwareAccelerated)
            {
                int width = Vector<double>.Count;
                for (; r + width <= e; r += width)
                {
                    var s0 = init is null ? Vector<double>.Zero : Vector.Load(init + r);
                    for (int t = 0; t < count; t++) s0 = Vector.FusedMultiplyAdd(new Vector<double>(w[t]), Vector.Load(src[t] + r), s0);
                    Vector.Store(s0, acc + r);
                }
            }
            for (; r < e; r++)
            {
                double sum = init is null ? 0.0 : init[r];
                for (int t = 0; t < count; t++) sum = Math.FusedMultiplyAdd(w[t], src[t][r], sum);
                acc[r] = sum;
            }
        }
    }

    /// <summary><see cref="SumTaps"/> on rows [r0, r1) where some tap would read outside [0, n): those taps add nothing there.</summary>
    private static unsafe void SumTapsChecked(double** src, Tap[] taps, int t0, int count, double* init, int n, int r0, int r1, double* acc)
    {
        for (int r = r0; r < r1; r++)
        {
            double sum = init is null ? 0.0 : init[r];
            for (int t = 0; t < count; t++)
            {
                int at = r + taps[t0 + t].Offset;
                if (at >= 0 && at < n) sum = Math.FusedMultiplyAdd(taps[t0 + t].Weight, src[t][r], sum);
            }
            acc[r] = sum;
        }
    }

    /// <summary>y[i] ← z[i] + alpha·acc[i] (a product, then a sum: the arithmetic of <see cref="Axpby"/>, so a fused step is
    /// the stepper's u + Δt F(u) bit for bit), stored past the caches where y is aligned (y is the next step's input, and far
    /// larger than the caches).</summary>
    private static unsafe void Update(double* z, double alpha, double* acc, double* y, int length)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i < length && ((nint)(y + i) & 63) != 0; i++) y[i] = alpha * acc[i] + z[i];
            var va = Vector512.Create(alpha);
            for (; i + 8 <= length; i += 8) Vector512.StoreAlignedNonTemporal(va * Vector512.Load(acc + i) + Vector512.Load(z + i), y + i);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var va = new Vector<double>(alpha);
            for (; i + width <= length; i += width) Vector.Store(va * Vector.Load(acc + i) + Vector.Load(z + i), y + i);
        }
        for (; i < length; i++) y[i] = alpha * acc[i] + z[i];
    }

    /// <summary>y[i] ← alpha·acc[i].</summary>
    private static unsafe void Scale(double alpha, double* acc, double* y, int length)
    {
        for (int i = 0; i < length; i++) y[i] = alpha * acc[i];
    }

    /// <summary>P += (D x)·B for one product outside the GEMM groups and the taps, on the panel's rows: sparse axpys
    /// (a diagonal D), per block a GEMM and a scatter-add, or a dense GEMM; P's columns in the plan's order.</summary>
    private void OtherProduct(ProductPlan plan, GridBlock block, int index, StencilProduct s, ReadOnlySpan<double> xd, Halo? halo, int n, int lo, int rows, PanelWorkspace ws)
    {
        var b = s.Matrix;
        int p = plan.P, q = plan.Q;
        var t = ws.T; var scratch = ws.S; var pAcc = ws.P;
        if (s.Spatial is DiagonalOperator diag && diag.Weights.AsSpan(lo, rows).IndexOfAnyExcept(0.0) < 0) return;   // (D x) = 0 here
        switch (b.Kind)
        {
            case StructureKind.Sparse:
                foreach (int i in b.UsedRows) Form(block, s.Spatial!, xd, halo, n, i, lo, rows, t.AsSpan(i * rows, rows));
                for (int j = 0; j < q; j++)
                    if (b.NonzerosByColumn[j].Length > 0)
                        Kernels.AddCombination(b.NonzerosByColumn[j], t, rows, 0, pAcc.AsSpan(plan.Position[j] * rows, rows));
                break;
            case StructureKind.Blocks:
                foreach (int k in plan.OtherBlocks[index])
                {
                    var blk = b.Blocks[k];
                    int br = blk.RowIndices.Length, bc = blk.ColumnIndices.Length;
                    for (int r = 0; r < br; r++)
                    {
                        int i = blk.RowIndices[r];
                        var dst = t.AsSpan(r * rows, rows);
                        if (s.Spatial is null) xd.Slice(i * n + lo, rows).CopyTo(dst);
                        else Form(block, s.Spatial, xd, halo, n, i, lo, rows, dst);
                    }
                    _la.Gemm(Transpose.No, Transpose.No, rows, bc, br, 1.0, t, rows, blk.Values, br, 0.0, scratch, rows);
                    for (int c = 0; c < bc; c++)
                        Kernels.Axpy(1.0, scratch.AsSpan(c * rows, rows), pAcc.AsSpan(plan.Position[blk.ColumnIndices[c]] * rows, rows));
                }
                break;
            case StructureKind.Dense:
            {
                ReadOnlySpan<double> a;
                int lda;
                if (s.Spatial is null) { a = xd[lo..]; lda = n; }
                else
                {
                    for (int i = 0; i < p; i++) Form(block, s.Spatial, xd, halo, n, i, lo, rows, t.AsSpan(i * rows, rows));
                    a = t; lda = rows;
                }
                _la.Gemm(Transpose.No, Transpose.No, rows, q, p, 1.0, a, lda, b.Dense, p, 0.0, scratch, rows);
                for (int j = 0; j < q; j++) Kernels.Axpy(1.0, scratch.AsSpan(j * rows, rows), pAcc.AsSpan(plan.Position[j] * rows, rows));
                break;
            }
        }
    }

    /// <summary>dst ← rows [lo, lo + count) of column j of D x for a three-point stencil (ghosts on the block's faces)
    /// or a diagonal D.</summary>
    private void Form(GridBlock block, SpatialOperator d, ReadOnlySpan<double> xd, Halo? halo, int n, int j, int lo, int count, Span<double> dst)
    {
        var x = xd.Slice(j * n, n);
        if (d is DiagonalOperator diag)
        {
            Kernels.SetProduct(diag.Weights.AsSpan(lo, count), x.Slice(lo, count), dst);
            return;
        }
        var s = (StencilOperator)d;
        int axis = s.Axis, inner = block.Stride[axis], hi = lo + count;
        double m = s.Minus, c = s.Center, pl = s.Plus;
        // Rows with both neighbours inside the block's storage; the face rows among them are overwritten below.
        int a = Math.Max(lo, inner), e = Math.Min(hi, n - inner);
        if (e > a) Kernels.Set3(m, x.Slice(a - inner, e - a), c, x.Slice(a, e - a), pl, x.Slice(a + inner, e - a), dst.Slice(a - lo, e - a));
        int faceCount = block.FaceCount(2 * axis);
        var gLo = halo!.Ghost[2 * axis].AsSpan(j * faceCount, faceCount);
        var gHi = halo.Ghost[2 * axis + 1].AsSpan(j * faceCount, faceCount);
        bool single = block.Size[axis] == 1;
        var (lower, _) = FaceRows(block, axis, -1);
        var (upper, _) = FaceRows(block, axis, +1);
        for (int f = LowerBound(lower, lo); f < lower.Length && lower[f] < hi; f++)
        {
            int i = lower[f];
            dst[i - lo] = m * gLo[f] + c * x[i] + pl * (single ? gHi[f] : x[i + inner]);
        }
        if (single) return;
        for (int f = LowerBound(upper, lo); f < upper.Length && upper[f] < hi; f++)
        {
            int i = upper[f];
            dst[i - lo] = m * x[i - inner] + c * x[i] + pl * gHi[f];
        }
    }

    /// <summary>The first index of the sorted <paramref name="rows"/> with rows[k] ≥ value.</summary>
    private static int LowerBound(int[] rows, int value)
    {
        int k = Array.BinarySearch(rows, value);
        return k >= 0 ? k : ~k;
    }

    /// <summary>One tap w·x[Column·n + r + Offset] of an output column.</summary>
    private readonly record struct Tap(int Column, int Offset, double Weight);

    /// <summary>A face correction w·(ghost − paired cell) on the face rows of (Axis, Direction) for input Column.</summary>
    private readonly record struct Fix(int Column, int Face, double Weight);

    /// <summary>One GEMM of a panel: the inputs (D, column) stacked as the panel buffer's columns, the stacked dense
    /// blocks (Inputs.Length × Columns.Length, column-major), and where its output columns start in P.</summary>
    private sealed record Group((SpatialOperator? Spatial, int Column)[] Inputs, double[] Values, int[] Columns, int Start);

    /// <summary>How <see cref="StencilProducts"/> applies a list of products, built once per list (and block).</summary>
    private sealed class ProductPlan
    {
        public ProductPlan(GridBlock block, IReadOnlyList<StencilProduct> products, int p, int q)
        {
            Block = block; P = p; Q = q;
            Faces = new (int[], int[])[2 * block.Dimension];
            // (1) GEMM groups: dense blocks (identity or stencil D) with identical column sets, disjoint from the other sets.
            var groupMembers = new List<(int[] Columns, List<(StencilProduct Product, DenseBlock Block)> Members)>();
            var grouped = new bool[q];
            var otherBlocks = new Dictionary<int, List<int>>();
            var others = new List<int>();
            for (int k = 0; k < products.Count; k++)
            {
                var s = products[k];
                var b = s.Matrix;
                if (b.Kind == StructureKind.Blocks && s.Spatial is null or StencilOperator)
                {
                    for (int bi = 0; bi < b.Blocks.Length; bi++)
                    {
                        var blk = b.Blocks[bi];
                        var same = groupMembers.FindIndex(g => g.Columns.AsSpan().SequenceEqual(blk.ColumnIndices));
                        if (same >= 0) groupMembers[same].Members.Add((s, blk));
                        else if (blk.ColumnIndices.All(c => !grouped[c]))
                        {
                            foreach (int c in blk.ColumnIndices) grouped[c] = true;
                            groupMembers.Add((blk.ColumnIndices, [(s, blk)]));
                        }
                        else
                        {
                            if (!otherBlocks.TryGetValue(k, out var list)) otherBlocks[k] = list = [];
                            list.Add(bi);
                        }
                    }
                    if (otherBlocks.ContainsKey(k)) others.Add(k);
                }
                else if (b.Kind == StructureKind.Blocks)
                {
                    otherBlocks[k] = [.. Enumerable.Range(0, b.Blocks.Length)];
                    others.Add(k);
                }
                else if (b.Kind == StructureKind.Dense || (b.Kind == StructureKind.Sparse && s.Spatial is DiagonalOperator))
                    others.Add(k);
            }
            // P's columns: the groups' in order, then the rest.
            Position = new int[q];
            Array.Fill(Position, -1);
            var groups = new List<Group>();
            int next = 0;
            foreach (var (columns, members) in groupMembers)
            {
                var inputs = members.SelectMany(m => m.Block.RowIndices.Select(i => (m.Product.Spatial, i))).ToArray();
                int kk = inputs.Length, bc = columns.Length;
                var values = new double[kk * bc];
                int row = 0;
                foreach (var (_, blk) in members)
                {
                    int br = blk.RowIndices.Length;
                    for (int c = 0; c < bc; c++)
                        for (int r = 0; r < br; r++) values[row + r + c * kk] = blk.Values[r + c * br];
                    row += br;
                }
                groups.Add(new Group(inputs, values, columns, next));
                foreach (int c in columns) Position[c] = next++;
            }
            GroupedColumns = next;
            Groups = [.. groups];
            Others = [.. others];
            OtherBlocks = [.. Enumerable.Range(0, products.Count).Select(k => otherBlocks.TryGetValue(k, out var list) ? list.ToArray() : [])];
            for (int c = 0; c < q; c++)
                if (Position[c] < 0 && Others.Length > 0) Position[c] = next++;
            // (3) Taps and face corrections of the sparse products with the identity or a three-point stencil.
            var taps = new SortedDictionary<(int Offset, int Column), double>[q];
            var fixes = new SortedDictionary<(int Axis, int Direction, int Column), double>[q];
            for (int j = 0; j < q; j++) { taps[j] = []; fixes[j] = []; }
            void AddTap(int j, int column, int offset, double w)
            {
                if (w == 0.0) return;
                taps[j][(offset, column)] = taps[j].GetValueOrDefault((offset, column)) + w;
            }
            void AddFix(int j, int axis, int direction, int column, double w)
            {
                if (w == 0.0) return;
                fixes[j][(axis, direction, column)] = fixes[j].GetValueOrDefault((axis, direction, column)) + w;
            }
            foreach (var s in products)
            {
                if (s.Matrix.Kind != StructureKind.Sparse || s.Spatial is DiagonalOperator) continue;
                for (int j = 0; j < q; j++)
                    foreach (var (i, v) in s.Matrix.NonzerosByColumn[j])
                    {
                        if (s.Spatial is StencilOperator st)
                        {
                            int stride = block.Stride[st.Axis];
                            AddTap(j, i, -stride, v * st.Minus);
                            AddTap(j, i, 0, v * st.Center);
                            AddTap(j, i, stride, v * st.Plus);
                            AddFix(j, st.Axis, -1, i, v * st.Minus);
                            AddFix(j, st.Axis, +1, i, v * st.Plus);
                        }
                        else AddTap(j, i, 0, v);
                    }
            }
            TapStart = new int[q + 1];
            FixStart = new int[q + 1];
            var tapList = new List<Tap>();
            var fixList = new List<Fix>();
            for (int j = 0; j < q; j++)
            {
                foreach (var ((offset, column), w) in taps[j]) if (w != 0.0) tapList.Add(new Tap(column, offset, w));
                foreach (var ((axis, direction, column), w) in fixes[j]) if (w != 0.0) fixList.Add(new Fix(column, 2 * axis + (direction < 0 ? 0 : 1), w));
                TapStart[j + 1] = tapList.Count;
                FixStart[j + 1] = fixList.Count;
            }
            Taps = [.. tapList];
            Weights = [.. tapList.Select(t => t.Weight)];
            MaxTaps = Enumerable.Range(0, q).Select(j => TapStart[j + 1] - TapStart[j]).DefaultIfEmpty(0).Max();
            _faces = new bool[2 * block.Dimension];
            foreach (var f in fixList) _faces[f.Face] = true;
            foreach (var g in groupMembers)
                foreach (var (product, _) in g.Members)
                    if (product.Spatial is StencilOperator st) _faces[2 * st.Axis] = _faces[2 * st.Axis + 1] = true;
            Reach = Enumerable.Range(0, block.Dimension).Where(a => _faces[2 * a]).Select(a => block.Stride[a]).DefaultIfEmpty(0).Max();
            Prefetch = p == q;

            Fixes = [.. fixList];
            MaxFormed = Math.Max(Groups.Length > 0 ? Groups.Max(g => g.Inputs.Length) : 0, Others.Length > 0 ? Math.Max(p, q) : 0);
        }

        public GridBlock Block { get; }
        public int P { get; }
        public int Q { get; }
        public Group[] Groups { get; }
        public int GroupedColumns { get; }
        public int[] Others { get; }
        /// <summary>Per product, its blocks outside the GEMM groups.</summary>
        public int[][] OtherBlocks { get; }

        /// <summary>Per output column its column in P, or −1 where nothing is accumulated there.</summary>
        public int[] Position { get; }

        public Tap[] Taps { get; }

        /// <summary>The taps' weights, in the order of <see cref="Taps"/>.</summary>
        public double[] Weights { get; }

        /// <summary>The largest stride a stencil of the products reads across.</summary>
        public int Reach { get; }

        /// <summary>Whether the final pass prefetches the next panel's input column by column (input and output columns alike).</summary>
        public bool Prefetch { get; }

        /// <summary>The most taps of one output column.</summary>
        public int MaxTaps { get; }

        private readonly bool[] _faces;

        /// <summary>Whether a tap or a GEMM group's stencil needs the face rows of <paramref name="face"/>.</summary>
        public bool UsesFace(int face) => _faces[face];
        public int[] TapStart { get; }
        public Fix[] Fixes { get; }
        public int[] FixStart { get; }

        /// <summary>The most columns formed into the panel buffer at once.</summary>
        public int MaxFormed { get; }

        public bool Fits(GridBlock block, int p, int q) => ReferenceEquals(block, Block) && p == P && q == Q;

        /// <summary>Per face (2·axis + side) of a corrected axis: its rows and the rows the offset views pair them with.</summary>
        public (int[] Rows, int[] Paired)[] Faces { get; }
    }

    /// <summary>A thread's panel buffers, reused across calls: the formed stencils T, a GEMM's output S, the accumulator P
    /// and one column's sum.</summary>
    private sealed class PanelWorkspace
    {
        public double[] T = [], S = [], P = [], Acc = [];
        public int[] FaceFirst = [], FaceEnd = [];
        public nint[] Sources = [];

        public void Ensure(int rows, ProductPlan plan)
        {
            static void Fit(ref double[] a, long length) { if (a.Length < length) a = new double[length]; }
            Fit(ref T, (long)rows * plan.MaxFormed);
            Fit(ref S, plan.Others.Length > 0 ? (long)rows * plan.Q : 0);
            Fit(ref P, (long)rows * plan.Position.Count(c => c >= 0));
            Fit(ref Acc, rows);
            if (FaceFirst.Length < plan.Faces.Length) { FaceFirst = new int[plan.Faces.Length]; FaceEnd = new int[plan.Faces.Length]; }
            if (Sources.Length < plan.MaxTaps) Sources = new nint[plan.MaxTaps];
        }
    }
}
