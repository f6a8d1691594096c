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

echo "# $(date -u +%FT%TZ)" >> "$out/summary.txt"
status=0
for file in ${MUTATE_FILES:-Angular/PnBasis.cs Kinetic/KineticOperator.cs LowRank/Truncation.cs Parallel/TallSkinnyQr.cs}; do
  name=$(echo "$file" | tr '/' '_')
  rm -rf "$out/$name"
  echo "mutate: $file with tests $(filter_for "$file")"
  ( cd tests/ParallelDlra.Tests && TERM=dumb timeout "${MUTATE_TIMEOUT:-1800}" dotnet dotnet-stryker \
      --project ParallelDlra.csproj --mutate "**/src/ParallelDlra/$file" --test-case-filter "$(filter_for "$file")" \
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
