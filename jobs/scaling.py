#!/usr/bin/env python3
"""Strong and weak scaling studies of pdlra: generates one deck per rank count, runs it locally with mpiexec
(--local) or submits it with sbatch through jobs/slurm/ (--submit), and gathers the figures into one CSV.

    jobs/scaling.py strong --ranks 1,2,4 --local [--deck jobs/linesource.yaml] [--set key=value ...]
    jobs/scaling.py weak   --ranks 1,2,4 --cells-per-rank 256,256 --submit [--wait]
    jobs/scaling.py strong --ranks 1,2,4 --gather         # after the jobs of --submit (without --wait) ended

Study folder (--study, default out/scaling/<mode>): per rank count R a folder nR/ with deck.yaml (the resolved
deck of `pdlra check`, every override applied), run.sh (the local mpiexec command) and submit.sh (the sbatch
command), and after the run the pdlra output (diagnostics.csv, pdlra.log, pdlra.err, ...). The CSV
(--csv, default STUDY/scaling.csv) has one row per rank count:

    mode, ranks, nodes, threads_per_rank, cells (x*y*z), n_cells, cells_per_rank, n_moments, steps, final_rank,
    time_per_step_s (time loop / steps, the run's log), median_step_s (median of the per-step wall times of
    diagnostics.csv), speedup and strong_efficiency = T(R0) R0 / (T(R) R) (strong rows), weak_efficiency =
    T(R0) / T(R) (weak rows) -- from median_step_s, R0 the smallest rank count --, peak_rss_max_mib and
    peak_rss_sum_mib (of the ranks' "Maximum resident set size" of /usr/bin/time -v), collective_calls_per_step
    and collective_bytes_per_step (rank 0, time loop; the run's "communication:" line), halo_messages and
    halo_bytes (rank 0, whole run), output directory.

Weak scaling: the grid per rank is --cells-per-rank; R ranks get cells_per_rank x D(R), D(R) the rank grid
pdlra's CartesianDecomposition picks (prime factors of R, largest first, each to the axis with the most cells
per rank), so every rank holds exactly one cells_per_rank block (R = 2: 512 x 256 from 256 x 256). The extent
grows with the cells (same cell size, hence the same time step); --keep-extent keeps it.

Threads: --threads per rank (default 1) sets PDLRA_LINALG_THREADS, OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
DOTNET_PROCESSOR_COUNT (the CPU backend's loops). Plain python3; no numpy.
"""
import argparse
import csv
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PDLRA = os.path.join(ROOT, "src", "Pdlra", "bin", "Release", "net10.0", "pdlra")

COLUMNS = ["mode", "ranks", "nodes", "threads_per_rank", "cells", "n_cells", "cells_per_rank", "n_moments", "steps",
           "final_rank", "time_per_step_s", "median_step_s", "speedup", "strong_efficiency", "weak_efficiency",
           "peak_rss_max_mib", "peak_rss_sum_mib", "collective_calls_per_step", "collective_bytes_per_step",
           "halo_messages", "halo_bytes", "output"]


def prime_factors(n):
    p, out = 2, []
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    if n > 1:
        out.append(n)
    return out


def rank_grid(ranks, cells):
    """pdlra's CartesianDecomposition.Factor: ranks per axis."""
    dims = [1] * len(cells)
    for p in sorted(prime_factors(ranks), reverse=True):
        best = -1
        for d in range(len(cells)):
            if dims[d] * p > cells[d]:
                continue
            if best < 0:
                best = d
                continue
            lhs, rhs = cells[d] * dims[best], cells[best] * dims[d]
            if lhs > rhs or (lhs == rhs and cells[d] > cells[best]):
                best = d
        if best < 0:
            raise SystemExit(f"scaling: grid {cells} cannot be split over {ranks} ranks")
        dims[best] *= p
    return dims


def flow(values):
    return "[" + ", ".join(values) + "]"


def fmt(x):
    return f"{float(x):.17g}"


def resolve_deck(pdlra, deck, sets):
    """The resolved deck of `pdlra check` (a valid deck; the first comment line is dropped)."""
    cmd = [pdlra, "check", deck] + [a for s in sets for a in ("--set", s)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, TERM="dumb"))
    if r.returncode != 0:
        raise SystemExit(f"scaling: {' '.join(map(shlex.quote, cmd))} failed:\n{r.stderr}{r.stdout}")
    return r.stdout


