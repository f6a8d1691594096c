using ParallelDlra.Compute;
using ParallelDlra.Kinetic;
using ParallelDlra.Parallel;
using ParallelDlra.Solvers;

namespace ParallelDlra.LowRank;

/// <summary>What every low-rank integrator is built from (one small context instead of the same eight constructor
/// arguments three times): the problem on the rank-local block (its right-hand sides and Galerkin coefficients; it
/// holds the halo exchange), the compute backend, the communicator, the time stepper, the solver options, the initial scalar flux φ0 on the rank-local cells and the
/// deterministic padding functions (local cell, column) → value of the global cell index; the initial state's angular
/// direction and norm, u0 = (φ0 / norm) aᵀ (null: the velocity space's isotropic state).</summary>
public sealed record LowRankSetup(IKineticProblem Problem, IComputeBackend Backend, ICommunicator Comm,
    TimeStepperKind Stepper, SolverOptions Options, double[] Phi0, Func<int, int, double> Padding, Angular.IsotropicState? InitialAngle = null);
