namespace ParallelDlra.Solvers;

/// <summary>One row of the diagnostics time series (docs/output.md). Outflow, Absorption and Source are the rates
/// at the state of this row, i.e. at the start of the next step; MassDefect is M_k − M_0 − Σ_{j≤k} ΔM_j with ΔM_j the
/// mass change that step j's stage rates imply (<see cref="StepReport.MassChange"/>): zero to rounding where the
/// solver conserves. FrontPosition: the heat front of the row's state (<see cref="SolverBalance.FrontPosition"/>), NaN
/// where the run has none (then no <c>front_position</c> column is written).</summary>
public readonly record struct StepDiagnostics(int Step, double Time, double TimeStep, int Rank, double Mass, double Outflow, double DiscardedTail, double WallSeconds,
    double OrthonormalityDefect = 0.0, double Absorption = 0.0, double Source = 0.0, double MassDefect = 0.0, double FrontPosition = double.NaN)
{
    /// <summary>Whether <paramref name="history"/> has a heat front (the column <c>front_position</c>).</summary>
    public static bool HasFront(IReadOnlyList<StepDiagnostics> history) => history.Any(d => !double.IsNaN(d.FrontPosition));
}
