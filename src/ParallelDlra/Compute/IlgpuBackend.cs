using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LinearAlgebra;
using ParallelDlra.Mesh;

namespace ParallelDlra.Compute;

/// <summary>A block in device memory (column-major, one buffer of at least Rows·Columns doubles).
/// Disposing it returns the buffer to its backend's pool.</summary>
public sealed class DeviceBlock : Block
{
    private readonly IlgpuBackend _owner;
    private MemoryBuffer1D<double, Stride1D.Dense>? _buffer;

    internal DeviceBlock(IlgpuBackend owner, MemoryBuffer1D<double, Stride1D.Dense> buffer, int rows, int columns) : base(rows, columns)
    {
        _owner = owner;
        _buffer = buffer;
        owner.Blocks.Allocated(Length);
    }

    internal IlgpuBackend Owner => _owner;

    public MemoryBuffer1D<double, Stride1D.Dense> Buffer => _buffer ?? throw new ObjectDisposedException(nameof(DeviceBlock));

    /// <summary>The Rows·Columns elements of the block.</summary>
    internal ArrayView<double> View => Buffer.View.SubView(0, Math.Max(Length, 0)).BaseView;

    public override void Dispose()
    {
        if (_buffer is not null)
        {
            _owner.Return(_buffer);
            _owner.Blocks.Released(Length);
        }
        _buffer = null;
        base.Dispose();
    }
}

/// <summary>
/// The GPU backend (issue #6): blocks live in device memory (<see cref="DeviceBlock"/>) and every
/// n_cells-long operation is an ILGPU kernel (<see cref="IlgpuKernels"/>); small matrices (B of
/// MultiplySmall, Gram results, R factors) and the halo faces are the only data that cross to and from
/// the host in the time loop. Runs on a CUDA device, or on ILGPU's CPU accelerator (correctness tests
/// only: hundreds of times slower than <see cref="CpuBackend"/>).
/// <para>Reductions (Gram, column sums) are deterministic: a fixed number of interleaved row chunks
/// (thread c sums rows c, c + chunks, ...), partial sums written to a buffer and added in chunk order —
/// the chunking depends only on the row count, not on the device.</para>
/// <para>LocalQr: CholeskyQR2 on the device (Gram on the device, p × p Cholesky on the host, Q ← A R⁻¹
/// as a MultiplySmall, twice); when the Gram matrix is not numerically positive definite or the first
/// pass leaves Q too ill-conditioned for the second (κ₂(Q₁ᵀQ₁) &gt; 100: rank-deficient or nearly so),
/// it falls back to the host Householder QR (download, LAPACK, upload), which never breaks down.</para>
/// <para>Not thread-safe: one caller at a time (the solvers are sequential over blocks).</para>
/// </summary>
public sealed class IlgpuBackend : IComputeBackend
{
    /// <summary>Interleaved row chunks of the reductions (fewer when a block has fewer rows).</summary>
    internal const int ReductionChunks = 512;

    /// <summary>Largest κ₂ of the Gram matrix after the first CholeskyQR pass that the second pass is trusted with.</summary>

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly IDenseLinearAlgebra _la;
    private readonly Dictionary<long, Stack<MemoryBuffer1D<double, Stride1D.Dense>>> _free = [];
    private readonly LinkedList<MemoryBuffer1D<double, Stride1D.Dense>> _freeOrder = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<double[], MemoryBuffer1D<double, Stride1D.Dense>> _weights = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<int[], MemoryBuffer1D<int, Stride1D.Dense>> _rowLists = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<GridBlock, MemoryBuffer1D<int, Stride1D.Dense>?[]> _faceCells = new();
    private readonly List<IDisposable> _cached = [];
    private bool _disposed;

    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, double, double> _axpby;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, int, int> _copy;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, double> _diagonal;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, StencilShape> _stencil;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double> _multiplySmall;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int> _gramPartial;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, int, int> _columnSumPartial;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, int> _sumChunks;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<int>, ArrayView<double>, int, int> _columnSumRows;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int> _addOuter;
    private readonly Action<Index1D, ArrayView<double>, ArrayView<int>, ArrayView<double>, int, int> _gather;

