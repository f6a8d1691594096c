using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Parallel;

namespace ParallelDlra.Verification;

/// <summary>
/// A reproducible m × n test matrix defined row by row: A_i = z_i C, where z_i (length k) is a standard
/// normal row drawn from (seed, global row i) by a counter-based generator and C is a small k × n matrix
/// computed identically on every rank. So any rank builds exactly its own rows with <see cref="Fill"/>,
/// without communication, and the serial and MPI tests factor the same matrix.
/// <list type="bullet">
/// <item><see cref="WithCondition"/>: A = U Σ Vᵀ, U = Z R_Z⁻¹ the Q factor of the random Z (m × n),
/// Σ = diag(κ^(−j/(n−1))) geometric from 1 to 1/κ, V a random orthogonal n × n matrix; C = R_Z⁻¹ Σ Vᵀ.</item>
/// <item><see cref="RankDeficient"/>: [X, X M] with X (m × k) as above and M a random k × (n − k) matrix;
/// C = R_Z⁻¹ Σ Vᵀ [I, M]. Rank k &lt; n: the Gram matrix is singular (the augmented basis [X0, K] with
/// K ∈ span X0).</item>
/// </list>
/// R_Z is the Cholesky factor of ZᵀZ accumulated over all m rows, every rank streaming the whole Z
/// (m·k²/2 flops, cheap at test sizes). κ(Z) ≈ (1 + √(k/m))/(1 − √(k/m)) ≈ 1, so this QR of Z is as
/// accurate as Householder's and U is orthonormal to rounding.
/// </summary>
public sealed class TallSkinnyMatrix
{
    private readonly ulong seed;
    private readonly Matrix<double> c;

    private TallSkinnyMatrix(ulong seed, long rows, Matrix<double> c)
    {
        this.seed = seed;
        this.c = c;
        Rows = rows;
    }

    /// <summary>Global row count m.</summary>
    public long Rows { get; }

    /// <summary>Column count n.</summary>
    public int Columns => c.ColumnCount;

    /// <summary>A = U Σ Vᵀ with κ₂(A) = <paramref name="condition"/> (to rounding), ‖A‖₂ = 1.</summary>
    public static TallSkinnyMatrix WithCondition(int seed, long rows, int columns, double condition)
        => new((ulong)seed, rows, Core((ulong)seed, rows, columns, condition));

    /// <summary>[X, X M]: X (m × <paramref name="rank"/>) with κ₂(X) = <paramref name="condition"/>,
    /// M random, n = <paramref name="columns"/> &gt; rank.</summary>
    public static TallSkinnyMatrix RankDeficient(int seed, long rows, int rank, int columns, double condition)
    {
        var core = Core((ulong)seed, rows, rank, condition);
        var m = Gaussian((ulong)seed, 2, rank, columns - rank);
        var c = Matrix<double>.Build.Dense(rank, columns);
        c.SetSubMatrix(0, 0, core);
        c.SetSubMatrix(0, rank, core * m);
        return new((ulong)seed, rows, c);
    }

