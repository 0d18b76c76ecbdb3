"""Quitting Bochs's debugger never crashes Bochs.

Bochs 2.7's term display leaves ncurses' SIGWINCH handler installed after "q"
unloads the plugin (and libncurses) that holds it; a window-size change in
the last moments of the exit then made Bochs die with "Segmentation fault"
(tmux sends one as the screen pane closes). tools/run-bochs starts Bochs with
SIGWINCH blocked. Here a learner's session runs on a pseudo-terminal, make
run-bochs and make debug-bochs on both arches, quitting at the prompt while
SIGWINCH is sent to Bochs, as tmux would: before the fix most of these quits
crashed.

Needs the build (make ARCH=i386 all, make ARCH=x86_64 all), bochs and
bochs-term.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from engines import bochs  # noqa: E402

QUITS_EACH = 6          # x 2 arches x (run-bochs, debug-bochs) = 24 quits
PROMPT = re.compile(rb"<bochs:\d+> ")


def setUpModule():
    why = bochs.ENGINE.unavailable()
    if why:
        raise unittest.SkipTest(why)
    if not any(os.path.exists(os.path.join(d, "libbx_term_gui.so"))
               for d in ("/usr/lib/x86_64-linux-gnu/bochs/plugins", "/usr/lib64/bochs/plugins",
                         "/usr/lib/bochs/plugins")):
        raise unittest.SkipTest("no Bochs term display (bochs-term)")


class Session:
    """tools/run-bochs on a pty, as a learner in a terminal runs it."""

    def __init__(self, args, timeout=60):
        env = dict(os.environ, TERM="xterm")
        env.pop("TMUX", None)               # no tmux pane: the screen pty is named instead
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(ROOT)
            os.execvpe("tools/run-bochs", ["tools/run-bochs"] + args, env)
        self.out = b""
        self.deadline = time.monotonic() + timeout

    def read_until(self, rx, seconds):
        end = min(self.deadline, time.monotonic() + seconds)
        while time.monotonic() < end and not rx.search(self.out):
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                self.out += data
        return rx.search(self.out) is not None

    def bochs_pid(self):
        ps = subprocess.run(["ps", "-o", "pid=", "-o", "comm=", "--ppid", str(self.pid)],
                            stdout=subprocess.PIPE, text=True).stdout.split("\n")
        pids = [int(l.split()[0]) for l in ps if l.split()[1:] == ["bochs-bin"]]
        return pids[0] if pids else None

    def finish(self, seconds=20):
        """Wait for run-bochs to end; kill it (and its Bochs) if it does not."""
        end = time.monotonic() + seconds
        status = None
        while status is None and time.monotonic() < end:
            self.read_until(re.compile(rb"\Z\A"), 0.2)   # drain
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                status = st
        if status is None:
            child = self.bochs_pid()
            for pid in filter(None, (child, self.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        return status, self.out.decode("latin-1")


def winch(pid, seconds=4.0):
    """SIGWINCH to Bochs every half millisecond until it is gone."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            os.kill(pid, signal.SIGWINCH)
        except ProcessLookupError:
            return
        time.sleep(0.0005)


def quit_once(arch, debug):
    if debug:
        args = ["--arch", arch, "--view", "terminal", "--debug",
                "--cmdline", "scenario=page_fault handlers=df"]
    else:
        args = ["--arch", arch, "--view", "terminal"]
    s = Session(args)
    s.read_until(re.compile(rb"Next at t=0"), 20)
    if not debug:
        time.sleep(1.0)                     # running: Ctrl-C stops it
        os.write(s.fd, b"\x03")
    prompt = s.read_until(PROMPT, 30)
    pid = s.bochs_pid()
    os.write(s.fd, b"q\n")
    spammer = threading.Thread(target=winch, args=(pid,)) if pid else None
    if spammer:
        spammer.start()
    status, out = s.finish()
    if spammer:
        spammer.join()
    return prompt, status, out


class RepeatedQuit(unittest.TestCase):
    def quits(self, arch, debug):
        for i in range(QUITS_EACH):
            prompt, status, out = quit_once(arch, debug)
            tail = out[-1500:]
            self.assertTrue(prompt, "no debugger prompt (quit %d):\n%s" % (i, tail))
            self.assertNotIn("Segmentation fault", out, "quit %d:\n%s" % (i, tail))
            self.assertIsNotNone(status, "run-bochs did not end (quit %d):\n%s" % (i, tail))
            self.assertTrue(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
                            "run-bochs status %r (quit %d):\n%s" % (status, i, tail))
            # The term display ran; Bochs's start-up messages went to a file
            # (tools/run-bochs), so the terminal shows no plugin-loading log.
            with open(os.path.join(ROOT, "build", arch, "bochs-start.log"), errors="replace") as f:
                self.assertIn("Bochs connected to screen", f.read())
            self.assertNotIn("[PLUGIN]", out)

    def test_run_bochs_i386(self):
        self.quits("i386", debug=False)

    def test_run_bochs_x86_64(self):
        self.quits("x86_64", debug=False)

    def test_debug_bochs_i386(self):
        self.quits("i386", debug=True)

    def test_debug_bochs_x86_64(self):
        self.quits("x86_64", debug=True)


if __name__ == "__main__":
    unittest.main()
