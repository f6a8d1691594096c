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
}
