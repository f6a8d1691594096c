#!/usr/bin/env bash
# The body of the jobs/slurm/*.sbatch scripts (they call it; it can also run inside `salloc`): launches
# `pdlra run DECK --set ...` on the job's tasks with `srun --mpi=pmix` (default) or `mpiexec`, with one
# output folder per job. Every setting comes from the environment, so `sbatch --export` or the submitting
# shell (sbatch's default --export=ALL) sets it:
#
#   PDLRA_DECK        deck, absolute or relative to PDLRA_ROOT            [jobs/linesource.yaml]
#   PDLRA_SET         deck overrides separated by ';', each one `--set key=value`, e.g.
#                     'grid.cells=[512, 512];angular.order=29;time.max_steps=10'. sbatch --export splits its
#                     list at commas: pass values with commas through the environment, not --export=...
#   PDLRA_ARGS        further arguments of `pdlra run` (e.g. '--restart out/x/checkpoint_000100.h5')
#   PDLRA_ROOT        the repository checkout                               [$SLURM_SUBMIT_DIR]
#   PDLRA             the pdlra executable              [$PDLRA_ROOT/src/Pdlra/bin/Release/net10.0/pdlra]
#   PDLRA_OUT         output folder (output.directory)      [$SLURM_SUBMIT_DIR/out/$SLURM_JOB_NAME-$SLURM_JOB_ID]
#   PDLRA_LAUNCHER    srun | mpiexec                                       [srun]
#   PDLRA_MPI         srun's --mpi plugin (Debian's OpenMPI: pmix; pmi2 does not work with it)   [pmix]
#   PDLRA_THREADS     threads per rank: BLAS/LAPACK (PDLRA_LINALG_THREADS, OPENBLAS_NUM_THREADS,
#                     OMP_NUM_THREADS) and the CPU backend's loops (DOTNET_PROCESSOR_COUNT)
#                                                                         [$SLURM_CPUS_PER_TASK, else 1]
#   PDLRA_BACKEND     compute backend: cpu | gpu | auto (compute.backend; gpu.sbatch sets gpu)
#   PDLRA_MEASURE     1: every rank runs under /usr/bin/time -v (peak RSS per rank on stderr; jobs/scaling.py)
#
# In the output folder besides the run's files: pdlra.log (stdout: rank 0's log) and pdlra.err (stderr:
# warnings, /usr/bin/time). The job's own output file (slurm-JOBID.out) gets both too.
set -euo pipefail

submit_dir=${SLURM_SUBMIT_DIR:-$PWD}
root=${PDLRA_ROOT:-$submit_dir}
pdlra=${PDLRA:-$root/src/Pdlra/bin/Release/net10.0/pdlra}
deck=${PDLRA_DECK:-jobs/linesource.yaml}
case "$deck" in /*) ;; *) deck=$root/$deck ;; esac
job=${SLURM_JOB_NAME:-pdlra}-${SLURM_JOB_ID:-$$}
out=${PDLRA_OUT:-$submit_dir/out/$job}
launcher=${PDLRA_LAUNCHER:-srun}
threads=${PDLRA_THREADS:-${SLURM_CPUS_PER_TASK:-1}}
ntasks=${SLURM_NTASKS:-1}

[ -x "$pdlra" ] || { echo "pdlra_job: $pdlra not found: run 'make build' in $root, or set PDLRA / PDLRA_ROOT" >&2; exit 2; }
[ -f "$deck" ] || { echo "pdlra_job: deck $deck not found (PDLRA_DECK, relative to PDLRA_ROOT=$root)" >&2; exit 2; }
mkdir -p "$out"

# One rank per task; its threads stay within its cores (--cpus-per-task).
export PDLRA_LINALG_THREADS=$threads OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads DOTNET_PROCESSOR_COUNT=$threads
export TERM=dumb DOTNET_CLI_TELEMETRY_OPTOUT=1

args=(run "$deck")
if [ -n "${PDLRA_SET:-}" ]; then
  IFS=';' read -r -a sets <<< "$PDLRA_SET"
  for s in "${sets[@]}"; do
    s="${s#"${s%%[![:space:]]*}"}"   # trim leading blanks
    [ -n "$s" ] && args+=(--set "$s")
  done
fi
args+=(--set "output.directory=$out")

# ---- BACKEND ------------------------------------------------------------------------------------------
# compute.backend: cpu | gpu | auto (GPU jobs set PDLRA_BACKEND=gpu; each rank then takes the GPU the
# launcher bound to it, or the GPU of its node-local rank).
[ -n "${PDLRA_BACKEND:-}" ] && args+=(--set "compute.backend=$PDLRA_BACKEND")
# -------------------------------------------------------------------------------------------------------

# shellcheck disable=SC2206
[ -n "${PDLRA_ARGS:-}" ] && args+=(${PDLRA_ARGS})

measure=()
if [ "${PDLRA_MEASURE:-0}" = 1 ]; then
  [ -x /usr/bin/time ] || { echo "pdlra_job: PDLRA_MEASURE=1 needs /usr/bin/time (Debian package time)" >&2; exit 2; }
  measure=(/usr/bin/time -v)
fi

case "$launcher" in
  srun) cmd=(srun --mpi="${PDLRA_MPI:-pmix}" --ntasks="$ntasks" --cpus-per-task="$threads" "${measure[@]}" "$pdlra" "${args[@]}") ;;
  mpiexec)
    cmd=(mpiexec -n "$ntasks")
    [ "$(id -u)" -eq 0 ] && cmd+=(--allow-run-as-root)
    [ "$threads" -gt 1 ] && cmd+=(--map-by "slot:PE=$threads")
    cmd+=(-x PDLRA_LINALG_THREADS -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS -x DOTNET_PROCESSOR_COUNT -x TERM "${measure[@]}" "$pdlra" "${args[@]}") ;;
  *) echo "pdlra_job: PDLRA_LAUNCHER=$launcher: allowed srun, mpiexec" >&2; exit 2 ;;
esac

{
  echo "job $job: $ntasks rank(s) x $threads thread(s) on ${SLURM_JOB_NUM_NODES:-1} node(s) (${SLURM_JOB_NODELIST:-$(hostname -s)})"
  echo "output $out"
  printf 'command:'; printf ' %q' "${cmd[@]}"; echo
} | tee "$out/job.txt"

status=0
"${cmd[@]}" > >(tee "$out/pdlra.log") 2> >(tee "$out/pdlra.err" >&2) || status=$?
wait   # the tee processes
echo "job $job: exit $status" | tee -a "$out/job.txt"
exit "$status"
