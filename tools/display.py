#!/usr/bin/env python3
"""display - where a person watches the emulator's screen: a window, this
terminal, or nowhere (COM1 only). Used by tools/run-qemu and tools/run-bochs.

  tools/display.py --view auto|window|terminal|serial --window-backend yes|no
                   --terminal yes|no
      prints: KIND<TAB>NOTE   (KIND window, terminal or serial; NOTE may be empty)
      exit 2 and a message when the view asked for cannot be had.

"auto" picks a window only when one can really open: the emulator has a
window back end (QEMU's GTK/SDL come in qemu-system-gui, Bochs's X in
bochs-x), $DISPLAY or $WAYLAND_DISPLAY is set, and a display server answers
there. A DISPLAY left over in a shell (or set on WSL2 without WSLg) would
otherwise give a QEMU that opens nothing, or falls back to a VNC server no one
looks at. Over SSH a forwarded X display is slow for a full-screen emulator:
auto picks the terminal there, and VIEW=window asks for the window anyway.

The decision is the pure function choose(); the probes (is a display server
listening, is this SSH or WSL) are separate so the tests can feed them.
"""

import argparse
import os
import re
import socket
import sys

VIEWS = ("auto", "window", "terminal", "serial")


def parse_x_display(display):
    """DISPLAY -> (host, number); host "" for a local (Unix socket) display.
    None when it is not of the form [host]:number[.screen]."""
    m = re.fullmatch(r"(.*):(\d+)(?:\.\d+)?", display or "")
    if not m:
        return None
    host = m.group(1)
    if host in ("", "unix"):
        host = ""
    # macOS XQuartz: /private/tmp/com.apple.launchd.X/org.xquartz:0 is a socket path.
    return host, int(m.group(2))


def x_display_answers(display, timeout=1.0):
    """True when something accepts a connection where DISPLAY points."""
    parsed = parse_x_display(display)
    if parsed is None:
        return False
    host, number = parsed
    if host.startswith("/"):
        return os.path.exists("%s:%d" % (host, number))
    if host == "":
        path = "/tmp/.X11-unix/X%d" % number
        addresses = [path]
        if sys.platform.startswith("linux"):
            addresses.append("\0" + path)        # the abstract socket Xorg also opens
        for address in addresses:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(timeout)
                try:
                    s.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout):
            return True
    except OSError:
        return False


def wayland_answers(env):
    name = env.get("WAYLAND_DISPLAY")
    if not name:
        return False
    path = name if name.startswith("/") else os.path.join(env.get("XDG_RUNTIME_DIR", ""), name)
    return os.path.exists(path)


def on_wsl():
    try:
        with open("/proc/version") as f:
            return "microsoft" in f.read().lower()
    except OSError:
        return False


def choose(view, env, window_backend, terminal, display_answers, wsl=False):
    """The view to use: (kind, note) or raises ValueError with the reason.

    view            one of VIEWS
    env             the environment (DISPLAY, WAYLAND_DISPLAY, SSH_CONNECTION)
    window_backend  the emulator can draw a window at all
    terminal        stdin and stdout are a terminal
    display_answers a display server answers at $DISPLAY/$WAYLAND_DISPLAY
    """
    if view not in VIEWS:
        raise ValueError("VIEW=%s is not one of %s" % (view, ", ".join(VIEWS)))
    named = env.get("WAYLAND_DISPLAY") or env.get("DISPLAY") or ""
    x = parse_x_display(env.get("DISPLAY", ""))
    # ssh -X sets DISPLAY=localhost:10.0: a display with a host part, over SSH.
    remote = bool(env.get("SSH_CONNECTION")) and not env.get("WAYLAND_DISPLAY") \
        and x is not None and x[0] != ""
    if view == "window":
        if not window_backend:
            raise ValueError("this emulator has no window display installed (tools/setup "
                             "installs it where a desktop is: qemu-system-gui, bochs-x)")
        if not named:
            raise ValueError("no display: DISPLAY and WAYLAND_DISPLAY are not set")
        if not display_answers:
            raise ValueError("no display server answers at %s" % named)
        return "window", ""
    if view == "terminal":
        if not terminal:
            raise ValueError("VIEW=terminal needs a terminal on stdin and stdout")
        return "terminal", ""
    if view == "serial":
        return "serial", ""
    # auto
    why = ""
    if named:
        if not display_answers:
            why = "%s is set but no display server answers there%s" % (
                "DISPLAY=" + env["DISPLAY"] if env.get("DISPLAY") else
                "WAYLAND_DISPLAY=" + env["WAYLAND_DISPLAY"],
                " (WSL2 without WSLg?)" if wsl else "")
        elif not window_backend:
            why = "there is a display, but this emulator has no window back end installed " \
                  "(qemu-system-gui / bochs-x: run tools/setup from the desktop)"
        elif remote:
            why = "over SSH a forwarded X window is slow; VIEW=window opens it anyway"
        else:
            return "window", ""
    if terminal:
        return "terminal", why
    return "serial", why


def main(argv=None):
    ap = argparse.ArgumentParser(description="Where to show the emulator's screen.")
    ap.add_argument("--view", default="auto")
    ap.add_argument("--window-backend", choices=("yes", "no"), required=True)
    ap.add_argument("--terminal", choices=("yes", "no"), required=True,
                    help="stdin and stdout of the emulator are a terminal")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    named = env.get("WAYLAND_DISPLAY") or env.get("DISPLAY")
    answers = bool(named) and (wayland_answers(env) or x_display_answers(env.get("DISPLAY")))
    terminal = args.terminal == "yes"
    try:
        kind, note = choose(args.view, env, args.window_backend == "yes", terminal, answers,
                            on_wsl())
    except ValueError as exc:
        print("faultline: %s" % exc, file=sys.stderr)
        return 2
    print("%s\t%s" % (kind, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
