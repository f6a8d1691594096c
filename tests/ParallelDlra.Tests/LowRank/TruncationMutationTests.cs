using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Deck;
using ParallelDlra.LowRank;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>Tests written for the mutants of <c>LowRank/Truncation.cs</c> that Stryker found alive
/// (tests/mutation/README.md), on hand-computed singular values and small matrices whose answer is known without the
/// code: the rank never exceeds what Ŝ's shape allows, a tail exactly at ϑ is discarded, values at or below
/// ResolvableFraction·σ_0 (1e-12) are not significant, r_min and r_max win over the cluster rule, a zero mass column,
/// and the coordinate completion of a basis.</summary>
public sealed class TruncationMutationTests
{
    private static readonly MatrixBuilder<double> M = Matrix<double>.Build;

    private static (int Rank, double Tail) Choose(double[] sigma, double tolerance, int rMin = 1, int rMax = 10, int reserved = 0)
    {
        var o = new TruncationOptions(tolerance, ToleranceKind.Absolute, rMin, rMax, TruncationScaling.Step);
        int r = Truncation.ChooseRank(sigma, o, o.Tolerance(1.0, 0.0), sigma.Length, out double tail, reserved);
        return (r, tail);
    }

    private static TruncationOptions Exact(int rMin = 1, int rMax = 10) => new(0.0, ToleranceKind.Absolute, rMin, rMax, TruncationScaling.Step);

    private static double MaxAbs(Matrix<double> m) => m.Enumerate().Select(Math.Abs).DefaultIfEmpty(0).Max();

    private static void AssertReproduces(Matrix<double> sHat, TruncationResult t)
    {
        Assert.All(t.S.Enumerate(), v => Assert.True(double.IsFinite(v)));
        // rounding: SVD factors of a small matrix are orthonormal, and reproduce Ŝ, to a few ε.
        Assert.True(MaxAbs(t.Px.TransposeThisAndMultiply(t.Px) - M.DenseIdentity(t.Rank)) < 1e-14, "Px must have orthonormal columns");
        Assert.True(MaxAbs(t.Pv.TransposeThisAndMultiply(t.Pv) - M.DenseIdentity(t.Rank)) < 1e-14, "Pv must have orthonormal columns");
        Assert.True(MaxAbs(t.Px * t.S * t.Pv.Transpose() - sHat) < 1e-14, "θ = 0 must reproduce Ŝ");
    }

    [Fact]
    public void A_tail_exactly_at_the_tolerance_is_discarded()
    {
        // σ = (4, 3), ϑ = 3: the tail (3) has norm 3 ≤ 3 (the bound is inclusive, (Σ_{i>r} σ_i²)^{1/2} ≤ ϑ); adding 4 gives 5 > 3.
        Assert.Equal((1, 3.0), Choose([4, 3], 3.0));
    }

    [Fact]
    public void The_conserved_mode_alone_may_remain()
    {
        // Reserved column (conservative): everything else may go, r⊥ = 0, the tail is all of σ: √(4 + 1).
        Assert.Equal((0, Math.Sqrt(5.0)), Choose([2, 1], 10.0, reserved: 1));
    }

    [Fact]
    public void Equal_values_below_the_resolvable_fraction_may_be_cut()
    {
        // The cluster rule guards only significant values, σ_r > 1e-12 σ_0 (LowRankSolver.ResolvableFraction): below, the
        // directions are rounding noise anyway. ϑ = 1.2e-12 discards one of (1e-12, 1e-12) (1e-12 ≤ ϑ < √2·1e-12).
        var (r, tail) = Choose([1, 1e-12, 1e-12], 1.2e-12);
        Assert.Equal(2, r);
        Assert.Equal(1e-12, tail, 1e-27); // theory: the discarded value itself; rounding relative to it (1e-15 of the tail)
        // The threshold scales with σ_0: with σ_0 = 1e3 the limit is 1e-9, and 1e-10 lies below it.
        (r, tail) = Choose([1e3, 1e-10, 1e-10], 1.2e-10);
        Assert.Equal(2, r);
        Assert.Equal(1e-10, tail, 1e-25); // as above
    }

    [Fact]
    public void The_rank_bounds_win_over_the_cluster_rule()
    {
        // σ = (2, 2, 1), r_max = 1: the cut splits the pair and cannot move up; moving down would leave rank 0, below 1.
        Assert.Equal((1, Math.Sqrt(5.0)), Choose([2, 2, 1], 0.0, rMax: 1));
        // σ = (3, 2, 2, 1), r_min = r_max = 2: the cut splits (2, 2) and may move neither up (r_max) nor down (r_min).
        Assert.Equal((2, Math.Sqrt(5.0)), Choose([3, 2, 2, 1], 0.0, rMin: 2, rMax: 2));
        // Conservative, r_max = 2 (one column beside the conserved one): the pair (2, 2) cannot be kept whole, so the
        // cut moves before it, to r⊥ = 0 (rank 1 with the conserved column); tail √(4 + 4 + 1) = 3.
        Assert.Equal((0, 3.0), Choose([2, 2, 1], 0.0, rMax: 2, reserved: 1));
    }

