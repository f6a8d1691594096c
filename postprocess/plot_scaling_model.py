#!/usr/bin/env python3
"""Weak-scaling model of the low-rank steps of pdlra to thousands of ranks (docs/scaling.md).

    postprocess/plot_scaling_model.py --inputs jobs/bench/scaling_model.json [--csv out.csv] [--png out.png]
                                      [--ranks 1,64,512,4096]

LogGP-style, per step of one rank that holds the same block of cells at every rank count P (weak scaling):

    T(P)      = T_compute + T_halo(P) + T_allreduce(P) + T_tsqr(P)
    T_halo    = sum over the step's halo exchanges e (columns c_e) of sum over the axes d that are split
                nb_d * (alpha + 8 * face_d * c_e / beta),  nb_d = min(2, P_d - 1) neighbours, face_d = the block's
                cells on a face normal to d, P_d the ranks along d (pdlra's CartesianDecomposition: prime factors of P,
                largest first, each to the axis with the most cells per rank)
    T_allreduce = sum over the step's allreduces k (m_k bytes) of ceil(log2 P) * (alpha + m_k / beta)
    T_tsqr    = per TSQR of width p, "gather" (pdlra today: every rank's R in one allreduce of P*p*p*8 bytes, then the
                QR of the stacked P*p x p matrix on every rank): ceil(log2 P) * (alpha + 8 P p^2 / beta) + 2 P p^3 / F;
                "tree" (a butterfly TSQR: log2 P levels, each an exchange of one p x p R factor and the QR of two
                stacked ones): ceil(log2 P) * (alpha + 8 p^2 / beta + (10/3) p^3 / F)
    efficiency E(P) = T(1) / T(P), T(1) = T_compute (the measured serial step time; a serial step has no messages)

alpha, beta: latency and bandwidth of a network (from `pdlra selftest mpi-bench` here, or stated node figures), F the
flop rate of the small QRs. Inputs (JSON): cells_per_rank [nx, ny, nz]; flops_per_second; networks {name: {latency_us,
bandwidth_gb_s}}; steps {integrator: {step_seconds, halo_columns [c_e ...], allreduce_bytes [m_k ...], tsqr_widths
[p ...]}}. Output: one CSV row per network, integrator, TSQR variant and rank count (columns below), a PNG of E(P).
"""
import argparse
import csv
import json
import math
import sys

COLUMNS = ["network", "integrator", "tsqr", "ranks", "rank_grid", "compute_s", "halo_s", "allreduce_s", "tsqr_s",
           "step_s", "efficiency"]


def prime_factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return sorted(out, reverse=True)


def rank_grid(ranks, cells_per_rank):
    """Ranks per axis for weak scaling with equal blocks: prime factors largest first, each to the axis with the fewest
    ranks so far (ties to the lowest axis): 64 -> 4x4x4, 512 -> 8x8x8, 4096 -> 16x16x16 for a cube block, as
    CartesianDecomposition.Factor splits a cube grid (jobs/scaling.py weak)."""
    dims = [1] * len(cells_per_rank)
    for f in prime_factors(ranks):
        # cells per rank along d if f went to d, for a global grid that is cells_per_rank x final dims: the axis
        # that would still have the most cells per rank is the one with the fewest ranks (equal blocks).
        d = min(range(len(dims)), key=lambda a: (dims[a], a))
        dims[d] *= f
    return dims


def halo_seconds(columns, cells_per_rank, dims, alpha, beta):
    total = 0.0
    for d, pd in enumerate(dims):
        nb = min(2, pd - 1)
        if nb <= 0:
            continue
        face = 1
        for e, n in enumerate(cells_per_rank):  # the block's cells on the face normal to d
            if e != d:
                face *= n
        for c in columns:
            total += nb * (alpha + 8.0 * face * c / beta)
    return total


def levels(ranks):
    return math.ceil(math.log2(ranks)) if ranks > 1 else 0


def allreduce_seconds(sizes, ranks, alpha, beta):
    return sum(levels(ranks) * (alpha + m / beta) for m in sizes)


def tsqr_seconds(widths, ranks, alpha, beta, flops, variant):
    if ranks == 1:
        return 0.0
    total = 0.0
    for p in widths:
        if variant == "gather":
            total += levels(ranks) * (alpha + 8.0 * ranks * p * p / beta) + 2.0 * ranks * p ** 3 / flops
        else:
            total += levels(ranks) * (alpha + 8.0 * p * p / beta + (10.0 / 3.0) * p ** 3 / flops)
    return total


def model(inputs, ranks_list):
    rows = []
    cells = inputs["cells_per_rank"]
    flops = float(inputs["flops_per_second"])
    for net, figures in inputs["networks"].items():
        alpha = figures["latency_us"] * 1e-6
        beta = figures["bandwidth_gb_s"] * 1e9
        for integrator, step in inputs["steps"].items():
            for variant in ("gather", "tree"):
                for p in ranks_list:
                    dims = rank_grid(p, cells)
                    compute = float(step["step_seconds"])
                    halo = halo_seconds(step["halo_columns"], cells, dims, alpha, beta)
                    red = allreduce_seconds(step["allreduce_bytes"], p, alpha, beta)
                    qr = tsqr_seconds(step["tsqr_widths"], p, alpha, beta, flops, variant)
                    total = compute + halo + red + qr
                    rows.append({"network": net, "integrator": integrator, "tsqr": variant, "ranks": p,
                                 "rank_grid": "x".join(str(d) for d in dims), "compute_s": compute, "halo_s": halo,
                                 "allreduce_s": red, "tsqr_s": qr, "step_s": total, "efficiency": compute / total})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--csv")
    ap.add_argument("--png")
    ap.add_argument("--ranks", default="1,64,512,4096", help="rank counts of the table")
    a = ap.parse_args(argv)
    with open(a.inputs) as f:
        inputs = json.load(f)
    table_ranks = [int(x) for x in a.ranks.split(",")]
    rows = model(inputs, table_ranks)
    out = open(a.csv, "w", newline="") if a.csv else sys.stdout
    w = csv.DictWriter(out, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    if a.csv:
        out.close()
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        curve = [2 ** k for k in range(0, 13)]
        fig, ax = plt.subplots(figsize=(8.8, 5.5))
        styles = {"gather": "-", "tree": "--"}
        series = {}
        for r in model(inputs, curve):
            series.setdefault((r["network"], r["integrator"], r["tsqr"]), []).append((r["ranks"], r["efficiency"]))
        colours = {}
        for (net, integrator, variant), pts in series.items():
            colour = colours.setdefault((net, integrator), f"C{len(colours) % 10}")   # one colour per network and step
            ax.semilogx([p for p, _ in pts], [e for _, e in pts], styles[variant], color=colour, marker="o", markersize=3,
                        label=f"{integrator}, {net}, TSQR {variant}", base=2)
        ax.axhline(0.9, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("ranks P (weak scaling: %s cells per rank)" % "x".join(str(c) for c in inputs["cells_per_rank"]))
        ax.set_ylabel("modelled weak-scaling efficiency T(1)/T(P)")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, loc="lower left")
        ax.set_title("pdlra low-rank step: LogGP model")
        fig.tight_layout()
        fig.savefig(a.png, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
