"""menu_session - drive the kernel's interactive menu in QEMU or Bochs, headless.

The kernel polls the PS/2 keyboard (drivers/keyboard/); QEMU's monitor
command `sendkey` presses a key on that keyboard as a person would (make
code, about 100 ms, break code). A MenuSession boots one kernel with no
scenario on the command line, reads COM1 from a file as it grows, and sends
keys. QEMU runs without -no-reboot (reboots allowed, as `make run LOOP=1`),
so a reset, asked for or a triple fault, boots the kernel again; -d
cpu_reset logs each CPU reset and, for a triple fault, "Triple fault".

BochsMenuSession is the same in Bochs, which has no monitor: its headless
display is a VNC server (display_library: rfb), and tools/rfb.py's key
events reach the same emulated keyboard. Bochs runs with
reset_on_triple_fault=1 (bochsrc's FAULTLINE_RESET), so a triple fault
resets the machine and the menu comes back; its log's "3rd (13) exception
with no resolution, shutdown status is 00h, resetting" is the evidence, and
its debugger, stopping at each hardware reset, prints where the CPU was.

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
import rfb
from engines import base
from engines import bochs as engines_bochs
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


class _Session:
    """What both emulators' sessions share: COM1 in a file, waiting on it,
    key presses (each subclass's _press)."""

    emulator = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- what it said ----------------------------------------------------

    def serial(self):
        """COM1 so far, CR LF turned into LF."""
        return fs.clean_serial(base.read_bytes(self.serial_path))

    def log(self):
        return base.read_text(self.log_path)

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
                raise SessionError("%s exited (status %s) before COM1 showed %r"
                                   % (self.emulator, self.proc.returncode, text))
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
            self._press(key)
            time.sleep(gap)


class MenuSession(_Session):
    """One QEMU boot of the kernel's menu. Use as a context manager."""

    emulator = "QEMU"

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

    def triple_faults(self):
        """Where each triple fault in QEMU's log happened, symbolized with the
        kernel's symbols ("scenario_page_fault+0xc"), or as a bare address
        outside the kernel. Not every one is the kernel's: on a warm reset
        SeaBIOS reboots the machine again itself ("Attempting a hard reboot"
        in its debug log), trying 0xCF9 and, last, a triple fault of its
        own, with EIP in the BIOS."""
        return triple_fault_sites(self.log(), fs.symbol_elf(self.build_dir))

    def _press(self, key):
        name = KEY_NAMES.get(key, key)
        out = self.monitor.command("sendkey %s" % name)
        if out:
            raise SessionError("sendkey %s: %s" % (name, out))


class BochsMenuSession(_Session):
    """One Bochs boot of the kernel's menu (GRUB's kargs ISO, an empty
    command line on its floppy), keys over VNC. Use as a context manager."""

    emulator = "Bochs"

    def __init__(self, arch, build_dir=None, cmdline="", start_timeout=10.0):
        self.arch = arch
        self.build_dir = build_dir or fs.default_build_dir(arch)
        engines_bochs.ENGINE.check(arch, "iso", self.build_dir)
        why = bochs_rfb_missing()
        if why:
            raise base.ToolError(why)
        self.start_timeout = start_timeout
        self.workdir = tempfile.mkdtemp(prefix="faultline-menu-bochs-")
        self.serial_path = os.path.join(self.workdir, "com1.txt")
        self.log_path = os.path.join(self.workdir, "bochs.log")
        self.debugger_path = os.path.join(self.workdir, "debugger.txt")
        floppy = os.path.join(self.workdir, "kargs.img")
        rc_file = os.path.join(self.workdir, "menu.rc")
        base.write_kargs_floppy(floppy, cmdline)
        with open(rc_file, "w") as f:
            f.write(BOCHS_MENU_RC)
        self.command = engines_bochs.command(rc_file)
        # reset=True: reset_on_triple_fault=1, as `make run LOOP=1` in QEMU.
        self.env = engines_bochs.environment(engines_bochs.kargs_iso(self.build_dir), floppy,
                                             self.serial_path, self.log_path, reset=True)
        self.proc = None
        self.vnc = None
        self.port = None

    def __enter__(self):
        try:
            with open(self.debugger_path, "wb") as out:
                # One Bochs at a time until its VNC server listens (the bind
                # race in engines/bochs.py); then its port is in its log.
                self.proc = engines_bochs.start_bochs(
                    self.command, self.env, wait=self.start_timeout,
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
            m = _RFB_PORT.search(self.log())
            if m is None:
                raise SessionError("Bochs's VNC server did not listen within %g s "
                                   "(exit status %s); its log ends:\n%s"
                                   % (self.start_timeout, self.proc.poll(),
                                      "\n".join(self.log().splitlines()[-6:])))
            self.port = int(m.group(1))
            self.vnc = rfb.Client("127.0.0.1", self.port, timeout=self.start_timeout)
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        if self.vnc is not None:
            self.vnc.close()
            self.vnc = None
        if self.proc is not None:
            # No quit through the debugger: its rc file answers every stop,
            # SIGINT's too, with another "c". SIGKILL to its own process
            # group; Bochs only reads the ISO, so nothing is left half-written.
            base.reap(self.proc)
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def debugger(self):
        """What Bochs's debugger printed: where each hardware reset found the CPU."""
        return base.read_text(self.debugger_path)

    def triple_faults(self):
        """Where each triple fault in Bochs's log happened (its debugger's
        line for the same tick), symbolized with the kernel's symbols, or
        "0x..." outside them. Not every one is the kernel's: after the
        keyboard controller's reset (a software reset), Bochs 2.7's BIOS
        itself triple-faults once on a wrmsr (0xe1b1b) and the hardware
        reset that follows boots cleanly."""
        return bochs_triple_fault_sites(self.log(), self.debugger(),
                                        fs.symbol_elf(self.build_dir))

    def _press(self, key):
        self.vnc.press(KEY_NAMES_RFB.get(key, key))


# The debugger stops at every hardware reset (a triple fault's included) and
# reads its next command: one "c" per reset, far more than a session uses.
BOCHS_MENU_RC = "c\n" * 200 + "quit\n"
# Bochs 2.7's rfb display has no port option (its only option is timeout=N,
# seconds to wait for a viewer; 0 waits for none): it binds the first free
# port from 5900 to 5949 and logs which. So each session reads its own port
# from its own log, and parallel sessions never share one.
_RFB_PORT = re.compile(r"listening for connections on port (\d+)")
# Keys by what they do, as tools/rfb.py names them.
KEY_NAMES_RFB = {"ret": "enter", "spc": "space"}
# "00149635533e[CPU0  ] exception(): 3rd (13) exception with no resolution, ..."
_BOCHS_TRIPLE = re.compile(r"^(\d+)\w\[CPU\d* *\] exception\(\): 3rd \(\d+\) exception "
                           r"with no resolution", re.M)
# The debugger at the stop after a reset:
# "(0).[149635533] [0x0000000e1b1b] 0010:00000000000e1b1b (unk. ctxt): wrmsr"
_BOCHS_STOP = re.compile(r"^\(\d+\)\.\[(\d+)\] \[0x[0-9a-fA-F]+\] "
                         r"[0-9a-fA-F]{4}:([0-9a-fA-F]+)", re.M)


def bochs_rfb_missing():
    """None when Bochs's VNC display plugin is installed, else why not."""
    program = shutil.which("bochs")
    dirs = ["/usr/lib/x86_64-linux-gnu/bochs/plugins", "/usr/lib64/bochs/plugins",
            "/usr/lib/bochs/plugins"]
    if program:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(program)))
        dirs.append(os.path.join(prefix, "lib", "bochs", "plugins"))
    for d in dirs:
        for ext in (".so", ".dylib"):
            if os.path.exists(os.path.join(d, "libbx_rfb_gui" + ext)):
                return None
    return "Bochs's rfb (VNC) display plugin libbx_rfb_gui.so is not installed"


def bochs_triple_fault_sites(log_text, debugger_text, elf):
    """Each triple fault of a Bochs log, where its debugger's stop at the
    same tick shows the CPU: "name+0xoff" from elf's symbols, "0x..."
    outside them, or "unknown" when the debugger printed no such stop."""
    symbols = fs.load_symbols(elf)
    where = {int(m.group(1)): int(m.group(2), 16)
             for m in _BOCHS_STOP.finditer(debugger_text or "")}
    found = []
    for m in _BOCHS_TRIPLE.finditer(log_text or ""):
        ip = where.get(int(m.group(1)))
        if ip is None:
            found.append("unknown")
        else:
            found.append(fs.symbolize(ip, symbols) or "0x%x" % ip)
    return found


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