    [Fact]
    public void The_rank_is_at_most_what_the_shape_of_S_hat_allows()
    {
        // A 2 × 4 Ŝ has rank ≤ 2 whatever r_min asks: θ = 0 keeps it whole, with exactly 2 columns.
        var sHat = M.DenseOfArray(new double[,] { { 3, 1, 0, 2 }, { -1, 2, 1, 0 } });
        var t = Truncation.Truncate(sHat, Exact(rMin: 3), conservative: false, dt: 1.0);
        Assert.Equal(2, t.Rank);
        AssertReproduces(sHat, t);
        // Conservative: the mass column plus at most a − 1 = 1 truncated direction (1 + r⊥ ≤ a rows), with r_min = 4.
        // Ŝ⊥ of rank 1 here, so that rank 2 reproduces Ŝ.
        sHat = M.DenseOfArray(new double[,] { { 3, 1, 0, 2 }, { -1, 2, 0, 4 } });
        var c = Truncation.Truncate(sHat, Exact(rMin: 4), conservative: true, dt: 1.0);
        Assert.Equal(2, c.Rank);
        AssertReproduces(sHat, c);
    }

    [Fact]
    public void A_single_column_is_the_conserved_one_kept_exactly()
    {
        // V̂ = [d] only (b = 1): nothing to truncate; X1 = ŝ0/‖ŝ0‖, S1 = ‖ŝ0‖ = 5.
        var sHat = M.DenseOfColumnArrays([3.0, 4.0, 0.0]);
        var t = Truncation.Truncate(sHat, Exact(), conservative: true, dt: 1.0);
        Assert.Equal(1, t.Rank);
        Assert.Equal(5.0, t.S[0, 0], 1e-14); // theory: by hand (above); rounding of a norm and a division
        Assert.Equal(1.0, t.Pv[0, 0]);
        Assert.Equal(0.6, t.Px[0, 0], 1e-15); // as above
        Assert.Equal(0.8, t.Px[1, 0], 1e-15);
        Assert.Equal(0.0, t.DiscardedTail);
    }

    [Fact]
    public void A_zero_mass_column_keeps_the_rest_and_no_mass()
    {
        // ŝ0 = 0 (no mass in the state): the basis is that of the rest, Ŝ is reproduced and S1's first column stays 0.
        var sHat = M.DenseOfArray(new double[,] { { 0, 1, 0 }, { 0, 0, 2 }, { 0, 0, 0 } });
        var t = Truncation.Truncate(sHat, Exact(), conservative: true, dt: 1.0);
        Assert.Equal(3, t.Rank);
        AssertReproduces(sHat, t);
        Assert.True(t.S.Column(0).InfinityNorm() < 1e-15); // theory: ŝ0 = 0 stays 0 up to rounding of the products
    }

    [Fact]
    public void Singular_values_at_or_below_the_resolvable_fraction_get_zero_coefficients()
    {
        // Ŝ = diag(1, 1e-12): σ_1 = 1e-12 σ_0 is not above the resolvable fraction, so its direction is a completion with
        // coefficient 0 (rank 2 kept: θ = 0). Diagonal Ŝ: the SVD is exact.
        var t = Truncation.Truncate(M.DenseOfDiagonalArray([1.0, 1e-12]), Exact(), conservative: false, dt: 1.0);
        Assert.Equal(2, t.Rank);
        Assert.Equal(1.0, t.S[0, 0], 1e-15); // theory: a diagonal Ŝ's SVD is exact; a few ε
        Assert.Equal(0.0, t.S[1, 1]);
        // Relative to σ_0: diag(1e3, 1e-12) has 1e-12 < 1e-12·1e3, again not significant.
        var u = Truncation.Truncate(M.DenseOfDiagonalArray([1e3, 1e-12]), Exact(), conservative: false, dt: 1.0);
        Assert.Equal(0.0, u.S[1, 1]);
        Assert.Equal(1e3, u.S[0, 0], 1e-12); // as above, relative to 1e3
    }

    [Fact]
    public void Completion_reaches_directions_that_no_coordinate_vector_is_close_to()
    {
        // The Helmert basis of 1⊥ in R⁵ (orthonormal, orthogonal to (1, …, 1)): every e_j has a residual of norm 1/√5 < 0.5,
        // so only the second pass (threshold 1e-6) completes it, with e_0's residual: (1, …, 1)/√5.
        const int n = 5;
        var h = M.Dense(n, n - 1);
        for (int k = 1; k < n; k++)
        {
            double norm = Math.Sqrt(k * (k + 1.0));
            for (int i = 0; i < k; i++) h[i, k - 1] = 1.0 / norm;
            h[k, k - 1] = -k / norm;
        }
        var q = Truncation.Complete(h, n);
        Assert.True(MaxAbs(q.SubMatrix(0, n, 0, n - 1) - h) == 0.0, "the given columns are kept as they are");
        for (int i = 0; i < n; i++) Assert.Equal(1.0 / Math.Sqrt(n), q[i, n - 1], 1e-15); // theory: the normalised (1, …, 1); a few ε
        Assert.True(MaxAbs(q.TransposeThisAndMultiply(q) - M.DenseIdentity(n)) < 1e-14); // rounding: 5-term dot products
    }

