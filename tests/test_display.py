"""tools/display.py: which screen make run and make run-bochs use, for the
hosts a class meets (a desktop, SSH with and without X forwarding, WSL2 with
and without WSLg, a stale DISPLAY, CI with no terminal)."""

import os
import socket
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import display  # noqa: E402


def choose(view="auto", env=None, backend=True, terminal=True, answers=True, wsl=False):
    return display.choose(view, env or {}, backend, terminal, answers, wsl)


class Choose(unittest.TestCase):
    def test_desktop_gets_a_window(self):
        self.assertEqual(choose(env={"DISPLAY": ":0"}), ("window", ""))
        self.assertEqual(choose(env={"WAYLAND_DISPLAY": "wayland-0"}), ("window", ""))

    def test_wslg_is_a_desktop(self):
        env = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}
        self.assertEqual(choose(env=env, wsl=True), ("window", ""))

    def test_stale_display_falls_back_to_the_terminal_and_says_why(self):
        kind, note = choose(env={"DISPLAY": ":0"}, answers=False)
        self.assertEqual(kind, "terminal")
        self.assertEqual(note, "DISPLAY=:0 is set but no display server answers there")
        kind, note = choose(env={"DISPLAY": ":0"}, answers=False, wsl=True)
        self.assertIn("(WSL2 without WSLg?)", note)

    def test_no_window_back_end(self):
        kind, note = choose(env={"DISPLAY": ":0"}, backend=False)
        self.assertEqual(kind, "terminal")
        self.assertIn("qemu-system-gui", note)

    def test_ssh(self):
        # Plain SSH: no DISPLAY at all.
        self.assertEqual(choose(env={"SSH_CONNECTION": "10.0.0.2 5 10.0.0.1 22"}),
                         ("terminal", ""))
        # ssh -X: DISPLAY=localhost:10.0 answers, but the terminal is better.
        env = {"SSH_CONNECTION": "10.0.0.2 5 10.0.0.1 22", "DISPLAY": "localhost:10.0"}
        kind, note = choose(env=env)
        self.assertEqual(kind, "terminal")
        self.assertIn("VIEW=window", note)
        self.assertEqual(choose("window", env=env), ("window", ""))
        # SSH into a machine whose own desktop is :0 (DISPLAY set by hand): local.
        env = {"SSH_CONNECTION": "x", "DISPLAY": ":0"}
        self.assertEqual(choose(env=env), ("window", ""))

    def test_no_terminal_no_display_is_serial(self):
        self.assertEqual(choose(env={}, terminal=False), ("serial", ""))
        kind, note = choose(env={"DISPLAY": ":3"}, answers=False, terminal=False)
        self.assertEqual(kind, "serial")
        self.assertIn("DISPLAY=:3", note)

    def test_explicit_views_and_their_refusals(self):
        self.assertEqual(choose("serial", env={"DISPLAY": ":0"}), ("serial", ""))
        self.assertEqual(choose("terminal", env={"DISPLAY": ":0"}), ("terminal", ""))
        with self.assertRaisesRegex(ValueError, "needs a terminal"):
            choose("terminal", terminal=False)
        with self.assertRaisesRegex(ValueError, "no display: DISPLAY and WAYLAND_DISPLAY"):
            choose("window", env={})
        with self.assertRaisesRegex(ValueError, "no display server answers at :1"):
            choose("window", env={"DISPLAY": ":1"}, answers=False)
        with self.assertRaisesRegex(ValueError, "no window display installed"):
            choose("window", env={"DISPLAY": ":0"}, backend=False)
        with self.assertRaisesRegex(ValueError, "VIEW=tv is not one of auto, window"):
            choose("tv")


class Probes(unittest.TestCase):
    def test_parse_x_display(self):
        self.assertEqual(display.parse_x_display(":0"), ("", 0))
        self.assertEqual(display.parse_x_display(":1.0"), ("", 1))
        self.assertEqual(display.parse_x_display("unix:2"), ("", 2))
        self.assertEqual(display.parse_x_display("localhost:10.0"), ("localhost", 10))
        self.assertEqual(display.parse_x_display("192.168.1.5:0"), ("192.168.1.5", 0))
        self.assertIsNone(display.parse_x_display(""))
        self.assertIsNone(display.parse_x_display("garbage"))

    def test_a_tcp_display_answers_only_when_something_listens(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            if port < 6000:
                self.skipTest("the free port is below 6000")
            self.assertTrue(display.x_display_answers("127.0.0.1:%d" % (port - 6000)))
        self.assertFalse(display.x_display_answers("127.0.0.1:%d" % (port - 6000), 0.5))
        self.assertFalse(display.x_display_answers("nonsense"))

    def test_wayland_socket(self):
        with tempfile.TemporaryDirectory() as d:
            env = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": d}
            self.assertFalse(display.wayland_answers(env))
            open(os.path.join(d, "wayland-9"), "w").close()
            self.assertTrue(display.wayland_answers(env))

    def test_command_line(self):
        env = dict(os.environ)
        for k in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION"):
            env.pop(k, None)
        run = lambda *a: subprocess.run([sys.executable, os.path.join(ROOT, "tools", "display.py")]
                                        + list(a), env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, timeout=20)
        p = run("--window-backend", "yes", "--terminal", "no")
        self.assertEqual((p.returncode, p.stdout), (0, "serial\t\n"))
        p = run("--view", "window", "--window-backend", "yes", "--terminal", "yes")
        self.assertEqual(p.returncode, 2)
        self.assertIn("faultline: no display: DISPLAY and WAYLAND_DISPLAY are not set", p.stderr)


if __name__ == "__main__":
    unittest.main()
