"""tools/statusline: the program runs one row short on a pseudo-terminal, the
status line is drawn on the real last row, stderr stays out of the screen,
signals reach the program and its exit status comes back.

Each case runs statusline on a pseudo-terminal of its own (24 x 80) and is
bounded by a deadline; the process group is killed if it overruns.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSLINE = os.path.join(ROOT, "tools", "statusline")
TEXT = "quit: Alt-2, then type quit"


def on_a_terminal(command, stderr_path, deadline=10.0, after=None):
    """Run statusline TEXT -- command on a 24x80 pty; return (output, status).
    after(pid) is called once the program has started (it has printed READY)."""
    pid, master = pty.fork()
    if pid == 0:
        fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        try:
            os.execv(sys.executable, [sys.executable, STATUSLINE, TEXT, "--"] + command)
        finally:
            os._exit(127)
    out = b""
    end = time.time() + deadline
    status = None
    signalled = after is None
    try:
        while time.time() < end:
            ready, _w, _x = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if not data:
                    break
                out += data
                if not signalled and b"READY" in out:
                    signalled = True
                    after(pid)
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(st)
                break
        if status is None:
            left = max(0.0, end - time.time())
            while left > 0:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = os.waitstatus_to_exitcode(st)
                    break
                time.sleep(0.05)
                left = end - time.time()
    finally:
        if status is None:
            os.killpg(pid, signal.SIGKILL)      # pty.fork made it a session leader
            os.waitpid(pid, 0)
        os.close(master)
    return out.decode("utf-8", "replace"), status


class Statusline(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.err = os.path.join(self.tmp.name, "stderr")

    def tearDown(self):
        self.tmp.cleanup()

    def stderr_text(self):
        with open(self.err) as f:
            return f.read()

    def test_one_row_short_line_on_the_last_row_status_and_stderr(self):
        out, status = on_a_terminal(
            ["sh", "-c", "stty size; echo to-stderr >&2; exit 3"], self.err)
        self.assertEqual(status, 3, out)
        self.assertIn("23 80", out)                 # the program's terminal
        # Cursor saved, row 24 column 1, reverse video, the text padded to 80.
        self.assertIn("\0337\033[24;1H\033[7m" + TEXT.ljust(80) + "\033[0m\0338", out)
        self.assertNotIn("to-stderr", out)
        self.assertEqual(self.stderr_text(), "to-stderr\n")
        # On the way out the status row is cleared.
        self.assertTrue(out.endswith("\0337\033[24;1H\033[2K\0338"), repr(out[-40:]))

    def test_sigterm_reaches_the_program(self):
        out, status = on_a_terminal(
            ["sh", "-c", "trap 'echo got-term >&2; exit 7' TERM; echo READY; "
                         "while :; do sleep 0.1; done"],
            self.err, after=lambda pid: os.kill(pid, signal.SIGTERM))
        self.assertEqual(status, 7, out)
        self.assertEqual(self.stderr_text(), "got-term\n")

    def test_a_missing_program(self):
        out, status = on_a_terminal(["no-such-program-faultline"], self.err)
        self.assertEqual(status, 127, out)
        self.assertIn("statusline: no-such-program-faultline:", self.stderr_text())

    def test_without_a_terminal_the_program_just_runs(self):
        proc = subprocess.run([sys.executable, STATUSLINE, TEXT, "--", "sh", "-c",
                               "echo plain; exit 4"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=20)
        self.assertEqual((proc.returncode, proc.stdout), (4, "plain\n"))

    def test_usage(self):
        proc = subprocess.run([sys.executable, STATUSLINE, TEXT], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=20)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("usage: statusline TEXT -- COMMAND", proc.stderr)


if __name__ == "__main__":
    unittest.main()
