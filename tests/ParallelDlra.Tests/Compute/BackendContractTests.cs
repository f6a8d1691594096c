using System.Collections.Immutable;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Mesh;
using Xunit;

namespace ParallelDlra.Tests.Compute;

/// <summary>
/// The contract of <see cref="IComputeBackend"/>, written once and run per backend (the derived classes):
/// every operation on small uneven 1D/2D/3D blocks against an independent oracle (<see cref="ContractOracle"/>:
/// naive loops over the multi-index for stencils, shifts and faces, MathNet dense products for the small-matrix
/// operations, MathNet's QR for R) and against hand-computed small cases, equal within 1e-12 (relative to the
/// size of the values), plus the QR contract (orthonormal Q, R with a non-negative diagonal, QR = A, also for a
/// rank-deficient A). No test compares a backend with another instance of itself or with the CPU backend.
/// A derived class whose backend is unavailable returns null with a reason, and every test skips with it.
/// </summary>
public abstract class BackendContractTests
{
    private const double Tolerance = 1e-12; // rounding: sums of ≤ 9000 O(1) products: random-walk error √n·ε ≈ 1e-14 of the scale; bound 1e-12

    /// <summary>The backend under test, shared by the tests of the class (they run one at a time), or null.</summary>
    protected abstract IComputeBackend? Backend { get; }

    /// <summary>Why <see cref="Backend"/> is null.</summary>
    protected virtual string SkipReason => "backend unavailable";

    private IComputeBackend B
    {
        get
        {
            Skip.If(Backend is null, SkipReason);
            return Backend!;
        }
    }

    /// <summary>Uneven block shapes: 1D, 2D, 3D, a few hundred cells.</summary>
    public static TheoryData<int[]> Shapes => new() { new[] { 301 }, new[] { 17, 13 }, new[] { 7, 6, 5 }, new[] { 1, 9 }, new[] { 5, 1, 3 } };

