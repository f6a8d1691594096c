#!/usr/bin/python3
"""Expectation and spread of an uncertain run (an `uncertainty` section in the deck) as a PNG.

    python3 postprocess/plot_uq.py out/planesource_uq [more runs ...] [-o uq.png] [--snapshot N]

1D runs: E[phi](x) with the band E +- 2 std (std = sqrt(Var)) from the run's uq.csv (columns x,E,Var; written by
stochastic Galerkin and by the collocation / Monte Carlo ensembles alike). Several runs share the axes, so an SG-DLRA
run can be laid over its collocation reference. With uq_samples.csv (uncertainty.evaluate_at) also phi at those
points, dashed.
2D runs (stochastic Galerkin): maps of E[phi] and std[phi] and the line-out along y = 0 (x >= 0) of E +- 2 std side
by side, from the datasets /phi_mean and /phi_std of the last snapshot listed in the run's snapshots.xmf (or of snapshot N with --snapshot N, the step number). With
several 2D runs, one row per run.

Prints one line per run with what it plotted (the grid, max E, max std and where), so a script or a test can check
the numbers without reading the image. Needs python3-matplotlib and python3-h5py (make deps).
"""
import argparse
import csv
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402  (a dependency of python3-matplotlib)


def fail(message):
    print(f"plot_uq: error: {message}", file=sys.stderr)
    sys.exit(2)


def read_uq_csv(run):
    path = os.path.join(run, "uq.csv")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows or set(rows[0]) != {"x", "E", "Var"}:
        fail(f"{path}: expected the columns x,E,Var")
    x = np.array([float(r["x"]) for r in rows])
    e = np.array([float(r["E"]) for r in rows])
    var = np.array([float(r["Var"]) for r in rows])
    # Var is a sum of squares (or of squared chaos coefficients); a tiny negative value is rounding of E[φ²] − E[φ]².
    return x, e, np.sqrt(np.maximum(var, 0.0))


