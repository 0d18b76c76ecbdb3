#!/usr/bin/env python3
"""The kernel's interactive menu, driven headless: in QEMU from its monitor,
in Bochs through its VNC display.

On each arch, one boot with no scenario (tools/menu_session.py: QEMU with
reboots allowed, as `make run LOOP=1`, keys through the monitor's sendkey):

  1. the menu comes up; a key it does not use draws nothing; Down, Up, d
     and d again each draw it once more, with the highlight and the
     [bracketed] value where the keys put them;
  2. Enter runs page_fault: its result line is the one a command line
     naming it gives (tools/run-scenario, the same QEMU machine), and the
     prompt to go back follows it;
  3. a key resets the machine through the keyboard controller (no fallback
     line on COM1) and the menu is back;
  4. h, h (handlers=none): the menu expects a triple fault; Enter: QEMU's
     -d cpu_reset log shows a triple fault at scenario_page_fault, and the
     machine comes back to the menu.

In Bochs (BochsMenuTests; tools/menu_session.py's BochsMenuSession: GRUB's
kargs ISO, reset_on_triple_fault=1, keys as VNC key events, tools/rfb.py),
on each arch: Enter runs page_fault (caught, vector 14), a key resets the
machine and the menu is back; h, h, Enter: Bochs's log shows the triple
fault and its debugger places it at scenario_page_fault; the menu is back.

Needs qemu-system-i386/x86_64, bochs with its rfb plugin, and both builds
(make ARCH=...); skips what is not installed. About 15 s for QEMU, and
7 to 10 s per arch for Bochs (three boots of BIOS, GRUB and the kernel).

  python3 -m unittest tests.test_menu -v
"""

import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
import menu_session as ms  # noqa: E402
from engines import qemu as engines_qemu  # noqa: E402


def unavailable(arch):
    if shutil.which(engines_qemu.BINARIES[arch]) is None:
        return "%s is not installed" % engines_qemu.BINARIES[arch]
    return None


def last_draw(serial, arch, start=0):
    """The text of the last menu draw after start: from its title to its
    result line."""
    title = ms.MENU_TITLE % arch
    begin = serial.rfind(title, start)
    end = serial.find(ms.NO_SCENARIO, begin)
    return serial[begin:end] if begin >= 0 and end >= 0 else ""


class MenuTests(unittest.TestCase):
    def walk(self, arch):
        why = unavailable(arch)
        if why:
            self.skipTest(why)
        # The command line's own run, to compare the menu's with.
        direct = fs.run_scenario(arch, scenario="page_fault")
        self.assertEqual(direct["outcome"], "caught", direct.get("detail"))
        direct_line = fs.find_result_line(direct["serial"])

        with ms.MenuSession(arch) as s:
            title = ms.MENU_TITLE % arch
            pos = s.wait_menu()
            self.assertEqual(s.serial().count(title), 1)
            self.assertIn(" > page_fault", last_draw(s.serial(), arch))

            # 1. Keys: x is no key of the menu (no redraw); the others are.
            s.press("x")
            s.press("down")
            pos = s.wait_menu(pos)
            self.assertIn(" > stack_overflow", last_draw(s.serial(), arch))
            self.assertEqual(s.serial().count(title), 2,
                             "x must not redraw the menu; Down must, once")
            s.press("up", "d")
            pos = s.wait_for(ms.NO_SCENARIO, pos, count=2)
            draw = last_draw(s.serial(), arch)
            self.assertIn(" > page_fault", draw)
            self.assertRegex(draw, r"\ndf +safe +\[stack\]")
            self.assertIn("expected  caught: #PF Page Fault, on the kernel stack", draw)
            s.press("d")
            pos = s.wait_menu(pos)
            self.assertRegex(last_draw(s.serial(), arch), r"\ndf +\[safe\] +stack")

            # 2. Enter: the same result line as the command line's run.
            s.press("enter")
            pos = s.wait_for(ms.PROMPT, pos)
            menu_line = ms.result_lines(s.serial())[-1]
            self.assertEqual(menu_line, direct_line)
            self.assertTrue(s.serial()[:pos].rstrip().endswith(ms.PROMPT))

            # 3. A key: the keyboard controller resets the machine.
            s.press("space")
            reset_at = s.wait_for("reset: keyboard controller", pos)
            pos = s.wait_menu(reset_at)
            self.assertNotIn("reset: no reset yet", s.serial()[reset_at:pos],
                             "the 8042's reset line did not reset QEMU's machine")
            self.assertFalse(any(t.startswith("scenario_") for t in s.triple_faults()))

            # 4. handlers=none: expected and seen, a triple fault; then the menu.
            s.press("h", "h")
            pos = s.wait_for(ms.NO_SCENARIO, pos, count=2)
            draw = last_draw(s.serial(), arch)
            self.assertRegex(draw, r"handlers +all +df +\[none\]")
            self.assertIn("expected  triple fault", draw)
            self.assertIn("path      #PF -> no gate: #GP = #DF -> no gate: #GP -> shutdown",
                          draw)
            s.press("enter")
            running = s.wait_for("scenario=page_fault handlers=none df=safe: running", pos)
            s.wait_menu(running, timeout=30)
            self.assertTrue(any(t.startswith("scenario_page_fault+")
                                for t in s.triple_faults()),
                            "no triple fault at scenario_page_fault in QEMU's log: %s"
                            % s.triple_faults())
            self.assertNotIn(fs.RESULT_PREFIX + "outcome=caught",
                             s.serial()[running:])

    def test_i386(self):
        self.walk("i386")

    def test_x86_64(self):
        self.walk("x86_64")


