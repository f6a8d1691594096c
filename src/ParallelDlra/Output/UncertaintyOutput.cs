using System.Globalization;
using System.Text;
using ParallelDlra.Parallel;
using ParallelDlra.Uncertainty;

namespace ParallelDlra.Output;

/// <summary>
/// What a stochastic-Galerkin run writes beside the usual files (docs/output.md): <c>uq.csv</c> for 1D runs (columns
/// <c>x,E,Var</c>: E[φ] and Var[φ] per cell at the end), <c>uq_diagnostics.csv</c> (columns
/// <c>step,time,mass_mean,mass_var</c>: the mean mass E[M] and its variance Var[M] = Σ_{j≥1} M_j² with the chaos
/// coefficients M_j = ∫φ_j of the mass, every step) and, in every snapshot, <c>phi_mean</c>, <c>phi_var</c>,
/// <c>phi_std</c>; with <c>uncertainty.evaluate_at</c>, φ at those points ξ_q from the chaos expansion as <c>phi_at_q</c>
/// in every snapshot and, 1D, in <c>uq_samples.csv</c> (columns <c>x,phi_at_0,…</c>). All from the factors
/// (<see cref="ChaosStatistics"/>), collective.
/// </summary>
public sealed class UncertaintyOutput
{
    public const string FieldFile = "uq.csv";
    public const string DiagnosticsFile = "uq_diagnostics.csv";
    public const string SamplesFile = "uq_samples.csv";
    public static readonly string[] SnapshotFields = ["phi_mean", "phi_var", "phi_std"];

    /// <summary>The snapshot fields of φ at the points of <c>uncertainty.evaluate_at</c>: <c>phi_at_0</c>, <c>phi_at_1</c>, …</summary>
    public static string[] PointFields(UncertaintyOptions? u) => [.. Enumerable.Range(0, u?.PointCount ?? 0).Select(q => $"phi_at_{q}")];

    /// <summary>Collective: φ(x, ξ_q) on the rank-local cells for every point ξ_q of <c>uncertainty.evaluate_at</c>.</summary>
    public static double[][] AtPoints(Solvers.ISolver solver, StochasticGalerkinSpace space, UncertaintyOptions? u)
        => [.. Enumerable.Range(0, u?.PointCount ?? 0).Select(q => ChaosStatistics.AtParameters(solver, space, u!.Point(q)))];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly RunDescription _run;
    private readonly StochasticGalerkinSpace _space;
    private readonly List<(int Step, double Time, double Mean, double Variance)> _mass = [];

    private UncertaintyOutput(RunDescription run, StochasticGalerkinSpace space)
    {
        _run = run;
        _space = space;
    }

    /// <summary>The output of a stochastic-Galerkin run, null for any other.</summary>
    public static UncertaintyOutput? For(RunDescription run) =>
        run.Basis is StochasticGalerkinSpace sg ? new UncertaintyOutput(run, sg) : null;

    /// <summary>Collective: E[M] and Var[M] of the current state (one allreduce of n_ξ sums).</summary>
    public (double Mean, double Variance) Mass()
    {
        var modes = _space.MassModes();
        var u = _run.Solver.Moments(modes);
        int n = u.Length / modes.Length;
        var sums = new double[modes.Length];
        for (int j = 0; j < modes.Length; j++)
            for (int i = 0; i < n; i++) sums[j] += u[j * n + i];
        DistributedSums.Complete(_run.Comm, sums);
        double weight = _run.Grid.CellVolume * _space.Mass.Norm;
        double variance = 0.0;
        for (int j = 1; j < sums.Length; j++) variance += (weight * sums[j]) * (weight * sums[j]);
        return (weight * sums[0], variance);
    }

    /// <summary>Collective: records the mass statistics after a step.</summary>
    public void Record(int step, double time)
    {
        var (mean, variance) = Mass();
        _mass.Add((step, time, mean, variance));
    }

    /// <summary>Collective: gathers E[φ], Var[φ] and writes the files on rank 0 (writer null elsewhere). Returns the files written.</summary>
    public IReadOnlyList<string> Write(OutputWriter? writer)
    {
        var grid = _run.Grid;
        double[]? mean = null, variance = null;
        double[]?[] atPoints = [];
        if (grid.Dimension == 1)
        {
            // Only a 1D grid gets the field file (its cell count is a 32-bit number): gathered whole, collective.
            var stats = ChaosStatistics.Of(_run.Solver, _space);
            mean = OutputWriter.GatherField(_run, stats.Mean);
            variance = OutputWriter.GatherField(_run, stats.Variance);
            atPoints = [.. AtPoints(_run.Solver, _space, _run.Options.Uncertainty).Select(phi => OutputWriter.GatherField(_run, phi))];
        }
        if (writer is null) return [];
        var files = new List<string>();
        if (mean is not null && variance is not null)
        {
            var sb = new StringBuilder("x,E,Var\n");
            for (int i = 0; i < mean.Length; i++) sb.Append(Inv, $"{grid.Center(0, i):R},{mean[i]:R},{variance[i]:R}\n");
            files.Add(writer.WriteText(FieldFile, sb.ToString()));
        }
        if (mean is not null && atPoints.Length > 0)
        {
            // x, then φ at each point of uncertainty.evaluate_at (the points are in run.yaml, in order).
            var sb = new StringBuilder("x," + string.Join(",", PointFields(_run.Options.Uncertainty)) + "\n");
            for (int i = 0; i < mean.Length; i++)
            {
                sb.Append(grid.Center(0, i).ToString("R", Inv));
                foreach (var phi in atPoints) sb.Append(',').Append(phi![i].ToString("R", Inv));
                sb.Append('\n');
            }
            files.Add(writer.WriteText(SamplesFile, sb.ToString()));
        }
        var d = new StringBuilder("step,time,mass_mean,mass_var\n");
        foreach (var (step, time, m, v) in _mass) d.Append(Inv, $"{step},{time:R},{m:R},{v:R}\n");
        files.Add(writer.WriteText(DiagnosticsFile, d.ToString()));
        return files;
    }
}
