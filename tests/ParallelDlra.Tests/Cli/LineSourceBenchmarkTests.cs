using System.Globalization;
using System.Text.RegularExpressions;
using ParallelDlra.Tests.Parallel;
using ParallelDlra.Tests.Support;
using ParallelDlra.Verification;
using Xunit;
using Xunit.Abstractions;

namespace ParallelDlra.Tests.Cli;

/// <summary><c>pdlra bench linesource</c> (issue #15 benchmark) at 20² through the built pdlra, keeping its runs, then
/// <c>postprocess/render_methods.py</c> on them: every method × order × solver has its row, the figures of each row are
/// those of the φ it kept (recomputed here), what theory fixes holds (full rank has rank n_moments or n_q; first-order
/// S_N is positive; filtered P_N is refused on a grid where Δt·σ_f alone exceeds the stability limit), and the tiler
/// draws one panel per kept run.</summary>
public sealed class LineSourceBenchmarkTests(ITestOutputHelper output) : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-bench-linesource-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private static readonly Regex Row = new(
        @"^(?<method>P_3|filtered P_3|S_4|rS_4)\s+(?<order>[12])\s+(?<solver>full_rank|augmented_bug)\s+(?<rest>.*)$", RegexOptions.Multiline);

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Bench_linesource_prints_every_run_with_the_figures_of_its_field_and_the_tiler_draws_them()
    {
        string keep = Path.Combine(tmp, "runs");
        // P_3 (10 moments) and S_4 (16 ordinates): the DLRA runs start at rank min(20, n) = n and keep it (r_min)
        var r = MpiLauncher.Run(1, ["bench", "linesource", "20", keep, "3", "4"], TimeSpan.FromSeconds(600));
        output.WriteLine(r.Stdout);
        Assert.True(r.ExitCode == 0, r.ToString());
        var rows = Row.Matches(r.Stdout).ToArray();
        Assert.Equal(16, rows.Length);   // 4 methods × 2 orders × 2 solvers
        var reference = ReferenceProfile.Load(TestDecks.Data("linesource_t1.csv"), "phi_total");
        var folders = Directory.GetDirectories(keep).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(16, folders.Length);
        double[]? full = null;
        int measured = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            string method = rows[k].Groups["method"].Value, solver = rows[k].Groups["solver"].Value, rest = rows[k].Groups["rest"].Value;
            int order = int.Parse(rows[k].Groups["order"].Value, CultureInfo.InvariantCulture);
            if (method == "filtered P_3")
            {
                // theory: at 20² Δt = 0.9·(3/20)/(2·ρ) ≈ 0.068 with ρ ≤ 1, so Δt·σ_f = 3.4 > 2 even without transport:
                // the explicit step is unstable and the deck is refused (exit 2) naming time.cfl
                Assert.StartsWith("refused: error: time.cfl", rest);
                full = null;
                continue;
            }
            var f = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(10, f.Length);   // error, min/max, ray, vs full, steps, median ms, mean ms, rank, solve MiB, wall s
            var phi = PhiFiles.ReadDoubles(Path.Combine(folders[k], "out", "phi.bin"));
            Assert.Equal(400, phi.Length);
            // the printed figures are those of the kept field (printed with 2, 3 and 3 significant decimals)
            Assert.Equal(100 * LineSourceFigures.RingError(phi, 20, reference), D(f[0]), 0.0051);
            Assert.Equal(100 * LineSourceFigures.MinOverMax(phi), D(f[1]), 0.00051);
            Assert.Equal(LineSourceFigures.RayIndex(phi, 20), D(f[2]), LineSourceFigures.RayIndex(phi, 20) * 6e-3);
            if (solver == "full_rank")
            {
                Assert.Equal("-", f[3]);
                full = phi;
                // full rank holds every coefficient: (N+1)(N+2)/2 = 10 moments of P_3 in 2D, N² = 16 ordinates of S_4
                Assert.Equal(method == "P_3" ? 10 : 16, int.Parse(f[7], CultureInfo.InvariantCulture));
            }
            else
            {
                Assert.NotNull(full);
                double toFull = PhiFiles.RelativeDifference(phi, full!);
                Assert.Equal(toFull, D(f[3]), Math.Max(toFull * 6e-3, 1e-300));   // printed with %.2E
                // the augmented BUG at rank n (r_min = n) spans the whole small side: it is full rank up to rounding
                // (README, IntegratorSweepTests: 1e-13 from r = n_moments on); 1e-10 leaves room for 15 steps of it
                Assert.True(toFull <= 1e-10, $"{method} order {order}: DLRA at rank n differs from full rank by {toFull:E2}");
                Assert.Equal(method == "P_3" ? 10 : 16, int.Parse(f[7], CultureInfo.InvariantCulture));
            }
            // steps: the run's own diagnostics (step 0 + one row per step)
            int steps = File.ReadAllLines(Path.Combine(folders[k], "out", "diagnostics.csv")).Length - 2;
            Assert.Equal(steps, int.Parse(f[4], CultureInfo.InvariantCulture));
            // positivity: first-order upwind S_N with forward Euler at cfl ≤ 1 is a convex combination of upwind values per
            // ordinate plus a positive scattering source, so ψ, and φ, stay ≥ 0 (rounding); rS_N's linear interpolation in
            // angle is convex too
            if (order == 1 && solver == "full_rank" && method is "S_4" or "rS_4")
                Assert.True(phi.Min() >= -1e-12 * phi.Max(), $"{method}: min φ {phi.Min()}");
            measured++;
        }
        Assert.Equal(12, measured);

        // the tiler: one panel per kept run in table order, labels from label.txt, one colour scale
        string png = Path.Combine(tmp, "methods.png");
        string script = Path.Combine(TestDecks.RepositoryRoot(), "postprocess", "render_methods.py");
        var t = ChildProcess.Run(ChildProcess.Info("/usr/bin/python3", [script, keep, "-o", png]), TimeSpan.FromSeconds(120));
        Assert.True(t.ExitCode == 0, t.ToString());
        output.WriteLine(t.Stdout);
        var panels = Regex.Matches(t.Stdout, @"^panel (?<k>\d+): (?<label>[^:]+): 20x20 cells, min phi (?<min>\S+), max phi (?<max>\S+)$", RegexOptions.Multiline);
        var kept = folders.Where(d => File.Exists(Path.Combine(d, "out", "phi.bin"))).ToArray();
        Assert.Equal(kept.Length, panels.Count);
        for (int k = 0; k < kept.Length; k++)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(kept[k], "label.txt")).Trim(), panels[k].Groups["label"].Value);
            var phi = PhiFiles.ReadDoubles(Path.Combine(kept[k], "out", "phi.bin"));
            Assert.Equal(phi.Max(), D(panels[k].Groups["max"].Value), phi.Max() * 1e-6);   // printed with %.6e
        }
        // 12 panels in 4 columns: 3 rows of (3 in + 0.5 in title), a 0.9 in colour bar, at 100 dpi
        Assert.Contains("12 panels, 4 x 3, 1200 x 1140 pixels", t.Stdout);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());
        int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
        int height = (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23];
        Assert.Equal((1200, 1140), (width, height));
    }

    [Fact]
    public void A_bad_size_or_a_used_folder_is_bad_input()
    {
        var r = MpiLauncher.Run(1, ["bench", "linesource", "3"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bench linesource: CELLS (3) is not an integer in [4, 4096]", r.Stderr);
        File.WriteAllText(Path.Combine(tmp, "other.txt"), "not a bench run");
        r = MpiLauncher.Run(1, ["bench", "linesource", "20", tmp], TimeSpan.FromSeconds(60));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not empty", r.Stderr);
    }

}
