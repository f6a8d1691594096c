"""Opens a pdlra snapshots.xmf with ParaView's XDMF reader and checks it (run with pvpython, headless).

    pvpython postprocess/check_xdmf.py /abs/path/snapshots.xmf --steps N --arrays phi,u_1 \
        [--phi-min=A --phi-max=B --rtol 1e-12]   (use "=": a negative value would read as an option)
        [--probe PHI_BIN --cells NX[,NY[,NZ]] --extent=X0,X1[,Y0,Y1[,Z0,Z1]]]

--probe: at the last time step, every cell of the grid is located by the centre of its cell (from --cells and
--extent, the deck's grid) in ParaView's dataset, and the phi found there must equal the value of phi.bin (x fastest)
to --rtol: swapped dimensions, a wrong origin or spacing, or a transposed array show as mismatches.

Prints one line per time step (time, arrays, cells, phi range) and a final "ok" line; exits 1 with a
reason when the number of time steps, the cell array names or the phi range over all steps differ.
"""
import argparse
import os
import sys

from paraview import simple  # noqa: E402  (pvpython provides it)
from paraview import servermanager  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("xmf")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--arrays", required=True, help="comma-separated cell array names")
    p.add_argument("--phi-min", type=float)
    p.add_argument("--phi-max", type=float)
    p.add_argument("--rtol", type=float, default=1e-12)
    p.add_argument("--probe", help="phi.bin of the run: compare every cell of the last step with it")
    p.add_argument("--cells", help="NX[,NY[,NZ]] of the run's grid (with --probe)")
    p.add_argument("--extent", help="X0,X1[,Y0,Y1[,Z0,Z1]] of the run's grid (with --probe)")
    a = p.parse_args()
    if not os.path.isabs(a.xmf):
        print("error: give the .xmf by absolute path", file=sys.stderr)
        return 2

    reader = simple.XDMFReader(FileNames=[a.xmf])
    reader.UpdatePipelineInformation()
    times = list(reader.TimestepValues) if reader.TimestepValues is not None else []
    if not isinstance(times, list):
        times = [times]
    problems = []
    if len(times) != a.steps:
        problems.append(f"{len(times)} time steps, expected {a.steps}")

    expected = sorted(a.arrays.split(","))
    lo, hi = float("inf"), float("-inf")
    for t in times:
        reader.UpdatePipeline(t)
        data = servermanager.Fetch(reader)
        block = data.GetBlock(0) if data.IsA("vtkMultiBlockDataSet") else data
        cd = block.GetCellData()
        names = sorted(cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays()))
        phi = cd.GetArray("phi")
        r = phi.GetRange() if phi is not None else (float("nan"), float("nan"))
        print(f"t={t!r} arrays={','.join(names)} cells={block.GetNumberOfCells()} dims={block.GetDimensions()} phi=[{r[0]!r}, {r[1]!r}]")
        if names != expected:
            problems.append(f"t={t}: arrays {names}, expected {expected}")
        lo, hi = min(lo, r[0]), max(hi, r[1])
        last = (block, phi)

    def close(x, y):
        return abs(x - y) <= a.rtol * max(abs(x), abs(y), 1e-300)

    if a.phi_min is not None and not close(lo, a.phi_min):
        problems.append(f"phi min {lo!r}, expected {a.phi_min!r}")
    if a.phi_max is not None and not close(hi, a.phi_max):
        problems.append(f"phi max {hi!r}, expected {a.phi_max!r}")
    if a.probe and times:
        problems += probe(a, *last)
    if problems:
        print("FAILED: " + "; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""))
        return 1
    print(f"ok: {len(times)} time steps, arrays {','.join(expected)}, phi in [{lo!r}, {hi!r}]")
    return 0


def probe(a, block, phi):
    """Every cell of the run's grid, located by its centre in the dataset, against phi.bin."""
    import struct
    from vtkmodules.vtkCommonCore import reference
    cells = [int(v) for v in a.cells.split(",")]
    ext = [float(v) for v in a.extent.split(",")]
    with open(a.probe, "rb") as f:
        raw = f.read()
    values = struct.unpack(f"<{len(raw) // 8}d", raw)
    n = 1
    for c in cells:
        n *= c
    if len(values) != n:
        return [f"{a.probe}: {len(values)} values, the grid has {n} cells"]
    if block.GetNumberOfCells() != n:
        return [f"the dataset has {block.GetNumberOfCells()} cells, the grid {n}"]
    bounds = block.GetBounds()
    dim = len(cells)
    problems, checked = [], 0
    for c in range(n):
        rest, centre = c, []
        for d in range(3):
            if d < dim:
                i = rest % cells[d]
                rest //= cells[d]
                h = (ext[2 * d + 1] - ext[2 * d]) / cells[d]
                centre.append(ext[2 * d] + (i + 0.5) * h)
            else:
                centre.append(0.5 * (bounds[2 * d] + bounds[2 * d + 1]))   # a padded axis: one cell thick
        cid = block.FindCell(centre, None, 0, 1e-12, reference(0), [0.0, 0.0, 0.0], [0.0] * 8)
        if cid < 0:
            problems.append(f"cell {c} (centre {centre}) not found in the dataset")
            continue
        got, want = phi.GetValue(cid), values[c]
        if abs(got - want) > a.rtol * max(abs(want), 1e-300):
            problems.append(f"cell {c} at {centre}: ParaView phi {got!r}, phi.bin {want!r}")
        checked += 1
    if not problems:
        print(f"probe: {checked} cells located by their centres match {os.path.basename(a.probe)}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
