using ParallelDlra.Deck;
using ParallelDlra.Uncertainty;
using Xunit;
using static ParallelDlra.Tests.Deck.DeckTestSupport;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>The <c>uncertainty</c> section: bad sections give exit 2 and one line naming the key; good ones read into
/// <see cref="UncertaintyOptions"/> and round-trip through the deck writer.</summary>
[Collection("NLog configuration")]   // runs `pdlra run` in process, which replaces the global logging configuration
public class UncertaintyDeckTests
{
    private const string Base = "problem:\n  name: t\ngrid:\n  cells: [10]\n  extent: [[0, 1]]\nangular:\n  order: 3\nmaterial:\n  sigma_s: 1\n  sigma_a: 0.2\ntime:\n  end: 1\n";

    public static TheoryData<string, string, string[]> Cases() => new()
    {
        { "unknown distribution", "uncertainty:\n  parameters:\n    - {distribution: beta, min: 0, max: 1}\n",
            ["deck.yaml:15:22:", "uncertainty.parameters[0].distribution = beta is not a known distribution", "uniform | normal"] },
        { "degree < 0", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  degree: -1\n",
            ["deck.yaml:15:11:", "uncertainty.degree = -1 is negative"] },
        { "parameter index that does not exist", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 0.1, parameter: 1}\n",
            ["deck.yaml:15:37:", "uncertainty.sigma_s.parameter = 1 does not name a parameter", "0 <= parameter < 1"] },
        { "spread makes sigma_s negative", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 1.5}\n",
            ["deck.yaml:15:21:", "uncertainty.sigma_s.spread = 1.5 makes sigma_s negative in the background", "smallest value -0.5"] },
        { "spread makes sigma_a negative through a mean", "uncertainty:\n  parameters: [{distribution: uniform, min: 0, max: 2}]\n  sigma_a: {mean: 0.1, spread: -0.1}\n",
            ["uncertainty.sigma_a.spread = -0.1 makes sigma_a negative"] },
        { "a normal parameter on a cross section", "uncertainty:\n  parameters: [{distribution: normal, mean: 0, std: 1}]\n  sigma_s: {spread: 0.01}\n",
            ["uncertainty.sigma_s.spread = 0.01 makes sigma_s negative", "a normal parameter is unbounded"] },
        { "unknown region", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 0.1, region: core}\n",
            ["uncertainty.sigma_s.region = core is not a region of the material map", "background"] },
        { "uniform with std", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1, std: 2}]\n",
            ["uncertainty.parameters[0].std = 2 is given for a uniform parameter"] },
        { "max not above min", "uncertainty:\n  parameters: [{distribution: uniform, min: 1, max: 1}]\n",
            ["uncertainty.parameters[0].max = 1 is not above min"] },
        { "no parameters", "uncertainty:\n  degree: 2\n", ["uncertainty.parameters is missing"] },
        { "unknown method", "uncertainty:\n  method: galerkin\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n",
            ["uncertainty.method = galerkin is not a known uncertainty method", "stochastic_galerkin | collocation | monte_carlo"] },
        { "negative filter", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  filter: {strength: -1}\n",
            ["uncertainty.filter.strength = -1 is negative"] },
        { "polynomial makes sigma_s negative at the ends", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {polynomial: [0, -1.2]}\n",
            ["uncertainty.sigma_s.polynomial", "makes sigma_s negative in the background", "smallest value -0.2"] },
        { "polynomial makes sigma_s negative inside the range only", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {mean: 0.1, polynomial: [-1, 2]}\n",
            ["uncertainty.sigma_s.polynomial", "makes sigma_s negative", "smallest value -0.025"] },
        { "spread and polynomial", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 0.1, polynomial: [0.1, 0.1]}\n",
            ["uncertainty.sigma_s.spread = 0.1 is given together with polynomial"] },
        { "polynomial of degree 9", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  source: {polynomial: [0, 0, 0, 0, 0, 0, 0, 0, 0.1]}\n",
            ["uncertainty.source.polynomial", "1 to 8 numbers"] },
        { "polynomial that is not a list", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  source: {polynomial: 0.5}\n",
            ["uncertainty.source.polynomial", "1 to 8 numbers"] },
        { "polynomial makes the initial width <= 0 inside the range", "initial: {type: gaussian, sigma: 0.1}\nuncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_width: {polynomial: [-0.6, 0.8]}\n",
            ["uncertainty.initial_width.polynomial", "makes the initial width", "smallest value -0.0125"] },
        { "evaluate_at with an ensemble", "uncertainty:\n  method: collocation\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  evaluate_at: [0.5]\n",
            ["uncertainty.evaluate_at", "is given for an ensemble", "method: stochastic_galerkin"] },
        { "evaluate_at outside the range", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  evaluate_at: [0.5, 1.5]\n",
            ["uncertainty.evaluate_at[1] = 1.5 is outside parameter 0's range [-1, 1]"] },
        { "evaluate_at with too few values", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}, {distribution: normal, mean: 0, std: 1}]\n  evaluate_at: [[0.5]]\n",
            ["uncertainty.evaluate_at[0]", "a list of 2 numbers"] },
        { "groups with stochastic Galerkin", "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  groups: 2\n",
            ["uncertainty.groups = 2", "collocation or monte_carlo"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_uncertainty_section_gives_exit_2_naming_the_key(string name, string section, string[] expected)
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Invoke("check", dir.Write("deck.yaml", Base + section));
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == 2, $"{name}: exit {code}, stdout {stdout}, stderr {stderr}");
        Assert.Single(lines);
        foreach (var e in expected) Assert.True(lines[0].Contains(e, StringComparison.Ordinal), $"{name}: '{lines[0]}' lacks '{e}'");
    }

    /// <summary>Stochastic Galerkin reads φ's chaos modes as coefficients of P_N: with S_N it is refused naming
    /// angular.method; an ensemble of S_N members is fine.</summary>
    [Fact]
    public void Stochastic_galerkin_with_discrete_ordinates_names_the_angular_method()
    {
        using var dir = new TempDir();
        string sn = Base.Replace("  order: 3\n", "  method: sn\n  order: 4\n");
        const string section = "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 0.1}\n";
        var (code, _, stderr) = Invoke("check", dir.Write("sg.yaml", sn + section));
        Assert.True(code == 2, stderr);
        Assert.Contains("angular.method = sn is not supported with uncertainty.method: stochastic_galerkin", stderr);
        var (ok, _, err) = Invoke("check", dir.Write("collocation.yaml", sn + section + "  method: collocation\n"));
        Assert.True(ok == 0, err);
    }

    [Fact]
    public void Groups_that_do_not_divide_the_ranks_are_refused_at_the_start_of_the_run()
    {
        using var dir = new TempDir();
        string deck = dir.Write("deck.yaml", Base + "uncertainty:\n  method: collocation\n  nodes: 4\n  groups: 3\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  sigma_s: {spread: 0.5}\n");
        var (code, _, stderr) = Invoke("run", deck, "--set", $"output.directory={Path.Combine(dir.Path, "out")}");
        Assert.True(code == 2, stderr);
        Assert.Contains("uncertainty.groups = 3 does not divide the 1 rank(s) of the job", stderr);
        (code, _, stderr) = Invoke("check", deck, "--ranks", "4");
        Assert.True(code == 2, stderr);
        Assert.Contains("uncertainty.groups = 3 does not divide the 4 rank(s) of the job", stderr);
        (code, _, stderr) = Invoke("check", deck, "--ranks", "6");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void A_full_section_reads_and_round_trips()
    {
        string section = "uncertainty:\n  method: monte_carlo\n  samples: 17\n  seed: 5\n  degree: 3\n  index_set: total_degree\n  filter: {strength: 0.5}\n" +
                         "  parameters:\n    - {distribution: uniform, min: 0.5, max: 1.5}\n    - {distribution: normal, mean: 2, std: 0.1}\n" +
                         "  sigma_s: [{mean: 2, spread: 0.5, parameter: 0}, {spread: 0.25, parameter: 0, region: background}]\n  source: {mean: 1, spread: 0.3, parameter: 0}\n";
        var o = DeckReader.Parse(Base + section, "deck.yaml", ".", []);
        var u = o.Uncertainty!;
        Assert.Equal(UncertaintyMethod.MonteCarlo, u.Method);
        Assert.Equal([new ParameterOptions(ParameterDistribution.Uniform, 0.5, 1.5), new ParameterOptions(ParameterDistribution.Normal, 2, 0.1)], u.Parameters.ToArray());
        // σ_s = 2 + 0.75 ξ_0 in the background, σ_a certain, Q = 1 + 0.3 ξ_0 (ξ_1 drives nothing: a normal parameter may not
        // drive a cross section or a source, which must stay >= 0).
        var (mean, spreads) = u.Affine(UncertainTarget.SigmaS, "background", o.Material.Map.Background);
        Assert.Equal(2.0, mean);
        Assert.Equal([0.75, 0.0], spreads);
        var sigmaA = u.Affine(UncertainTarget.SigmaA, "background", o.Material.Map.Background);
        Assert.Equal(0.2, sigmaA.Mean);
        Assert.Equal([0.0, 0.0], sigmaA.Spreads);
        var source = u.Affine(UncertainTarget.Source, "background", o.Material.Map.Background);
        Assert.Equal(1.0, source.Mean);
        Assert.Equal([0.3, 0.0], source.Spreads);
        var again = DeckReader.Parse(DeckWriter.ToYaml(o), "again.yaml", ".", []);
        Assert.Equal(o, again);
    }

    [Fact]
    public void A_polynomial_input_reads_and_round_trips()
    {
        string section = "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  degree: 4\n" +
                         "  sigma_s: [{mean: 0.9, polynomial: [0.05, 0.05]}, {polynomial: [0, 0, 0.01]}]\n  initial: {polynomial: [0.1, 0.2]}\n";
        var o = DeckReader.Parse(Base + section, "deck.yaml", ".", []);
        var u = o.Uncertainty!;
        // σ_s = 0.9 + 0.05 ξ + 0.05 ξ² + 0.01 ξ³ (the entries' coefficients add).
        var d = u.Of(UncertainTarget.SigmaS, "background", o.Material.Map.Background);
        Assert.Equal(0.9, d.Mean);
        Assert.Equal(new[] { 0.05, 0.05, 0.01 }, d.Powers[0]);
        Assert.Equal(new[] { 0.1, 0.2 }, u.Of(UncertainTarget.InitialAmplitude, "background", default).Powers[0]);
        Assert.Throws<InvalidOperationException>(() => u.Affine(UncertainTarget.SigmaS, "background", o.Material.Map.Background));
        string yaml = DeckWriter.ToYaml(o);
        Assert.Contains("polynomial: [0.05, 0.05]", yaml);
        var withPoints = DeckReader.Parse(Base + section + "  evaluate_at: [0.5, [-0.25]]\n", "deck.yaml", ".", []);
        Assert.Equal(new[] { 0.5, -0.25 }, withPoints.Uncertainty!.Points);
        Assert.Equal(withPoints, DeckReader.Parse(DeckWriter.ToYaml(withPoints), "again.yaml", ".", []));
        Assert.Equal(o, DeckReader.Parse(yaml, "again.yaml", ".", []));
    }

    private const string InflowBase = "problem:\n  name: t\ngrid:\n  cells: [10]\n  extent: [[0, 1]]\n  boundary: {x_min: inflow, x_max: vacuum}\n  inflow_phi: 2\n" +
                                      "angular:\n  order: 3\nmaterial:\n  sigma_s: 1\ntime:\n  end: 1\n";

    public static TheoryData<string, string, string, string[]> InflowCases() => new()
    {
        { "no inflow face", Base, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  inflow: {spread: 0.1}\n",
            ["uncertainty.inflow", "no face of grid.boundary is inflow"] },
        { "spread makes the inflow negative", InflowBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  inflow: {spread: 2.5}\n",
            ["uncertainty.inflow.spread = 2.5 makes the inflow φ_in negative", "smallest value -0.5"] },
        { "a normal parameter on the inflow", InflowBase, "uncertainty:\n  parameters: [{distribution: normal, mean: 0, std: 1}]\n  inflow: {spread: 0.1}\n",
            ["uncertainty.inflow.spread = 0.1 makes the inflow φ_in negative", "a normal parameter is unbounded"] },
        { "inflow parameter out of range", InflowBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  inflow: {spread: 0.1, parameter: 2}\n",
            ["uncertainty.inflow.parameter = 2 does not name a parameter", "0 <= parameter < 1"] },
        { "inflow with a region", InflowBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  inflow: {spread: 0.1, region: background}\n",
            ["uncertainty.inflow.region = background is given for the inflow"] },
        { "negative inflow mean", InflowBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  inflow: {mean: -1, spread: 0.1}\n",
            ["uncertainty.inflow.mean = -1 is negative"] },
    };

    [Theory]
    [MemberData(nameof(InflowCases))]
    public void A_bad_uncertain_inflow_gives_exit_2_naming_the_key(string name, string deckBase, string section, string[] expected)
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Invoke("check", dir.Write("deck.yaml", deckBase + section));
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == 2, $"{name}: exit {code}, stdout {stdout}, stderr {stderr}");
        Assert.Single(lines);
        foreach (var e in expected) Assert.True(lines[0].Contains(e, StringComparison.Ordinal), $"{name}: '{lines[0]}' lacks '{e}'");
    }

    [Fact]
    public void An_uncertain_inflow_reads_and_round_trips()
    {
        var o = DeckReader.Parse(InflowBase + "uncertainty:\n  parameters: [{distribution: uniform, min: 0, max: 2}]\n  inflow: {mean: 3, spread: -1}\n", "deck.yaml", ".", []);
        var (mean, spreads) = o.Uncertainty!.Inflow(o.Grid.Faces[0].InflowScalarFlux);
        Assert.Equal(3.0, mean);
        Assert.Equal(new[] { -1.0 }, spreads[0]);
        Assert.Equal(2.0, o.Grid.Faces[0].InflowScalarFlux);   // grid.inflow_phi is kept; the section's mean replaces it in the run
        var again = DeckReader.Parse(DeckWriter.ToYaml(o), "again.yaml", ".", []);
        Assert.Equal(o, again);
    }

    private const string PulseBase = "problem:\n  name: t\ngrid:\n  cells: [10]\n  extent: [[-1, 1]]\nangular:\n  order: 3\nmaterial:\n  sigma_s: 1\n" +
                                     "initial: {type: gaussian, sigma: 0.2}\ntime:\n  end: 1\n";

    public static TheoryData<string, string, string, string[]> ShapeCases() => new()
    {
        { "width <= 0 on the support", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_width: {spread: 0.2}\n",
            ["uncertainty.initial_width.spread = 0.2 makes the initial width σ = initial.sigma + spread·ξ <= 0 for some ξ", "smallest value 0"] },
        { "width driven by a normal parameter", PulseBase, "uncertainty:\n  parameters: [{distribution: normal, mean: 0, std: 0.01}]\n  initial_width: {spread: 0.1}\n",
            ["uncertainty.initial_width.spread = 0.1 makes the initial width", "a normal parameter is unbounded"] },
        { "unknown axis", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_center: {spread: 0.1, axis: y}\n",
            ["uncertainty.initial_center.axis = y is not an axis of the grid", "x"] },
        { "centre parameter out of range", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_center: {spread: 0.1, parameter: 1}\n",
            ["uncertainty.initial_center.parameter = 1 does not name a parameter", "0 <= parameter < 1"] },
        { "width parameter out of range", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_width: {spread: 0.1, parameter: -1}\n",
            ["uncertainty.initial_width.parameter = -1 does not name a parameter"] },
        { "axis on the width", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_width: {spread: 0.1, axis: x}\n",
            ["uncertainty.initial_width.axis = x is given but only initial_center has an axis"] },
        { "a mean for the centre", PulseBase, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_center: {mean: 0.3, spread: 0.1}\n",
            ["uncertainty.initial_center.mean = 0.3 is given for the initial condition's shape", "initial.center"] },
        { "not a Gaussian", Base, "uncertainty:\n  parameters: [{distribution: uniform, min: -1, max: 1}]\n  initial_center: {spread: 0.1}\n",
            ["uncertainty.initial_center", "initial.type is not gaussian"] },
    };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void A_bad_uncertain_centre_or_width_gives_exit_2_naming_the_key(string name, string deckBase, string section, string[] expected)
        => A_bad_uncertain_inflow_gives_exit_2_naming_the_key(name, deckBase, section, expected);

    [Fact]
    public void An_uncertain_centre_and_width_read_and_round_trip()
    {
        var o = DeckReader.Parse(PulseBase.Replace("cells: [10]\n  extent: [[-1, 1]]", "cells: [10, 10]\n  extent: [[-1, 1], [-1, 1]]") +
            "uncertainty:\n  parameters: [{distribution: uniform, min: 0, max: 2}, {distribution: normal, mean: 0, std: 1}]\n" +
            "  initial_center: [{spread: 0.1, axis: y, parameter: 1}, {spread: -0.05}]\n  initial_width: {spread: 0.05}\n", "deck.yaml", ".", []);
        var u = o.Uncertainty!;
        Assert.Equal([new UncertainInput(UncertainTarget.InitialCenter, null, null, 0.1, 1, 1), new UncertainInput(UncertainTarget.InitialCenter, null, null, -0.05, 0, 0)],
            u.On(UncertainTarget.InitialCenter).ToArray());
        var at = u.InitialAt(o.Initial, [2.0, -1.0]);
        Assert.Equal([-0.1, -0.1], at.Center.ToArray());
        Assert.Equal(0.3, at.Sigma, 15);
        var again = DeckReader.Parse(DeckWriter.ToYaml(o), "again.yaml", ".", []);
        Assert.Equal(o, again);
    }
}
