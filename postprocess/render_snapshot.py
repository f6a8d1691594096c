"""Renders phi of one snapshot of a pdlra snapshots.xmf to a PNG (needs a display: run it under xvfb).

    postprocess/with-xvfb.sh pvbatch postprocess/render_snapshot.py /abs/path/snapshots.xmf out.png [--index -1] [--array phi]

--index picks the time step (default: the last). The field is shown on the z = mid slab (2D/1D grids are one
cell thick), coloured by the cell array, with a colour bar and the time in the title.
"""
import argparse
import os
import sys

from paraview import simple


def main():
    p = argparse.ArgumentParser()
    p.add_argument("xmf")
    p.add_argument("png")
    p.add_argument("--index", type=int, default=-1)
    p.add_argument("--array", default="phi")
    p.add_argument("--size", default="900,800")
    a = p.parse_args()
    xmf = os.path.abspath(a.xmf)

    reader = simple.XDMFReader(FileNames=[xmf])
    reader.UpdatePipelineInformation()
    times = reader.TimestepValues
    times = list(times) if isinstance(times, (list, tuple)) or hasattr(times, "__len__") else [times]
    t = times[a.index] if times else 0.0
    reader.UpdatePipeline(t)

    width, height = (int(v) for v in a.size.split(","))
    view = simple.CreateRenderView()
    view.ViewSize = [width, height]
    view.ViewTime = t
    view.OrientationAxesVisibility = 0
    view.Background = [1, 1, 1]
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    display = simple.Show(reader, view)
    display.Representation = "Surface"
    simple.ColorBy(display, ("CELLS", a.array))
    lut = simple.GetColorTransferFunction(a.array)
    lut.ApplyPreset("Viridis (matplotlib)", True)
    display.RescaleTransferFunctionToDataRange(False, True)
    display.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = a.array
    bar.ComponentTitle = ""
    bar.TitleColor = [0, 0, 0]
    bar.LabelColor = [0, 0, 0]
    title = simple.Text(Text=f"{os.path.basename(os.path.dirname(xmf))}: {a.array} at t = {t:.6g}")
    tdisp = simple.Show(title, view)
    tdisp.Color = [0, 0, 0]
    tdisp.WindowLocation = "Upper Center"
    view.CameraPosition = [0, 0, 1]
    view.CameraViewUp = [0, 1, 0]
    view.ResetCamera()
    simple.ResetCamera(view)
    view.CameraParallelProjection = 1
    simple.SaveScreenshot(a.png, view, ImageResolution=[width, height])
    print(f"wrote {a.png}: {a.array} at t = {t!r} (step index {a.index} of {len(times)})")
    return 0 if os.path.getsize(a.png) > 0 else 1


if __name__ == "__main__":
    rc = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # ParaView 5.11 under Xvfb fails in the GLX teardown at interpreter exit (GLXBadContext) and exits 1
    # after the PNG is written; leave without that teardown so the exit code is the script's own.
    os._exit(rc)
