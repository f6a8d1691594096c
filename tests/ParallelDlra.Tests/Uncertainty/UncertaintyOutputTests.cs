using System.Globalization;
using ParallelDlra.Output;
using ParallelDlra.Parallel;
using ParallelDlra.Tests.Support;
using Xunit;
using static ParallelDlra.Tests.Output.OutputTestSupport;

namespace ParallelDlra.Tests.Uncertainty;

/// <summary>The files of a stochastic-Galerkin run: uq.csv (x,E,Var), uq_diagnostics.csv (mean mass and its variance),
/// phi_mean/phi_var/phi_std in the snapshots and the XDMF index.</summary>
[Collection("NLog configuration")]
public sealed class UncertaintyOutputTests : IDisposable
{
    private readonly string tmp = Directory.CreateTempSubdirectory("pdlra-uq-out-").FullName;

    public void Dispose()
    {
        NLog.LogManager.Configuration = null;
        try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
    }

    private static double[][] Csv(string path) => [.. File.ReadAllLines(path).Skip(1)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    [Fact]
    public void A_1D_SG_run_writes_mean_and_variance_from_the_factors()
    {
        string dir = Path.Combine(tmp, "ps");
        Run(0, "run", JobDeck("planesource_uq"), "--set", "grid.cells=[60]", "--set", "angular.order=5", "--set", "uncertainty.degree=3",
            "--set", "time.max_steps=12", "--set", "output.snapshot_times=[]", "--set", "output.snapshot_every=6", "--set", $"output.directory={dir}");
        var uq = Csv(Path.Combine(dir, UncertaintyOutput.FieldFile));
        Assert.Equal("x,E,Var", File.ReadLines(Path.Combine(dir, UncertaintyOutput.FieldFile)).First());
        Assert.Equal(60, uq.Length);
        // E[φ] is φ (the mass density of SG is the mean of the isotropic moment): phi.csv to rounding (φ comes from the
        // dense X S Vᵀ, E[φ] from X (S V(i,:)ᵀ) of the mean mode alone).
        var phi = Csv(Path.Combine(dir, OutputWriter.FieldCsvFile));
        double scale = phi.Max(r => Math.Abs(r[1]));
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(phi[i][0], uq[i][0]);
            Assert.True(Math.Abs(phi[i][1] - uq[i][1]) <= 1e-14 * scale, $"cell {i}: φ {phi[i][1]}, E {uq[i][1]}"); // rounding: the same mean, one scaling by the mass norm
            Assert.True(uq[i][2] >= 0);
        }
        Assert.True(uq.Max(r => r[2]) > 0, "an uncertain scattering ratio gives φ a variance");

        // The mean mass of uq_diagnostics.csv is the diagnostics' mass; its variance starts at 0 (a certain pulse) and grows.
        var mass = Csv(Path.Combine(dir, UncertaintyOutput.DiagnosticsFile));
        var diag = Csv(Path.Combine(dir, OutputWriter.DiagnosticsFile));
        Assert.Equal(13, mass.Length);
        for (int k = 0; k < mass.Length; k++)
        {
            Assert.Equal(diag[k][0], mass[k][0]);
            Assert.True(Math.Abs(mass[k][2] - diag[k][4]) <= 1e-13 * Math.Abs(diag[k][4]), $"step {k}: {mass[k][2]} vs {diag[k][4]}"); // rounding: one sum over the cells in another order
        }
        Assert.Equal(0.0, mass[0][3]);
        Assert.True(mass[^1][3] > mass[1][3] && mass[1][3] > 0);

        // Snapshots: phi_mean = phi, phi_std² = phi_var, listed in the XDMF index.
        using (var h5 = Hdf5File.Open(Path.Combine(dir, SnapshotWriter.FileName(12)), SerialCommunicator.Instance))
        {
            var mean = h5.ReadAll("phi_mean");
            var variance = h5.ReadAll("phi_var");
            var std = h5.ReadAll("phi_std");
            var phiSnapshot = h5.ReadAll("phi");
            for (int i = 0; i < mean.Length; i++) Assert.True(Math.Abs(phiSnapshot[i] - mean[i]) <= 1e-14 * scale); // rounding: as above
            Assert.Equal(uq.Select(r => r[2]), variance);
            for (int i = 0; i < std.Length; i++) Assert.Equal(Math.Sqrt(variance[i]), std[i]);
        }
        string xmf = File.ReadAllText(Path.Combine(dir, SnapshotWriter.IndexFile));
        foreach (var name in new[] { "phi_mean", "phi_var", "phi_std" }) Assert.Contains($"Attribute Name=\"{name}\"", xmf);
    }