def deck_value(text, section, key):
    """A value of the resolved deck: `key: value` under `section:` (two-space indentation)."""
    m = re.search(rf"^{section}:\n((?:  .*\n)*)", text, re.M)
    if not m:
        return None
    k = re.search(rf"^  {key}: (.*)$", m.group(1), re.M)
    return k.group(1).strip() if k else None


def parse_list(text):
    return json.loads(text)


def case_overrides(args, ranks, base):
    """--set overrides of one rank count: the user's, the grid for weak scaling, steps, the output folder."""
    sets = list(args.set)
    cells = parse_list(deck_value(base, "grid", "cells"))
    extent = parse_list(deck_value(base, "grid", "extent"))
    if args.mode == "weak":
        per = [int(c) for c in args.cells_per_rank.split(",")]
        if len(per) != len(cells):
            raise SystemExit(f"scaling: --cells-per-rank {args.cells_per_rank} has {len(per)} entries, the deck is {len(cells)}D")
        dims = rank_grid(ranks, per)
        new = [c * d for c, d in zip(per, dims)]
        sets.append("grid.cells=" + flow(str(c) for c in new))
        if not args.keep_extent:
            # Same cell size as the one-rank grid of cells_per_rank on the deck's extent.
            ext = []
            for (lo, hi), d in zip(extent, dims):
                mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo) * d
                ext.append(f"[{fmt(mid - half)}, {fmt(mid + half)}]")
            sets.append("grid.extent=" + flow(ext))
        cells = new
    elif args.cells:
        cells = [int(c) for c in args.cells.split(",")]
        sets.append("grid.cells=" + flow(str(c) for c in cells))
    if args.steps:
        sets.append(f"time.max_steps={args.steps}")
    return sets


