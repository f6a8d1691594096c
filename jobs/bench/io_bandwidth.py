#!/usr/bin/env python3
"""Write bandwidth of collective parallel-HDF5 output (issue #5 benchmark).

Runs `pdlra run` on RANKS ranks (default 2) for one step of a CELLS x CELLS full-rank P_1 problem with a
snapshot at steps 0 and 1 and a checkpoint at step 1, then divides the bytes of the files written by the
times of the "snapshot write" and "checkpoint write" phases that the run reports. Prints the figures.

    python3 jobs/bench/io_bandwidth.py [--ranks 2] [--cells 2048] [--pdlra PATH] [--dir DIR]
"""
import argparse, os, re, shutil, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--cells", type=int, default=2048)
ap.add_argument("--pdlra", default=os.path.join(root, "src/Pdlra/bin/Release/net10.0/pdlra"))
ap.add_argument("--dir", default=None, help="output folder (default: a temporary one, removed afterwards)")
a = ap.parse_args()

out = a.dir or tempfile.mkdtemp(prefix="pdlra-io-")
cmd = ["mpiexec", "--oversubscribe", "-n", str(a.ranks)]
if os.geteuid() == 0:
    cmd.insert(1, "--allow-run-as-root")
cmd += [a.pdlra, "run", os.path.join(root, "jobs/linesource.yaml"),
        "--set", f"grid.cells=[{a.cells}, {a.cells}]", "--set", "angular.order=1", "--set", "solver.type=full_rank",
        "--set", "time.max_steps=1", "--set", "output.snapshot_every=1", "--set", "output.checkpoint_every=1",
        "--set", "output.write_field=false", "--set", f"output.directory={out}"]
env = dict(os.environ, TERM="dumb")
run = subprocess.run(cmd, capture_output=True, text=True, env=env)
if run.returncode != 0:
    sys.exit(f"pdlra run failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")

def phase(name):
    m = re.search(rf"{re.escape(name)}\s+([0-9.]+)\s+[0-9.]+%\s+(\d+)", run.stdout)
    if not m:
        sys.exit(f"no '{name}' phase in the run's summary:\n{run.stdout}")
    return float(m.group(1)), int(m.group(2))

snaps = sorted(f for f in os.listdir(out) if f.startswith("snapshot_") and f.endswith(".h5"))
ckpts = sorted(f for f in os.listdir(out) if f.startswith("checkpoint_") and f.endswith(".h5"))
snap_bytes = sum(os.path.getsize(os.path.join(out, f)) for f in snaps)
ckpt_bytes = sum(os.path.getsize(os.path.join(out, f)) for f in ckpts)
ts, ns = phase("snapshot write")
tc, nc = phase("checkpoint write")
mib = 1024.0 * 1024.0
print(f"io bandwidth: {a.ranks} ranks, {a.cells} x {a.cells} cells, collective parallel HDF5 (MPI-IO)")
print(f"snapshots   {ns} writes, {snap_bytes / mib:8.1f} MiB in {ts:7.3f} s  ->  {snap_bytes / mib / ts:8.1f} MiB/s")
print(f"checkpoint  {nc} writes, {ckpt_bytes / mib:8.1f} MiB in {tc:7.3f} s  ->  {ckpt_bytes / mib / tc:8.1f} MiB/s (incl. fsync + rename)")
print(f"filesystem  {out}")
if a.dir is None:
    shutil.rmtree(out, ignore_errors=True)
