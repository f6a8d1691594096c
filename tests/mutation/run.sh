#!/usr/bin/env bash
# Mutation testing with Stryker.NET (the local dotnet tool of dotnet-tools.json) on named core files, each with
# the fast tests that exercise it (a test-case filter per file; the Slow refinement studies, MPI, output and
# cluster tests are left out). Not part of `make test`: `make mutate [MUTATE_FILES="Angular/PnBasis.cs ..."]`.
# Each file is time-boxed (MUTATE_TIMEOUT seconds, default 1800). Reports: build/mutation/<file>/reports/
# (mutation-report.json and .html); the summary line per file goes to build/mutation/summary.txt.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
out="$root/build/mutation"
mkdir -p "$out"
dotnet tool restore >/dev/null || { echo "mutate: dotnet tool restore failed (dotnet-stryker)" >&2; exit 1; }

fast='Category!=Slow'
filter_for() {
  case "$1" in
    Angular/PnBasis.cs)          echo "(FullyQualifiedName~ParallelDlra.Tests.Angular|FullyQualifiedName~ParallelDlra.Tests.Kinetic.BoundaryTests.Reflective)&$fast" ;;
    Kinetic/KineticOperator.cs)  echo "(FullyQualifiedName~ParallelDlra.Tests.Kinetic|FullyQualifiedName~ManufacturedIntegratorTests|FullyQualifiedName~ParallelDlra.Tests.Parallel.DecompositionTests)&$fast" ;;
    LowRank/Truncation.cs)       echo "(FullyQualifiedName~ParallelDlra.Tests.LowRank.TruncationTests|FullyQualifiedName~ParallelDlra.Tests.LowRank.TruncationMutationTests|FullyQualifiedName~ParallelDlra.Tests.LowRank.IntegratorSweepTests|FullyQualifiedName~ParallelDlra.Tests.LowRank.StepOracleTests|FullyQualifiedName~ParallelDlra.Tests.LowRank.IntegratorTests)&$fast" ;;
    Parallel/TallSkinnyQr.cs)    echo "(FullyQualifiedName~ParallelDlra.Tests.Parallel.TallSkinnyQrTests|FullyQualifiedName~ParallelDlra.Tests.Parallel.ThreadRanksTests|FullyQualifiedName~ParallelDlra.Tests.LowRank.StepOracleTests)&$fast" ;;
    *)                           echo "(FullyQualifiedName~ParallelDlra.Tests.Angular|FullyQualifiedName~ParallelDlra.Tests.Kinetic|FullyQualifiedName~ParallelDlra.Tests.LowRank|FullyQualifiedName~ContractTests)&$fast" ;;
  esac
}

# MUTATE_SCOPE=unit: the unit-level filter of a file (its unit test classes, no integrator sweep or refinement study),
# for a loaded machine; a subset of the full filter, so its score is a lower bound of the full one's. Reports then go
# to build/mutation-unit/.
unit_filter_for() {
  local t='FullyQualifiedName~ParallelDlra.Tests'
  case "$1" in
    Kinetic/KineticOperator.cs)
      # The classes that build operators and check them against answers known without the code: the operator's
      # terms, sources and outflows (P_N, S_N, filtered P_N, SG hooks), the boundaries (reflective, inflow), the
      # balances, the stability limits, one second-order case (limited Fromm), the decomposition's term lists and
      # the uncertain inflow's ghosts. Left out: the slab's refinement to the exponential-integral solution and
      # the S_N/P_N refinement (studies), MPI, output and cluster tests.
      echo "($t.Kinetic.KineticOperatorTests|$t.Kinetic.KineticOperatorMutationTests|$t.Kinetic.BoundaryTests|$t.Kinetic.DiagnosticsBalanceTests|$t.Kinetic.MassBalanceTests|$t.Kinetic.SlabInflowTests|$t.Kinetic.StabilityLimitTests|$t.Kinetic.LimitedSchemeTests.Minmod|$t.Angular.DiscreteOrdinatesRunTests|$t.Angular.DiscreteOrdinatesTests|$t.Angular.FilteredPnTests|$t.Angular.VelocitySpaceTests|$t.Parallel.DecompositionTests|$t.Uncertainty.UncertainInflowTests)&FullyQualifiedName!~Absorbing_slab_with_inflow_converges&FullyQualifiedName!~Sn_and_pn_agree_as_both_are_refined&$fast" ;;
    LowRank/Truncation.cs)
      echo "($t.LowRank.TruncationTests|$t.LowRank.TruncationMutationTests)&$fast" ;;
    *) filter_for "$1" ;;
  esac
}
if [ "${MUTATE_SCOPE:-full}" = unit ]; then
  out="$root/build/mutation-unit"
  mkdir -p "$out"
  filter_for_scope() { unit_filter_for "$1"; }
else
  filter_for_scope() { filter_for "$1"; }
fi

echo "# $(date -u +%FT%TZ) scope ${MUTATE_SCOPE:-full}" >> "$out/summary.txt"
status=0
for file in ${MUTATE_FILES:-Angular/PnBasis.cs Kinetic/KineticOperator.cs LowRank/Truncation.cs Parallel/TallSkinnyQr.cs}; do
  name=$(echo "$file" | tr '/' '_')
  rm -rf "$out/$name"
  echo "mutate: $file with tests $(filter_for_scope "$file")"
  ( cd tests/ParallelDlra.Tests && TERM=dumb timeout "${MUTATE_TIMEOUT:-1800}" dotnet dotnet-stryker \
      --project ParallelDlra.csproj --mutate "**/src/ParallelDlra/$file" --test-case-filter "$(filter_for_scope "$file")" \
      --configuration Release --concurrency "${MUTATE_CONCURRENCY:-2}" --reporter cleartext --reporter json --reporter html \
      --output "$out/$name" --skip-version-check ) > "$out/$name.log" 2>&1
  rc=$?
  # A Stryker run that was stopped (the time box) leaves the original assembly renamed: put it back.
  for f in tests/ParallelDlra.Tests/bin/*/*/*.stryker-unchanged; do [ -e "$f" ] && mv -f "$f" "${f%.stryker-unchanged}"; done
  score=$(grep -Eo 'The final mutation score is [0-9.]+ ?%' "$out/$name.log" | tail -1)
  [ $rc -eq 124 ] && score="timed out after ${MUTATE_TIMEOUT:-1800} s"
  [ -n "$score" ] || { score="failed (exit $rc): see $out/$name.log"; status=1; }
  echo "$file: $score" | tee -a "$out/summary.txt"
done
exit $status
