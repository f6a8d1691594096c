using System.Globalization;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Solvers;

namespace ParallelDlra.Application;

/// <summary>
/// Stops a run that has diverged (issue #18), before its state is checkpointed or written as a result:
/// <list type="bullet">
/// <item>a non-finite mass, outflow or orthonormality defect after a step (every cell contributes to the mass, so a
/// NaN or ∞ anywhere in φ shows there; the values come from the per-step allreduce, so every rank decides alike);</item>
/// <item>|mass| above <c>time.max_mass_growth</c> × the most mass the problem can hold: the initial mass plus
/// t·(the largest source density × the box volume + the largest inflow φ_in × the inflow faces' area), an upper
/// bound for the exact solution of a linear transport problem with non-negative data;</item>
/// <item>a step that fails inside the dense linear algebra (LAPACK refuses NaN/∞ arguments): named by its step.</item>
/// </list>
/// Each throws <see cref="SimulationFailure"/> with one line naming the step, the time and the quantity.
/// </summary>
public sealed class DivergenceGuard
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly double _growth;
    private readonly double _injectionRate;
    private double _initialMass = double.NaN;

    public DivergenceGuard(RunOptions options)
    {
        _growth = options.Time.MaxMassGrowth;
        var grid = options.Grid;
        double volume = 1;
        foreach (var e in grid.Extent) volume *= e.Length;
        // An uncertain source: its expectation (the diagnostics' mass of stochastic Galerkin is the mean mass).
        var map = options.Uncertainty is { } uq ? Uncertainty.UncertainMaterials.Map(uq, options.Material.Map, null) : options.Material.Map;
        double qMax = map.Regions.Select(r => r.Material.Source).Append(map.Background.Source).Max();
        double inflow = 0;
        // An uncertain inflow: the mean φ_in (the diagnostics' mass of stochastic Galerkin is the mean mass).
        var faces = options.Uncertainty is { } u ? Uncertainty.UncertainMaterials.Faces(u, grid.Faces, null) : grid.Faces;
        for (int f = 0; f < faces.Length; f++)
        {
            if (faces[f].Kind != BoundaryKind.Inflow) continue;
            double area = 1;
            for (int d = 0; d < grid.Dimension; d++)
                if (d != f / 2) area *= grid.Extent[d].Length;
            inflow += faces[f].InflowScalarFlux * area;
        }
        _injectionRate = qMax * volume + inflow;
    }

    /// <summary>The mass bound at time <paramref name="t"/> (∞ when there is none: a problem that holds no mass, or
    /// a bound that overflows).</summary>
    public double MassBound(double t)
    {
        double budget = Math.Abs(_initialMass) + t * _injectionRate;
        return budget > 0 && double.IsFinite(budget) ? _growth * budget : double.PositiveInfinity;
    }

    /// <summary>The initial φ must be finite everywhere (decided from an allreduce, so alike on every rank): an
    /// initial.mass or initial.value whose φ overflows float64 is bad input.</summary>
    /// <exception cref="InputException">names the initial keys</exception>
    public static void CheckInitial(RunOptions options, ReadOnlySpan<double> phi0, Parallel.ICommunicator comm)
    {
        double bad = 0;
        foreach (double v in phi0)
            if (!double.IsFinite(v)) { bad = 1; break; }
        Span<double> flag = [Parallel.DistributedSums.Max(comm, bad)];
        if (flag[0] == 0) return;
        var ic = options.Initial;
        throw new InputException($"initial: the initial scalar flux overflows float64 (initial.type = {DeckWords.Of(DeckWords.Initial, ic.Kind)}, " +
                                 $"initial.mass = {Show(ic.Mass)}, initial.sigma = {Show(ic.Sigma)}, initial.value = {Show(ic.Value)}); " +
                                 "allowed: an initial.mass or initial.value whose φ is finite everywhere");
    }

    /// <summary>Checks the diagnostics of one step (step 0: the initial state, which also fixes the initial mass).</summary>
    /// <exception cref="SimulationFailure">a non-finite quantity, or the mass beyond its bound</exception>
    public void Check(in StepDiagnostics d)
    {
        if (double.IsNaN(_initialMass)) _initialMass = d.Mass;
        string at = d.Step == 0 ? "the initial state (step 0, t = 0)" : $"step {d.Step} (t = {d.Time.ToString("G6", Inv)})";
        if (!double.IsFinite(d.Mass)) throw Failure(at, $"the mass is {Show(d.Mass)}", "the solution contains non-finite values");
        if (!double.IsFinite(d.Outflow)) throw Failure(at, $"the outflow is {Show(d.Outflow)}", "the solution contains non-finite values");
        if (!double.IsFinite(d.OrthonormalityDefect))
            throw Failure(at, $"the orthonormality defect is {Show(d.OrthonormalityDefect)}", "the bases contain non-finite values");
        double bound = MassBound(d.Time);
        if (Math.Abs(d.Mass) > bound)
            throw Failure(at, $"the mass is {Show(d.Mass)}, beyond {Show(bound)} (time.max_mass_growth = {Show(_growth)} × initial mass + sources and inflow)",
                "the solution grows without bound");
    }

    /// <summary>Runs one step; a failure of the dense linear algebra inside it (LAPACK refuses NaN/∞ arguments
    /// with an argument error) becomes a <see cref="SimulationFailure"/> naming the step; any other exception passes.</summary>
    public StepReport Step(int step, double t, Func<StepReport> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (FromNonFiniteData(e))
        {
            throw Failure($"step {step} (from t = {t.ToString("G6", Inv)})", $"the step failed in the linear algebra ({Flat(e.Message)})",
                "the state has probably diverged");
        }
    }

    /// <summary>What the linear algebra throws when it meets NaN/∞: LAPACK's argument check ("argument k had an illegal
    /// value"), a failed factorisation, MathNet's non-convergence or non-finite checks. Other exceptions (a bug) pass.</summary>
    private static bool FromNonFiniteData(Exception e) => e switch
    {
        LinearAlgebra.LinearAlgebraException or NotFiniteNumberException => true,
        ArgumentException a => a.Message.Contains("had an illegal value", StringComparison.Ordinal),
        _ => e.GetType().Name == "NonConvergenceException",
    };

    private static SimulationFailure Failure(string at, string what, string why)
        => new($"diverged at {at}: {what}; {why}; the last complete checkpoint and the diagnostics up to here are kept " +
               "(lower time.cfl, refine the grid, or check the initial data and sources)");

    private static string Show(double v) => v.ToString("G6", Inv);

    private static string Flat(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
