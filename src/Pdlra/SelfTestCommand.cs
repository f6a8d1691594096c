using System.Collections.Immutable;
using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;

namespace ParallelDlra.Cli;

/// <summary><c>pdlra selftest halo</c> (hidden; run under mpiexec by the MPI tests): on uneven
/// decompositions of 1D, 2D and 3D grids with periodic and vacuum faces, fills every cell with a value made
/// from its global index, exchanges the halo with <see cref="MpiHaloExchange"/> and checks every ghost value
/// against the neighbour it must come from (zero on a vacuum face). Exit 0 when every rank passes, 1 when
/// any fails (all ranks agree on the code).</summary>
internal static class SelfTestCommand
{
    /// <summary>The grids and their periodic axes.</summary>
    private static readonly (int[] Cells, bool[] Periodic)[] Cases =
    [
        ([7], [true]),
        ([7], [false]),
        ([9, 5], [true, false]),
        ([5, 9], [false, true]),
        ([6, 7], [true, true]),
        ([5, 4, 7], [true, false, true]),
        ([4, 5, 3], [false, false, false]),
        ([3, 3, 5], [true, true, true]),
    ];

    public static int Execute(string which, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (which == "qr") return TallSkinnyQrSelfTest(stdout, stderr);
        if (which == "stencil") return WideStencilSelfTest(stdout, stderr);
        if (which == "mpi-bench") return MpiBench(args, stdout, stderr);
        if (which != "halo") throw new InputException($"selftest {which}: unknown; allowed: halo, qr, stencil, mpi-bench");
        var comm = MpiCommunicator.InitializeWorld();
        return MpiFailurePolicy.Run(comm, stderr, () =>
        {
            var backend = new CpuBackend();
            int failures = 0, checkedGhosts = 0;
            foreach (var (cells, periodic) in Cases)
            {
                var grid = new CartesianGrid([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);
                CartesianDecomposition dec;
                try { dec = new CartesianDecomposition(grid, comm.Size, periodic); }
                catch (InputException) { continue; } // too many ranks for this grid: the same on every rank
                var block = dec.Block(comm.Rank);
                IHaloExchange exchange = new MpiHaloExchange(block, dec.Neighbours(comm.Rank), comm);
                for (int columns = 1; columns <= 3; columns += 2)
                {
                    var data = new double[block.Count * columns];
                    var ijk = new int[3];
                    for (int c = 0; c < block.Count; c++)
                    {
                        block.Index(c, ijk);
                        for (int d = 0; d < block.Dimension; d++) ijk[d] += block.Offset[d];
                        for (int j = 0; j < columns; j++) data[c + j * block.Count] = Value(grid, ijk, j);
                    }
                    using var x = backend.Allocate(block.Count, columns);
                    backend.Upload(data, x);
                    var halo = new Halo(block, columns);
                    for (int f = 0; f < halo.Ghost.Length; f++) Array.Fill(halo.Ghost[f], double.NaN);
                    for (int repeat = 0; repeat < 2; repeat++) // the second time reuses the send buffers
                    {
                        exchange.Exchange(backend, x, halo);
                        for (int f = 0; f < 2 * block.Dimension; f++)
                        {
                            var faceCells = block.FaceCells(f);
                            int axis = f / 2;
                            for (int p = 0; p < faceCells.Length; p++)
                            {
                                block.Index(faceCells[p], ijk);
                                for (int d = 0; d < block.Dimension; d++) ijk[d] += block.Offset[d];
                                ijk[axis] += f % 2 == 0 ? -1 : 1;
                                bool outside = ijk[axis] < 0 || ijk[axis] >= grid.Cells[axis];
                                if (outside && periodic[axis]) ijk[axis] = (ijk[axis] + grid.Cells[axis]) % grid.Cells[axis];
                                for (int j = 0; j < columns; j++)
                                {
                                    double expected = outside && !periodic[axis] ? 0.0 : Value(grid, ijk, j);
                                    double got = halo.Ghost[f][p + j * faceCells.Length];
                                    checkedGhosts++;
                                    if (got.Equals(expected)) continue;
                                    if (failures++ < 20)
                                        stderr.WriteLine($"rank {comm.Rank}: grid [{string.Join(", ", cells)}] periodic [{string.Join(", ", periodic)}] " +
                                                         $"ranks [{dec}] face {f} position {p} column {j}: ghost {got}, expected {expected}");
                                }
                            }
                        }
                    }
                }
            }
            return Conclude(comm, stdout, failures, checkedGhosts,
                n => $"halo selftest passed: {n} ghost values on {comm.Size} rank(s)",
                (f, n) => $"halo selftest FAILED: {f} of {n} ghost values wrong on {comm.Size} rank(s)");
        });
    }

    /// <summary>The failures and checked values summed over the ranks; rank 0 prints the verdict. Exit 0 when nothing failed.</summary>
    private static int Conclude(ICommunicator comm, TextWriter stdout, double failures, double checkedValues,
        Func<double, string> passed, Func<double, double, string> failed)
    {
        Span<double> total = [failures, checkedValues];
        comm.AllreduceSum(total);
        if (comm.IsRoot) stdout.WriteLine(total[0] == 0 ? passed(total[1]) : failed(total[0], total[1]));
        return total[0] == 0 ? ExitCodes.Done : ExitCodes.Failure;
    }

    /// <summary><c>pdlra selftest stencil</c>: a five-point stencil (reach 2, halo depth 2, every weight nonzero and
    /// different) along every axis of the <see cref="Cases"/> grids, decomposed over the ranks, applied by the CPU
    /// backend after a depth-2 <see cref="MpiHaloExchange"/> (Begin/End twice: the send buffers are reused), against
    /// <see cref="Verification.NaiveStencil"/> on the global grid. Decompositions with a block thinner than 2 cells
    /// along an axis are skipped (the same decision on every rank: the decomposition is replicated). Exit 0 when
    /// every value agrees to 1e-14 relative.</summary>
    private static int WideStencilSelfTest(TextWriter stdout, TextWriter stderr)
    {
        var comm = MpiCommunicator.InitializeWorld();
        return MpiFailurePolicy.Run(comm, stderr, () =>
        {
            var backend = new CpuBackend();
            int failures = 0, compared = 0, skipped = 0;
            ImmutableArray<double> weights = [0.25, -1.5, 0.5, 2.0, -0.75];
            foreach (var (cells, periodic) in Cases)
            {
                var grid = new CartesianGrid([.. cells], [.. cells.Select(_ => new Interval(0.0, 1.0))]);
                CartesianDecomposition dec;
                try { dec = new CartesianDecomposition(grid, comm.Size, periodic); }
                catch (InputException) { continue; }
                bool thin = Enumerable.Range(0, comm.Size).Any(r => dec.Block(r).Size.Any(n => n < 2));
                if (thin) { skipped++; continue; }
                var block = dec.Block(comm.Rank);
                IHaloExchange exchange = new MpiHaloExchange(block, dec.Neighbours(comm.Rank), comm);
                const int columns = 2;
                var data = new double[block.Count * columns];
                var ijk = new int[3];
                for (int c = 0; c < block.Count; c++)
                {
                    block.Index(c, ijk);
                    for (int d = 0; d < block.Dimension; d++) ijk[d] += block.Offset[d];
                    for (int j = 0; j < columns; j++) data[c + j * block.Count] = Value(grid, ijk, j);
                }
                using var x = backend.Allocate(block.Count, columns);
                using var y = backend.Allocate(block.Count, columns);
                backend.Upload(data, x);
                var halo = new Halo(block, columns, depth: 2);
                for (int axis = 0; axis < grid.Dimension; axis++)
                {
                    var stencil = new AxisStencil(axis, weights);
                    for (int repeat = 0; repeat < 2; repeat++)
                    {
                        for (int f = 0; f < halo.Ghost.Length; f++) Array.Fill(halo.Ghost[f], double.NaN);
                        exchange.Exchange(backend, x, halo);
                        backend.Clear(y);
                        backend.ApplySpatial(stencil, block, x, halo, 1.0, y);
                        var got = new double[y.Length];
                        backend.Download(y, got);
                        for (int c = 0; c < block.Count; c++)
                        {
                            block.Index(c, ijk);
                            for (int d = 0; d < block.Dimension; d++) ijk[d] += block.Offset[d];
                            for (int j = 0; j < columns; j++)
                            {
                                int jj = j;
                                double expected = Verification.NaiveStencil.Apply(stencil, grid, periodic, ijk.AsSpan(0, grid.Dimension), g => Value(grid, g, jj));
                                double value = got[c + j * block.Count];
                                compared++;
                                if (Math.Abs(value - expected) <= 1e-14 * (Math.Abs(expected) + 1e6 * (j + 1))) continue;
                                if (failures++ < 20)
                                    stderr.WriteLine($"rank {comm.Rank}: grid [{string.Join(", ", cells)}] periodic [{string.Join(", ", periodic)}] ranks [{dec}] " +
                                                     $"axis {axis} cell {c} column {j}: {value}, expected {expected}");
                            }
                        }
                    }
                }
            }
            return Conclude(comm, stdout, failures, compared,
                n => $"stencil selftest passed: {n} values of a five-point stencil on {comm.Size} rank(s) ({skipped} decomposition(s) with blocks thinner than 2 cells skipped)",
                (f, n) => $"stencil selftest FAILED: {f} of {n} values wrong on {comm.Size} rank(s)");
        });
    }

    /// <summary><c>pdlra selftest qr</c>: TSQR, CholeskyQR2 and shifted CholeskyQR3 on a 10⁵ × 20 matrix
    /// distributed by rows over the ranks, with κ = 1e2, 1e8, 1e12, and a rank-deficient [X, X M]; checks
    /// ‖wQᵀQ − I‖_max ≤ 1e-13 and ‖QR − A‖_F/‖A‖_F ≤ 1e-13 (TSQR at every κ, CholeskyQR2 up to 1e8, shifted
    /// CholeskyQR3 up to 1e12, every method on the rank-deficient matrix through its fallback).</summary>
    /// <summary><c>pdlra selftest mpi-bench [largest_bytes [max_repeats]]</c> (under mpiexec, at least 2 ranks): the ping-pong
    /// and allreduce micro-benchmarks of <see cref="MpiMicroBenchmark"/> from 8 B to the largest message (default 8 MiB),
    /// each size repeated until about max(64 MiB, 16 × largest) moved, between 10 and max_repeats (default 2000) times,
    /// printed by rank 0 as CSV (kind, bytes, repeats, time_us, bandwidth_gb_s), then one fit line per kind
    /// (latency_us, bandwidth_gb_s) — the inputs of postprocess/plot_scaling_model.py (docs/scaling.md).</summary>
    private static int MpiBench(string[] args, TextWriter stdout, TextWriter stderr)
    {
        long largest = 8L << 20;
        if (args.Length > 0 && (!long.TryParse(args[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out largest) || largest < 8 || largest > 1L << 30))
            throw new InputException($"selftest mpi-bench: largest_bytes = {args[0]} is not a whole number of bytes in [8, 2^30]");
        int maxRepeats = 2000;
        if (args.Length > 1 && (!int.TryParse(args[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out maxRepeats) || maxRepeats < 10))
            throw new InputException($"selftest mpi-bench: max_repeats = {args[1]} is not a whole number ≥ 10");
        var comm = MpiCommunicator.InitializeWorld();
        return MpiFailurePolicy.Run(comm, stderr, () =>
        {
            if (comm.Size < 2) throw new InputException("selftest mpi-bench: needs at least 2 ranks (mpiexec -n 2)");
            var sizes = MpiMicroBenchmark.Sizes(largest);
            long budget = Math.Max(64L << 20, 16 * largest);   // bytes moved per message size
            var pingPong = MpiMicroBenchmark.PingPong(comm, sizes, budget, maxRepeats);
            var allreduce = MpiMicroBenchmark.Allreduce(comm, sizes, budget, maxRepeats);
            if (comm.IsRoot)
            {
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                stdout.WriteLine($"# pdlra selftest mpi-bench: {comm.Size} ranks, messages 8 B to {largest} B");
                stdout.WriteLine("kind,bytes,repeats,time_us,bandwidth_gb_s");
                foreach (var f in pingPong.Concat(allreduce))
                    stdout.WriteLine(string.Create(inv, $"{f.Kind},{f.Bytes},{f.Repeats},{f.Seconds * 1e6:G6},{f.Bandwidth / 1e9:G6}"));
                foreach (var (kind, figures) in new[] { ("pingpong", pingPong), ("allreduce", allreduce) })
                {
                    var (alpha, beta) = MpiMicroBenchmark.Fit(figures);
                    stdout.WriteLine(string.Create(inv, $"fit {kind}: latency_us = {alpha * 1e6:G6}, bandwidth_gb_s = {beta / 1e9:G6}"));
                }
            }
            return 0;
        });
    }

    private static int TallSkinnyQrSelfTest(TextWriter stdout, TextWriter stderr)
    {
        var comm = MpiCommunicator.InitializeWorld();
        return MpiFailurePolicy.Run(comm, stderr, () =>
        {
            const long rows = 100_000;
            const int columns = 20;
            const double weight = 2.5e-3;
            var backend = new CpuBackend();
            var cases = new List<(string Name, Verification.TallSkinnyMatrix A, QrMethod[] Methods)>
            {
                ("kappa 1e2", Verification.TallSkinnyMatrix.WithCondition(11, rows, columns, 1e2), [QrMethod.Tsqr, QrMethod.CholeskyQr2, QrMethod.ShiftedCholeskyQr3]),
                ("kappa 1e8", Verification.TallSkinnyMatrix.WithCondition(12, rows, columns, 1e8), [QrMethod.Tsqr, QrMethod.CholeskyQr2, QrMethod.ShiftedCholeskyQr3]),
                ("kappa 1e12", Verification.TallSkinnyMatrix.WithCondition(13, rows, columns, 1e12), [QrMethod.Tsqr, QrMethod.ShiftedCholeskyQr3]),
                ("rank-deficient [X, XM]", Verification.TallSkinnyMatrix.RankDeficient(14, rows, 12, columns, 1e4), [QrMethod.Tsqr, QrMethod.CholeskyQr2, QrMethod.ShiftedCholeskyQr3]),
            };
            int failures = 0;
            foreach (var (name, a, methods) in cases)
            {
                var (first, count) = a.RowsOf(comm);
                var values = a.Fill(first, count);
                foreach (var method in methods)
                {
                    using var q = backend.Allocate(count, columns);
                    backend.Upload(values, q);
                    var r = new TallSkinnyQr(backend, comm, weight, method).Orthonormalize(q);
                    double orth = Verification.QrChecks.Orthogonality(backend, comm, q, weight);
                    double residual = Verification.QrChecks.Residual(backend, comm, q, r, values);
                    bool ok = orth <= 1e-13 && residual <= 1e-13;
                    if (!ok) failures++;
                    if (comm.IsRoot)
                        stdout.WriteLine($"{comm.Size} rank(s) {name,-24} {method,-20} |wQtQ - I|max {orth:E2}  |QR - A|/|A| {residual:E2}{(ok ? "" : "  FAILED")}");
                }
            }
            if (comm.IsRoot) stdout.WriteLine(failures == 0 ? $"qr selftest passed on {comm.Size} rank(s)" : $"qr selftest FAILED: {failures} case(s)");
            return failures == 0 ? ExitCodes.Done : ExitCodes.Failure;
        });
    }

    /// <summary>1 + global index + 10⁶·column: nonzero, distinct per cell and column.</summary>
    private static double Value(CartesianGrid grid, ReadOnlySpan<int> ijk, int column)
    {
        long global = 0, stride = 1;
        for (int d = 0; d < grid.Dimension; d++) { global += ijk[d] * stride; stride *= grid.Cells[d]; }
        return 1.0 + global + 1e6 * column;
    }
}
