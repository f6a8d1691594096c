#!/usr/bin/python3
"""The final scalar flux phi of a run (phi.bin + phi.json) against the published references in tests/data/.

    python3 postprocess/plot_lineout.py out/planesource [more runs ...] [-o lineout.png] [--reference FILE]

1D runs (plane source): phi(x) against tests/data/planesource_t1.csv (Ganapol, t = 1; given for x >= 0 and
mirrored). 2D runs (line source): left, phi of every cell against its distance r from the pulse centre (grey
dots) and the mean over rings of one cell width, against tests/data/linesource_t1.csv (phi_total, t = 1);
right, the line-outs phi(x, y = y_c) and phi(x = x_c, y) through the cell row/column nearest the centre.
The references hold at t = 1: a run that stopped at another time is plotted with a warning in the title.
Several runs of the same dimension share the axes. Needs python3-matplotlib (make deps).
"""
import argparse
import csv
import json
import math
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402  (a dependency of python3-matplotlib)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(run):
    meta = json.load(open(os.path.join(run, "phi.json")))
    phi = np.fromfile(os.path.join(run, "phi.bin"), dtype="<f8")
    dims = meta["dims"]
    phi = phi.reshape(dims[::-1])  # phi[k, j, i] / phi[j, i] / phi[i]
    centers = []
    for n, (lo, hi) in zip(dims, meta["extent"]):
        h = (hi - lo) / n
        centers.append(lo + h * (np.arange(n) + 0.5))
    centre = [0.0] * len(dims)
    deck = os.path.join(run, "run.yaml")
    if os.path.exists(deck):  # initial.center of the resolved deck
        m = re.search(r"^initial:\n(?:  .*\n)*?  center: \[([^\]]*)\]", open(deck).read(), re.M)
        if m and m.group(1).strip():
            centre = [float(v) for v in m.group(1).split(",")]
    return meta, phi, centers, centre


def reference(path):
    with open(path) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    return rows


def label_of(run, meta):
    return f"{os.path.basename(os.path.abspath(run))} ({' x '.join(map(str, meta['dims']))}, t = {meta['time']:.4g})"


def title_note(metas):
    off = [m for m in metas if abs(m["time"] - 1.0) > 1e-6]
    times = ", ".join("%.4g" % m["time"] for m in off)
    return "" if not off else f"\nWARNING: reference at t = 1, run(s) at t = {times}"


def plot_1d(runs, ref_path, out):
    ref = reference(ref_path)
    x = np.array([float(r["x"]) for r in ref])
    phi = np.array([float(r["phi"]) for r in ref])
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(np.concatenate([-x[::-1], x]), np.concatenate([phi[::-1], phi]), "k-", lw=2.5, alpha=0.5, label="reference (Ganapol)")
    metas = []
    for run in runs:
        meta, p, c, _ = load(run)
        metas.append(meta)
        ax.plot(c[0], p, lw=1.2, label=label_of(run, meta))
    ax.set_xlabel("x")
    ax.set_ylabel("φ")
    ax.set_title("plane source: φ(x)" + title_note(metas))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def plot_2d(runs, ref_path, out):
    ref = reference(ref_path)
    rr = np.array([float(r["r"]) for r in ref])
    phi_ref = np.array([float(r["phi_total"]) for r in ref])
    fig, (ax_r, ax_l) = plt.subplots(1, 2, figsize=(13, 5))
    ax_r.plot(rr, phi_ref, "k-", lw=2.5, alpha=0.5, label="reference φ_total (Ganapol)")
    mirrored = np.concatenate([-rr[::-1], rr])
    ax_l.plot(mirrored, np.concatenate([phi_ref[::-1], phi_ref]), "k-", lw=2.5, alpha=0.5, label="reference (radial)")
    metas = []
    for run in runs:
        meta, p, (cx, cy), (x0, y0) = load(run)
        if p.ndim == 3:
            p = p[p.shape[0] // 2]
        metas.append(meta)
        X, Y = np.meshgrid(cx, cy)
        r = np.hypot(X - x0, Y - y0).ravel()
        v = p.ravel()
        h = min(cx[1] - cx[0], cy[1] - cy[0])
        ax_r.plot(r, v, ".", ms=1, color="0.6", alpha=0.3, rasterized=True)
        bins = np.floor(r / h).astype(int)
        count = np.bincount(bins)
        mean = np.bincount(bins, weights=v) / np.maximum(count, 1)
        rb = (np.arange(len(count)) + 0.5) * h
        ok = count > 0
        lab = label_of(run, meta)
        ax_r.plot(rb[ok], mean[ok], lw=1.3, label=f"{lab}: ring mean")
        j, i = int(np.argmin(abs(cy - y0))), int(np.argmin(abs(cx - x0)))
        line, = ax_l.plot(cx - x0, p[j, :], lw=1.2, label=f"{lab}: φ(x, y={cy[j]:.3g})")
        ax_l.plot(cy - y0, p[:, i], lw=1.0, ls="--", color=line.get_color(), label=f"{lab}: φ(x={cx[i]:.3g}, y)")
    rmax = max(1.5, rr.max())
    ax_r.set_xlim(0, rmax)
    ax_r.set_xlabel("r = distance from the pulse centre")
    ax_r.set_ylabel("φ")
    ax_r.set_title("line source: radial profile (grey: every cell)" + title_note(metas))
    ax_l.set_xlim(-rmax, rmax)
    ax_l.set_xlabel("x - x_c  /  y - y_c")
    ax_l.set_ylabel("φ")
    ax_l.set_title("line-outs through the centre")
    for ax in (ax_r, ax_l):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="output folders holding phi.bin and phi.json")
    ap.add_argument("-o", "--output", default="lineout.png")
    ap.add_argument("--reference", help="reference CSV (default: tests/data/planesource_t1.csv in 1D, linesource_t1.csv in 2D)")
    a = ap.parse_args()
    dims = {len(json.load(open(os.path.join(r, "phi.json")))["dims"]) for r in a.runs}
    if len(dims) != 1:
        raise SystemExit("plot_lineout: give runs of one dimension")
    d = dims.pop()
    data = os.path.join(ROOT, "tests", "data")
    if d == 1:
        plot_1d(a.runs, a.reference or os.path.join(data, "planesource_t1.csv"), a.output)
    elif d == 2:
        plot_2d(a.runs, a.reference or os.path.join(data, "linesource_t1.csv"), a.output)
    else:
        raise SystemExit("plot_lineout: 3D runs have no reference here; use make render")
    print(f"plot_lineout: wrote {os.path.abspath(a.output)}")


if __name__ == "__main__":
    main()