    [Fact]
    public void A_relative_gap_of_exactly_1e_6_is_a_cluster()
    {
        // Splits: σ_{r−1} − σ_r ≤ 1e-6·σ_{r−1}. σ = (1e6, 999999, 1): the gap 1 equals 1e-6·1e6 = 1 (both exact in binary), so
        // (1e6, 999999) is a cluster; ϑ = 1e6 would cut at rank 1, inside it, and the cut moves past it to rank 2, tail 1.
        Assert.Equal((2, 1.0), Choose([1e6, 999999, 1], 1e6));
    }

    [Fact]
    public void Conservative_truncation_keeps_the_mass_column_and_the_strong_direction_of_the_rest()
    {
        // Ŝ = H diag(5, 2, 0.1) with the Householder reflection H = I − 2vvᵀ/vᵀv, v = (1, 1, 1) (so no coordinate vector
        // lies in the spans). Conservative, ϑ = 0.5: Ŝ⊥ = H [[0, 0], [2, 0], [0, 0.1]] has σ = (2, 0.1), 0.1 ≤ 0.5 < √4.01, so
        // r⊥ = 1, tail 0.1, and X1 S1 V1ᵀ = H diag(5, 2, 0) with X1 = [He_0, ±He_1].
        var v = Vector<double>.Build.Dense([1.0, 1.0, 1.0]);
        var h = M.DenseIdentity(3) - 2.0 / 3.0 * v.OuterProduct(v);
        var sHat = h * M.DenseOfDiagonalArray([5.0, 2.0, 0.1]);
        var t = Truncation.Truncate(sHat, new TruncationOptions(0.5, ToleranceKind.Absolute, 1, 10, TruncationScaling.Step), conservative: true, dt: 1.0);
        Assert.Equal(2, t.Rank);
        Assert.Equal(0.1, t.DiscardedTail, 1e-15); // theory: the discarded σ = 0.1 (H is orthogonal); rounding of the SVD, a few ε
        var expected = h * M.DenseOfDiagonalArray([5.0, 2.0, 0.0]);
        Assert.True(MaxAbs(t.Px * t.S * t.Pv.Transpose() - expected) < 1e-14, $"|X1 S1 V1ᵀ − H diag(5, 2, 0)| = {MaxAbs(t.Px * t.S * t.Pv.Transpose() - expected):E2}"); // theory: by hand (above); rounding of 3 × 3 products of entries ≤ 5
        Assert.True(MaxAbs(t.Px.TransposeThisAndMultiply(t.Px) - M.DenseIdentity(2)) < 1e-14); // rounding: 3-term dot products
    }

    [Fact]
    public void Completion_stops_at_the_width_and_takes_the_first_coordinate_vector_not_near_the_span()
    {
        // (1, 1, 0)/√2 completed to 2 columns in R³: e_0's residual (½, −½, 0) has norm 0.71 ≥ 0.5 and is taken; then stop.
        double r = 1.0 / Math.Sqrt(2.0);
        var q = Truncation.Complete(M.DenseOfColumnArrays([r, r, 0.0]), 2);
        Assert.Equal(2, q.ColumnCount);
        Assert.Equal(r, q[0, 1], 1e-15); // theory: by hand (above); a few ε of two Gram–Schmidt passes
        Assert.Equal(-r, q[1, 1], 1e-15);
        Assert.Equal(0.0, q[2, 1], 1e-15);
        // Three Hadamard columns /2 in R⁵ (dyadic, so every residual is exact): e_0 … e_3 have residuals of norm exactly 0.5,
        // which is not "nearly inside the span" (the first pass skips norms below 0.5): e_0's, (½, −½, −½, ½, 0), comes first.
        var b = M.DenseOfColumnArrays([0.5, 0.5, 0.5, 0.5, 0.0], [0.5, -0.5, 0.5, -0.5, 0.0], [0.5, 0.5, -0.5, -0.5, 0.0]);
        var c = Truncation.Complete(b, 4);
        Assert.Equal(new[] { 0.5, -0.5, -0.5, 0.5, 0.0 }, c.Column(3).ToArray());
    }

    [Fact]
    public void Completion_beyond_the_row_count_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Truncation.Complete(M.DenseOfColumnArrays([1.0, 0.0, 0.0]), 4));
        Assert.Equal("cannot complete a basis of 3 rows to 4 columns", e.Message);
    }
}