def bochs_unavailable(arch):
    why = engines.get("bochs").unavailable()
    if why:
        return why
    if shutil.which("bochs") is None:
        return "bochs is not installed"
    return ms.bochs_rfb_missing()


class BochsMenuTests(unittest.TestCase):
    """The menu in Bochs, keys through its VNC server (tools/rfb.py)."""

    def walk(self, arch):
        why = bochs_unavailable(arch)
        if why:
            self.skipTest(why)
        with ms.BochsMenuSession(arch) as s:
            pos = s.wait_menu()
            self.assertIn(" > page_fault", last_draw(s.serial(), arch))

            # Enter: page_fault, caught at vector 14 where it writes.
            s.press("enter")
            pos = s.wait_for(ms.PROMPT, pos)
            fields = ms.result_lines(s.serial())[-1].split()
            for field in ("outcome=caught", "arch=%s" % arch, "scenario=page_fault",
                          "handlers=all", "df=safe", "vector=14", "name=#PF",
                          "error_code=0x2", "cr2=0xdeadbeef"):
                self.assertIn(field, fields)
            self.assertTrue(s.serial()[:pos].rstrip().endswith(ms.PROMPT))

            # A key: the keyboard controller resets the machine; the menu again.
            s.press("space")
            reset_at = s.wait_for("reset: keyboard controller", pos)
            pos = s.wait_menu(reset_at, timeout=30)
            self.assertNotIn("reset: no reset yet", s.serial()[reset_at:pos])
            self.assertFalse(any(t.startswith("scenario_") for t in s.triple_faults()),
                             s.triple_faults())

            # h, h (handlers=none), Enter: a triple fault, by Bochs's own log
            # and debugger, not the kernel's word; then the menu once more.
            s.press("h", "h")
            pos = s.wait_for(ms.NO_SCENARIO, pos, count=2)
            draw = last_draw(s.serial(), arch)
            self.assertRegex(draw, r"handlers +all +df +\[none\]")
            self.assertIn("expected  triple fault", draw)
            s.press("enter")
            running = s.wait_for("scenario=page_fault handlers=none df=safe: running", pos)
            s.wait_menu(running, timeout=30)
            self.assertRegex(s.log(), r"3rd \(\d+\) exception with no resolution, "
                                      r"shutdown status is 00h, resetting")
            self.assertTrue(any(t.startswith("scenario_page_fault+")
                                for t in s.triple_faults()),
                            "no triple fault at scenario_page_fault in Bochs's log: %s"
                            % s.triple_faults())
            self.assertNotIn(fs.RESULT_PREFIX + "outcome=caught", s.serial()[running:])

    def test_bochs_i386(self):
        self.walk("i386")

    def test_bochs_x86_64(self):
        self.walk("x86_64")


