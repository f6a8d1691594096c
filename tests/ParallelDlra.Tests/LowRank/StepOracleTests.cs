using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Application;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>One forward-Euler step of each BUG integrator from given factors (a random W-orthonormal X0, a random
/// non-symmetric S0, a random orthonormal V0) against the step written out densely with MathNet. The full step
/// G(u) = u + Δt F(u) comes from the full-rank solver (a different code path from the low-rank projections); the
/// rest are projections, independent of the bases chosen (P_X = X Xᵀ W, P_V = V Vᵀ):
/// <list type="bullet">
/// <item>fixed-rank BUG (Ceruti and Lubich 2022): X1 = orth(G(u0) V0), V1 = orth(G(u0)ᵀ W X0), u1 = P_X1 G(P_X1 u0 P_V1) P_V1;</item>
/// <item>augmented BUG, nothing truncated (Ceruti, Kusch and Lubich 2022): X̂ = orth[X0, G(u0) V0], V̂ = orth[V0, G(u0)ᵀ W X0],
/// u1 = P_X̂ G(u0) P_V̂;</item>
/// <item>parallel BUG, nothing truncated (Ceruti, Kusch and Lubich 2024): u1 = P_X0 G(u0) P_V̂ + (P_X̂ − P_X0) G(u0) P_V0.</item>
/// </list>
/// Measured 5e-16 to 1.1e-15 (2026-12-01); bound 1e-12, rounding of a few hundred small dense operations.</summary>
public sealed class StepOracleTests(ITestOutputHelper output)
{
    private const int Cells = 10, Order = 5, R = 2;

    private static RunOptions Deck(SolverKind kind) =>
        TestDecks.Uniform([Cells], [[0.0, 1.0]], Order, 0.5, 0.3, BoundaryKind.Vacuum, TestDecks.Gaussian(1, 0.2), 1.0, solver: kind) is var o
            ? o with { Solver = o.Solver with { Truncation = new TruncationOptions(1e-15, ToleranceKind.Relative, 2 * R, 2 * R), InitialRank = R } }
            : throw new InvalidOperationException();

    /// <summary>G(u) = u + Δt F(u): one forward-Euler step of the full-rank solver of the same discretisation.</summary>
    private static Matrix<double> FullStep(Discretisation disc, RunContext ctx, Matrix<double> u, double dt)
    {
        using var full = new FullRankSolver(disc.Operator, ctx.Backend, disc.Halo, ctx.Comm, TimeStepperKind.ForwardEuler, u.ToColumnMajorArray());
        full.Step(0.0, dt);
        return Matrix<double>.Build.Dense(u.RowCount, u.ColumnCount, full.Moments());
    }

    /// <summary>Orthonormal basis of the range (SVD, directions above 1e-12 of the largest).</summary>
    private static Matrix<double> Range(Matrix<double> a)
    {
        var svd = a.Svd(true);
        int k = svd.S.Count(s => s > 1e-12 * svd.S[0]);
        return svd.U.SubMatrix(0, a.RowCount, 0, k);
    }

    [Theory]
    [InlineData(SolverKind.FixedRankBug)]
    [InlineData(SolverKind.AugmentedBug)]
    [InlineData(SolverKind.ParallelBug)]
    public void One_step_from_given_factors_equals_the_dense_bug_step(SolverKind kind)
    {
        var o = Deck(kind);
        var ctx = RunContext.Serial();
        var disc = Discretisation.Build(o, ctx);
        int m = disc.Basis.Count;
        double w = disc.Grid.CellVolume, dt = disc.Operator.TimeStep(0.9);
        var rng = new System.Random(7);
        Matrix<double> Random(int rows, int cols) => Matrix<double>.Build.Dense(rows, cols, (_, _) => 2 * rng.NextDouble() - 1);
        var x0 = Range(Random(Cells, R)) / Math.Sqrt(w);          // w X0ᵀX0 = I
        var v0 = Range(Random(m, R));
        var s0 = Matrix<double>.Build.DenseOfArray(new[,] { { 1.0, 0.7 }, { -0.3, 0.4 } });   // not symmetric
        var u0 = x0 * s0 * v0.Transpose();

        var phi0 = new double[Cells];
        using var solver = (LowRankSolver)SolverFactory.Create(o, disc, ctx, phi0);
        solver.RestoreFactors(x0.ToColumnMajorArray(), s0, v0);
        solver.Step(0.0, dt);
        var u1 = Matrix<double>.Build.Dense(Cells, m, solver.Moments());

        // The dense oracle. W-orthogonal projector onto range(A): P = Q Qᵀ W with Q = orth(A)/√w.
        Matrix<double> Px(Matrix<double> a) { var q = Range(a) / Math.Sqrt(w); return q * q.Transpose() * w; }
        Matrix<double> Pv(Matrix<double> a) { var q = Range(a); return q * q.Transpose(); }
        var g0 = FullStep(disc, ctx, u0, dt);
        var k1 = g0 * v0;
        var l1 = g0.Transpose() * x0 * w;
        Matrix<double> expected;
        switch (kind)
        {
            case SolverKind.FixedRankBug:
            {
                var px = Px(k1);
                var pv = Pv(l1);
                expected = px * FullStep(disc, ctx, px * u0 * pv, dt) * pv;
                break;
            }
            case SolverKind.AugmentedBug:
                expected = Px(x0.Append(k1)) * g0 * Pv(v0.Append(l1));
                break;
            default:
            {
                var px0 = Px(x0);
                var pv0 = Pv(v0);
                expected = px0 * g0 * Pv(v0.Append(l1)) + (Px(x0.Append(k1)) - px0) * g0 * pv0;
                break;
            }
        }
        double diff = (u1 - expected).FrobeniusNorm() / expected.FrobeniusNorm();
        double change = (expected - u0).FrobeniusNorm() / u0.FrobeniusNorm();
        output.WriteLine($"{kind}: relative difference to the dense step {diff:E3} (the step changed u by {change:E3})");
        Assert.True(change > 1e-3, "the step hardly changed u: the comparison would be empty"); // precondition, not accuracy
        Assert.True(diff <= 1e-12, $"{kind}: one step differs from the dense BUG step by {diff:E3}");
    }
}
