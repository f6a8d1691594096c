#!/usr/bin/env bash
# Runs a command under a private Xvfb display: picks a free display number, starts Xvfb, waits until it
# accepts X clients (up to 60 s — a loaded node can be slow), runs the command with DISPLAY set, and stops
# Xvfb again. Usage: postprocess/with-xvfb.sh pvbatch script.py ...
# On a busy machine VTK's X connection occasionally fails right after start ("bad X server connection",
# SIGABRT, exit 134) although the server answers; the command is then retried on a fresh server after a
# pause (1 s, then 4 s), at most three times in all. The command runs with the soft limit of open files at
# 1024 (the .NET test host raises it; X clients are older than large descriptor numbers).
set -u
command -v Xvfb >/dev/null || { echo "with-xvfb: Xvfb not found; run 'make deps' (package xvfb)" >&2; exit 127; }

start_server() {
  display=""
  for n in $(seq 90 190); do
    [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ] || { display=$n; break; }
  done
  [ -n "$display" ] || { echo "with-xvfb: no free display in :90..:190" >&2; return 1; }
  Xvfb ":${display}" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
  xpid=$!
  python3 - "${display}" "${xpid}" <<'PY' || { echo "with-xvfb: Xvfb :${display} does not accept clients" >&2; return 1; }
import ctypes, os, sys, time
x11 = ctypes.CDLL("libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
for _ in range(600):
    if not os.path.exists(f"/proc/{sys.argv[2]}"):
        sys.exit(1)
    d = x11.XOpenDisplay(f":{sys.argv[1]}".encode())
    if d:
        x11.XCloseDisplay(d)
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}

stop_server() { kill "$xpid" 2>/dev/null; wait "$xpid" 2>/dev/null; }

xpid=""
trap 'stop_server' EXIT
for attempt in 1 2 3; do
  start_server || exit 1
  inherited=$(ls /proc/self/fd 2>/dev/null | wc -l)
  (ulimit -S -n 1024 2>/dev/null; DISPLAY=":${display}" exec "$@")
  status=$?
  if [ "$status" -eq 134 ]; then
    alive=no; kill -0 "$xpid" 2>/dev/null && alive=yes
    echo "with-xvfb: after the abort Xvfb :${display} alive=${alive}; xdpyinfo: $(DISPLAY=":${display}" timeout 5 xdpyinfo 2>&1 | head -1); fds: $(ls /proc/$xpid/fd 2>/dev/null | wc -l); descriptors inherited by the command: ${inherited}" >&2
  fi
  stop_server
  [ "$status" -eq 134 ] && [ "$attempt" -lt 3 ] || exit "$status"
  echo "with-xvfb: the command aborted (exit 134) on :${display}; retrying on a fresh server" >&2
  sleep $((attempt * attempt))
done
