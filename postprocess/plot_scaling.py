#!/usr/bin/python3
"""Parallel efficiency and time per step against the rank count, from the CSV(s) of jobs/scaling.py.

    python3 postprocess/plot_scaling.py out/scaling/strong/scaling.csv out/scaling/weak/scaling.csv [-o scaling.png]

Left: strong efficiency T(R0) R0 / (T(R) R) and weak efficiency T(R0) / T(R) (median time per step) with the
ideal 1; right: median time per step (log-log) with the ideal strong (T0 R0 / R) and weak (T0) lines. Each
point is labelled with its grid. Needs python3-matplotlib (make deps).
"""
import argparse
import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [r for r in csv.DictReader(f) if r.get("median_step_s")]
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", nargs="+")
    ap.add_argument("-o", "--output", default="scaling.png")
    a = ap.parse_args()
    rows = read(a.csv)
    if not rows:
        raise SystemExit("plot_scaling: no rows with a time per step in " + ", ".join(a.csv))

    fig, (ax_eff, ax_t) = plt.subplots(1, 2, figsize=(11, 4.5))
    styles = {"strong": ("tab:blue", "o", "strong_efficiency"), "weak": ("tab:orange", "s", "weak_efficiency")}
    all_ranks = sorted({int(r["ranks"]) for r in rows})
    for mode, (colour, marker, col) in styles.items():
        sel = sorted((r for r in rows if r["mode"] == mode), key=lambda r: int(r["ranks"]))
        if not sel:
            continue
        n = [int(r["ranks"]) for r in sel]
        eff = [float(r[col]) for r in sel]
        t = [float(r["median_step_s"]) for r in sel]
        ax_eff.plot(n, eff, marker=marker, color=colour, label=f"{mode} scaling")
        for x, y, r in zip(n, eff, sel):
            ax_eff.annotate(r["cells"], (x, y), textcoords="offset points", xytext=(6, 8 if mode == "strong" else -14),
                            fontsize=8, color=colour)
        ax_t.loglog(n, t, marker=marker, color=colour, label=f"{mode}: median time per step")
        ideal = [t[0] * n[0] / k for k in n] if mode == "strong" else [t[0] for _ in n]
        ax_t.loglog(n, ideal, ls="--", color=colour, alpha=0.6, label=f"{mode}: ideal")
    ax_eff.axhline(1.0, color="grey", ls=":", label="ideal")
    ax_eff.set_xscale("log", base=2)
    ax_eff.set_xticks(all_ranks, [str(k) for k in all_ranks])
    ax_eff.set_ylim(0, max(1.15, ax_eff.get_ylim()[1]))
    ax_eff.set_xlabel("MPI ranks")
    ax_eff.set_ylabel("parallel efficiency")
    ax_eff.set_title("parallel efficiency")
    ax_eff.legend()
    ax_eff.grid(alpha=0.3)
    ax_t.set_xticks(all_ranks, [str(k) for k in all_ranks])
    ax_t.minorticks_off()
    times = sorted(float(r["median_step_s"]) for r in rows)
    ax_t.set_yticks(times, [f"{v:.3g}" for v in times])
    ax_t.set_xlabel("MPI ranks")
    ax_t.set_ylabel("time per step [s]")
    ax_t.set_title("time per step")
    ax_t.legend(fontsize=8)
    ax_t.grid(alpha=0.3, which="both")
    moments = {r.get("n_moments") for r in rows}
    fig.suptitle("pdlra scaling" + (f" (n_moments = {', '.join(sorted(m for m in moments if m))})" if moments else ""))
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print(f"plot_scaling: wrote {os.path.abspath(a.output)}")


if __name__ == "__main__":
    main()