    /// <summary>Rows [firstRow, firstRow + count) as a column-major count × n array (ready for
    /// <see cref="IComputeBackend.Upload"/>).</summary>
    public double[] Fill(long firstRow, int count)
    {
        int k = c.RowCount, n = c.ColumnCount;
        var a = new double[(long)count * n];
        var cc = c.ToColumnMajorArray();
        System.Threading.Tasks.Parallel.For(0, count, i =>
        {
            Span<double> z = stackalloc double[k];
            NormalRow(seed, firstRow + i, z);
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int l = 0; l < k; l++) s += z[l] * cc[l + k * j];
                a[i + (long)count * j] = s;
            }
        });
        return a;
    }

    /// <summary>The contiguous rows a rank of <paramref name="comm"/> owns (the first m mod size ranks get one more).</summary>
    public (long First, int Count) RowsOf(ICommunicator comm)
    {
        long share = Rows / comm.Size, extra = Rows % comm.Size;
        long first = comm.Rank * share + Math.Min(comm.Rank, extra);
        return (first, (int)(share + (comm.Rank < extra ? 1 : 0)));
    }

    /// <summary>A block holding rows [firstRow, firstRow + count).</summary>
    public Block Upload(IComputeBackend backend, long firstRow, int count)
    {
        var b = backend.Allocate(count, Columns);
        backend.Upload(Fill(firstRow, count), b);
        return b;
    }

    /// <summary>R_Z⁻¹ Σ Vᵀ (k × k).</summary>
    private static Matrix<double> Core(ulong seed, long rows, int k, double condition)
    {
        // Gram of the whole Z, streamed in fixed order: identical on every rank.
        var g = new double[k * k];
        Span<double> z = stackalloc double[k];
        for (long i = 0; i < rows; i++)
        {
            NormalRow(seed, i, z);
            for (int b = 0; b < k; b++)
            {
                double zb = z[b];
                for (int a = b; a < k; a++) g[a + k * b] += z[a] * zb;
            }
        }
        var gram = Matrix<double>.Build.Dense(k, k, (i, j) => i >= j ? g[i + k * j] : g[j + k * i]);
        var rz = gram.Cholesky().Factor.Transpose();          // Z = U R_Z
        var sigma = Matrix<double>.Build.DenseOfDiagonalArray(
            [.. Enumerable.Range(0, k).Select(j => k == 1 ? 1.0 : Math.Pow(condition, -(double)j / (k - 1)))]);
        var v = Gaussian(seed, 1, k, k).QR().Q;                // random orthogonal
        return rz.Inverse() * sigma * v.Transpose();
    }

    /// <summary>A rows × columns standard normal matrix from stream <paramref name="stream"/> of the seed
    /// (streams ≥ 1 are disjoint from the rows of Z, which use stream 0).</summary>
    private static Matrix<double> Gaussian(ulong seed, ulong stream, int rows, int columns)
    {
        var m = Matrix<double>.Build.Dense(rows, columns);
        Span<double> row = stackalloc double[columns];
        for (int i = 0; i < rows; i++)
        {
            NormalRow(seed ^ (stream * 0xD1B54A32D192ED03UL), -1 - i, row);
            for (int j = 0; j < columns; j++) m[i, j] = row[j];
        }
        return m;
    }

    /// <summary>Standard normal entries of one row, from SplitMix64 keyed by (seed, row, column) and Box–Muller.</summary>
    private static void NormalRow(ulong seed, long row, Span<double> z)
    {
        ulong key = Mix(seed + 0x9E3779B97F4A7C15UL * (ulong)row);
        for (int j = 0; j < z.Length; j++)
        {
            ulong h1 = Mix(key + 0xBF58476D1CE4E5B9UL * (ulong)(2 * j + 1));
            ulong h2 = Mix(key + 0xBF58476D1CE4E5B9UL * (ulong)(2 * j + 2));
            double u1 = ((h1 >> 11) + 1) * (1.0 / 9007199254740992.0); // (0, 1]
            double u2 = (h2 >> 11) * (1.0 / 9007199254740992.0);       // [0, 1)
            z[j] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}

/// <summary>Accuracy measures of a distributed factorisation A = Q R (each rank passes its rows; the
/// sums over cells are completed with the communicator).</summary>
public static class QrChecks
{
    /// <summary>max_ij |w (QᵀQ)_ij − δ_ij| over all ranks.</summary>
    public static double Orthogonality(IComputeBackend backend, ICommunicator comm, Block q, double weight)
    {
        int p = q.Columns;
        var local = Download(backend, q);
        var g = new double[p * p];
        for (int j = 0; j < p; j++)
            for (int i = 0; i <= j; i++)
            {
                double s = 0;
                for (int r = 0; r < q.Rows; r++) s += local[r + q.Rows * i] * local[r + q.Rows * j];
                g[i + p * j] = s;
            }
        Parallel.DistributedSums.Complete(comm, g);
        double worst = 0;
        for (int j = 0; j < p; j++)
            for (int i = 0; i <= j; i++) worst = Math.Max(worst, Math.Abs(weight * g[i + p * j] - (i == j ? 1.0 : 0.0)));
        return worst;
    }

    /// <summary>‖Q R − A‖_F / ‖A‖_F over all ranks.</summary>
    public static double Residual(IComputeBackend backend, ICommunicator comm, Block q, Matrix<double> r, double[] a)
    {
        using var qr = backend.Allocate(q.Rows, r.ColumnCount);
        backend.MultiplySmall(q, r, 1.0, 0.0, qr);
        var product = Download(backend, qr);
        var sums = new double[2];
        for (long i = 0; i < a.Length; i++)
        {
            double d = product[i] - a[i];
            sums[0] += d * d;
            sums[1] += a[i] * a[i];
        }
        Parallel.DistributedSums.Complete(comm, sums);
        return Math.Sqrt(sums[0] / sums[1]);
    }

    private static double[] Download(IComputeBackend backend, Block b)
    {
        var x = new double[b.Length];
        backend.Download(b, x);
        return x;
    }
}
