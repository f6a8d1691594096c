using Xunit;
using static ParallelDlra.Tests.Deck.DeckTestSupport;

namespace ParallelDlra.Tests.Deck;

/// <summary>Malformed decks: <c>pdlra check</c> exits with 2 and writes exactly one line that names
/// the place (file:line:column or the --set) and the key.</summary>
public class DeckErrorTests
{
    // line numbers:     1         2          3      4                5                           6
    private const string Valid = "problem:\n  name: t\ngrid:\n  cells: [10, 10]\n  extent: [[0, 1], [0, 1]]\nangular:\n"
    //                    7             8           9              10       11
                               + "  order: 3\nmaterial:\n  sigma_s: 1\ntime:\n  end: 1\n";

    private static string Replace(string line, string by)
    {
        Assert.Contains(line + "\n", Valid);
        return Valid.Replace(line + "\n", by + "\n");
    }

    public static TheoryData<string, string, string[], string[]> Cases() => new()
    {
        // case name, deck text, extra arguments, substrings the one error line must contain
        { "syntax error", Replace("  end: 1", "  end: [1, 2"), [], ["deck.yaml:", "YAML syntax error"] },
        { "tab syntax", Valid + "time2:\n\tend: 1\n", [], ["deck.yaml:", "YAML syntax error", "tab"] },
        { "duplicate key", Valid + "  end: 2\n", [], ["deck.yaml:12:3:", "duplicate key end"] },
        { "unknown key", Valid + "  ende: 1\n", [], ["deck.yaml:12:3:", "unknown key time.ende", "allowed keys of time: end, cfl, stepper, max_steps"] },
        { "unknown section", Valid + "solvr: {}\n", [], ["deck.yaml:12:1:", "unknown key solvr", "problem, grid, angular"] },
        { "missing required", Replace("  end: 1", "  cfl: 0.5"), [], ["deck.yaml:10:1:", "time.end is missing"] },
        { "missing section", Valid.Replace("angular:\n  order: 3\n", ""), [], ["deck.yaml:1:1:", "section angular is missing"] },
        { "wrong type: text for number", Replace("  end: 1", "  end: soon"), [], ["deck.yaml:11:8:", "time.end = soon is not a number", "allowed: end > 0"] },
        { "wrong type: list for map", Replace("  sigma_s: 1", "  - 1").Replace("material:\n", "material:\n"), [], ["deck.yaml:9:3:", "material is a list but a map is expected"] },
        { "wrong type: map for list", Replace("  cells: [10, 10]", "  cells: {x: 10}"), [], ["deck.yaml:4:10:", "grid.cells is a map but a list is expected"] },
        { "negative cross section", Replace("  sigma_s: 1", "  sigma_s: -1"), [], ["deck.yaml:9:12:", "material.sigma_s = -1 is a negative cross section"] },
        { "cfl zero", Valid + "  cfl: 0\n", [], ["deck.yaml:12:8:", "time.cfl = 0 is not positive", "0 < cfl <= 1"] },
        { "cfl above one", Valid + "  cfl: 1.5\n", [], ["deck.yaml:12:8:", "time.cfl = 1.5 is beyond the stability limit of the explicit upwind scheme; allowed: 0 < cfl <= 1"] },
        { "missing material file", Replace("  sigma_s: 1", "  file: nothere.yaml"), [], ["deck.yaml:9:9:", "material.file = nothere.yaml names a file that does not exist"] },
        { "file and uniform", Valid.Replace("material:\n", "material:\n  file: map.yaml\n"), [], ["deck.yaml:10:12:", "material.sigma_s = 1 is given together with material.file"] },
        { "order negative", Replace("  order: 3", "  order: -1"), [], ["deck.yaml:7:10:", "angular.order = -1 is negative", "0 <= N <= 60 in 2D"] },
        { "order too large", Replace("  order: 3", "  order: 61"), [], ["deck.yaml:7:10:", "angular.order = 61 is too large for 2D"] },
        { "order not an integer", Replace("  order: 3", "  order: 2.5"), [], ["deck.yaml:7:10:", "angular.order = 2.5 is not an integer"] },
        // S_N (issue #15): the method, the quadrature and the orders it offers
        { "unknown angular method", Replace("  order: 3", "  method: mc\n  order: 3"), [], ["deck.yaml:7:11:", "angular.method = mc is not a known angular method", "pn | sn"] },
        { "unknown quadrature", Replace("  order: 3", "  method: sn\n  quadrature: gauss_chebyshev\n  order: 4"), [], ["deck.yaml:8:15:", "angular.quadrature = gauss_chebyshev is not a known quadrature", "product_gauss_legendre | level_symmetric | lebedev"] },
        { "level-symmetric order not offered", Replace("  order: 3", "  method: sn\n  quadrature: level_symmetric\n  order: 18"), [], ["deck.yaml:9:10:", "angular.order = 18 is not offered by level_symmetric", "N in 2, 4, 6, 8, 10, 12, 14, 16"] },
        { "lebedev order not offered", Replace("  order: 3", "  method: sn\n  quadrature: lebedev\n  order: 13"), [], ["deck.yaml:9:10:", "angular.order = 13 is not offered by lebedev", "3, 5, 7, 9, 11, 15, 17"] },
        { "lebedev in 1D", Replace("  order: 3", "  method: sn\n  quadrature: lebedev\n  order: 5").Replace("  cells: [10, 10]\n  extent: [[0, 1], [0, 1]]", "  cells: [10]\n  extent: [[0, 1]]"), [], ["deck.yaml:8:15:", "angular.quadrature = lebedev is set in 1D", "product_gauss_legendre in 1D"] },
        { "rotation with lebedev", Replace("  order: 3", "  method: sn\n  quadrature: lebedev\n  order: 5\n  rotation: {angle: random}"), [], ["deck.yaml:10:13:", "angular.rotation = {angle: random} is set with angular.quadrature: lebedev"] },
        { "odd S_N order", Replace("  order: 3", "  method: sn\n  order: 3"), [], ["deck.yaml:8:10:", "angular.order = 3 is odd", "an even N with 2 <= N <= 60 in 2D"] },
        { "S_N order too large", Replace("  order: 3", "  method: sn\n  order: 62"), [], ["deck.yaml:8:10:", "angular.order = 62 is too large for 2D"] },
        { "S_N order zero", Replace("  order: 3", "  method: sn\n  order: 0"), [], ["deck.yaml:8:10:", "angular.order = 0 is below 2"] },
        { "quadrature with P_N", Replace("  order: 3", "  quadrature: product_gauss_legendre\n  order: 3"), [], ["deck.yaml:7:15:", "angular.quadrature = product_gauss_legendre is set but angular.method is pn"] },
        { "filter on S_N", Replace("  order: 3", "  method: sn\n  order: 4\n  filter: {type: exponential, strength: 1}"), [], ["deck.yaml:9:11:", "angular.filter = {type: exponential, strength: 1} is set but angular.method is sn"] },
        { "negative filter strength", Replace("  order: 3", "  order: 3\n  filter: {type: lanczos, strength: -2}"), [], ["deck.yaml:8:37:", "angular.filter.strength = -2 is negative", "strength >= 0"] },
        { "unknown filter type", Replace("  order: 3", "  order: 3\n  filter: {type: gaussian, strength: 2}"), [], ["deck.yaml:8:18:", "angular.filter.type = gaussian is not a known filter type", "exponential | spherical_spline | lanczos"] },
        { "filter order zero", Replace("  order: 3", "  order: 3\n  filter: {type: exponential, strength: 2, order: 0}"), [], ["deck.yaml:8:51:", "angular.filter.order = 0 is below 1"] },
        { "filter without strength", Replace("  order: 3", "  order: 3\n  filter: {type: exponential}"), [], ["angular.filter.strength is missing"] },
        { "rotation with P_N", Replace("  order: 3", "  order: 3\n  rotation: {angle: random}"), [], ["deck.yaml:8:13:", "angular.rotation = {angle: random} is set but angular.method is pn"] },
        { "unknown rotation angle", Replace("  order: 3", "  method: sn\n  order: 4\n  rotation: {angle: spiral}"), [], ["deck.yaml:9:21:", "angular.rotation.angle = spiral is not a known rotation angle", "fixed | random"] },
        { "rotation fraction 1", Replace("  order: 3", "  method: sn\n  order: 4\n  rotation: {angle: fixed, fraction: 1}"), [], ["deck.yaml:9:38:", "angular.rotation.fraction = 1 is outside (0, 1)"] },
        { "rotation with a reflective face", Replace("  order: 3", "  method: sn\n  order: 4\n  rotation: {angle: random}").Replace("grid:\n", "grid:\n  boundary: reflective\n"), [], ["deck.yaml:10:13:", "angular.rotation = {angle: random} is set with a reflective face"] },
        { "--set odd S_N order", Valid, ["--set", "angular.method=sn"], ["deck.yaml:7:10:", "angular.order = 3 is odd"] },
        { "zero cells", Replace("  cells: [10, 10]", "  cells: [10, 0]"), [], ["deck.yaml:4:15:", "grid.cells[1] = 0 is not a positive cell count"] },
        { "too many dimensions", Replace("  cells: [10, 10]", "  cells: [1, 1, 1, 1]"), [], ["deck.yaml:4:10:", "grid.cells has 4 entries"] },
        { "extent length mismatch", Replace("  extent: [[0, 1], [0, 1]]", "  extent: [[0, 1]]"), [], ["deck.yaml:5:11:", "grid.extent = [[0, 1]] has 1 entries but grid.cells has 2"] },
        { "extent min >= max", Replace("  extent: [[0, 1], [0, 1]]", "  extent: [[0, 1], [2, 2]]"), [], ["deck.yaml:5:20:", "grid.extent[1] = [2, 2] has min >= max"] },
        { "unknown boundary kind", Valid.Replace("grid:\n", "grid:\n  boundary: wall\n"), [], ["deck.yaml:4:13:", "grid.boundary = wall is not a known boundary kind", "vacuum | periodic | reflective | inflow"] },
        { "face of another dimension", Valid.Replace("grid:\n", "grid:\n  boundary: {z_min: vacuum}\n"), [], ["deck.yaml:4:14:", "unknown key grid.boundary.z_min", "x_min, x_max, y_min, y_max"] },
        { "one-sided periodic", Valid.Replace("grid:\n", "grid:\n  boundary: {y_max: periodic}\n"), [], ["deck.yaml:4:21:", "grid.boundary.y_max = periodic but grid.boundary.y_min is vacuum"] },
        { "negative end time", Replace("  end: 1", "  end: -1"), [], ["deck.yaml:11:8:", "time.end = -1 is not positive"] },
        { "zero end time", Replace("  end: 1", "  end: 0"), [], ["deck.yaml:11:8:", "time.end = 0 is not positive"] },
        { "r_min > r_max", Valid + "solver:\n  truncation: {r_min: 5, r_max: 3}\n", [], ["deck.yaml:13:23:", "solver.truncation.r_min = 5 is larger than solver.truncation.r_max = 3"] },
        { "gaussian without sigma", Valid + "initial: {type: gaussian}\n", [], ["deck.yaml:12:1:", "initial.sigma is missing"] },
        { "unknown solver", Valid + "solver: {type: magic}\n", [], ["deck.yaml:12:16:", "solver.type = magic is not a known solver type", "full_rank | fixed_rank_bug | augmented_bug | parallel_bug"] },
        { "step rejection without a rank-adaptive BUG", Valid + "solver: {type: fixed_rank_bug, step_rejection: true}\n", [], ["deck.yaml:12:", "solver.step_rejection = true is only available with solver.type = parallel_bug or augmented_bug"] },
        { "rejection constant not positive", Valid + "solver: {type: parallel_bug, rejection_constant: 0}\n", [], ["solver.rejection_constant = 0 is not positive", "rejection_constant > 0"] },
        // second order in space (issue #15 item 4)
        { "space_order 3", Valid + "solver: {space_order: 3}\n", [], ["deck.yaml:12:23:", "solver.space_order = 3 is not an available spatial order", "1 (first-order upwind) or 2"] },
        { "space_order 2 with forward Euler", Valid + "solver: {space_order: 2}\n", [], ["deck.yaml:12:23:", "solver.space_order = 2 is unstable with time.stepper: euler", "ssprk2 or ssprk3"] },
        { "space_order 2 on one cell", Replace("  cells: [10, 10]", "  cells: [10, 1]") + "  stepper: ssprk3\nsolver: {space_order: 2}\n", [], ["deck.yaml:13:23:", "solver.space_order = 2 needs at least 2 cells along every axis", "grid.cells[1] = 1"] },
        { "limiter with a low-rank solver", Valid + "  stepper: ssprk3\n  cfl: 0.4\nsolver: {type: augmented_bug, space_order: 2, limiter: minmod}\n", [], ["solver.limiter = minmod is not available with solver.type = augmented_bug", "full_rank"] },
        { "limiter on first order", Valid + "solver: {limiter: mc}\n", [], ["deck.yaml:12:19:", "solver.limiter = mc needs solver.space_order: 2"] },
        { "limiter above cfl 1/2", Valid + "  stepper: ssprk3\nsolver: {space_order: 2, limiter: mc}\n", [], ["solver.limiter = mc needs time.cfl <= 0.5", "time.cfl = 0.9"] },
        { "density limiter on first order", Valid + "solver: {limiter: density_minmod}\n", [], ["deck.yaml:12:19:", "solver.limiter = density_minmod needs solver.space_order: 2"] },
        { "density limiter above cfl 1/2", Valid + "  stepper: ssprk3\nsolver: {type: augmented_bug, space_order: 2, limiter: density_mc}\n", [], ["solver.limiter = density_mc needs time.cfl <= 0.5", "time.cfl = 0.9"] },
        { "limiter share without the smooth limiter", Valid + "  stepper: ssprk3\nsolver: {type: augmented_bug, space_order: 2, limiter: density_mc, limiter_share: 0.1}\n", [],
            ["solver.limiter_share", "is only read by solver.limiter = density_vanalbada"] },
        { "negative limiter share", Valid + "  stepper: ssprk3\nsolver: {type: augmented_bug, space_order: 2, limiter: density_vanalbada, limiter_share: -1}\n", [],
            ["solver.limiter_share = -1 is not a positive number"] },
        { "unknown limiter", Valid + "solver: {limiter: superbee}\n", [], ["deck.yaml:12:19:", "solver.limiter = superbee is not a known slope limiter", "none | minmod | mc | density_mc | density_minmod | density_vanalbada"] },
        { "bad problem name", Replace("  name: t", "  name: a b"), [], ["deck.yaml:2:9:", "problem.name = a b has characters outside"] },
        { "unknown --set key", Valid, ["--set", "time.ende=0.5"], ["--set time.ende:", "unknown key time.ende"] },
        { "unknown --set section", Valid, ["--set", "tme.end=0.5"], ["--set tme.end:", "unknown key tme"] },
        { "malformed --set", Valid, ["--set", "time.end"], ["--set time.end:", "malformed override"] },
        { "--set value out of range", Valid, ["--set", "time.cfl=2"], ["--set time.cfl:", "time.cfl = 2 is beyond the stability limit"] },
        { "stepper around midpoint_bug", Valid + "  stepper: ssprk2\nsolver:\n  type: midpoint_bug\n", [], ["deck.yaml:12:", "time.stepper", "midpoint_bug", "euler"] },
        { "stepper around parallel_bug2", Valid + "  stepper: ssprk3\nsolver:\n  type: parallel_bug2\n", [], ["deck.yaml:12:", "time.stepper", "parallel_bug2"] },
        { "--set through a value", Valid, ["--set", "time.end.x=1"], ["--set time.end.x:", "time.end is a single value"] },
        { "--set into a one-word boundary", Valid.Replace("grid:\n", "grid:\n  boundary: vacuum\n"), ["--set", "grid.boundary.x_min=inflow"], ["--set grid.boundary.x_min:", "grid.boundary is a single value"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedDeckGivesExitCode2AndOneLine(string name, string deck, string[] extra, string[] expected)
    {
        using var dir = new TempDir();
        dir.Write("map.yaml", "name: m\ndimension: 2\n");
        string file = dir.Write("deck.yaml", deck);
        var (code, stdout, stderr) = Invoke(["check", file, .. extra]);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == 2, $"{name}: exit {code}, stdout {stdout}, stderr {stderr}");
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        foreach (var e in expected)
            Assert.True(lines[0].Contains(e, StringComparison.Ordinal), $"{name}: '{lines[0]}' lacks '{e}'");
    }

    [Fact]
    public void TheValidBaseDeckPasses()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = Invoke("check", dir.Write("deck.yaml", Valid));
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void ErrorsInsideAMaterialMapNameTheMapFile()
    {
        using var dir = new TempDir();
        dir.Write("map.yaml", "name: m\ndimension: 2\nregions:\n  - name: r\n    sigma_a: -3\n    boxes: [[[0, 1], [0, 1]]]\n");
        string deck = Valid.Replace("  sigma_s: 1\n", "  file: map.yaml\n");
        var (code, _, stderr) = Invoke("check", dir.Write("deck.yaml", deck));
        Assert.Equal(2, code);
        Assert.Contains("map.yaml:5:14: regions[0].sigma_a = -3 is a negative cross section", stderr);

        dir.Write("map.yaml", "name: m\ndimension: 3\n");
        (code, _, stderr) = Invoke("check", dir.Write("deck.yaml", deck));
        Assert.Equal(2, code);
        Assert.Contains("map.yaml:2:12: dimension = 3 does not match the deck's grid dimension 2", stderr);

        dir.Write("map.yaml", "name: m\ndimension: 2\nregions:\n  - name: r\n    boxes: [[[0, 1]]]\n");
        (code, _, stderr) = Invoke("check", dir.Write("deck.yaml", deck));
        Assert.Equal(2, code);
        Assert.Contains("map.yaml:5:13: regions[0].boxes[0] has 1 entries", stderr);
    }

    [Fact]
    public void MissingDeckFile()
    {
        var (code, _, stderr) = Invoke("check", "/nonexistent/deck.yaml");
        Assert.Equal(2, code);
        Assert.Contains("deck file not found", stderr);
    }
}
