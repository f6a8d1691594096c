namespace ParallelDlra.Solvers;

/// <summary>
/// What the time loop checks after every step, on the allreduced balance (so every rank decides alike): the
/// bases of a low-rank solver orthonormal, and — where the solver promises it — the mass changed only by
/// outflow, absorption and sources. A violation ends the run with <see cref="SimulationFailure"/> (exit 1, one
/// line naming the step, the time and the value) instead of writing a wrong answer.
/// </summary>
public sealed class StepChecks(ISolver solver)
{
    /// <summary>Largest max(|wXᵀX − I|, |VᵀV − I|) accepted. The integrators keep it near 1e-14 (docs/design.md);
    /// past 1e-10 the Galerkin steps are no longer projections and the run cannot be trusted.</summary>
    public const double OrthonormalityLimit = 1e-10;

    /// <summary>Largest |mass defect| accepted, relative to the mass scale of the run (the largest |M| seen plus the
    /// mass that entered or left). Conservative schemes stay within a few 1e-16 per step (docs/design.md).</summary>
    public const double ConservationLimit = 1e-10;

    private double _largestMass, _exchanged;

    /// <summary>Adds a row to the mass scale without checking it (the rows before a restart).</summary>
    public void Account(StepDiagnostics d)
    {
        _largestMass = Math.Max(_largestMass, Math.Abs(d.Mass));
        _exchanged += Math.Abs(d.TimeStep * (d.Outflow + d.Absorption + d.Source));
    }

    /// <summary>Checks one row of the diagnostics (rows in order, from the first of the run or of the restart).</summary>
    public void Verify(StepDiagnostics d)
    {
        if (!(d.OrthonormalityDefect <= OrthonormalityLimit))
            throw new SimulationFailure($"step {d.Step}, t = {d.Time:G6}: the orthonormality defect of the low-rank bases is {d.OrthonormalityDefect:E3} " +
                                        $"(limit {OrthonormalityLimit:E0}); the run was stopped");
        Account(d);
        double scale = _largestMass + _exchanged;
        if (!solver.Conserves || !(scale > 0)) return;
        if (!(Math.Abs(d.MassDefect) <= ConservationLimit * scale))
            throw new SimulationFailure($"step {d.Step}, t = {d.Time:G6}: mass {d.Mass:G17} differs from the balance of outflow, absorption and " +
                                        $"sources by {d.MassDefect:E3} ({Math.Abs(d.MassDefect) / scale:E2} relative, limit {ConservationLimit:E0}); " +
                                        "the solver promises conservation, so the run was stopped");
    }
}
