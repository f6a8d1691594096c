#!/usr/bin/python3
"""The final scalar flux phi of several 2D runs side by side, one panel per run, on one colour scale.

    postprocess/render_methods.py KEEP_DIR [more folders ...] [-o methods.png] [--columns 4]

A folder is a run when it holds phi.json + phi.bin (the final phi of `pdlra run`), directly or in out/; otherwise its
subfolders that are runs are taken, in name order (`pdlra bench linesource CELLS KEEP_DIR` numbers them in the order
of its table). A panel's title is the run's label.txt (written by the benchmark) or the folder name, with
min phi / max phi. All panels share one colour scale from 0 to --vmax (default: 1.25 x the median of the panels' max phi,
so that one run's Gibbs overshoot does not flatten the others); phi above it is drawn in magenta, phi below -0.1 % of
it (an undershoot of the scheme, not rounding) in red. Prints one line per panel (label, cells, min and max phi) and the image size.
Needs python3-matplotlib (make deps).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402  (a dependency of python3-matplotlib)

PANEL_INCHES = 3.0   # each panel is PANEL_INCHES square (plus its title)
TITLE_INCHES = 0.5   # the row of titles above each panel
BAR_INCHES = 0.9     # the colour bar (with its ticks and label) below the panels
UNDER = 1e-3         # phi below -UNDER * (the top of the scale) is drawn in red: an undershoot, not rounding
DPI = 100


def run_folder(path):
    """The folder holding phi.json/phi.bin of the run at path, or None."""
    for candidate in (path, os.path.join(path, "out")):
        if os.path.isfile(os.path.join(candidate, "phi.json")) and os.path.isfile(os.path.join(candidate, "phi.bin")):
            return candidate
    return None


def runs_of(paths):
    runs = []
    for p in paths:
        if run_folder(p):
            runs.append(p)
            continue
        if not os.path.isdir(p):
            sys.exit(f"render_methods.py: {p} is not a folder")
        subs = sorted(os.path.join(p, d) for d in os.listdir(p) if run_folder(os.path.join(p, d)))
        runs.extend(subs)
    return runs


def load(run):
    folder = run_folder(run)
    meta = json.load(open(os.path.join(folder, "phi.json")))
    dims = meta["dims"]
    if len(dims) != 2:
        sys.exit(f"render_methods.py: {run} is {len(dims)}D; only 2D runs are tiled")
    phi = np.fromfile(os.path.join(folder, "phi.bin"), dtype="<f8").reshape(dims[::-1])  # phi[j, i]
    label_file = os.path.join(run, "label.txt")
    label = open(label_file).read().strip() if os.path.isfile(label_file) else os.path.basename(os.path.normpath(run))
    return label, phi, meta["extent"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+")
    p.add_argument("-o", "--output", default="methods.png")
    p.add_argument("--columns", type=int, default=4)
    p.add_argument("--vmax", type=float, default=None, help="top of the colour scale (default 1.25 x the median max phi)")
    a = p.parse_args()
    runs = runs_of(a.folders)
    if not runs:
        print(f"render_methods.py: no run (phi.json + phi.bin) in {', '.join(a.folders)}", file=sys.stderr)
        sys.exit(2)
    panels = [load(r) for r in runs]
    columns = max(1, min(a.columns, len(panels)))
    rows = math.ceil(len(panels) / columns)
    width, height = columns * PANEL_INCHES, rows * (PANEL_INCHES + TITLE_INCHES) + BAR_INCHES
    fig = plt.figure(figsize=(width, height), dpi=DPI)
    vmax = a.vmax if a.vmax else 1.25 * float(np.median([phi.max() for _, phi, _ in panels]))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_under("red")
    cmap.set_over("magenta")
    image = None
    for k, (label, phi, extent) in enumerate(panels):
        r, c = divmod(k, columns)
        # axes in figure fractions: left, bottom, width, height
        left = (c * PANEL_INCHES + 0.1) / width
        bottom = (BAR_INCHES + (rows - 1 - r) * (PANEL_INCHES + TITLE_INCHES) + 0.1) / height
        ax = fig.add_axes([left, bottom, (PANEL_INCHES - 0.2) / width, (PANEL_INCHES - 0.2) / height])
        (x0, x1), (y0, y1) = extent
        image = ax.imshow(phi, origin="lower", extent=[x0, x1, y0, y1], cmap=cmap, vmin=-UNDER * vmax, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        lo, hi = float(phi.min()), float(phi.max())
        ax.set_title(f"{label}\nmin/max = {100 * lo / hi:.2f} %", fontsize=8)
        print(f"panel {k + 1}: {label}: {phi.shape[1]}x{phi.shape[0]} cells, min phi {lo:.6e}, max phi {hi:.6e}")
    bar = fig.add_axes([0.2, 0.55 * BAR_INCHES / height, 0.6, 0.2 * BAR_INCHES / height])
    fig.colorbar(image, cax=bar, orientation="horizontal", extend="both",
                 label=f"phi (red: below -{100 * UNDER:g} % of the top, magenta: above the top)")
    fig.savefig(a.output, dpi=DPI)
    print(f"{a.output}: {len(panels)} panels, {columns} x {rows}, {int(round(width * DPI))} x {int(round(height * DPI))} pixels")


if __name__ == "__main__":
    main()
