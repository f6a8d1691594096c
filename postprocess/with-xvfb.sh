#!/usr/bin/env bash
# Runs a command under a private Xvfb display: picks a free display number (from :90 up), starts Xvfb, waits
# until that server — ours, not another one on the same number — accepts X clients (up to 60 s: a loaded node
# can be slow), runs the command with DISPLAY set, and stops Xvfb again.
# Usage: postprocess/with-xvfb.sh pvbatch script.py ...
#
# -noreset: by default an X server resets itself when its last client disconnects, and a client that connects
# during the reset is dropped (ECONNRESET: XOpenDisplay returns NULL). pvbatch opens the display twice in quick
# succession (ParaView's OpenGL capability check opens and closes it, then the render window opens it again),
# so on a loaded machine the second open regularly hit the reset: VTK's "bad X server connection ... Aborting",
# exit 134, with the server alive and answering the next client. With -noreset there is no reset to hit.
set -u
command -v Xvfb >/dev/null || { echo "with-xvfb: Xvfb not found; run 'make deps' (package xvfb)" >&2; exit 127; }

xpid=""
stop_server() { [ -z "$xpid" ] || { kill "$xpid" 2>/dev/null; wait "$xpid" 2>/dev/null; xpid=""; }; }
trap 'stop_server' EXIT

# Starts Xvfb on :$1 and waits until it accepts clients; fails when that server exits first (the number was
# taken by another server started at the same moment) or does not answer within 60 s.
start_server() {
  Xvfb ":$1" -screen 0 1280x1024x24 -nolisten tcp -noreset >/dev/null 2>&1 &
  xpid=$!
  python3 - "$1" "$xpid" <<'PY'
import ctypes, os, sys, time
display, pid = sys.argv[1], int(sys.argv[2])
x11 = ctypes.CDLL("libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
def owns_lock():
    try:
        with open(f"/tmp/.X{display}-lock") as f:
            return int(f.read().strip() or 0) == pid
    except (OSError, ValueError):
        return False
for _ in range(600):
    if not os.path.exists(f"/proc/{pid}"):
        sys.exit(2)                      # our Xvfb exited: the display number was taken
    if owns_lock():
        d = x11.XOpenDisplay(f":{display}".encode())
        if d:
            x11.XCloseDisplay(d)
            sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}

display=""
for n in $(seq 90 190); do
  [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ] && continue
  start_server "$n"
  case $? in
    0) display=$n; break ;;
    2) stop_server ;;                    # lost the race for :$n; try the next number
    *) echo "with-xvfb: Xvfb :${n} does not accept clients within 60 s" >&2; exit 1 ;;
  esac
done
[ -n "$display" ] || { echo "with-xvfb: no free display in :90..:190" >&2; exit 1; }

DISPLAY=":${display}" "$@"
status=$?
stop_server
exit "$status"
