using System.Diagnostics;
using System.Text;
using ParallelDlra.Cli;
using Xunit;

namespace ParallelDlra.Tests.Hostile;

/// <summary>
/// Hostile but realistic input (issue #18): every case must end with exit code 2 and at most two lines on standard error,
/// without a stack trace, within 10 s — huge grids within 2 s and without allocating (managed allocations of the
/// thread under 64 MiB, the process's working set up by less than 256 MiB). Runs in-process through
/// <see cref="Program.Invoke"/>; <c>{dir}</c> in a case is a fresh temporary folder, <c>{deck}</c> the small valid
/// deck written there (16² cells, P_3, augmented BUG, 4 steps).
/// </summary>
[Collection("NLog configuration")]
public sealed class HostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pdlra-hostile-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private const string Deck = """
        problem: {name: hostile}
        grid: {cells: [16, 16], extent: [[-1, 1], [-1, 1]], boundary: vacuum}
        angular: {order: 3}
        material: {sigma_s: 1}
        initial: {type: gaussian, sigma: 0.2}
        time: {end: 1, max_steps: 4}
        solver: {type: augmented_bug}
        """;

    /// <summary>Name, whether it is a huge grid (2 s, memory flat), the command line (after <c>pdlra</c>).</summary>
    public static TheoryData<string, bool, string[]> Cases()
    {
        var d = new TheoryData<string, bool, string[]>();
        void Set(string name, params string[] sets) => d.Add(name, false, ["run", "{deck}", "--set", "output.directory={dir}/out", .. sets.SelectMany(s => new[] { "--set", s })]);
        void Check(string name, params string[] sets) => d.Add(name, false, ["check", "{deck}", .. sets.SelectMany(s => new[] { "--set", s })]);
        void Huge(string name, string command, params string[] sets) =>
            d.Add(name, true, [command, "{deck}", .. command == "run" ? new[] { "--set", "output.directory={dir}/out" } : [], .. sets.SelectMany(s => new[] { "--set", s })]);
        void Raw(string name, string file, params string[] extra) => d.Add(name, false, ["run", "{dir}/" + file, "--set", "output.directory={dir}/out", .. extra]);
        void Cmd(string name, params string[] args) => d.Add(name, false, args);

        // Huge grids: refused before anything is allocated.
        Huge("cells 1e5 x 1e5 (run)", "run", "grid.cells=[100000, 100000]", "angular.order=30");
        Huge("cells 1e5 x 1e5 (check)", "check", "grid.cells=[100000, 100000]", "angular.order=30");
        Huge("cells 2000^3 (run)", "run", "grid.cells=[2000, 2000, 2000]", "grid.extent=[[0,1],[0,1],[0,1]]");
        Huge("cells 46341^2, just above 2^31", "run", "grid.cells=[46341, 46341]");
        Huge("cells 40000^2 at P_30 (memory)", "run", "grid.cells=[40000, 40000]", "angular.order=30");
        Huge("cells 2000^2 at P_30 full rank (memory)", "run", "grid.cells=[2000, 2000]", "angular.order=30", "solver.type=full_rank");
        Huge("cells 2000^2 at P_30 ssprk2 full rank", "run", "grid.cells=[2000, 2000]", "angular.order=30", "solver.type=full_rank", "time.stepper=ssprk2");
        Huge("1D 2e7 cells at P_400 full rank", "run", "grid.cells=[20000000]", "grid.extent=[[0,1]]", "angular.order=400", "solver.type=full_rank");
        Huge("3D 1000^3 at P_30 low rank", "run", "grid.cells=[1000, 1000, 1000]", "grid.extent=[[0,1],[0,1],[0,1]]", "angular.order=30");
        Huge("3D 1290^3 just above 2^31", "check", "grid.cells=[1291, 1291, 1291]", "grid.extent=[[0,1],[0,1],[0,1]]");
        Huge("cells 70000^3 at P_3 (memory)", "run", "grid.cells=[70000, 70000, 70000]", "grid.extent=[[0,1],[0,1],[0,1]]");
        Huge("cells 70000^3 at P_3 (check, array limit)", "check", "grid.cells=[70000, 70000, 70000]", "grid.extent=[[0,1],[0,1],[0,1]]");
        Huge("cells 2^31-1 per axis in 3D (2^53 entries)", "check", "grid.cells=[2147483647, 2147483647, 2147483647]", "grid.extent=[[0,1],[0,1],[0,1]]");
        Huge("cells 30000^2 r_max 496 parallel_bug", "run", "grid.cells=[30000, 30000]", "angular.order=30", "solver.type=parallel_bug", "solver.truncation.r_max=496");

        // Extents and spacings that overflow or underflow.
        Set("extent +-1e308", "grid.extent=[[-1e308, 1e308], [-1, 1]]");
        Set("width 1e-320", "grid.extent=[[0, 1e-320], [-1, 1]]");
        Check("width 1e-200 (check)", "grid.extent=[[0, 1e-200], [0, 1]]");
        Set("extent 1e200", "grid.extent=[[-1e200, 1e200], [0, 1]]");
        Set("extent 1e400 (not a number)", "grid.extent=[[0, 1e400], [0, 1]]");
        Set("extent min = max", "grid.extent=[[1, 1], [0, 1]]");
        // Limits that depend on several keys.
        Check("P_0 with augmented_bug", "angular.order=0");
        Set("P_0 with parallel_bug", "angular.order=0", "solver.type=parallel_bug");
        Set("r_min above n_moments", "solver.truncation.r_min=11");
        Check("r_min above n_moments of P_1", "angular.order=1", "solver.truncation.r_min=4");
        Set("default r_min above n_moments (1D P_0 fixed rank)", "grid.cells=[16]", "grid.extent=[[0,1]]", "angular.order=0", "solver.type=fixed_rank_bug");
        Set("rank above n_moments", "solver.rank=11");
        Check("output.moments beyond n_moments", "output.moments=[0, 10]");
        Set("r_min above r_max", "solver.truncation.r_min=5", "solver.truncation.r_max=4");
        Set("max_mass_growth below 1", "time.max_mass_growth=0.5");
        Set("max_mass_growth text", "time.max_mass_growth=lots");
        Set("initial mass 1e308 overflows", "initial.mass=1e308");
        Set("constant 1e308 x box", "initial.type=constant", "initial.value=1e400");
        // Plain bad values.
        Set("zero cells", "grid.cells=[0, 16]");
        Set("four axes", "grid.cells=[16, 16, 16, 16]");
        Set("cells beyond int", "grid.cells=[2147483648, 1]");
        Set("cells 1e9 as float", "grid.cells=[1e9, 16]");
        Set("order 61 in 2D", "angular.order=61");
        Set("order -1", "angular.order=-1");
        Set("end 0", "time.end=0");
        Set("end nan", "time.end=.nan");
        Set("end 1e400", "time.end=1e400");
        Set("cfl 2", "time.cfl=2");
        Set("max_steps 0", "time.max_steps=0");
        Set("solver bogus", "solver.type=bogus");
        Set("theta negative", "solver.truncation.theta=-1");
        Set("sigma_s negative", "material.sigma_s=-1");
        Set("gaussian sigma 0", "initial.sigma=0");
        Set("checkpoint_keep 0", "output.checkpoint_keep=0");
        Set("problem name with a space", "problem.name=a b");
        Set("boundary teleport", "grid.boundary=teleport");
        Set("periodic on one face", "grid.boundary={x_min: periodic}");
        Set("unknown key", "time.ende=1");
        Set("set nested 100 deep", "time.end=" + new string('[', 100) + new string(']', 100));
        Set("material file missing", "material={file: nowhere.yaml}");
        // Command line.
        Cmd("no arguments");
        Cmd("unknown command", "runn", "{deck}");
        Cmd("bare --set", "run", "{deck}", "--set");
        Cmd("--set without =", "run", "{deck}", "--set", "time.end");
        Cmd("--set =5", "run", "{deck}", "--set", "=5");
        Cmd("missing deck", "run", "{dir}/nothing.yaml");
        Cmd("restart missing", "run", "{deck}", "--set", "output.directory={dir}/out", "--restart", "{dir}/checkpoint_000010.h5");
        Cmd("restart a tmp file", "run", "{deck}", "--set", "output.directory={dir}/out", "--restart", "{dir}/.checkpoint_000010.x.h5.tmp");
        Cmd("restart a deck", "run", "{deck}", "--set", "output.directory={dir}/out", "--restart", "{deck}");
        Cmd("check --ranks 0", "check", "{deck}", "--ranks", "0");
        Cmd("output under a file", "run", "{deck}", "--set", "output.directory={deck}/out");
        Cmd("run without a deck", "run");
        Cmd("--restart without a file", "run", "{deck}", "--restart");
        Cmd("unknown option", "run", "{deck}", "--bogus");
        Cmd("--ranks not a number", "check", "{deck}", "--ranks", "x");
        Cmd("info with an argument", "info", "extra");
        Cmd("unknown benchmark", "bench", "nonsense");
        Cmd("reconstruct a missing file", "reconstruct", "{dir}/nothing.h5");
        Cmd("reconstruct a deck", "reconstruct", "{deck}");
        Cmd("reconstruct --moments a", "reconstruct", "{deck}", "--moments", "a");
        Cmd("material map alias bomb", "run", "{deck}", "--set", "output.directory={dir}/out", "--set", "material={file: bomb-values.yaml}");
        Cmd("material map nested", "run", "{deck}", "--set", "output.directory={dir}/out", "--set", "material={file: nested.yaml}");
        // Raw deck texts.
        Raw("100000 nested [", "nested.yaml");
        Raw("1000 nested flow maps", "maps.yaml");
        Raw("alias bomb as complex keys", "bomb-keys.yaml");
        Raw("alias bomb as values", "bomb-values.yaml");
        Raw("200 aliases", "aliases.yaml");
        Raw("2 MiB deck", "big.yaml");
        Raw("complex key", "complex.yaml");
        Raw("alias as key", "alias-key.yaml");
        Raw("two documents", "two.yaml");
        Raw("a list, not a map", "list.yaml");
        Raw("binary garbage", "garbage.yaml");
        Raw("tab indentation", "tabs.yaml");
        Raw("duplicate key", "dup.yaml");
        Raw("empty file", "empty.yaml");
        Raw("indentation 40 deep", "indent.yaml");
        return d;
    }

    private void WriteRawDecks()
    {
        string F(string name) => Path.Combine(_dir, name);
        File.WriteAllText(F("deck.yaml"), Deck);
        File.WriteAllText(F(".checkpoint_000010.x.h5.tmp"), "partial");
        File.WriteAllText(F("nested.yaml"), "problem: " + new string('[', 100_000));
        var maps = new StringBuilder("problem: ");
        for (int i = 0; i < 1000; i++) maps.Append("{a: ");
        maps.Append('1').Append('}', 1000);
        File.WriteAllText(F("maps.yaml"), maps.ToString());
        var bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'i'; c++)
            bomb.Append(c).Append(": &").Append(c).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*" + (char)(c - 1), 9))).Append("]\n");
        File.WriteAllText(F("bomb-values.yaml"), bomb.ToString());
        File.WriteAllText(F("bomb-keys.yaml"), bomb + "? [*i, *i]\n: 1\n? {*h: *i}\n: 2\n");
        File.WriteAllText(F("aliases.yaml"), "x: &x 1\nl: [" + string.Join(", ", Enumerable.Repeat("*x", 200)) + "]\n");
        File.WriteAllText(F("big.yaml"), Deck + "\n# " + new string('z', 2 << 20) + "\n");
        File.WriteAllText(F("complex.yaml"), "? [a, b]\n: 1\n" + Deck);
        File.WriteAllText(F("alias-key.yaml"), "problem: {name: &k hostile}\n*k : 2\n");
        File.WriteAllText(F("two.yaml"), Deck + "\n---\n" + Deck);
        File.WriteAllText(F("list.yaml"), "- problem\n- grid\n");
        File.WriteAllBytes(F("garbage.yaml"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256))]);
        File.WriteAllText(F("tabs.yaml"), "problem:\n\tname: x\n");
        File.WriteAllText(F("dup.yaml"), Deck + "\ntime: {end: 2}\n");
        File.WriteAllText(F("empty.yaml"), "");
        var indent = new StringBuilder();
        for (int i = 0; i < 40; i++) indent.Append(new string(' ', 2 * i)).Append("k:\n");
        File.WriteAllText(F("indent.yaml"), indent.ToString());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Is_refused_with_exit_2_and_one_short_message(string name, bool huge, string[] template)
    {
        WriteRawDecks();
        string[] args = [.. template.Select(a => a.Replace("{deck}", Path.Combine(_dir, "deck.yaml")).Replace("{dir}", _dir))];
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        long workingSet0 = Environment.WorkingSet;
        var clock = Stopwatch.StartNew();
        int rc = Program.Invoke(args, stdout, stderr);
        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocated0;
        long grown = Environment.WorkingSet - workingSet0;

        string err = stderr.ToString();
        string context = $"{name}: pdlra {string.Join(' ', args.Select(a => a.Length > 120 ? a[..120] + "…" : a))}\nexit {rc} after {seconds:F2} s\nstderr:\n{err}\nstdout:\n{stdout}";
        Assert.True(rc == ExitCodes.BadInput, context);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (name != "no arguments") Assert.True(lines.Length is >= 1 and <= 2, context);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("Exception", err);
        Assert.True(lines.All(l => l.Length < 2000), context);
        // chosen: hang guards, not timings: a refusal before any allocation takes well under a second; 2 s / 10 s leave room for a loaded machine.
        Assert.True(seconds < (huge ? 2 : 10), context);
        if (huge)
        {
            // chosen: the huge decks would need gigabytes; a refusal at check time allocates only the deck (kB), so 64 MiB / 256 MiB separate the two.
            Assert.True(allocated < 64L << 20, $"{context}\nallocated {allocated >> 20} MiB");
            Assert.True(grown < 256L << 20, $"{context}\nworking set grew by {grown >> 20} MiB");
            Assert.False(Directory.Exists(Path.Combine(_dir, "out")) && Directory.GetFiles(Path.Combine(_dir, "out")).Length > 0, context);
        }
    }
}
