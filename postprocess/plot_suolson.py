#!/usr/bin/python3
"""Line-outs of U (phi) and V (material_energy) of a Su-Olson run against the published table (issue #17).

    /usr/bin/python3 postprocess/plot_suolson.py out/suolson [-o suolson.png] [--table FILE] [--time TAU]

Reads the run's final CSV (RUN/phi.csv, columns x,phi,material_energy) and its time (RUN/phi.json, or --time), and the
table of Su & Olson (1997), transport (epsilon = 1): tests/data/suolson_transport_U.csv (x and U at tau = 0.1, 0.31623,
3.16228, 10; empty = not tabulated). The run's U is interpolated linearly between cell centres at every tabulated x of
the column of the run's time; the script prints one line per tabulated x and the errors in the issue's measure
(relative where U >= 0.05, absolute elsewhere). The table has no V: V is plotted from the run alone, beside U.
Left panel: U of the run (line) and the table (markers); right panel: V of the run. Needs python3-matplotlib.
"""
import argparse
import csv
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402  (a dependency of python3-matplotlib)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "tests", "data", "suolson_transport_U.csv")


def read_run(run):
    with open(os.path.join(run, "phi.csv")) as f:
        rows = list(csv.reader(f))
    if rows[0] != ["x", "phi", "material_energy"]:
        raise SystemExit(f"{run}/phi.csv: columns {','.join(rows[0])}, expected x,phi,material_energy (a 1D thermal run)")
    data = np.array([[float(v) for v in r] for r in rows[1:]])
    return data[:, 0], data[:, 1], data[:, 2]


def read_table(path):
    with open(path) as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    rows = list(csv.reader(lines))
    times = [float(t) for t in rows[0][1:]]
    x = np.array([float(r[0]) for r in rows[1:]])
    u = np.array([[float(v) if v else np.nan for v in r[1:]] for r in rows[1:]])
    return times, rows[0][1:], x, u


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run", help="output directory of a 1D thermal run (phi.csv, phi.json)")
    p.add_argument("-o", "--output", default=None, help="PNG to write (default RUN/suolson.png)")
    p.add_argument("--table", default=TABLE, help="the Su-Olson table (default tests/data/suolson_transport_U.csv)")
    p.add_argument("--time", type=float, default=None, help="the run's time tau (default: phi.json's time)")
    a = p.parse_args()

    x, u, v = read_run(a.run)
    tau = a.time
    if tau is None:
        tau = json.load(open(os.path.join(a.run, "phi.json")))["time"]
    times, labels, tx, tu = read_table(a.table)
    matches = [i for i, t in enumerate(times) if abs(t - tau) <= 1e-4 * t]
    if not matches:
        raise SystemExit(f"time {tau:g} is not a time of the table ({', '.join(labels)}); allowed: a run ending at one of them, or --time")
    col = matches[0]
    ref = tu[:, col]
    h = x[1] - x[0]
    lo, hi = round(x[0] - 0.5 * h, 12) + 0.0, round(x[-1] + 0.5 * h, 12) + 0.0
    # Points between a face and the first cell centre take that cell's value (np.interp holds the end values): at the
    # reflective face x = 0 of the half slab U is even, so this is U to O(h^2).
    keep = ~np.isnan(ref) & (tx >= lo) & (tx <= hi)
    ux = np.interp(tx[keep], x, u)
    print(f"Su-Olson, tau = {labels[col]}: {len(x)} cells on [{lo:g}, {hi:g}], {int(keep.sum())} tabulated points")
    print("x,U_table,U_run,error")
    worst_rel, worst_abs = 0.0, 0.0
    for xi, r, c in zip(tx[keep], ref[keep], ux):
        if r >= 0.05:
            err = abs(c - r) / r
            worst_rel = max(worst_rel, err)
            kind = "rel"
        else:
            err = abs(c - r)
            worst_abs = max(worst_abs, err)
            kind = "abs"
        print(f"{xi:.6g},{r:.6g},{c:.6e},{err:.3e} {kind}")
    print(f"max relative error where U >= 0.05: {worst_rel:.3e}; max absolute error elsewhere: {worst_abs:.3e}")
    print(f"V: max {v.max():.6e} at x = {x[np.argmax(v)]:.6g}; U: max {u.max():.6e} at x = {x[np.argmax(u)]:.6g}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot(x, u, "-", color="tab:blue", label="U, run")
    left.plot(tx[keep], ref[keep], "o", mfc="none", color="black", label="U, Su & Olson (1997)")
    left.set_xlabel("x")
    left.set_ylabel("U (radiation energy density)")
    left.set_title(f"U at tau = {labels[col]}: max rel. err {worst_rel:.2%} (U >= 0.05)")
    left.legend()
    right.plot(x, v, "-", color="tab:red", label="V, run")
    right.plot(x, u, ":", color="tab:blue", label="U, run")
    right.set_xlabel("x")
    right.set_ylabel("V (material energy)")
    right.set_title(f"V at tau = {labels[col]} (not tabulated)")
    right.legend()
    for ax in (left, right):
        ax.set_xlim(lo, min(hi, max(3.0, tx[keep].max() * 1.1)))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = a.output or os.path.join(a.run, "suolson.png")
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
