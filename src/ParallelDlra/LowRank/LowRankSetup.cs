using ParallelDlra.Compute;
using ParallelDlra.Deck;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;

namespace ParallelDlra.LowRank;

/// <summary>What every low-rank integrator is built from (one small context instead of the same eight constructor
/// arguments three times): the operator on the rank-local block, the compute backend, the halo exchange, the
/// communicator, the time stepper, the solver options, the initial scalar flux φ0 on the rank-local cells and the
/// deterministic padding functions (local cell, column) → value of the global cell index.</summary>
public sealed record LowRankSetup(KineticOperator Operator, IComputeBackend Backend, IHaloExchange Halo, ICommunicator Comm,
    TimeStepperKind Stepper, SolverOptions Options, double[] Phi0, Func<int, int, double> Padding);