def read_samples_csv(run):
    """The columns phi_at_q of uq_samples.csv (a 1D SG run with uncertainty.evaluate_at), [] without that file."""
    path = os.path.join(run, "uq_samples.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, values = rows[0], np.array([[float(v) for v in r] for r in rows[1:]])
    return [(header[c], values[:, c]) for c in range(1, len(header))]


def snapshot_file(run, step):
    """The snapshot of step `step`, or the last one listed in snapshots.xmf (the time order of the run)."""
    if step is not None:
        path = os.path.join(run, f"snapshot_{step:06d}.h5")
        if not os.path.exists(path):
            fail(f"{path}: no such snapshot")
        return path
    index = os.path.join(run, "snapshots.xmf")
    if not os.path.exists(index):
        fail(f"{run}: neither uq.csv (1D) nor snapshots.xmf (2D); is this the output folder of an uncertain run?")
    names = re.findall(r"(snapshot_\d+\.h5):/", open(index).read())
    if not names:
        fail(f"{index}: lists no snapshot")
    return os.path.join(run, names[-1])


def read_maps(path):
    import h5py  # only the 2D maps need it

    with h5py.File(path, "r") as f:
        for name in ("phi_mean", "phi_std"):
            if name not in f:
                fail(f"{path}: no /{name} (only stochastic-Galerkin snapshots hold the statistics maps)")
        cells = [int(c) for c in f.attrs["cells"]]
        if len(cells) < 2 or (len(cells) > 2 and cells[2] > 1) or cells[1] <= 1:
            fail(f"{path}: a {'x'.join(map(str, cells))} grid; the maps are drawn for 2D runs")
        origin = [float(v) for v in f.attrs["origin_xyz"]]
        spacing = [float(v) for v in f.attrs["spacing_xyz"]]
        mean = np.asarray(f["phi_mean"])[0]   # (n_y, n_x): the padded z axis first
        std = np.asarray(f["phi_std"])[0]
        time = float(f.attrs["time"])
    nx, ny = cells[0], cells[1]
    extent = [origin[0], origin[0] + nx * spacing[0], origin[1], origin[1] + ny * spacing[1]]
    centres = (origin[0] + spacing[0] * (np.arange(nx) + 0.5), origin[1] + spacing[1] * (np.arange(ny) + 0.5))
    return mean, std, extent, centres, time


def plot_1d(runs, out):
    fig, ax = plt.subplots(figsize=(8, 5))
    for run in runs:
        x, e, std = read_uq_csv(run)
        name = os.path.basename(os.path.abspath(run))
        line, = ax.plot(x, e, lw=1.5, label=f"{name}: E[φ]")
        ax.fill_between(x, e - 2 * std, e + 2 * std, color=line.get_color(), alpha=0.25, label=f"{name}: E ± 2 std")
        i, j = int(np.argmax(e)), int(np.argmax(std))
        print(f"plot_uq: {run}: 1D {len(x)} cells, max E {e[i]:.6e} at x = {x[i]:.6g}, max std {std[j]:.6e} at x = {x[j]:.6g}")
        samples = read_samples_csv(run)
        for k, (column, values) in enumerate(samples):
            ax.plot(x, values, lw=0.9, ls="--", color=line.get_color(), alpha=0.5 + 0.5 * k / max(1, len(samples)),
                    label=f"{name}: {column.replace('phi_at_', 'φ at evaluate_at[')}]")
        if samples:
            print(f"plot_uq: {run}: {len(samples)} curves of uq_samples.csv (phi at uncertainty.evaluate_at)")
    ax.set_xlabel("x")
    ax.set_ylabel("φ")
    ax.set_title("expectation ± 2 standard deviations")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def plot_2d(runs, step, out):
    fig, axes = plt.subplots(len(runs), 3, figsize=(16, 4.6 * len(runs)), squeeze=False)
    for row, run in enumerate(runs):
        path = snapshot_file(run, step)
        mean, std, extent, (xc, yc), time = read_maps(path)
        name = os.path.basename(os.path.abspath(run))
        for col, (field, label) in enumerate(((mean, "E[φ]"), (std, "std[φ]"))):
            ax = axes[row][col]
            im = ax.imshow(field, origin="lower", extent=extent, cmap="viridis", interpolation="nearest")
            fig.colorbar(im, ax=ax, shrink=0.85)
            ax.set_title(f"{name}: {label}, t = {time:.4g}")
            ax.set_xlabel("x")
            ax.set_ylabel("y")
        # The line-out along y = 0 (the mean of the two cell rows beside it on an even grid), x >= 0: E ± 2 std.
        rows = np.argsort(np.abs(yc))[: 2 if len(yc) % 2 == 0 else 1]
        e_line, std_line = mean[rows].mean(axis=0), std[rows].mean(axis=0)
        half = xc >= 0
        ax = axes[row][2]
        ax.plot(xc[half], e_line[half], lw=1.5, label="E[φ]")
        ax.fill_between(xc[half], (e_line - 2 * std_line)[half], (e_line + 2 * std_line)[half], alpha=0.3, label="E ± 2 std")
        ax.set_title(f"{name}: line-out y = {np.mean(yc[rows]):.3g}, t = {time:.4g}")
        ax.set_xlabel("x")
        ax.set_ylabel("φ")
        ax.grid(alpha=0.3)
        ax.legend()
        k = int(np.argmax(np.where(half, std_line, -np.inf)))
        print(f"plot_uq: {path}: line-out y = {np.mean(yc[rows]):.6g}: widest band E {e_line[k]:.6e} ± 2 × {std_line[k]:.6e} at x = {xc[k]:.6g}")
        ie = np.unravel_index(int(np.argmax(mean)), mean.shape)
        js = np.unravel_index(int(np.argmax(std)), std.shape)
        print(f"plot_uq: {path}: 2D {mean.shape[1]}x{mean.shape[0]} cells, t = {time:.6g}, "
              f"max E {mean[ie]:.6e} at (x, y) = ({xc[ie[1]]:.6g}, {yc[ie[0]]:.6g}), "
              f"max std {std[js]:.6e} at (x, y) = ({xc[js[1]]:.6g}, {yc[js[0]]:.6g})")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="+", help="output folders of uncertain runs")
    p.add_argument("-o", "--output", default="uq.png", help="the PNG to write (default uq.png)")
    p.add_argument("--snapshot", type=int, default=None, help="2D: the step of the snapshot to draw (default: the last)")
    a = p.parse_args()
    for run in a.runs:
        if not os.path.isdir(run):
            fail(f"{run}: not a folder")
    one_d = [os.path.exists(os.path.join(run, "uq.csv")) for run in a.runs]
    if any(one_d) and not all(one_d):
        fail("mixing 1D runs (uq.csv) and 2D runs (snapshot maps) in one plot")
    if all(one_d):
        plot_1d(a.runs, a.output)
    else:
        plot_2d(a.runs, a.snapshot, a.output)
    print(f"plot_uq: wrote {a.output}")


if __name__ == "__main__":
    main()
