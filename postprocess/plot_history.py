#!/usr/bin/python3
"""Rank and mass over time from the diagnostics.csv of one or more runs.

    python3 postprocess/plot_history.py out/linesource [out/other ...] [-o history.png]

Top: the rank r over t; middle: mass (integral of phi) over t; bottom: the relative mass change
(m(t) - m(0)) / m(0) and, dashed, the mass balance defect m(t) - m(0) + the integrated outflow (rectangle
rule over the steps, what leaves through vacuum/inflow faces). Each argument is an output folder or a
diagnostics.csv. Needs python3-matplotlib (make deps).
"""
import argparse
import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    f = path if path.endswith(".csv") else os.path.join(path, "diagnostics.csv")
    with open(f) as h:
        rows = list(csv.DictReader(h))
    col = {k: [float(r[k]) for r in rows] for k in rows[0]}
    label = os.path.basename(os.path.dirname(os.path.abspath(f)))
    return label, col


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("-o", "--output", default="history.png")
    a = ap.parse_args()

    fig, (ax_r, ax_m, ax_d) = plt.subplots(3, 1, figsize=(8, 9), sharex=True)
    for path in a.runs:
        label, c = load(path)
        t, m = c["time"], c["mass"]
        ax_r.step(t, c["rank"], where="post", label=label)
        ax_m.plot(t, m, label=label)
        m0 = m[0] if m[0] != 0 else 1.0
        line, = ax_d.plot(t, [(x - m[0]) / m0 for x in m], label=f"{label}: (m - m0)/m0")
        # outflow[k] is the rate at step k's state; step k+1 advances by dt[k+1].
        balance, out = [], 0.0
        for k in range(len(t)):
            if k > 0:
                out += c["dt"][k] * c["outflow"][k - 1]
            balance.append((m[k] - m[0] + out) / m0)
        ax_d.plot(t, balance, ls="--", color=line.get_color(), label=f"{label}: (m - m0 + outflow)/m0")
    ax_r.set_ylabel("rank r")
    ax_r.set_title("rank and mass over time")
    ax_m.set_ylabel("mass  ∫φ dx")
    ax_m.ticklabel_format(axis="y", useOffset=False)
    ax_d.set_ylabel("relative mass change")
    ax_d.set_xlabel("t")
    for ax in (ax_r, ax_m, ax_d):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print(f"plot_history: wrote {os.path.abspath(a.output)}")


if __name__ == "__main__":
    main()