    private static GridBlock Block(int[] cells)
    {
        var grid = new CartesianGrid([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);
        return grid.WholeBlock();
    }

    private static double[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var v = new double[length];
        for (int i = 0; i < v.Length; i++) v[i] = 2.0 * rng.NextDouble() - 1.0;
        return v;
    }

    /// <summary>A block of the given backend holding <paramref name="values"/>.</summary>
    private static Block Make(IComputeBackend backend, int rows, int columns, double[] values)
    {
        var b = backend.Allocate(rows, columns);
        backend.Upload(values, b);
        return b;
    }

    private static double[] Get(IComputeBackend backend, Block b)
    {
        var v = new double[b.Length];
        backend.Download(b, v);
        return v;
    }

    private static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1.0;
        foreach (double v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static void Close(Matrix<double> expected, Matrix<double> actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        Close(expected.ToColumnMajorArray(), actual.ToColumnMajorArray(), tolerance);
    }

    /// <summary>Runs <paramref name="operation"/> on the backend under test, <paramref name="oracle"/> on the same
    /// inputs as column-major arrays (it overwrites the arrays it changes), then compares the output blocks.</summary>
    private void Compare(int rows, int[] columns, int seed, Action<IComputeBackend, Block[]> operation, Action<double[][]> oracle, params int[] outputs)
    {
        var inputs = columns.Select((c, k) => Random(rows * c, seed + k)).ToArray();
        var mine = inputs.Select((v, k) => Make(B, rows, columns[k], v)).ToArray();
        var expected = inputs.Select(v => (double[])v.Clone()).ToArray();
        try
        {
            operation(B, mine);
            oracle(expected);
            foreach (int k in outputs) Close(expected[k], Get(B, mine[k]));
        }
        finally
        {
            foreach (var b in mine) b.Dispose();
        }
    }

    private static Matrix<double> Dense(int rows, double[] columnMajor) => Matrix<double>.Build.Dense(rows, columnMajor.Length / rows, columnMajor);

    [SkippableFact]
    public void Allocate_gives_zeros_and_upload_download_round_trip()
    {
        using var b = B.Allocate(37, 3);
        Assert.All(Get(B, b), v => Assert.Equal(0.0, v));
        var values = Random(37 * 3, 1);
        B.Upload(values, b);
        Assert.Equal(values, Get(B, b));
        B.Clear(b);
        Assert.All(Get(B, b), v => Assert.Equal(0.0, v));
        // A disposed block's storage comes back zeroed.
        b.Dispose();
        using var again = B.Allocate(37, 3);
        Assert.All(Get(B, again), v => Assert.Equal(0.0, v));
    }

    [SkippableFact]
    public void Axpby_and_copy_columns_agree()
    {
        Compare(301, [4, 4], 10, (be, b) => be.Axpby(0.7, b[0], -1.3, b[1]), v => ContractOracle.Axpby(0.7, v[0], -1.3, v[1]), 1);
        Compare(301, [4, 4], 11, (be, b) => be.Axpby(0.0, b[1], 0.5, b[1]), v => ContractOracle.Axpby(0.0, v[1], 0.5, v[1]), 1); // in place, as TSQR scales
        Compare(123, [5, 6], 12, (be, b) => be.CopyColumns(b[0], 1, b[1], 2, 3), v => ContractOracle.CopyColumns(123, v[0], 1, v[1], 2, 3), 1);
        Compare(123, [6], 13, (be, b) => be.CopyColumns(b[0], 0, b[0], 2, 3), v => ContractOracle.CopyColumns(123, v[0], 0, v[0], 2, 3), 0); // overlapping, one block
        Compare(123, [6], 14, (be, b) => be.CopyColumns(b[0], 3, b[0], 1, 3), v => ContractOracle.CopyColumns(123, v[0], 3, v[0], 1, 3), 0);
        // By hand: y ← 2·x − y on two rows.
        using var x = Make(B, 2, 1, [1.0, -3.0]);
        using var y = Make(B, 2, 1, [0.5, 4.0]);
        B.Axpby(2.0, x, -1.0, y);
        Assert.Equal(new[] { 1.5, -10.0 }, Get(B, y));
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Stencils_along_every_axis_with_halos_agree(int[] cells)
    {
        var block = Block(cells);
        const int columns = 3;
        var halo = new Halo(block, columns);
        for (int f = 0; f < halo.Ghost.Length; f++) Random(halo.Ghost[f].Length, 100 + f).CopyTo(halo.Ghost[f], 0);
        for (int axis = 0; axis < cells.Length; axis++)
        {
            var op = new StencilOperator(axis, 0.3 + axis, -1.1, 0.45 * (axis + 1));
            Compare(block.Count, [columns, columns], 20 + axis, (be, b) => be.ApplySpatial(op, block, b[0], halo, -0.8, b[1]),
                v => ContractOracle.Stencil(op, cells, v[0], halo.Ghost, -0.8, v[1]), 1);
        }
    }

    /// <summary>By hand: 1D, three cells x = (1, 2, 4), ghosts 10 (x_min) and 20 (x_max), D = (1, −2, 3):
    /// (D x)_0 = 10 − 2 + 6 = 14, (D x)_1 = 1 − 4 + 12 = 9, (D x)_2 = 2 − 8 + 60 = 54; y ← y + ½ D x from y = 1.
    /// 2D, 2 × 2 cells along y (stride 2) with ghosts (5, 6) below and (7, 8) above, D = (1, 0, −1).</summary>
    [SkippableFact]
    public void A_stencil_by_hand()
    {
        var block = Block([3]);
        var halo = new Halo(block, 1);
        halo.Ghost[0][0] = 10; halo.Ghost[1][0] = 20;
        using var x = Make(B, 3, 1, [1.0, 2.0, 4.0]);
        using var y = Make(B, 3, 1, [1.0, 1.0, 1.0]);
        B.ApplySpatial(new StencilOperator(0, 1.0, -2.0, 3.0), block, x, halo, 0.5, y);
        Assert.Equal(new[] { 8.0, 5.5, 28.0 }, Get(B, y));

        var square = Block([2, 2]);
        var h2 = new Halo(square, 1);
        h2.Ghost[2][0] = 5; h2.Ghost[2][1] = 6; h2.Ghost[3][0] = 7; h2.Ghost[3][1] = 8;
        using var x2 = Make(B, 4, 1, [1.0, 2.0, 3.0, 4.0]);   // (i, j) = (0,0), (1,0), (0,1), (1,1)
        using var y2 = B.Allocate(4, 1);
        B.ApplySpatial(new StencilOperator(1, 1.0, 0.0, -1.0), square, x2, h2, 1.0, y2);
        Assert.Equal(new[] { 5.0 - 3.0, 6.0 - 4.0, 1.0 - 7.0, 2.0 - 8.0 }, Get(B, y2));
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Diagonal_operators_agree(int[] cells)
    {
        var block = Block(cells);
        var op = new DiagonalOperator(Random(block.Count, 30));
        Compare(block.Count, [2, 2], 31, (be, b) => be.ApplySpatial(op, block, b[0], null, 1.7, b[1]), v => ContractOracle.Diagonal(op.Weights, v[0], 1.7, v[1]), 1);
        Compare(block.Count, [2, 2], 32, (be, b) => be.ApplySpatial(op, block, b[0], null, -0.25, b[1]), v => ContractOracle.Diagonal(op.Weights, v[0], -0.25, v[1]), 1);
    }

    [SkippableTheory]
    [InlineData(1.0, 0.0)]
    [InlineData(-0.5, 1.0)]
    [InlineData(2.0, 0.3)]
    public void Multiply_small_agrees_dense_and_sparse(double alpha, double beta)
    {
        var dense = Matrix<double>.Build.Dense(6, 5, Random(30, 40));
        var sparse = Matrix<double>.Build.Dense(6, 5);
        sparse[0, 0] = 1.5; sparse[3, 1] = -2.0; sparse[5, 4] = 0.25; sparse[2, 4] = 1.0;
        foreach (var m in new[] { dense, sparse })
            Compare(211, [6, 5], 41, (be, b) => be.MultiplySmall(b[0], m, alpha, beta, b[1]),
                v => v[1] = (alpha * Dense(211, v[0]) * m + beta * Dense(211, v[1])).ToColumnMajorArray(), 1);
        // By hand: [1 2; 3 4]·[0 1; 1 0] = [2 1; 4 3], times 2, plus 1·y.
        using var x = Make(B, 2, 2, [1.0, 3.0, 2.0, 4.0]);
        using var y = Make(B, 2, 2, [1.0, 1.0, 1.0, 1.0]);
        B.MultiplySmall(x, Matrix<double>.Build.DenseOfArray(new[,] { { 0.0, 1.0 }, { 1.0, 0.0 } }), 2.0, 1.0, y);
        Assert.Equal(new[] { 5.0, 9.0, 3.0, 7.0 }, Get(B, y));
    }

    [SkippableTheory]
    [InlineData(301, 4, 3)]
    [InlineData(1500, 9, 9)]
    [InlineData(5, 2, 7)]
    [InlineData(700, 1, 1)]
    public void Gram_agrees_and_is_reproducible(int rows, int p, int q)
    {
        var xv = Random(rows * p, 50);
        var yv = Random(rows * q, 51);
        using var x = Make(B, rows, p, xv);
        using var y = Make(B, rows, q, yv);
        var g = B.Gram(x, y);
        Close(ContractOracle.Gram(rows, xv, yv), g);
        Assert.Equal(g.ToColumnMajorArray(), B.Gram(x, y).ToColumnMajorArray()); // bitwise, run to run
    }

    [SkippableFact]
    public void Gram_by_hand()
    {
        using var x = Make(B, 3, 2, [1.0, 2.0, 3.0, 0.0, -1.0, 1.0]);
        using var y = Make(B, 3, 1, [4.0, 5.0, 6.0]);
        var g = B.Gram(x, y);
        Assert.Equal(new[] { 32.0, 1.0 }, g.ToColumnMajorArray());   // 4 + 10 + 18, 0 − 5 + 6
    }

    /// <summary>Products with shifted views (AddShiftedProducts, ShiftGram) equal the same products with the
    /// shifted copies ApplySpatial makes, on every axis and side, with ghosts, and agree with the reference.</summary>
    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Shifted_products_and_shift_grams_equal_products_with_shifted_copies(int[] cells)
    {
        var block = Block(cells);
        const int p = 3, q = 2;
        var halo = new Halo(block, p);
        for (int f = 0; f < halo.Ghost.Length; f++) Random(halo.Ghost[f].Length, 200 + f).CopyTo(halo.Ghost[f], 0);
        var xv = Random(block.Count * p, 210);
        var zv = Random(block.Count * q, 211);
        for (int axis = 0; axis < cells.Length; axis++)
            foreach (int direction in new[] { -1, +1 })
            {
                var m = Matrix<double>.Build.Dense(p, q, Random(p * q, 220 + axis));
                var shift = new ShiftProduct(axis, direction, m);
                // y ← z + (S x)·M, by the shifted view and by a shifted copy.
                using var x = Make(B, block.Count, p, xv);
                using var y = Make(B, block.Count, q, zv);
                B.AddShiftedProducts(block, x, halo, [shift], y);
                using var copy = B.Allocate(block.Count, p);
                B.ApplySpatial(shift.Shift, block, x, halo, 1.0, copy);
                using var expected = Make(B, block.Count, q, zv);
                B.MultiplySmall(copy, m, 1.0, 1.0, expected);
                Close(Get(B, expected), Get(B, y));
                // The oracle: the shifted copy by a loop over the multi-index, the product by MathNet.
                var shifted = new double[block.Count * p];
                ContractOracle.Stencil(shift.Shift, cells, xv, halo.Ghost, 1.0, shifted);
                Close((Dense(block.Count, zv) + Dense(block.Count, shifted) * m).ToColumnMajorArray(), Get(B, y));
                // xᵀ(S x) and zᵀ(S x).
                Close(B.Gram(x, copy), B.ShiftGram(block, x, x, halo, axis, direction));
                using var z = Make(B, block.Count, q, zv);
                Close(B.Gram(z, copy), B.ShiftGram(block, z, x, halo, axis, direction));
                Close(ContractOracle.Gram(block.Count, xv, shifted), B.ShiftGram(block, x, x, halo, axis, direction));
                Close(ContractOracle.Gram(block.Count, zv, shifted), B.ShiftGram(block, z, x, halo, axis, direction));
            }
    }

    /// <summary>Shapes of the fused shift Grams: one row chunk of the CPU backend (2048 rows) and several, with an uneven
    /// last chunk (70 × 61 = 4270 rows; 13 × 12 × 17 = 2652 rows in 3D), and a 1D block of one chunk.</summary>
    public static TheoryData<int[]> ChunkShapes => new() { new[] { 301 }, new[] { 17, 13 }, new[] { 70, 61 }, new[] { 13, 12, 17 } };

    /// <summary>ShiftGrams (issue #19: every shift Gram of one y in one pass) equals the oracle xᵀ(S y) — the shifted copy by
    /// a loop over the multi-index with the halo's ghosts, the product by MathNet — for two x blocks of different widths,
    /// every axis and both sides, y among the x's; and the same bits on a second call (fixed chunks, fixed order).</summary>
    [SkippableTheory]
    [MemberData(nameof(ChunkShapes))]
    public void Shift_grams_in_one_pass_equal_the_oracle(int[] cells)
    {
        var block = Block(cells);
        int n = block.Count;
        const int p0 = 5, q = 3;
        var backend = B;
        var halo = new Halo(block, q);
        for (int f = 0; f < halo.Ghost.Length; f++) Random(halo.Ghost[f].Length, 400 + f).CopyTo(halo.Ghost[f], 0);
        var x0v = Random(n * p0, 410);
        var yv = Random(n * q, 411);
        using var x0 = Make(backend, n, p0, x0v);
        using var y = Make(backend, n, q, yv);
        var products = new List<(int X, int Axis, int Direction)>();
        for (int axis = 0; axis < cells.Length; axis++)
            foreach (int direction in new[] { -1, +1 })
            {
                products.Add((0, axis, direction));
                products.Add((1, axis, direction));
            }
        Block[] xs = [x0, y];
        var grams = backend.ShiftGrams(block, xs, y, halo, products);
        var again = backend.ShiftGrams(block, xs, y, halo, products);
        for (int k = 0; k < products.Count; k++)
        {
            var (xi, axis, direction) = products[k];
            var shifted = new double[n * q];
            ContractOracle.Stencil(ShiftProduct.Stencil(axis, direction), cells, yv, halo.Ghost, 1.0, shifted);
            Close(ContractOracle.Gram(n, xi == 0 ? x0v : yv, shifted), grams[k]);
            Close(backend.ShiftGram(block, xs[xi], y, halo, axis, direction), grams[k]);
            Assert.Equal(grams[k].ToColumnMajorArray(), again[k].ToColumnMajorArray());
        }
    }

    /// <summary>MultiplyInPlaceGram: x ← x·B in place and the Gram matrix of the result (in one pass on the CPU) equal
    /// MathNet's product and the oracle's Gram, on one and on several row chunks.</summary>
    [SkippableTheory]
    [MemberData(nameof(ChunkShapes))]
    public void Multiply_in_place_with_its_Gram_equals_the_oracle(int[] cells)
    {
        int n = Block(cells).Count;
        const int p = 9;
        var backend = B;
        var xv = Random(n * p, 420);
        var b = Matrix<double>.Build.Dense(p, p, Random(p * p, 421));
        using var x = Make(backend, n, p, xv);
        var g = backend.MultiplyInPlaceGram(x, b);
        var expected = (Dense(n, xv) * b).ToColumnMajorArray();
        Close(expected, Get(backend, x));
        Close(ContractOracle.Gram(n, expected, expected), g);
    }

    /// <summary>Shapes of <see cref="Stencil_products_equal_the_oracle"/>: 1D, 2D, 3D, an axis of one cell, and several
    /// row chunks of the CPU backend (920 cells, an uneven last chunk).</summary>
    public static TheoryData<int[]> ProductShapes => new() { new[] { 301 }, new[] { 7, 6, 5 }, new[] { 5, 1, 3 }, new[] { 40, 23 } };

    /// <summary>StencilProducts: y ← z + alpha·[Σ_s (D_s x)·B_s + Σ_j q_j c_jᵀ] for the identity, a diagonal (zero on a run
    /// of cells) and a three-point stencil with ghosts on every axis, with B in each of its forms (sparse, dense blocks
    /// under a permutation, dense, zero), against the oracle's stencils and MathNet's products; and without z and alpha.</summary>
    [SkippableTheory]
    [MemberData(nameof(ProductShapes))]
    public void Stencil_products_equal_the_oracle(int[] cells)
    {
        var block = Block(cells);
        int n = block.Count;
        const int p = 24;
        var backend = B;   // skips when unavailable
        var halo = new Halo(block, p);
        for (int f = 0; f < halo.Ghost.Length; f++) Random(halo.Ghost[f].Length, 300 + f).CopyTo(halo.Ghost[f], 0);
        var xv = Random(n * p, 310);
        var zv = Random(n * p, 311);
        // Two classes of moments by a scattered pattern (not contiguous), dense within each: a permutation to two blocks.
        var rng = new Random(312);
        Matrix<double> Blocked() => Matrix<double>.Build.Dense(p, p, (i, j) => (i * 7 % 3 == 0) == (j * 7 % 3 == 0) ? 2 * rng.NextDouble() - 1 : 0.0);
        var sparse = Matrix<double>.Build.Dense(p, p, (i, j) => i == j ? 1.0 + i : (i == (j + 5) % p ? -0.5 : 0.0));
        var dense = Matrix<double>.Build.Dense(p, p, (_, _) => 2 * rng.NextDouble() - 1);
        var weights = Random(n, 313);
        for (int i = n / 4; i < n / 2; i++) weights[i] = 0.0;
        // Two classes by parity: blocks whose column sets overlap the first pattern's without equalling them.
        Matrix<double> Parity() => Matrix<double>.Build.Dense(p, p, (i, j) => i % 2 == j % 2 ? 2 * rng.NextDouble() - 1 : 0.0);
        var products = new List<StencilProduct>
        {
            new(null, sparse),
            new(null, Blocked()),
            new(new DiagonalOperator(weights), dense),
            new(new DiagonalOperator(weights), Matrix<double>.Build.Dense(p, p)),
            new(null, Parity()),
            new(new DiagonalOperator(weights), Blocked()),
            new(new DiagonalOperator(weights), sparse),
        };
        for (int axis = 0; axis < cells.Length; axis++)
        {
            products.Add(new(new StencilOperator(axis, 1.0, -2.0, 1.0), Blocked()));
            products.Add(new(new StencilOperator(axis, 0.7, 0.1, -0.4), sparse * (axis + 1)));
            products.Add(new(new StencilOperator(axis, -0.3, 0.5, 0.2), dense));
        }
        Assert.Equal(StructureKind.Sparse, products[0].Matrix.Kind);
        Assert.Equal(StructureKind.Blocks, products[1].Matrix.Kind);
        Assert.Equal(2, products[1].Matrix.Blocks.Length);
        Assert.Equal(StructureKind.Dense, products[2].Matrix.Kind);
        Assert.Equal(StructureKind.Zero, products[3].Matrix.Kind);
        Assert.Equal(StructureKind.Blocks, products[4].Matrix.Kind);
        Assert.Equal(2, products[4].Matrix.Blocks.Length);
        OuterProduct[] outer = [new(Random(n, 320), Random(p, 321)), new(Random(n, 322), Random(p, 323))];

        var sum = Matrix<double>.Build.Dense(n, p);
        foreach (var s in products)
        {
            var dx = s.Spatial is null ? (double[])xv.Clone() : new double[n * p];
            if (s.Spatial is StencilOperator st) ContractOracle.Stencil(st, cells, xv, halo.Ghost, 1.0, dx);
            else if (s.Spatial is DiagonalOperator d) ContractOracle.Diagonal(d.Weights, xv, 1.0, dx);
            sum += Dense(n, dx) * s.Matrix.Matrix;
        }
        foreach (var o in outer) sum += Matrix<double>.Build.Dense(n, 1, o.Spatial) * Matrix<double>.Build.Dense(1, p, o.Angular);

        using var x = Make(B, n, p, xv);
        using var z = Make(B, n, p, zv);
        using var y = Make(B, n, p, Random(n * p, 330));   // overwritten
        B.StencilProducts(block, x, halo, products, outer, y, 0.3, z);
        Close((Dense(n, zv) + sum * 0.3).ToColumnMajorArray(), Get(B, y));
        B.StencilProducts(block, x, halo, products, outer, y);
        Close(sum.ToColumnMajorArray(), Get(B, y));
        Close(xv, Get(B, x), 0.0);   // x is only read
    }

    /// <summary>SumAlong: Σ_a d_a (column sums)_a over the nonzero d_a equals the dot product of d with ColumnSums bit for bit
    /// (the mass of a balance), for a coordinate direction and a general one.</summary>
    [SkippableFact]
    public void Sum_along_a_direction_equals_the_dot_product_of_the_column_sums()
    {
        const int n = 3001, m = 7;
        using var x = Make(B, n, m, Random(n * m, 340));
        var sums = B.ColumnSums(x);
        double[] coordinate = [0, 0, 1, 0, 0, 0, 0];
        double[] general = [0.5, 0, -1.25, 0, 2, 0, 0.125];
        foreach (var d in new[] { coordinate, general })
            Assert.Equal(ParallelDlra.Angular.VelocitySpaces.Dot(d, sums), B.SumAlong(x, d));
    }

    /// <summary>Recombine gives x·B + z·C, whether the backend writes it over x (room for the columns) or
    /// into a new block (more columns than x's storage holds), over several row blocks.</summary>
    [SkippableTheory]
    [InlineData(9000, 5, 3, 4)]
    [InlineData(9000, 5, 3, 5)]
    [InlineData(301, 4, 0, 9)]
    [InlineData(1, 2, 2, 1)]
    public void Recombine_gives_x_b_plus_z_c(int rows, int p, int s, int q)
    {
        var xv = Random(rows * p, 230);
        var zv = Random(rows * Math.Max(s, 1), 231);
        var b = Matrix<double>.Build.Dense(p, q, Random(p * q, 232));
        var c = s > 0 ? Matrix<double>.Build.Dense(s, q, Random(s * q, 233)) : null;
        var expected = Matrix<double>.Build.Dense(rows, p, xv) * b;
        if (c is not null) expected += Matrix<double>.Build.Dense(rows, s, zv[..(rows * s)]) * c;
        var x = Make(B, rows, p, xv);
        using var z = s > 0 ? Make(B, rows, s, zv[..(rows * s)]) : null;
        using var y = B.Recombine(x, b, z, c);
        Assert.Equal(rows, y.Rows);
        Assert.Equal(q, y.Columns);
        Close(expected.ToColumnMajorArray(), Get(B, y), 1e-13); // rounding: inner dimension p + s ≤ 9: ~10ε of the scale
    }

    [SkippableFact]
    public void Add_outer_agrees()
    {
        var q = Random(157, 60);
        double[] c = [0.5, 0.0, -2.0, 1.25];
        Compare(157, [4], 61, (be, b) => be.AddOuter(q, c, -0.75, b[0]),
            v => { for (int j = 0; j < 4; j++) for (int i = 0; i < 157; i++) v[0][j * 157 + i] += -0.75 * q[i] * c[j]; }, 0);
        using var y = B.Allocate(2, 2);
        B.AddOuter([1.0, 2.0], [3.0, -1.0], 2.0, y);
        Assert.Equal(new[] { 6.0, 12.0, -2.0, -4.0 }, Get(B, y));
    }

    [SkippableFact]
    public void Column_sums_agree_over_all_rows_and_a_subset()
    {
        var values = Random(2000 * 3, 70);
        using var x = Make(B, 2000, 3, values);
        Close(ContractOracle.ColumnSums(2000, values, null), B.ColumnSums(x));
        int[] rows = [5, 1999, 0, 17, 17, 640];
        Close(ContractOracle.ColumnSums(2000, values, rows), B.ColumnSums(x, rows));
        using var small = Make(B, 3, 2, [1.0, 2.0, 4.0, -1.0, 0.5, 8.0]);
        Assert.Equal(new[] { 7.0, 7.5 }, B.ColumnSums(small));
        Assert.Equal(new[] { 5.0, 7.0 }, B.ColumnSums(small, [2, 0]));
        Assert.Equal(new double[3], B.ColumnSums(x, []));
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Pack_face_agrees_on_every_face(int[] cells)
    {
        var block = Block(cells);
        var values = Random(block.Count * 2, 80);
        using var x = Make(B, block.Count, 2, values);
        for (int f = 0; f < 2 * block.Dimension; f++)
        {
            var expected = ContractOracle.Face(cells, values, 2, f);
            var actual = new double[expected.Length];
            B.PackFace(block, x, f, actual);
            Assert.Equal(expected, actual);
        }
        if (cells.SequenceEqual([17, 13]))
        {
            // By hand: the x_max face of a 17 × 13 block holds cells (16, j) = 16 + 17 j, j = 0..12, per column.
            var face = new double[13 * 2];
            B.PackFace(block, x, 1, face);
            for (int j = 0; j < 13; j++) Assert.Equal(values[16 + 17 * j], face[j]);
            for (int j = 0; j < 13; j++) Assert.Equal(values[block.Count + 16 + 17 * j], face[13 + j]);
        }
    }

    [SkippableTheory]
    [InlineData(301, 5, false)]
    [InlineData(64, 12, false)]
    [InlineData(200, 6, true)]
    // The CPU backend's cache-blocked path (row chunks of 64 Ki doubles, at least 2p rows): 3, 12 and 2 chunks.
    [InlineData(20000, 12, false)]
    [InlineData(20000, 40, false)]
    [InlineData(30000, 6, true)]
    public void Local_qr_meets_its_contract_and_agrees(int rows, int p, bool rankDeficient)
    {
        var a = Random(rows * p, 90);
        if (rankDeficient)
        {
            // Column 3 = column 0 + column 1, column 5 = 0.
            for (int i = 0; i < rows; i++) { a[3 * rows + i] = a[i] + a[rows + i]; a[5 * rows + i] = 0.0; }
        }
        using var x = Make(B, rows, p, a);
        int hostBefore = (B as IlgpuBackend)?.QrCounts.OnHost ?? 0;
        var r = B.LocalQr(x);
        var q = Matrix<double>.Build.Dense(rows, p, Get(B, x));
        Close(Matrix<double>.Build.DenseIdentity(p), q.TransposeThisAndMultiply(q), 1e-13); // rounding: Householder/CholeskyQR2 orthogonality is O(ε·p) after ≤ 301-term dot products: ~1e-14
        for (int i = 0; i < p; i++)
        {
            Assert.True(r[i, i] >= 0, $"R[{i},{i}] = {r[i, i]}");
            for (int j = 0; j < i; j++) Assert.Equal(0.0, r[i, j]);
        }
        Close(Matrix<double>.Build.Dense(rows, p, a), q * r, 1e-13); // rounding: QR is backward stable, ‖A − QR‖ ~ p·ε‖A‖
        if (B is IlgpuBackend gpu) Assert.Equal(rankDeficient ? 1 : 0, gpu.QrCounts.OnHost - hostBefore);
        // The oracle: MathNet's Householder QR with the signs made non-negative on R's diagonal.
        var (qq, rr) = ContractOracle.Qr(Matrix<double>.Build.Dense(rows, p, a));
        if (rankDeficient)
        {
            // Q's columns past the rank are arbitrary; R is determined (up to rounding) where A has full rank.
            Close(rr.SubMatrix(0, 3, 0, 3), r.SubMatrix(0, 3, 0, 3));
            return;
        }
        Close(rr, r);
        Close(qq.ToColumnMajorArray(), Get(B, x));
    }

    /// <summary>By hand: A = [3 1; 4 2; 0 2] gives q_1 = (0.6, 0.8, 0), R = [5 2.2; 0 √4.16].</summary>
    [SkippableFact]
    public void Local_qr_by_hand()
    {
        using var a = Make(B, 3, 2, [3.0, 4.0, 0.0, 1.0, 2.0, 2.0]);
        var r = B.LocalQr(a);
        Close(Matrix<double>.Build.DenseOfArray(new[,] { { 5.0, 2.2 }, { 0.0, Math.Sqrt(4.16) } }), r, 1e-14); // theory: by hand; rounding of a 3×2 QR: a few ε
        var q = Get(B, a);
        Close(new[] { 0.6, 0.8, 0.0, -0.32 / Math.Sqrt(4.16), 0.24 / Math.Sqrt(4.16), 2.0 / Math.Sqrt(4.16) }, q, 1e-14); // as above
    }

    [SkippableFact]
    public void Local_qr_needs_as_many_rows_as_columns()
    {
        using var x = B.Allocate(3, 4);
        Assert.Throws<InvalidOperationException>(() => B.LocalQr(x));
    }
}

public sealed class CpuBackendContractTests : BackendContractTests
{
    private static readonly CpuBackend Shared = new();
    protected override IComputeBackend? Backend => Shared;
}

/// <summary>The ILGPU kernels on ILGPU's CPU accelerator (no GPU needed).</summary>
public sealed class IlgpuCpuAcceleratorContractTests : BackendContractTests
{
    private static readonly Lazy<IlgpuBackend> Shared = new(() => IlgpuBackend.OnCpuAccelerator());
    protected override IComputeBackend? Backend => Shared.Value;
}

/// <summary>The ILGPU kernels on a real CUDA device; skipped without one.</summary>
public sealed class IlgpuCudaContractTests : BackendContractTests
{
    private static readonly Lazy<IlgpuBackend?> Shared = new(() => IlgpuBackend.CudaDeviceCount() > 0 ? IlgpuBackend.OnCuda(0) : null);
    protected override IComputeBackend? Backend => Shared.Value;
    protected override string SkipReason => "no CUDA device";
}
