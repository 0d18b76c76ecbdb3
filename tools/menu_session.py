"""menu_session - drive the kernel's interactive menu in QEMU, headless.

The kernel polls the PS/2 keyboard (drivers/keyboard/); QEMU's monitor
command `sendkey` presses a key on that keyboard as a person would (make
code, about 100 ms, break code). A MenuSession boots one kernel with no
scenario on the command line, reads COM1 from a file as it grows, and sends
keys. QEMU runs without -no-reboot (reboots allowed, as `make run LOOP=1`),
so a reset, asked for or a triple fault, boots the kernel again; -d
cpu_reset logs each CPU reset and, for a triple fault, "Triple fault".

Used by tests/test_menu.py, and by tools/run-report after `make run LOOP=1`
(triple_fault_sites).
Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time

import faultline_scenarios as fs
from engines import base
from engines import qemu as engines_qemu

# The menu's title bar, drawn once per (re)draw; a new boot draws it first.
MENU_TITLE = "faultline %s: exceptions, double faults, triple faults"
MENU_KEYS_LINE = "Up/Down or k/j: scenario"
PROMPT = "Press a key to reset the machine and return to the menu."
NO_SCENARIO = "reason=no_scenario"
# What QEMU's -d cpu_reset writes for a triple fault (target/i386).
TRIPLE_FAULT = "Triple fault"

# -d cpu_reset dumps the CPU's state as the reset found it, right after
# "Triple fault": its EIP/RIP is where the shutdown came from.
_TRIPLE_DUMP = re.compile(r"Triple fault\s*\nCPU Reset \(CPU \d+\)\n(?:.*\n){0,8}?"
                          r".*?\b[ER]IP=([0-9a-fA-F]+)")

# Keys as `sendkey` names them (QEMU's qcode names), by what they do.
KEY_NAMES = {"up": "up", "down": "down", "j": "j", "k": "k", "h": "h", "d": "d",
             "enter": "ret", "ret": "ret", "space": "spc", "spc": "spc"}


class SessionError(Exception):
    pass


class MenuSession:
    """One QEMU boot of the kernel's menu. Use as a context manager."""

    def __init__(self, arch, build_dir=None, cmdline="", machine="pc"):
        self.arch = arch
        build_dir = build_dir or fs.default_build_dir(arch)
        self.build_dir = build_dir
        engines_qemu.ENGINE.check(arch, "kernel", build_dir)
        self.image = engines_qemu.boot_image(build_dir)
        self.workdir = tempfile.mkdtemp(prefix="faultline-menu-")
        self.serial_path = os.path.join(self.workdir, "com1.txt")
        self.log_path = os.path.join(self.workdir, "qemu.log")
        self.monitor_path = os.path.join(self.workdir, "monitor.sock")
        self.command = [engines_qemu.BINARIES[arch], "-M", machine, "-m", "128M",
                        "-accel", "tcg", "-display", "none",
                        "-serial", "file:%s" % self.serial_path,
                        "-monitor", "unix:%s,server,nowait" % self.monitor_path,
                        "-d", "cpu_reset", "-D", self.log_path,
                        "-kernel", self.image, "-append", cmdline]
        self.proc = None
        self.monitor = None

    def __enter__(self):
        with open(os.path.join(self.workdir, "stderr.txt"), "wb") as errors:
            self.proc = base.spawn(self.command, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        self.monitor = engines_qemu.Monitor(self.monitor_path, time.monotonic() + 10.0)
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.monitor is not None:
            self.monitor.send("quit")
            self.monitor.close()
            self.monitor = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                pass
            base.reap(self.proc)        # by its own process group, if still alive
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- what it said ----------------------------------------------------

    def serial(self):
        """COM1 so far, CR LF turned into LF."""
        return fs.clean_serial(base.read_bytes(self.serial_path))

    def log(self):
        return base.read_text(self.log_path)

    def triple_faults(self):
        """Where each triple fault in QEMU's log happened, symbolized with the
        kernel's symbols ("scenario_page_fault+0xc"), or as a bare address
        outside the kernel. Not every one is the kernel's: on a warm reset
        SeaBIOS reboots the machine again itself ("Attempting a hard reboot"
        in its debug log), trying 0xCF9 and, last, a triple fault of its
        own, with EIP in the BIOS."""
        return triple_fault_sites(self.log(), fs.symbol_elf(self.build_dir))

    def wait_for(self, text, start=0, timeout=20.0, count=1):
        """Wait until `text` occurs `count` times in COM1 from offset start;
        returns the offset just after the last of them."""
        deadline = time.monotonic() + timeout
        while True:
            serial = self.serial()
            pos = start
            for _ in range(count):
                found = serial.find(text, pos)
                if found < 0:
                    break
                pos = found + len(text)
            else:
                return pos
            if self.proc.poll() is not None:
                raise SessionError("QEMU exited (status %s) before COM1 showed %r"
                                   % (self.proc.returncode, text))
            if time.monotonic() > deadline:
                raise SessionError("no %r on COM1 within %g s; its last lines:\n%s"
                                   % (text, timeout, "\n".join(serial.splitlines()[-6:])))
            time.sleep(0.05)

    def wait_menu(self, start=0, timeout=20.0):
        """Wait for a menu drawn after `start` that takes keys (its result
        line ends the draw); returns the offset after it."""
        pos = self.wait_for(MENU_TITLE % self.arch, start, timeout)
        pos = self.wait_for(MENU_KEYS_LINE, pos, timeout)
        return self.wait_for(NO_SCENARIO + "\n", pos, timeout)

    # ---- keys -------------------------------------------------------------

    def press(self, *keys, gap=0.25):
        """Press each key in turn (names from KEY_NAMES), `gap` s apart: the
        kernel reads one key, redraws, then reads the next."""
        for key in keys:
            name = KEY_NAMES.get(key, key)
            out = self.monitor.command("sendkey %s" % name)
            if out:
                raise SessionError("sendkey %s: %s" % (name, out))
            time.sleep(gap)


def triple_fault_sites(log_text, elf):
    """Where each "Triple fault" of a QEMU -d cpu_reset log happened: the
    IP in the state dump that follows it, as "name+0xoff" from elf's
    symbols, or "0x..." outside them (the BIOS's own)."""
    symbols = fs.load_symbols(elf)
    found = []
    for m in _TRIPLE_DUMP.finditer(log_text or ""):
        ip = int(m.group(1), 16)
        found.append(fs.symbolize(ip, symbols) or "0x%x" % ip)
    return found


def result_lines(serial):
    """Every result line in COM1 text, in order (stripped)."""
    return [l.strip() for l in serial.splitlines() if l.strip().startswith(fs.RESULT_PREFIX)]
