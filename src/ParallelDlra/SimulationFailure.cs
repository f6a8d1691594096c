namespace ParallelDlra;

/// <summary>A run that went wrong numerically and was stopped on purpose: it diverged (non-finite values, a
/// mass beyond its bound), lost the orthonormality of its bases, or drifted in a quantity it promised to
/// conserve. The message is one line naming the step, the time and the quantity. Every rank detects it the
/// same way (the quantities come from the per-step allreduce), so under MPI rank 0 prints it and every rank
/// exits with code 1 — like <see cref="InputException"/>, but exit 1. What was written so far (diagnostics,
/// the last complete checkpoint) stays.</summary>
public sealed class SimulationFailure(string message) : Exception(message);