class SessionLibraryTests(unittest.TestCase):
    """The pure parts of tools/menu_session.py."""

    def test_result_lines(self):
        text = "a\nFAULTLINE-RESULT outcome=no_fault\nb\n  FAULTLINE-RESULT x=1 \n"
        self.assertEqual(ms.result_lines(text),
                         ["FAULTLINE-RESULT outcome=no_fault", "FAULTLINE-RESULT x=1"])

    def test_triple_dump_pattern(self):
        log = ("Triple fault\nCPU Reset (CPU 0)\nRAX=0 RBX=1\nRSI=0\nR8 =0\nR12=0\n"
               "RIP=0000000000103dd1 RFL=00000046\n")
        self.assertEqual(ms._TRIPLE_DUMP.search(log).group(1), "0000000000103dd1")
        log32 = "Triple fault\nCPU Reset (CPU 0)\nEAX=1\nESI=2\nEIP=000efaad EFL=0\n"
        self.assertEqual(ms._TRIPLE_DUMP.search(log32).group(1), "000efaad")
        self.assertIsNone(ms._TRIPLE_DUMP.search("CPU Reset (CPU 0)\nEIP=1\n"))

    def test_bochs_triple_fault_sites(self):
        # As Bochs 2.7 writes them: the log's line and the debugger's stop at
        # the reset, the same tick; a log line with no stop is "unknown".
        log = ("00078523531e[CPU0  ] exception(): 3rd (13) exception with no resolution, "
               "shutdown status is 00h, resetting\n00078523531i[SYS   ] bx_pc_system_c::"
               "Reset(HARDWARE) called\n00174918505e[CPU0  ] exception(): 3rd (14) exception "
               "with no resolution, shutdown status is 00h, resetting\n"
               "00200000000e[CPU0  ] exception(): 3rd (8) exception with no resolution\n")
        debugger = ("Next at t=0\n(0) [0x0000fffffff0] f000:fff0 (unk. ctxt): jmpf 0xf000:e05b\n"
                    "(0).[78523531] [0x0000000e1b1b] 0010:00000000000e1b1b (unk. ctxt): wrmsr"
                    "  ; 0f30\nNext at t=78523532\n"
                    "(0).[174918505] [0x000000104113] 0008:0000000000104113 (unk. ctxt): "
                    "push ebp  ; 55\n")
        self.assertEqual(ms.bochs_triple_fault_sites(log, debugger, None),
                         ["0xe1b1b", "0x104113", "unknown"])
        self.assertEqual(ms.bochs_triple_fault_sites("", debugger, None), [])

    def test_last_draw(self):
        t = ms.MENU_TITLE % "i386"
        text = "%s\n one\n%s\n%s\n two\n%s\nrest" % (t, ms.NO_SCENARIO, t, ms.NO_SCENARIO)
        self.assertIn("two", last_draw(text, "i386"))
        self.assertNotIn("one", last_draw(text, "i386"))


class LoopReport(unittest.TestCase):
    """tools/run-report --loop: after `make run LOOP=1`, the kernel's triple
    faults told apart from SeaBIOS's own (a log as QEMU 7.2 writes it)."""

    LOG = ("CPU Reset (CPU 0)\nEAX=0\nEIP=0000fff0 EFL=2\n"
           "Triple fault\nCPU Reset (CPU 0)\nEAX=1\nESI=2\nEIP=%s EFL=46\n"
           "Triple fault\nCPU Reset (CPU 0)\nEAX=6\nESI=0\nEIP=000efaad EFL=46\n")

    def test_kernel_and_bios_triple_faults(self):
        elf = os.path.join(fs.default_build_dir("i386"), "faultline.elf")
        symbols = fs.load_symbols(elf)
        at = [a for a, _t, name in symbols if name == "scenario_page_fault"] if symbols else []
        if not at:
            self.skipTest("no i386 build: make ARCH=i386 kernel")
        loader = importlib.machinery.SourceFileLoader(
            "run_report", os.path.join(os.path.dirname(HERE), "tools", "run-report"))
        spec = importlib.util.spec_from_loader("run_report", loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        d = tempfile.mkdtemp()
        try:
            paths = []
            for name, text in (("log", self.LOG % ("%08x" % (at[0] + 0xc))), ("stderr", ""),
                               ("serial", "faultline i386: scenario=page_fault handlers=none"
                                          " df=safe: running\r\n")):
                paths.append(os.path.join(d, name))
                with open(paths[-1], "w") as f:
                    f.write(text)
            text = "\n".join(mod.report(engines.get("qemu"), "i386", *paths, elf=elf,
                                        loop=True))
        finally:
            shutil.rmtree(d)
        self.assertIn("reboots were allowed (LOOP=1)", text)
        self.assertIn("triple faults in the kernel: scenario_page_fault+0xc", text)
        self.assertIn("and 1 in the BIOS", text)
        self.assertNotIn("TRIPLE FAULT", text)       # the -no-reboot wording
        self.assertIn("  faultline i386: scenario=page_fault handlers=none df=safe: running",
                      text)


if __name__ == "__main__":
    unittest.main()