    private IlgpuBackend(Context context, Accelerator accelerator, IDenseLinearAlgebra? linearAlgebra)
    {
        _context = context;
        _accelerator = accelerator;
        _la = linearAlgebra ?? LinearAlgebraProvider.Default;
        var acc = accelerator;
        _axpby = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, double, double>(IlgpuKernels.Axpby);
        _copy = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, int>(IlgpuKernels.Copy);
        _diagonal = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, double>(IlgpuKernels.Diagonal);
        _stencil = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, StencilShape>(IlgpuKernels.Stencil);
        _multiplySmall = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, double>(IlgpuKernels.MultiplySmall);
        _gramPartial = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int, int, int>(IlgpuKernels.GramPartial);
        _columnSumPartial = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int, int>(IlgpuKernels.ColumnSumPartial);
        _sumChunks = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, int>(IlgpuKernels.SumChunks);
        _columnSumRows = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<int>, ArrayView<double>, int, int>(IlgpuKernels.ColumnSumRows);
        _addOuter = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, int>(IlgpuKernels.AddOuter);
        _gather = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<int>, ArrayView<double>, int, int>(IlgpuKernels.Gather);
    }

    /// <summary>The backend on CUDA device <paramref name="device"/> (0-based).</summary>
    /// <exception cref="InvalidOperationException">no such CUDA device</exception>
    public static IlgpuBackend OnCuda(int device = 0, IDenseLinearAlgebra? linearAlgebra = null)
    {
        var context = Context.Create(b => b.Cuda().Math(MathMode.Default));
        try
        {
            var devices = context.GetCudaDevices();
            if (device < 0 || device >= devices.Count)
                throw new InvalidOperationException($"CUDA device {device} requested, {devices.Count} present");
            return new IlgpuBackend(context, context.CreateCudaAccelerator(device), linearAlgebra);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The backend on ILGPU's CPU accelerator: the same kernels without a GPU, for correctness tests at small sizes.</summary>
    public static IlgpuBackend OnCpuAccelerator(IDenseLinearAlgebra? linearAlgebra = null)
    {
        var context = Context.Create(b => b.CPU());
        try
        {
            return new IlgpuBackend(context, context.CreateCPUAccelerator(0), linearAlgebra);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Number of CUDA devices ILGPU sees (0 without a driver or device; never throws).</summary>
    public static int CudaDeviceCount()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return 0;
        }
    }

    public string Name => $"gpu ({_accelerator.AcceleratorType}: {_accelerator.Name}, {_accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB; ILGPU; small matrices on the host with {_la.Name})";

    /// <summary>The ILGPU accelerator (for benchmarks: kernel timing needs <see cref="Synchronize"/>).</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Waits for every queued kernel and copy.</summary>
    public void Synchronize() => _accelerator.Synchronize();

    // ---- memory ----------------------------------------------------------------------------------

    public BlockCounts Blocks { get; } = new();

    public Block Allocate(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long length = (long)rows * columns;
        if (length > int.MaxValue) throw new ArgumentException($"a {rows} x {columns} block has more than 2^31 elements");
        var buffer = Rent(length);
        buffer.View.MemSetToZero();
        return new DeviceBlock(this, buffer, rows, columns);
    }

    private MemoryBuffer1D<double, Stride1D.Dense> Rent(long length)
    {
        long size = Math.Max(1, length);
        lock (_free)
        {
            if (_free.TryGetValue(size, out var stack) && stack.Count > 0)
            {
                var b = stack.Pop();
                _freeOrder.Remove(b);
                return b;
            }
        }
        return _accelerator.Allocate1D<double>(size);
    }

    /// <summary>Takes back the buffer of a disposed block (at most 24 kept, the oldest freed first).</summary>
    internal void Return(MemoryBuffer1D<double, Stride1D.Dense> buffer)
    {
        lock (_free)
        {
            if (_disposed) { buffer.Dispose(); return; }
            if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new();
            stack.Push(buffer);
            _freeOrder.AddLast(buffer);
            while (_freeOrder.Count > 24)
            {
                var oldest = _freeOrder.First!.Value;
                _freeOrder.RemoveFirst();
                var s = _free[oldest.Length];
                var kept = s.Where(b => !ReferenceEquals(b, oldest)).Reverse().ToArray();
                s.Clear();
                foreach (var b in kept) s.Push(b);
                oldest.Dispose();
            }
        }
    }

    /// <summary>A device scratch buffer holding <paramref name="values"/> (returned to the pool on dispose).</summary>
    private Scratch Upload(ReadOnlySpan<double> values)
    {
        var buffer = Rent(values.Length);
        if (values.Length > 0) buffer.View.SubView(0, values.Length).BaseView.CopyFromCPU(values);
        return new Scratch(this, buffer, values.Length);
    }

    private Scratch Temporary(long length) => new(this, Rent(length), length);

    private readonly struct Scratch(IlgpuBackend owner, MemoryBuffer1D<double, Stride1D.Dense> buffer, long length) : IDisposable
    {
        public ArrayView<double> View => buffer.View.SubView(0, length).BaseView;

        public double[] Download()
        {
            var result = new double[length];
            if (length > 0) buffer.View.SubView(0, length).BaseView.CopyToCPU(result.AsSpan());
            return result;
        }

        public void Dispose() => owner.Return(buffer);
    }

    private DeviceBlock D(Block b) => b is DeviceBlock d && ReferenceEquals(d.Owner, this) ? d : throw new ArgumentException("block belongs to another backend");

    public void Upload(ReadOnlySpan<double> columnMajor, Block target)
    {
        var d = D(target);
        if (columnMajor.Length > d.Length) throw new ArgumentException($"{columnMajor.Length} values for a block of {d.Length}");
        if (columnMajor.Length > 0) d.Buffer.View.SubView(0, columnMajor.Length).BaseView.CopyFromCPU(columnMajor);
    }

    public void Download(Block source, Span<double> columnMajor)
    {
        var d = D(source);
        if (d.Length == 0) return;
        d.Buffer.View.SubView(0, d.Length).BaseView.CopyToCPU(columnMajor[..(int)d.Length]);
    }

    // ---- element-wise ----------------------------------------------------------------------------

    public void CopyColumns(Block x, int sourceColumn, Block y, int targetColumn, int count)
    {
        if (x.Rows != y.Rows) throw new ArgumentException("row counts differ");
        if (sourceColumn < 0 || targetColumn < 0 || count < 0 || sourceColumn + count > x.Columns || targetColumn + count > y.Columns)
            throw new ArgumentOutOfRangeException(nameof(count), $"columns [{sourceColumn}, {sourceColumn + count}) → [{targetColumn}, {targetColumn + count}) out of range");
        int n = x.Rows * count;
        if (n == 0) return;
        var dx = D(x); var dy = D(y);
        if (ReferenceEquals(dx, dy) && Math.Abs(sourceColumn - targetColumn) < count)
        {
            // Overlapping ranges of one block: through a temporary (memmove semantics, as Span.CopyTo).
            using var tmp = Temporary(n);
            _copy(n, dx.View, tmp.View, sourceColumn * x.Rows, 0);
            _copy(n, tmp.View, dy.View, 0, targetColumn * y.Rows);
            return;
        }
        _copy(n, dx.View, dy.View, sourceColumn * x.Rows, targetColumn * y.Rows);
    }

    public void Clear(Block y)
    {
        var d = D(y);
        if (d.Length > 0) d.Buffer.View.SubView(0, d.Length).MemSetToZero();
    }

    public void Axpby(double a, Block x, double b, Block y)
    {
        if (x.Length != y.Length) throw new ArgumentException("block sizes differ");
        if (y.Length == 0) return;
        _axpby((int)y.Length, D(x).View, D(y).View, a, b);
    }

    public void ApplySpatial(SpatialOperator d, GridBlock block, Block x, Halo? halo, double alpha, Block y)
    {
        var dx = D(x); var dy = D(y);
        if (x.Rows != block.Count || y.Rows != block.Count || x.Columns != y.Columns)
            throw new ArgumentException($"shapes {x.Rows}x{x.Columns} → {y.Rows}x{y.Columns} on a block of {block.Count} cells");
        if (x.Length == 0) return;
        switch (d)
        {
            case DiagonalOperator diag:
                _diagonal((int)x.Length, Weights(diag.Weights), dx.View, dy.View, x.Rows, alpha);
                break;
            case StencilOperator s:
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                int axis = s.Axis, faceCount = block.FaceCount(2 * axis);
                int values = faceCount * x.Columns;
                using (var lo = Upload(halo.Ghost[2 * axis].AsSpan(0, values)))
                using (var hi = Upload(halo.Ghost[2 * axis + 1].AsSpan(0, values)))
                {
                    var shape = new StencilShape(x.Rows, block.Size[axis], block.Stride[axis], faceCount, alpha * s.Minus, alpha * s.Center, alpha * s.Plus);
                    _stencil((int)x.Length, dx.View, dy.View, lo.View, hi.View, shape);
                }
                break;
            case AxisStencil wide:
            {
                // Not on the device's fast path yet: the host loop on copies (correct, not fast).
                if (halo is null) throw new ArgumentNullException(nameof(halo), "a stencil needs the halo of its input");
                if (halo.Depth < wide.Reach) throw new ArgumentException($"a stencil of reach {wide.Reach} needs a halo of depth {wide.Reach}, not {halo.Depth}", nameof(halo));
                var hx = new double[x.Length];
                var hy = new double[y.Length];
                Download(x, hx);
                Download(y, hy);
                for (int j = 0; j < x.Columns; j++)
                    HostStencils.Apply(wide, block, hx.AsSpan(j * x.Rows, x.Rows), halo, alpha, hy.AsSpan(j * y.Rows, y.Rows), j);
                Upload(hy, y);
                break;
            }
            case CellSwap swap:
            {
                // The face layers of a reflective second-order face: a host loop on copies, like the wide stencils.
                var hx = new double[x.Length];
                var hy = new double[y.Length];
                Download(x, hx);
                Download(y, hy);
                for (int j = 0; j < x.Columns; j++) swap.Apply(hx.AsSpan(j * x.Rows, x.Rows), alpha, hy.AsSpan(j * y.Rows, y.Rows));
                Upload(hy, y);
                break;
            }
            default:
                throw new NotSupportedException(d.GetType().Name);
        }
    }

    /// <summary>Seconds per launch of the stencil kernel alone (for <c>pdlra bench gpu</c>): the ghosts are
    /// uploaded once, one warm-up launch, then <paramref name="repetitions"/> launches between two synchronisations.</summary>
    internal double StencilKernelSeconds(StencilOperator s, GridBlock block, Block x, Halo halo, Block y, int repetitions)
    {
        int axis = s.Axis, faceCount = block.FaceCount(2 * axis), values = faceCount * x.Columns;
        using var lo = Upload(halo.Ghost[2 * axis].AsSpan(0, values));
        using var hi = Upload(halo.Ghost[2 * axis + 1].AsSpan(0, values));
        var shape = new StencilShape(x.Rows, block.Size[axis], block.Stride[axis], faceCount, s.Minus, s.Center, s.Plus);
        var dx = D(x).View; var dy = D(y).View;
        _stencil((int)x.Length, dx, dy, lo.View, hi.View, shape);
        _accelerator.Synchronize();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int k = 0; k < repetitions; k++) _stencil((int)x.Length, dx, dy, lo.View, hi.View, shape);
        _accelerator.Synchronize();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / repetitions;
    }

    /// <summary>The device copy of a diagonal operator's weights, uploaded once per array (the
    /// operators never change their weights after construction).</summary>
    private ArrayView<double> Weights(double[] w)
    {
        if (!_weights.TryGetValue(w, out var buffer))
        {
            buffer = _accelerator.Allocate1D<double>(Math.Max(1, w.Length));
            if (w.Length > 0) buffer.View.SubView(0, w.Length).BaseView.CopyFromCPU(w.AsSpan());
            _weights.Add(w, buffer);
            lock (_cached) _cached.Add(buffer);
        }
        return buffer.View.SubView(0, w.Length).BaseView;
    }

    private ArrayView<int> IntList(int[] list)
    {
        if (!_rowLists.TryGetValue(list, out var buffer))
        {
            buffer = _accelerator.Allocate1D<int>(Math.Max(1, list.Length));
            if (list.Length > 0) buffer.View.SubView(0, list.Length).BaseView.CopyFromCPU(list.AsSpan());
            _rowLists.Add(list, buffer);
            lock (_cached) _cached.Add(buffer);
        }
        return buffer.View.SubView(0, list.Length).BaseView;
    }

    /// <summary>The device copy of the cells adjacent to one face of a block (computed and uploaded once).</summary>
    private ArrayView<int> FaceCells(GridBlock block, int face)
    {
        var perFace = _faceCells.GetValue(block, b => new MemoryBuffer1D<int, Stride1D.Dense>?[2 * b.Dimension]);
        var buffer = perFace[face];
        int count = block.FaceCount(face);
        if (buffer is null)
        {
            var cells = block.FaceCells(face);
            buffer = _accelerator.Allocate1D<int>(Math.Max(1, cells.Length));
            if (cells.Length > 0) buffer.View.SubView(0, cells.Length).BaseView.CopyFromCPU(cells.AsSpan());
            perFace[face] = buffer;
            lock (_cached) _cached.Add(buffer);
        }
        return buffer.View.SubView(0, count).BaseView;
    }

    // ---- small-matrix products and reductions ----------------------------------------------------------

    public void MultiplySmall(Block x, Matrix<double> b, double alpha, double beta, Block y)
    {
        if (b.RowCount != x.Columns || b.ColumnCount != y.Columns || x.Rows != y.Rows)
            throw new ArgumentException($"shapes {x.Rows}x{x.Columns} · {b.RowCount}x{b.ColumnCount} → {y.Rows}x{y.Columns}");
        if (y.Length == 0) return;
        var dx = D(x); var dy = D(y);
        int p = x.Columns, q = y.Columns;
        var scaled = new double[Math.Max(1, p * q)];
        for (int col = 0; col < q; col++)
            for (int row = 0; row < p; row++) scaled[row + p * col] = alpha * b[row, col];
        using var db = Upload(scaled);
        if (ReferenceEquals(dx, dy))
        {
            // In place (x = y): read from a copy.
            using var copy = Temporary(x.Length);
            _copy((int)x.Length, dx.View, copy.View, 0, 0);
            _multiplySmall((int)y.Length, copy.View, db.View, dy.View, y.Rows, p, beta);
            return;
        }
        _multiplySmall((int)y.Length, dx.View, db.View, dy.View, y.Rows, p, beta);
    }

    public Matrix<double> Gram(Block x, Block y)
    {
        if (x.Rows != y.Rows) throw new ArgumentException("row counts differ");
        int n = x.Rows, p = x.Columns, q = y.Columns;
        if (p * q == 0 || n == 0) return Matrix<double>.Build.Dense(p, q);
        int chunks = Math.Min(ReductionChunks, n);
        using var partial = Temporary((long)chunks * p * q);
        using var result = Temporary(p * q);
        _gramPartial(chunks * p * q, D(x).View, D(y).View, partial.View, n, p, chunks);
        _sumChunks(p * q, partial.View, result.View, chunks);
        return Matrix<double>.Build.Dense(p, q, result.Download());
    }

    public void AddOuter(ReadOnlySpan<double> q, ReadOnlySpan<double> c, double alpha, Block y)
    {
        if (q.Length < y.Rows || c.Length < y.Columns) throw new ArgumentException("q or c too short");
        if (y.Length == 0) return;
        var scaled = new double[y.Columns];
        for (int j = 0; j < scaled.Length; j++) scaled[j] = alpha * c[j];
        using var dq = Upload(q[..y.Rows]);
        using var dc = Upload(scaled);
        _addOuter((int)y.Length, dq.View, dc.View, D(y).View, y.Rows);
    }

    public double[] ColumnSums(Block x, int[]? rows = null)
    {
        int n = x.Rows, m = x.Columns;
        if (m == 0) return [];
        using var result = Temporary(m);
        if (rows is not null)
        {
            if (rows.Length == 0) return new double[m];
            _columnSumRows(m, D(x).View, IntList(rows), result.View, n, rows.Length);
            return result.Download();
        }
        if (n == 0) return new double[m];
        int chunks = Math.Min(ReductionChunks, n);
        using var partial = Temporary((long)chunks * m);
        _columnSumPartial(chunks * m, D(x).View, partial.View, n, chunks);
        _sumChunks(m, partial.View, result.View, chunks);
        return result.Download();
    }

    public void PackFace(GridBlock block, Block x, int face, Span<double> buffer)
    {
        int count = block.FaceCount(face);
        int values = count * x.Columns;
        if (values == 0) return;
        using var packed = Temporary(values);
        _gather(values, D(x).View, FaceCells(block, face), packed.View, x.Rows, count);
        packed.View.SubView(0, values).CopyToCPU(buffer[..values]);
    }

    // ---- local QR ----------------------------------------------------------------------------------

    /// <summary>Local QRs done by CholeskyQR2 on the device, and by the host Householder fallback.</summary>
    public (int OnDevice, int OnHost) QrCounts { get; private set; }

    public Matrix<double> LocalQr(Block a)
    {
        if (a.Rows < a.Columns) throw new InvalidOperationException($"local QR needs at least as many cells ({a.Rows}) as columns ({a.Columns}): use fewer ranks or a lower r_max");
        if (a.Columns == 0) return Matrix<double>.Build.Dense(0, 0);
        if (TryCholeskyQr2(a, out var r))
        {
            QrCounts = (QrCounts.OnDevice + 1, QrCounts.OnHost);
            return r;
        }
        QrCounts = (QrCounts.OnDevice, QrCounts.OnHost + 1);
        return HostQr(a);
    }

    /// <summary>CholeskyQR2 on the device; false (a untouched) when a Cholesky factor does not exist or
    /// the second pass could not be trusted.</summary>
    private bool TryCholeskyQr2(Block a, out Matrix<double> r)
    {
        r = null!;
        if (!CholeskyQrSteps.TryUpperCholesky(_la, Symmetric(Gram(a, a)), out var r1)) return false;
        using var q1 = Allocate(a.Rows, a.Columns);
        MultiplySmall(a, CholeskyQrSteps.UpperInverse(r1), 1.0, 0.0, q1);
        var g2 = Symmetric(Gram(q1, q1));
        if (!CholeskyQrSteps.WellConditioned(_la, g2) || !CholeskyQrSteps.TryUpperCholesky(_la, g2, out var r2)) return false;
        MultiplySmall(q1, CholeskyQrSteps.UpperInverse(r2), 1.0, 0.0, a);
        r = r2 * r1;
        return true;
    }

    /// <summary>The host Householder QR (the CPU backend's): download, LAPACK, upload.</summary>
    private Matrix<double> HostQr(Block a)
    {
        var data = new double[a.Length];
        Download(a, data);
        var r = new double[a.Columns * a.Columns];
        _la.Qr(a.Rows, a.Columns, data, a.Rows, r);
        Upload(data, a);
        return Matrix<double>.Build.Dense(a.Columns, a.Columns, r);
    }

    private static Matrix<double> Symmetric(Matrix<double> g) => (g + g.Transpose()) * 0.5;

    public void Dispose()
    {
        lock (_free)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var b in _freeOrder) b.Dispose();
            _freeOrder.Clear();
            _free.Clear();
        }
        lock (_cached)
        {
            foreach (var b in _cached) b.Dispose();
            _cached.Clear();
        }
        _accelerator.Dispose();
        _context.Dispose();
    }
}
