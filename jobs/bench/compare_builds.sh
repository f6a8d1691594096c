#!/usr/bin/env bash
# Runs one pdlra benchmark with two builds side by side (DESIGN §9: one script, same machine, load recorded),
# e.g. before and after a change:
#   git worktree add --detach /tmp/before <commit> && (cd /tmp/before && make build)
#   jobs/bench/compare_builds.sh /tmp/before/src/Pdlra/bin/Release/net10.0/pdlra src/Pdlra/bin/Release/net10.0/pdlra lowrank 15
# Prints `uptime` before each run and both benchmark outputs, labelled. Nothing is asserted.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BEFORE_PDLRA AFTER_PDLRA BENCHMARK [ARGS...]" >&2; exit 2; }
before=$1 after=$2; shift 2
export TERM=dumb DOTNET_CLI_TELEMETRY_OPTOUT=1
for label in before after; do
  exe=$before; [ "$label" = after ] && exe=$after
  [ -x "$exe" ] || { echo "compare_builds: $exe is not an executable pdlra" >&2; exit 2; }
  echo "=== $label: $exe bench $*"
  echo "load: $(uptime)"
  "$exe" bench "$@"
done
echo "load: $(uptime)"
