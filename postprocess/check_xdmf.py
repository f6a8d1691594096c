"""Opens a pdlra snapshots.xmf with ParaView's XDMF reader and checks it (run with pvpython, headless).

    pvpython postprocess/check_xdmf.py /abs/path/snapshots.xmf --steps N --arrays phi,u_1 \
        [--phi-min=A --phi-max=B --rtol 1e-12]   (use "=": a negative value would read as an option)

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

    def close(x, y):
        return abs(x - y) <= a.rtol * max(abs(x), abs(y), 1e-300)

    if a.phi_min is not None and not close(lo, a.phi_min):
        problems.append(f"phi min {lo!r}, expected {a.phi_min!r}")
    if a.phi_max is not None and not close(hi, a.phi_max):
        problems.append(f"phi max {hi!r}, expected {a.phi_max!r}")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print(f"ok: {len(times)} time steps, arrays {','.join(expected)}, phi in [{lo!r}, {hi!r}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