def write_case(args, ranks, pdlra):
    case = os.path.join(args.study, f"n{ranks}")
    out = os.path.join(case, "run")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(case, exist_ok=True)
    base = resolve_deck(pdlra, args.deck, args.set)
    sets = case_overrides(args, ranks, base) + [f"output.directory={out}"]
    text = resolve_deck(pdlra, args.deck, sets)
    deck = os.path.join(case, "deck.yaml")
    with open(deck, "w") as f:
        f.write(f"# jobs/scaling.py {args.mode}, {ranks} rank(s): {args.deck} with {' '.join('--set ' + s for s in sets)}\n")
        f.write("\n".join(text.splitlines()[1:]) + "\n")

    threads = str(args.threads)
    env = {"PDLRA_LINALG_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
           "DOTNET_PROCESSOR_COUNT": threads, "TERM": "dumb"}
    mpiexec = ["mpiexec", "-n", str(ranks)]
    if os.geteuid() == 0:
        mpiexec.append("--allow-run-as-root")
    mpiexec += ["--oversubscribe"] + [a for k in env for a in ("-x", k)]
    if shutil.which("/usr/bin/time") or os.path.exists("/usr/bin/time"):
        mpiexec += ["/usr/bin/time", "-v"]
    mpiexec += [pdlra, "run", deck]
    with open(os.path.join(case, "run.sh"), "w") as f:
        f.write("#!/bin/bash\n# local run of this case (jobs/scaling.py --local)\nset -eu\nmkdir -p " + shlex.quote(out) + "\n")
        f.write("".join(f"export {k}={v}\n" for k, v in env.items()))
        f.write(" ".join(map(shlex.quote, mpiexec)) + f" > {shlex.quote(out)}/pdlra.log 2> {shlex.quote(out)}/pdlra.err\n")

    nodes = max(1, -(-ranks // args.ranks_per_node)) if args.ranks_per_node else 1
    script = os.path.join(ROOT, "jobs", "slurm", "single_node.sbatch" if nodes == 1 else "multi_node.sbatch")
    sbatch = ["sbatch", "--parsable", f"--job-name=scaling-{args.mode}-n{ranks}", f"--nodes={nodes}", f"--ntasks={ranks}",
              f"--cpus-per-task={args.threads}", f"--output={case}/slurm-%j.out"]
    if nodes > 1:
        sbatch.append(f"--ntasks-per-node={args.ranks_per_node}")
    sbatch += args.sbatch_arg + [script]
    job_env = {"PDLRA_ROOT": ROOT, "PDLRA": pdlra, "PDLRA_DECK": deck, "PDLRA_OUT": out, "PDLRA_THREADS": threads,
               "PDLRA_MEASURE": "1"}
    with open(os.path.join(case, "submit.sh"), "w") as f:
        f.write("#!/bin/bash\n# submits this case (jobs/scaling.py --submit); prints the job id\nset -eu\n")
        f.write("".join(f"export {k}={shlex.quote(v)}\n" for k, v in job_env.items()))
        f.write(" ".join(map(shlex.quote, sbatch)) + "\n")
    for s in ("run.sh", "submit.sh"):
        os.chmod(os.path.join(case, s), 0o755)
    return case, out, nodes


def peak_rss(err_file):
    kb = []
    if os.path.exists(err_file):
        with open(err_file, errors="replace") as f:
            kb = [int(m.group(1)) for m in re.finditer(r"Maximum resident set size \(kbytes\): (\d+)", f.read())]
    return (max(kb) / 1024, sum(kb) / 1024) if kb else (None, None)


def gather_case(mode, ranks, nodes, threads, case, out):
    row = {"mode": mode, "ranks": ranks, "nodes": nodes, "threads_per_rank": threads, "output": out}
    log_file = os.path.join(out, "pdlra.log")
    diag_file = os.path.join(out, "diagnostics.csv")
    if not (os.path.exists(log_file) and os.path.exists(diag_file)):
        print(f"scaling: {case}: no results in {out} (not run, or failed)", file=sys.stderr)
        return None
    log = open(log_file, errors="replace").read()
    with open(os.path.join(case, "deck.yaml")) as f:
        deck = f.read()
    cells = parse_list(deck_value(deck, "grid", "cells"))
    n_cells = 1
    for c in cells:
        n_cells *= c
    row.update(cells="x".join(map(str, cells)), n_cells=n_cells, cells_per_rank=n_cells // ranks)
    m = re.search(r"n_moments = (\d+)", log)
    row["n_moments"] = int(m.group(1)) if m else ""
    m = re.search(r"done: (\d+) steps .*?; ([0-9.]+) ms per step\)", log)
    if m:
        row["steps"], row["time_per_step_s"] = int(m.group(1)), float(m.group(2)) / 1e3
    with open(diag_file) as f:
        rows = list(csv.DictReader(f))
    walls = [float(r["wall_s"]) for r in rows]
    steps = [b - a for a, b in zip(walls, walls[1:])]
    row["median_step_s"] = statistics.median(steps) if steps else ""
    row["final_rank"] = int(rows[-1]["rank"])
    m = re.search(r"communication: (\d+) collective calls \(([0-9.]+) per step\), (\d+) bytes per step; "
                  r"halo exchange (\d+) messages, (\d+) bytes", log)
    if m:
        row["collective_calls_per_step"] = float(m.group(2))
        row["collective_bytes_per_step"] = int(m.group(3))
        row["halo_messages"], row["halo_bytes"] = int(m.group(4)), int(m.group(5))
    rss_max, rss_sum = peak_rss(os.path.join(out, "pdlra.err"))
    row["peak_rss_max_mib"] = round(rss_max, 1) if rss_max else ""
    row["peak_rss_sum_mib"] = round(rss_sum, 1) if rss_sum else ""
    return row


def add_efficiency(rows):
    ok = [r for r in rows if r.get("median_step_s")]
    if not ok:
        return
    ref = min(ok, key=lambda r: r["ranks"])
    t0, r0 = ref["median_step_s"], ref["ranks"]
    for r in ok:
        t, n = r["median_step_s"], r["ranks"]
        if r["mode"] == "strong":
            r["speedup"] = round(t0 / t, 4)
            r["strong_efficiency"] = round(t0 * r0 / (t * n), 4)
        else:
            r["weak_efficiency"] = round(t0 / t, 4)


def wait_for(jobs, poll=10):
    """Polls `scontrol show job` (no slurmdbd needed) until every job has left PENDING/RUNNING."""
    pending = dict(jobs)
    while pending:
        for job in list(pending):
            r = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True)
            m = re.search(r"JobState=(\S+)", r.stdout)
            state = m.group(1) if m else "UNKNOWN (gone from scontrol)"
            if state not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED"):
                print(f"scaling: job {job} ({pending[job]}): {state}")
                del pending[job]
        if pending:
            time.sleep(poll)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("mode", choices=["strong", "weak"])
    p.add_argument("--ranks", default="1,2", help="rank counts, comma-separated (default 1,2)")
    p.add_argument("--deck", default=os.path.join(ROOT, "jobs", "linesource.yaml"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="deck override (repeatable)")
    p.add_argument("--cells", help="strong: grid cells, e.g. 512,512 (default: the deck's)")
    p.add_argument("--cells-per-rank", default="256,256", help="weak: cells per rank (default 256,256)")
    p.add_argument("--keep-extent", action="store_true", help="weak: keep the deck's extent (smaller cells)")
    p.add_argument("--steps", type=int, default=10, help="time.max_steps (default 10; 0: the deck's)")
    p.add_argument("--threads", type=int, default=1, help="threads per rank (default 1)")
    p.add_argument("--ranks-per-node", type=int, default=0, help="--submit: ranks per node (0: all on one node)")
    p.add_argument("--sbatch-arg", action="append", default=[], help="extra sbatch argument (repeatable), e.g. --sbatch-arg=--partition=x")
    p.add_argument("--study", help="study folder (default out/scaling/MODE)")
    p.add_argument("--csv", help="CSV to write (default STUDY/scaling.csv)")
    p.add_argument("--pdlra", default=DEFAULT_PDLRA)
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--local", action="store_true", help="run every case here with mpiexec, one after the other")
    how.add_argument("--submit", action="store_true", help="submit every case with sbatch")
    how.add_argument("--gather", action="store_true", help="only gather the results of earlier runs into the CSV")
    how.add_argument("--generate", action="store_true", help="only write decks and scripts")
    p.add_argument("--wait", action="store_true", help="--submit: wait for the jobs, then gather")
    args = p.parse_args()

    args.deck = os.path.abspath(args.deck)
    args.study = os.path.abspath(args.study or os.path.join("out", "scaling", args.mode))
    csv_path = os.path.abspath(args.csv or os.path.join(args.study, "scaling.csv"))
    ranks = [int(r) for r in args.ranks.split(",")]
    if not os.access(args.pdlra, os.X_OK):
        raise SystemExit(f"scaling: {args.pdlra} not found: run `make build` (or --pdlra PATH)")

    cases = []
    for n in ranks:
        if args.gather:
            case, out = os.path.join(args.study, f"n{n}"), os.path.join(args.study, f"n{n}", "run")
            nodes = max(1, -(-n // args.ranks_per_node)) if args.ranks_per_node else 1
        else:
            case, out, nodes = write_case(args, n, args.pdlra)
        cases.append((n, nodes, case, out))

    if args.generate:
        print(f"scaling: decks and scripts in {args.study}/n*/")
        return 0
    if args.submit:
        jobs = {}
        for n, _, case, _ in cases:
            r = subprocess.run([os.path.join(case, "submit.sh")], capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"scaling: sbatch for {case} failed:\n{r.stderr}{r.stdout}")
            job = r.stdout.strip().split(";")[0]
            jobs[job] = f"{n} rank(s)"
            print(f"scaling: {n} rank(s): job {job}")
        with open(os.path.join(args.study, "jobs.txt"), "w") as f:
            f.write("".join(f"{j} {d}\n" for j, d in jobs.items()))
        if not args.wait:
            print(f"scaling: when the jobs have ended: jobs/scaling.py {args.mode} --ranks {args.ranks} --study {args.study} --gather")
            return 0
        wait_for(jobs)
    if args.local:
        for n, _, case, out in cases:
            print(f"scaling: {args.mode}, {n} rank(s): {case}/run.sh", flush=True)
            t = time.time()
            r = subprocess.run([os.path.join(case, "run.sh")])
            print(f"scaling:   exit {r.returncode} after {time.time() - t:.1f} s", flush=True)
            if r.returncode != 0:
                print(open(os.path.join(out, "pdlra.err"), errors="replace").read()[-3000:], file=sys.stderr)

    rows = [r for r in (gather_case(args.mode, n, nodes, args.threads, case, out) for n, nodes, case, out in cases) if r]
    add_efficiency(rows)
    os.makedirs(os.path.dirname(csv_path), exist_ok=True)
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    print(f"scaling: {len(rows)} row(s) in {csv_path}")
    for r in rows:
        eff = r.get("strong_efficiency") or r.get("weak_efficiency") or ""
        print(f"  {r['ranks']:>3} rank(s) {r['cells']:>10}: {r.get('median_step_s', float('nan')):.4f} s/step (median), "
              f"{r.get('time_per_step_s', float('nan')):.4f} s/step (mean), efficiency {eff}, "
              f"{r.get('collective_calls_per_step', '')} collectives/step, {r.get('collective_bytes_per_step', '')} B/step, "
              f"peak RSS {r.get('peak_rss_max_mib', '')} MiB/rank")
    return 0 if len(rows) == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
