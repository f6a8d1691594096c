using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Compute;
using Xunit;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Ranks as threads of this process: each thread a rank, the collectives over shared slots summed in rank
/// order (so every rank gets bitwise the same result). Lets the multi-rank code paths run in-process, where a
/// mutation-testing tool sees them (an mpiexec child loads its own, unmutated, assembly).</summary>
internal sealed class ThreadRanks
{
    private readonly Barrier barrier;
    private readonly double[][] slots;

    public ThreadRanks(int size)
    {
        barrier = new Barrier(size);
        slots = new double[size][];
    }

    public int Size => slots.Length;

    /// <summary>Runs <paramref name="body"/> on every rank at once and returns each rank's result.</summary>
    public T[] Run<T>(Func<ICommunicator, T> body)
    {
        var results = new T[Size];
        var threads = Enumerable.Range(0, Size).Select(k => new Thread(() => results[k] = body(new RankComm(this, k)))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return results;
    }

    private sealed class RankComm(ThreadRanks all, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => all.Size;

        private void Reduce(Span<double> values, Func<double, double, double> op)
        {
            all.slots[rank] = values.ToArray();
            all.barrier.SignalAndWait();
            var acc = (double[])all.slots[0].Clone();
            for (int k = 1; k < Size; k++)
                for (int i = 0; i < acc.Length; i++) acc[i] = op(acc[i], all.slots[k][i]);
            all.barrier.SignalAndWait();
            acc.CopyTo(values);
        }

        public void AllreduceSum(Span<double> values) => Reduce(values, (a, b) => a + b);
        public void AllreduceMax(Span<double> values) => Reduce(values, Math.Max);
        public void AllreduceMin(Span<double> values) => Reduce(values, Math.Min);
        public void Broadcast(Span<double> values, int root = 0)
        {
            all.slots[rank] = values.ToArray();
            all.barrier.SignalAndWait();
            var v = all.slots[root];
            all.barrier.SignalAndWait();
            v.CopyTo(values);
        }
        public void Barrier() => all.barrier.SignalAndWait();

        public void Allgather(ReadOnlySpan<double> send, Span<double> recv)
        {
            all.slots[rank] = send.ToArray();
            all.barrier.SignalAndWait();
            for (int k = 0; k < Size; k++) all.slots[k].CopyTo(recv[(k * send.Length)..]);
            all.barrier.SignalAndWait();
        }

        public void Gatherv(ReadOnlySpan<double> send, Span<double> recv, ReadOnlySpan<int> counts, int root = 0)
        {
            all.slots[rank] = send.ToArray();
            all.barrier.SignalAndWait();
            if (rank == root)
            {
                int at = 0;
                for (int k = 0; k < Size; k++)
                {
                    if (all.slots[k].Length != counts[k]) throw new InvalidOperationException($"rank {k} sent {all.slots[k].Length} values, counts say {counts[k]}");
                    all.slots[k].CopyTo(recv[at..]);
                    at += counts[k];
                }
            }
            all.barrier.SignalAndWait();
        }
    }
}

/// <summary>The multi-rank TSQR (local QR, gathered R factors, the small QR of their stack) on 1–3 thread ranks with
/// uneven row blocks, against MathNet's QR of the whole matrix: the same R (diagonal ≥ 0) on every rank, Q = A R⁻¹
/// row block by row block, w QᵀQ = I.</summary>
public sealed class ThreadRanksTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Tsqr_over_thread_ranks_equals_the_qr_of_the_whole_matrix(int ranks)
    {
        const int rows = 37, p = 4;
        const double w = 0.04;
        var rng = new Random(11);
        var a = Matrix<double>.Build.Dense(rows, p, (_, _) => 2 * rng.NextDouble() - 1);
        int[] starts = [.. Enumerable.Range(0, ranks + 1).Select(k => k * rows / ranks + (k > 0 && k < ranks ? 2 : 0))];
        var (qWhole, rWhole) = ContractOracle.Qr(a * Math.Sqrt(w));   // the weighted QR: (√w A) = Q̃ R, Q = Q̃/√w
        var results = new ThreadRanks(ranks).Run(comm =>
        {
            int lo = starts[comm.Rank], n = starts[comm.Rank + 1] - lo;
            var backend = new CpuBackend();
            using var block = backend.Allocate(n, p);
            backend.Upload(a.SubMatrix(lo, n, 0, p).ToColumnMajorArray(), block);
            var r = new TallSkinnyQr(backend, comm, w, QrMethod.Tsqr).Orthonormalize(block);
            var q = new double[n * p];
            backend.Download(block, q);
            return (R: r, Q: Matrix<double>.Build.Dense(n, p, q));
        });
        for (int k = 0; k < ranks; k++)
        {
            Assert.Equal(results[0].R.ToColumnMajorArray(), results[k].R.ToColumnMajorArray());   // bitwise on every rank // bit-equality: R is computed once and broadcast
            int lo = starts[k], n = starts[k + 1] - lo;
            var expectedQ = qWhole.SubMatrix(lo, n, 0, p) / Math.Sqrt(w);
            Assert.True((results[k].Q - expectedQ).FrobeniusNorm() <= 1e-12 * expectedQ.FrobeniusNorm() + 1e-14, $"rank {k}: Q differs"); // rounding: both Householder-based, 37×4 of entries ≤ 1: ~10ε
        }
        Assert.True((results[0].R - rWhole).FrobeniusNorm() <= 1e-12 * rWhole.FrobeniusNorm(), $"R {results[0].R} vs {rWhole}"); // rounding: as above
    }
}
