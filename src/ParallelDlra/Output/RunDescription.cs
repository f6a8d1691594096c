using ParallelDlra.Angular;
using ParallelDlra.Deck;
using ParallelDlra.Mesh;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.Output;

/// <summary>What <c>Output/</c> writes a run from (issue #14): the resolved deck, the communicator and the run id, the
/// grid, the rank-local block and the velocity space, the solver (through <see cref="ISolver"/> only: state, φ, moments,
/// balance) and the diagnostics so far (a live view of the time loop's list). The application builds it
/// (<c>Application.Simulation.Description</c>); <c>Output/</c> never sees the time loop.</summary>
public sealed record RunDescription(RunOptions Options, ICommunicator Comm, string RunId, CartesianGrid Grid, GridBlock Block,
    IVelocitySpace Basis, ISolver Solver, IReadOnlyList<StepDiagnostics> History);
