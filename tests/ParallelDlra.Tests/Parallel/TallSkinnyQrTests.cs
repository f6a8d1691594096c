using System.Collections.Concurrent;
using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Compute;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Accuracy of the three <see cref="TallSkinnyQr"/> methods on 10⁵ × 20 matrices A = U Σ Vᵀ with
/// κ = 1e2, 1e8, 1e12, and on a rank-deficient [X, X M] (serial: <see cref="SerialCommunicator"/> and the
/// CPU backend; the matrices come from <see cref="TallSkinnyMatrix"/>, which an MPI run can build rank by
/// rank). Criteria: ‖w QᵀQ − I‖_max ≤ 1e-13 and ‖Q R − A‖_F / ‖A‖_F ≤ 1e-13.</summary>
public sealed class TallSkinnyQrTests(ITestOutputHelper output)
{
    private const long Rows = 100_000;
    private const int Columns = 20;
    private const int Seed = 20240604;
    private const double Weight = 2.5e-3;
    // rounding: each entry of wQᵀQ is a 10⁵-term sum, random-walk √n·ε ≈ 3.5e-14 for any κ with these stable methods
    // (measured ≤ 2.5e-14 on 2026-12-01); the residual is ~p·ε (measured ≤ 8e-16).
    private const double Tolerance = 1e-13;

    private static readonly ConcurrentDictionary<double, Lazy<double[]>> Matrices = new();

    private static double[] Conditioned(double kappa)
        => Matrices.GetOrAdd(kappa, k => new Lazy<double[]>(() => TallSkinnyMatrix.WithCondition(Seed, Rows, Columns, k).Fill(0, (int)Rows))).Value;

    /// <summary>Each method within its range; no fallback is allowed. CholeskyQR2's range is κ₂(G) = κ₂(A)² ≤
    /// <see cref="TallSkinnyQr.GramConditionLimit"/> (1e7, κ₂(A) ≲ 3e3), well inside where its first Cholesky
    /// factorisation breaks down (κ² u ≈ 1).</summary>
    public static TheoryData<QrMethod, double> WithinRange() => new()
    {
        { QrMethod.Tsqr, 1e2 }, { QrMethod.Tsqr, 1e8 }, { QrMethod.Tsqr, 1e12 },
        { QrMethod.CholeskyQr2, 1e2 }, { QrMethod.CholeskyQr2, 1e3 },
        { QrMethod.ShiftedCholeskyQr3, 1e2 }, { QrMethod.ShiftedCholeskyQr3, 1e8 }, { QrMethod.ShiftedCholeskyQr3, 1e12 },
    };

    [Theory]
    [MemberData(nameof(WithinRange))]
    public void Orthonormal_and_reproduces_A_within_the_methods_range(QrMethod method, double kappa)
    {
        var (orthogonality, residual, used) = Factor(method, Conditioned(kappa), $"κ = {kappa:0e0}");
        Assert.True(orthogonality <= Tolerance, $"‖wQᵀQ − I‖_max = {orthogonality:e2}");
        Assert.True(residual <= Tolerance, $"‖QR − A‖_F/‖A‖_F = {residual:e2}");
        Assert.Equal(method, used);
    }

    /// <summary>Beyond κ₂(G) = 1e7 (κ = 1e4: κ₂(G) = 1e8) CholeskyQR2 hands the untouched block to Householder TSQR, which
    /// meets the same criteria; the counters say which path ran.</summary>
    [Theory]
    [InlineData(1e4)]
    [InlineData(1e8)]
    [InlineData(1e12)]
    public void CholeskyQr2_beyond_the_Gram_condition_limit_hands_the_block_to_TSQR(double kappa)
    {
        var (orthogonality, residual, used) = Factor(QrMethod.CholeskyQr2, Conditioned(kappa), $"κ = {kappa:0e0}");
        Assert.True(orthogonality <= Tolerance, $"‖wQᵀQ − I‖_max = {orthogonality:e2}");
        Assert.True(residual <= Tolerance, $"‖QR − A‖_F/‖A‖_F = {residual:e2}");
        Assert.Equal(QrMethod.Tsqr, used);
    }

    [Theory]
    [InlineData(QrMethod.Tsqr)]
    [InlineData(QrMethod.CholeskyQr2)]
    [InlineData(QrMethod.ShiftedCholeskyQr3)]
    public void Rank_deficient_block_gives_an_orthonormal_Q_with_QR_equal_to_A(QrMethod method)
    {
        // [X, X M]: 12 independent columns, 8 in their span (the augmented basis [X0, K] with K ∈ span X0).
        var a = TallSkinnyMatrix.RankDeficient(Seed, Rows, 12, Columns, 1e2).Fill(0, (int)Rows);
        var (orthogonality, residual, used) = Factor(method, a, "[X, X M], rank 12 of 20");
        Assert.True(orthogonality <= Tolerance, $"‖wQᵀQ − I‖_max = {orthogonality:e2}");
        Assert.True(residual <= Tolerance, $"‖QR − A‖_F/‖A‖_F = {residual:e2}");
        Assert.Equal(QrMethod.Tsqr, used);
    }

    [Fact]
    public void R_is_upper_triangular_with_a_non_negative_diagonal_and_methods_agree()
    {
        // For a full-rank A the factorisation with diag(R) > 0 is unique: all methods give the same R.
        var a = Conditioned(1e2);
        var rs = new List<Matrix<double>>();
        foreach (var method in Enum.GetValues<QrMethod>())
        {
            using var backend = new CpuBackend();
            using var block = backend.Allocate((int)Rows, Columns);
            backend.Upload(a, block);
            var r = new TallSkinnyQr(backend, SerialCommunicator.Instance, Weight, method).Orthonormalize(block);
            for (int j = 0; j < Columns; j++)
            {
                Assert.True(r[j, j] > 0);
                for (int i = j + 1; i < Columns; i++) Assert.Equal(0.0, r[i, j]);
            }
            rs.Add(r);
        }
        foreach (var r in rs.Skip(1))
            Assert.True((r - rs[0]).FrobeniusNorm() <= 1e-12 * rs[0].FrobeniusNorm(), $"‖ΔR‖_F = {(r - rs[0]).FrobeniusNorm():e2}"); // rounding: R is unique for full-rank A; backward errors of ε move it by ~κ·ε ≈ 1e-14 (κ = 1e2)
    }

    private (double Orthogonality, double Residual, QrMethod Used) Factor(QrMethod method, double[] a, string what)
    {
        using var backend = new CpuBackend();
        var comm = SerialCommunicator.Instance;
        using var q = backend.Allocate((int)Rows, Columns);
        backend.Upload(a, q);
        var qr = new TallSkinnyQr(backend, comm, Weight, method);
        var clock = Stopwatch.StartNew();
        var r = qr.Orthonormalize(q);
        double seconds = clock.Elapsed.TotalSeconds;
        double orthogonality = QrChecks.Orthogonality(backend, comm, q, Weight);
        double residual = QrChecks.Residual(backend, comm, q, r, a);
        output.WriteLine($"{method} {what}: ‖wQᵀQ − I‖_max = {orthogonality:e2}, ‖QR − A‖_F/‖A‖_F = {residual:e2}, used {qr.LastMethod}, {seconds * 1e3:0.0} ms");
        return (orthogonality, residual, qr.LastMethod);
    }
}
