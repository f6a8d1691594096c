using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.LowRank;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>Weak augmentation directions and the normal block (docs/design.md, "Weak directions and the normal block"):
/// a new angular direction of strength c (its singular value in L's residual over ‖L‖) moves by δ/c when L moves by δ
/// (relative), and the augmented BUG's Galerkin S-step would give it a coefficient of the size of Δt·F whatever c is.
/// <see cref="LowRankContext.AugmentV"/> marks the directions below <see cref="LowRankContext.UnresolvedDirection"/>, and
/// <see cref="LowRankContext.DropUnresolvedNormalBlock"/> removes exactly their normal-block entries.</summary>
public sealed class WeakDirectionTests
{
    private const int M = 12, R = 3;

    /// <summary>V0 = the first R coordinate vectors; L = V0·A + Σ σ_k u_k w_kᵀ with u_k orthonormal and orthogonal to V0
    /// (coordinates R…), so the residual (I − V0V0ᵀ)L has the singular values σ exactly.</summary>
    private static (Matrix<double> V0, Matrix<double> L) Case(double[] sigma, double noise = 0.0, int seed = 1)
    {
        var v0 = Matrix<double>.Build.Dense(M, R, (i, j) => i == j ? 1.0 : 0.0);
        var rng = new Random(seed);
        var l = Matrix<double>.Build.Dense(M, R);
        for (int i = 0; i < R; i++) for (int j = 0; j < R; j++) l[i, j] = 1.0 + i - 0.5 * j;
        // u_k = e_{R+k} rotated by a fixed orthogonal mix of two coordinates, w_k = e_k of the R columns
        for (int k = 0; k < sigma.Length; k++)
        {
            double a = 0.3 + 0.1 * k;
            l[R + 2 * k, k] += sigma[k] * Math.Cos(a);
            l[R + 2 * k + 1, k] += sigma[k] * Math.Sin(a);
        }
        if (noise > 0) l += Matrix<double>.Build.Dense(M, R, (_, _) => noise * (2 * rng.NextDouble() - 1)) * l.FrobeniusNorm();
        return (v0, l);
    }

    [Fact]
    public void The_unresolved_range_of_the_angular_augmentation_holds_the_directions_below_the_fraction()
    {
        // ‖L‖ ≈ 6.3: 0.5 and 0.04 are resolved, 3e-8 (4.7e-9 of ‖L‖) is not: above the resolvable floor 1e-12, kept, marked.
        var (v0, l) = Case([0.5, 0.04, 3e-8]);
        var aug = LowRankContext.AugmentV(v0, l);
        Assert.Equal(2 * R, aug.Basis.ColumnCount);   // width min(M, r + columns of L)
        Assert.Equal(2..3, aug.Unresolved);
        // 1e-6 (1.6e-7 of ‖L‖) is weak but resolved: nothing marked.
        var weak = LowRankContext.AugmentV(v0, Case([0.5, 0.04, 1e-6]).L);
        Assert.Equal(0, weak.Unresolved.GetOffsetAndLength(weak.Basis.ColumnCount - R).Length);
    }

    /// <summary>Why weak directions are dangerous: under a relative perturbation δ ≈ 1e-14 of L, the strong new
    /// directions move by about δ/their strength (≤ 1e-10) and the weak one (strength 1.6e-7) by about 1e-7 — rounding
    /// of the data amplified by 1/c (what the normal block then multiplies by Δt·F).</summary>
    [Fact]
    public void A_weak_direction_moves_by_the_perturbation_over_its_strength()
    {
        var (v0, l) = Case([0.5, 0.04, 1e-6]);
        var (_, lp) = Case([0.5, 0.04, 1e-6], noise: 1e-14, seed: 7);
        var a = LowRankContext.AugmentV(v0, l).Basis;
        var b = LowRankContext.AugmentV(v0, lp).Basis;
        double Move(int j) => Math.Min((a.Column(j) - b.Column(j)).L2Norm(), (a.Column(j) + b.Column(j)).L2Norm());
        Assert.True(Move(R) < 1e-11 && Move(R + 1) < 1e-10, $"strong directions moved by {Move(R):E2}, {Move(R + 1):E2}");
        Assert.True(Move(R + 2) > 1e-9, $"the weak direction moved by only {Move(R + 2):E2}");
    }

    [Fact]
    public void Dropping_the_normal_block_zeroes_the_weak_rows_and_columns_beyond_the_old_bases_only()
    {
        const int r = 2, rows = 6, cols = 5;   // X̂ = [X0 (2), X̃ (4)], V̂ = [V0 (2), Ṽ (3)]
        var s = Matrix<double>.Build.Dense(rows, cols, (i, j) => 1 + 10 * i + j);
        var before = s.Clone();
        LowRankContext.DropUnresolvedNormalBlock(s, r, 1..3, 2..3);   // X̃ columns 1, 2 (rows 3, 4) and Ṽ column 2 (column 4)
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                bool normal = i >= r && j >= r;
                bool weak = normal && (i is 3 or 4 || j == 4);
                Assert.Equal(weak ? 0.0 : before[i, j], s[i, j]);
            }
        // No weak directions: bit for bit unchanged.
        var t = before.Clone();
        LowRankContext.DropUnresolvedNormalBlock(t, r, 4..4, 3..3);
        Assert.Equal(before, t);
    }
}
