using MathNet.Numerics.LinearAlgebra;
using ParallelDlra.Angular.Quadratures;
using ParallelDlra.Angular;
using ParallelDlra.Application;
using ParallelDlra.LowRank;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;
using ParallelDlra.Tests.Support;
using Xunit.Abstractions;
using Xunit;

namespace ParallelDlra.Tests.Angular;

/// <summary>rS_N (Camminady, Frank, Küpper and Kusch 2019): the interpolation onto the turned ordinates keeps the mass and
/// the isotropic state exactly, the low-rank turn (V ← RV, re-orthonormalised) is the full-rank turn u ← u Rᵀ, runs keep
/// their mass, and on the line source the ray-effect index (relative standard deviation of φ on r = 0.5) falls.</summary>
public sealed class RotatedOrdinatesTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, 8, 0.0, 0.3)]
    [InlineData(2, 8, 0.25, 0.1)]
    [InlineData(3, 4, 0.1, 0.35)]
    public void The_interpolation_keeps_mass_and_the_isotropic_state(int dim, int order, double fromFraction, double toFraction)
    {
        var sn = DiscreteOrdinates.ProductGaussLegendre(dim, order);
        double dPhi = AzimuthalRotation.Spacing(sn.Set);
        var r = AzimuthalRotation.Matrix(sn.Set, fromFraction * dPhi, toFraction * dPhi);
        var d = Vector<double>.Build.Dense(((IVelocitySpace)sn).Mass.Direction);
        // theory: each row and column of a ring's block sums (1 − t) + t = 1 (equal weights on a ring); rounding of 2 terms: ≤ 2ε·|d|.
        Assert.True((r.TransposeThisAndMultiply(d) - d).AbsoluteMaximum() < 1e-15, "dᵀR ≠ dᵀ: the mass changes");
        Assert.True((r * d - d).AbsoluteMaximum() < 1e-15, "R d ≠ d: the isotropic state changes");
        // the turned set is the set turned: Ω_z kept, the azimuth advanced by the offset
        var turned = ProductGaussLegendre.Create(dim, order, toFraction * dPhi);
        for (int q = 0; q < sn.Count; q++)
        {
            var a = sn.Set.Directions[q];
            var b = turned.Directions[q];
            double c = Math.Cos(toFraction * dPhi), s = Math.Sin(toFraction * dPhi);
            Assert.Equal(a[2], b[2]);
            // rounding: a turn computed two ways (cos/sin of a sum vs a product of rotations): a few ε of O(1).
            Assert.True(Math.Abs(c * a[0] - s * a[1] - b[0]) < 1e-14, $"Ω_x of ordinate {q}");
            Assert.True(Math.Abs(s * a[0] + c * a[1] - b[1]) < 1e-14, $"Ω_y of ordinate {q}");
            Assert.Equal(sn.Set.Weights[q], turned.Weights[q]);
        }
        // no turn is the identity; a turn by Δφ renumbers each ring (a cyclic permutation)
        Assert.Equal(Matrix<double>.Build.DenseIdentity(sn.Count), Matrix<double>.Build.DenseOfMatrix(AzimuthalRotation.Matrix(sn.Set, 0.3, 0.3)));
        var full = AzimuthalRotation.Matrix(sn.Set, 0.0, dPhi);
        // theory: a turn by exactly Δφ maps each ordinate onto its neighbour, weight 1; rounding of the interpolation (12 digits).
        Assert.All(full.EnumerateIndexed(Zeros.AllowSkip).Where(e => e.Item3 != 0), e => Assert.Equal(1.0, e.Item3, 12));
    }

    [Fact]
    public void The_low_rank_turn_equals_the_full_rank_turn()
    {
        var sn = DiscreteOrdinates.ProductGaussLegendre(2, 6);
        int n = 30, m = sn.Count, rank = 5;
        var rng = new Random(7);
        var x = Matrix<double>.Build.Dense(n, rank, (_, _) => rng.NextDouble() - 0.5).QR().Q.SubMatrix(0, n, 0, rank);
        var s = Matrix<double>.Build.Dense(rank, rank, (_, _) => rng.NextDouble() - 0.5);
        var v = Matrix<double>.Build.Dense(m, rank, (_, _) => rng.NextDouble() - 0.5).QR().Q.SubMatrix(0, m, 0, rank);
        var r = AzimuthalRotation.Matrix(sn.Set, 0.05, 0.31);
        var turned = (FactorsState)RotatedOrdinatesSolver.Turn(new FactorsState(x.ToColumnMajorArray(), s, v), r);
        var u = x * s * v.Transpose();
        var expected = (MomentsState)RotatedOrdinatesSolver.Turn(new MomentsState(u.ToColumnMajorArray()), r);
        var lowRank = Matrix<double>.Build.Dense(n, rank, turned.X) * turned.S * turned.V.Transpose();
        double diff = (lowRank - Matrix<double>.Build.Dense(n, m, expected.U)).FrobeniusNorm() / u.FrobeniusNorm();
        double defect = (turned.V.TransposeThisAndMultiply(turned.V) - Matrix<double>.Build.DenseIdentity(rank)).Enumerate().Max(Math.Abs);
        output.WriteLine($"‖X S′ V′ᵀ − u Rᵀ‖/‖u‖ = {diff:E2}, ‖V′ᵀV′ − I‖_max = {defect:E2}");
        // rounding: 30×5 and 36×5 products and a 5-column re-orthonormalisation of O(1) entries: ~10ε (measured 2.4e-16, defect 4.4e-16); bound 1e-14 (≈ 45ε).
        Assert.True(diff < 1e-14, $"{diff:E3}");
        Assert.True(defect < 1e-14, $"{defect:E3}");
        Assert.Equal(x.ToColumnMajorArray(), turned.X);   // X untouched: no n_cells-long work // bit-equality
    }

    /// <summary>With the turn after every step the mass stays to rounding (12 steps of a 360-cell sum and of the turn's
    /// column sums, ~1e-14, measured ≤ 2.8e-14; bound 1e-12 relative) in a periodic box without
    /// absorption, full rank and DLRA with conservative truncation, fixed and random angles.</summary>
    [Theory]
    [InlineData(SolverKind.FullRank, RotationAngle.Random)]
    [InlineData(SolverKind.FullRank, RotationAngle.Fixed)]
    [InlineData(SolverKind.AugmentedBug, RotationAngle.Random)]
    [InlineData(SolverKind.ParallelBug, RotationAngle.Fixed)]
    public void Rotated_runs_keep_their_mass(SolverKind kind, RotationAngle angle)
    {
        var initial = TestDecks.Gaussian(2, 0.15) with { Center = [0.1, -0.05] };
        var o = TestDecks.Uniform([20, 18], [[-1, 1], [-1, 1]], 8, 0.5, 0.0, BoundaryKind.Periodic, initial, 10.0, maxSteps: 12, solver: kind)
            with { Angular = new AngularOptions(8, AngularMethod.Sn, Rotation: new RotationOptions(angle, 0.5, 3)) };
        if (kind != SolverKind.FullRank)
            o = o with { Solver = o.Solver with { InitialRank = 6, Conservative = true, Truncation = new TruncationOptions(1e-2, ToleranceKind.Relative, 2, 30) } };
        var sim = new Simulation(o, RunContext.Serial());
        sim.Run();
        var plain = new Simulation(o with { Angular = new AngularOptions(8, AngularMethod.Sn) }, RunContext.Serial());
        plain.Run();
        double m0 = sim.History[0].Mass;
        double drift = sim.History.Max(h => Math.Abs(h.Mass - m0)) / m0;
        double effect = PhiFiles.RelativeDifference(sim.Solver.ScalarFlux(), plain.Solver.ScalarFlux());
        var rotated = Assert.IsType<RotatedOrdinatesSolver>(sim.Solver);
        output.WriteLine($"{kind} {angle}: mass drift {drift:E2}, rS_N vs S_N φ {effect:E2}, offset now {rotated.Offset:F4} rad");
        Assert.True(rotated.TurnsInPlace, "the turn took the general path (Save, rebuild, Restore)");   // the live map and the angular swap
        Assert.True(drift <= 1e-12, $"mass drift {drift:E3}");
        Assert.True(effect > 1e-6, $"the rotation did nothing: {effect:E3}"); // precondition, not accuracy: measured 4e-2
    }

    /// <summary>The acceptance of issue #15 on a small grid (60², line source, full rank, t = 1): the ray-effect index
    /// (relative standard deviation of φ on the circle r = 0.5, <see cref="LineSourceMeasures.RayIndex"/>) of rS_8
    /// (n_q = 64, random angles) at most half of S_8's and at most that of S_14 (n_q = 196 ≥ 3 · 64): the paper's claim
    /// of similar quality with less than a third of the ordinates (Camminady et al. 2019). Measured 2026-12-01:
    /// S_8 2.27e-2, rS_8 4.69e-3, S_14 3.43e-2 — and the ring-averaged error of rS_8 13.9 % against S_8's 7.9 %: the
    /// interpolation after every step smears in angle (reported, not asserted).</summary>
    [Fact]
    public void Rotation_halves_the_ray_effect_index_and_beats_three_times_the_ordinates()
    {
        var sn8 = LineSourceMeasures.Measure(LineSourceMeasures.Options(60, new AngularOptions(8, AngularMethod.Sn)));
        var rsn8 = LineSourceMeasures.Measure(LineSourceMeasures.Options(60, new AngularOptions(8, AngularMethod.Sn,
            Rotation: new RotationOptions(RotationAngle.Random, 0.5, 1))));
        var sn14 = LineSourceMeasures.Measure(LineSourceMeasures.Options(60, new AngularOptions(14, AngularMethod.Sn)));
        foreach (var (name, f) in new[] { ("S_8 (n_q = 64)", sn8), ("rS_8 (n_q = 64)", rsn8), ("S_14 (n_q = 196)", sn14) })
            output.WriteLine($"{name}: ray-effect index {f.RayIndex:E3}, ring-average error {f.Error:P2}, min φ / max φ {f.MinOverMax:P2}, {f.Steps} steps");
        // issue #15 acceptance / Camminady et al. 2019: half of S_8 and no worse than S_14 (measured above).
        Assert.True(rsn8.RayIndex <= 0.5 * sn8.RayIndex, $"rS_8 {rsn8.RayIndex:E3} > half of S_8 {sn8.RayIndex:E3}");
        Assert.True(rsn8.RayIndex <= sn14.RayIndex, $"rS_8 {rsn8.RayIndex:E3} > S_14 {sn14.RayIndex:E3}");
    }
}
