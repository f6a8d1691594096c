using ParallelDlra.LowRank;
using Xunit;

namespace ParallelDlra.Tests.LowRank;

/// <summary>The rank choice of the truncation on hand-computed singular values (docs/design.md, DESIGN §2: discard
/// the tail of ℓ2 norm ≤ θ (absolute) or ≤ θ‖σ‖ (relative), clamp to [r_min, r_max], never cut a cluster).</summary>
public sealed class TruncationTests
{
    private static (int Rank, double Tail) Choose(double[] sigma, double theta, ToleranceKind kind, int rMin = 1, int rMax = 10, int reserved = 0,
        TruncationScaling per = TruncationScaling.Step, double dt = 1.0)
    {
        var o = new TruncationOptions(theta, kind, rMin, rMax, per);
        int r = Truncation.ChooseRank(sigma, o, o.Tolerance(dt, Math.Sqrt(sigma.Sum(v => v * v))), sigma.Length, out double tail, reserved);
        return (r, tail);
    }

    [Fact]
    public void Theta_per_unit_time_is_theta_times_the_step()
    {
        double[] s = [4, 2, 1, 0.5];
        // θ = 1 per unit time, relative, Δt = 0.25: ϑ = 0.25·√21.25 = 1.152 ≥ √1.25: rank 2, like θ = 0.25 per step.
        Assert.Equal((2, Math.Sqrt(1.25)), Choose(s, 1.0, ToleranceKind.Relative, per: TruncationScaling.UnitTime, dt: 0.25));
        // Δt = 0.1: ϑ = 0.461 < 0.5: nothing is discarded.
        Assert.Equal((4, 0.0), Choose(s, 1.0, ToleranceKind.Relative, per: TruncationScaling.UnitTime, dt: 0.1));
        // Absolute per unit time: ϑ = θ·Δt = 12·0.1 = 1.2.
        Assert.Equal((2, Math.Sqrt(1.25)), Choose(s, 12.0, ToleranceKind.Absolute, per: TruncationScaling.UnitTime, dt: 0.1));
    }

    /// <summary>θ relative to the density: the scale is ‖Ŝ V̂ᵀd‖ passed in by the solver, not ‖Ŝ‖_F.</summary>
    [Fact]
    public void Relative_to_the_density_scales_theta_by_the_density_norm()
    {
        // Ŝ = diag(4, 2, 1, 0.5), ‖Ŝ‖_F = √21.25 = 4.61; θ = 0.25 per step: ϑ = 1.152 ≥ √1.25, rank 2 (as above).
        var sHat = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfDiagonalArray([4.0, 2, 1, 0.5]);
        var bySolution = new TruncationOptions(0.25, ToleranceKind.Relative, 1, 10, TruncationScaling.Step, RelativeScale.Solution);
        Assert.Equal(2, Truncation.Truncate(sHat, bySolution, conservative: false, dt: 1.0, densityNorm: 2.0).Rank);
        // Relative to a density of norm 2: ϑ = 0.5 < √1.25 but ≥ 0.5: only the last value goes, rank 3.
        var byDensity = bySolution with { RelativeTo = RelativeScale.Density };
        var t = Truncation.Truncate(sHat, byDensity, conservative: false, dt: 1.0, densityNorm: 2.0);
        Assert.Equal(3, t.Rank);
        Assert.Equal(0.5, t.DiscardedTail, 15);
        // Absolute θ ignores both scales.
        var absolute = byDensity with { Kind = ToleranceKind.Absolute, Theta = 1.2 };
        Assert.Equal(2, Truncation.Truncate(sHat, absolute, conservative: false, dt: 1.0, densityNorm: 2.0).Rank);
    }

    [Fact]
    public void Absolute_and_relative_tolerances_by_hand()
    {
        double[] s = [4, 2, 1, 0.5];
        // Absolute 1.2: the tail (1, 0.5) has norm √1.25 = 1.118 ≤ 1.2; adding 2 gives √5.25 > 1.2.
        Assert.Equal((2, Math.Sqrt(1.25)), Choose(s, 1.2, ToleranceKind.Absolute));
        // Relative 0.1 of ‖σ‖ = √21.25 = 4.61: 0.461 < 0.5, nothing is discarded.
        Assert.Equal((4, 0.0), Choose(s, 0.1, ToleranceKind.Relative));
        // Relative 0.25: 1.152 ≥ √1.25 = 1.118, so again rank 2.
        Assert.Equal((2, Math.Sqrt(1.25)), Choose(s, 0.25, ToleranceKind.Relative));
    }

    [Fact]
    public void The_rank_is_clamped_to_its_bounds()
    {
        double[] s = [4, 2, 1, 0.5];
        Assert.Equal((1, Math.Sqrt(5.25)), Choose(s, 1.2, ToleranceKind.Absolute, rMax: 1));
        Assert.Equal((3, 0.5), Choose(s, 1.2, ToleranceKind.Absolute, rMin: 3));
        // A reserved (conserved) column counts towards the bounds: r_max = 2 leaves one truncated column.
        Assert.Equal(1, Choose(s, 0.0, ToleranceKind.Absolute, rMax: 2, reserved: 1).Rank);
    }

    [Fact]
    public void A_cluster_of_equal_singular_values_is_not_cut()
    {
        double[] s = [3, 2, 2, 2e-9];
        // Absolute 2.1 would keep 2 (tail √(4 + 4e-18) = 2.0), cutting the pair (2, 2): the cut moves past it.
        Assert.Equal(3, Choose(s, 2.1, ToleranceKind.Absolute).Rank);
        // With r_max = 2 it cannot move up: it moves before the pair.
        var (r, tail) = Choose(s, 2.1, ToleranceKind.Absolute, rMax: 2);
        Assert.Equal(1, r);
        Assert.Equal(Math.Sqrt(8 + 4e-18), tail, 12);
    }
}
