#!/usr/bin/env bash
# Peak resident memory of a 3D low-rank run against the estimate of `pdlra check` (docs/design.md, "Memory of a
# low-rank step"): the point source on N^3 cells, P_7, augmented BUG at fixed rank r, a few steps, no field files.
#
#   jobs/bench/memory3d.sh [N] [r] [PDLRA] [integrator]     # defaults: 64 30 src/Pdlra/bin/Release/net10.0/pdlra augmented_bug
#
# Prints one line: cells, r, peak RSS (MiB, /usr/bin/time -v), kB per cell, the estimate of pdlra check (MiB) and
# estimate / measured. One BLAS thread, one .NET thread pool thread per core as the machine gives.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-64}
r=${2:-30}
pdlra=${3:-$here/src/Pdlra/bin/Release/net10.0/pdlra}
kind=${4:-augmented_bug}
out=$(mktemp -d /tmp/pdlra-memory3d.XXXXXX)
trap 'rm -rf "$out"' EXIT
sets=(--set "grid.cells=[$n, $n, $n]" --set angular.order=7 --set solver.type=$kind --set solver.rank=$r
      --set solver.truncation.r_min=$r --set solver.truncation.r_max=$r --set time.max_steps=4
      --set output.write_field=false --set output.snapshot_every=0 --set "output.directory=$out/run")
export OPENBLAS_NUM_THREADS=1 PDLRA_LINALG_THREADS=1
estimate=$("$pdlra" check "$here/jobs/pointsource3d.yaml" "${sets[@]}" 2>&1 | sed -n 's/.*; total \([0-9.]*\) \(MiB\|GiB\).*/\1 \2/p' | head -1)
/usr/bin/time -v "$pdlra" run "$here/jobs/pointsource3d.yaml" "${sets[@]}" > "$out/stdout" 2> "$out/time" || { tail -20 "$out/time" "$out/stdout"; exit 1; }
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time")
python3 - "$n" "$r" "$rss_kb" "$estimate" "$kind" <<'PY'
import sys
n, r, rss_kb, est, kind = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
cells = n ** 3
mib = rss_kb / 1024
e = est.split()
est_mib = float(e[0]) * (1024 if len(e) > 1 and e[1] == "GiB" else 1) if e else float("nan")
print(f"{kind}: {n}^3 = {cells} cells, r = {r}: peak RSS {mib:.1f} MiB, {rss_kb * 1.024 / cells:.3f} kB per cell "
      f"({rss_kb * 1024 / (cells * r * 8):.2f} n_cells x r blocks incl. runtime); pdlra check estimate {est_mib:.1f} MiB, "
      f"estimate/measured {est_mib / mib:.3f}")
PY