    /// <summary><c>uncertainty.evaluate_at</c>: φ at chosen ξ from the chaos expansion, in uq_samples.csv (1D) and as
    /// phi_at_q in the snapshots and the XDMF index, against the deterministic run of the same discretisation with the
    /// materials at that ξ (jobs/planesource_uq.yaml with ξ ~ U(0, 2), c(ξ) = 0.8 + 0.1 ξ: the standard variable ζ = ξ − 1
    /// differs from ξ).</summary>
    [Fact]
    public void Phi_at_chosen_parameter_points_matches_the_deterministic_runs_there()
    {
        string dir = Path.Combine(tmp, "at");
        string[] sets = ["grid.cells=[60]", "angular.order=5", "uncertainty.degree=6", "time.max_steps=12", "output.snapshot_times=[]", "output.snapshot_every=12",
            "solver.type=full_rank", "uncertainty.parameters=[{distribution: uniform, min: 0, max: 2}]", "uncertainty.sigma_s.mean=0.8",
            "uncertainty.sigma_a.mean=0.2", "uncertainty.evaluate_at=[[1.7], [0.5]]"];
        Run(0, ["run", JobDeck("planesource_uq"), .. sets.SelectMany(v => new[] { "--set", v }), "--set", $"output.directory={dir}"]);
        Assert.Equal("x,phi_at_0,phi_at_1", File.ReadLines(Path.Combine(dir, UncertaintyOutput.SamplesFile)).First());
        var at = Csv(Path.Combine(dir, UncertaintyOutput.SamplesFile));
        Assert.Equal(60, at.Length);
        var o = ParallelDlra.Deck.DeckReader.Load(JobDeck("planesource_uq"), sets);
        Assert.Equal(new[] { 1.7, 0.5 }, o.Uncertainty!.Points);
        for (int q = 0; q < 2; q++)
        {
            double xi = o.Uncertainty.Point(q)[0];
            var deterministic = o with { Material = o.Material with { Map = ParallelDlra.Uncertainty.UncertainMaterials.Map(o.Uncertainty, o.Material.Map, [xi]) }, Uncertainty = null };
            var sim = new ParallelDlra.Application.Simulation(deterministic, ParallelDlra.Application.RunContext.Serial());
            sim.Run();
            var phi = sim.Solver.ScalarFlux();
            double scale = phi.Max(Math.Abs), worst = 0;
            for (int i = 0; i < phi.Length; i++) worst = Math.Max(worst, Math.Abs(at[i][q + 1] - phi[i]));
            // theory: the chaos truncation error at degree 6 of this smooth dependence (the SG convergence table reaches
            // rounding in Var by degree 5); a wrong map from ξ to the standard variable ζ is off by O(Var^(1/2)).
            Assert.True(worst <= 1e-10 * scale, $"ξ = {xi}: max |φ_SG(ξ) − φ(ξ)| = {worst / scale:E3} of max φ");
        }
        using (var h5 = Hdf5File.Open(Path.Combine(dir, SnapshotWriter.FileName(12)), SerialCommunicator.Instance))
        {
            Assert.Equal(at.Select(r => r[1]), h5.ReadAll("phi_at_0"));
            Assert.Equal(at.Select(r => r[2]), h5.ReadAll("phi_at_1"));
        }
        string xmf = File.ReadAllText(Path.Combine(dir, SnapshotWriter.IndexFile));
        foreach (var name in new[] { "phi_at_0", "phi_at_1" }) Assert.Contains($"Attribute Name=\"{name}\"", xmf);
    }
}
