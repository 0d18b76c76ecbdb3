"""engines/bochs.py - Bochs, an instruction-level x86 emulator with its own
debugger (the engine "bochs").

Bochs models exception delivery instruction by instruction
(cpu/exception.cc: exception(), with the double-fault rules of the SDM's
Table 6-5). It has no -kernel: it always boots GRUB from the kargs ISO, the
command line on a floppy (tools/mkkargs), as bochsrc describes. Its evidence
of a triple fault is its log line "exception(): 3rd (N) exception with no
resolution".

Headless runs use the rfb display waiting for no viewer, and the debugger
script "c / r / quit": SIGINT (once the result line is in COM1's file) stops
the "c", and Bochs quits.
"""

import fcntl
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

from . import base
import chain
import grub_iso

BOCHSRC = os.path.join(base.REPO_ROOT, "bochsrc")
# The BIOS images bochsrc names (in bios_dir()), and Debian's packages for them.
ROMS = (("BIOS-bochs-latest", "bochsbios"), ("VGABIOS-lgpl-latest", "vgabios"))
LINUX_BIOS_DIR = "/usr/share/bochs"
TRIPLE_FAULT = re.compile(r"3rd \(\d+\) exception with no resolution")

# The debugger script of a headless run: report every exception and
# interrupt ("show dbg_all": bx_dbg_exception's "Exception 0x0e ... occurred"
# lines, the chain of a triple fault, tools/chain.py); continue; when Bochs
# stops (a triple-fault panic, the kernel's shutdown port, or our SIGINT
# once the result line is in), dump the registers and quit.
HEADLESS_RC = "show dbg_all\nc\nr\nquit\n"
VGA_RC = 'c\nwritemem "%s" 0x%x %d\nquit\n'

# Bochs 2.7's rfb display binds a port from 5900 up with SO_REUSEADDR and only
# then listens. Two Bochs starting together can both bind the same port; the
# second one's listen() fails, its loop then retries bind() on the already
# bound socket for every port, and it panics "RFB could not bind any port
# between 5900 and 5949" and crashes. So Bochs starts one at a time, across
# processes (a lock file), each holding the lock until its server listens.
START_LOCK = os.path.join(tempfile.gettempdir(), "faultline-bochs-start.lock")
RFB_LISTENING = "listening for connections on port"


def bios_dir():
    """Where the BIOS images bochsrc loads from $BXSHARE are: BXSHARE when
    set, else where Bochs's built-in default points: /usr/share/bochs
    (Debian, Fedora, Arch), or the share/ beside the bochs program (Homebrew,
    from its Cellar). For the check before a boot."""
    places = [os.environ.get("BXSHARE"), LINUX_BIOS_DIR]
    program = shutil.which("bochs")
    if program:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(program)))
        places.append(os.path.join(prefix, "share", "bochs"))
    for d in places:
        if d and os.path.exists(os.path.join(d, ROMS[0][0])):
            return d
    return LINUX_BIOS_DIR


def kargs_iso(build_dir):
    """The ISO whose GRUB reads the command line from a floppy (tools/mkkargs)."""
    return os.path.join(build_dir, "faultline-kargs.iso")


def environment(iso, kargs_img, serial, log, reset=False):
    """The variables bochsrc expands: headless (rfb waiting for nobody)."""
    env = dict(os.environ)
    env.update({
        "FAULTLINE_ISO": iso,
        "FAULTLINE_KARGS": kargs_img,
        "FAULTLINE_DISPLAY": "rfb",
        "FAULTLINE_DISPLAY_OPTIONS": "timeout=0",
        "FAULTLINE_SERIAL": serial,
        "FAULTLINE_LOG": log,
        "FAULTLINE_RESET": "1" if reset else "0",
    })
    return env


def command(rc_file, emulator_args=None):
    """bochs -q: no start menu; -rc: debugger commands. Extra arguments are
    bochsrc lines, e.g. 'cpu: ips=4000000'."""
    cmd = ["bochs", "-q", "-f", BOCHSRC, "-rc", rc_file]
    if emulator_args:
        cmd += shlex.split(emulator_args) if isinstance(emulator_args, str) \
            else list(emulator_args)
    return cmd


def start_bochs(cmd, env, wait=3.0, **kwargs):
    """Start Bochs (headless, rfb) in a session of its own, one at a time:
    return once its rfb server listens, it has exited, or after `wait`
    seconds. The log it waits on is env["FAULTLINE_LOG"]."""
    fd = os.open(START_LOCK, os.O_CREAT | os.O_RDWR, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = base.spawn(cmd, env=env, **kwargs)
        deadline = time.monotonic() + wait
        while (time.monotonic() < deadline and proc.poll() is None
               and RFB_LISTENING not in base.read_text(env["FAULTLINE_LOG"])):
            time.sleep(0.01)
        return proc
    finally:
        os.close(fd)          # closing the descriptor releases the lock


def stop_in_debugger(proc, wait=5.0):
    """SIGINT drops a running Bochs into its debugger, where the rest of the
    rc file runs (and quits)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


class Bochs(base.Engine):
    name = "bochs"
    title = "Bochs"
    order = 20
    boots = ("iso",)
    default_timeout = 30.0

    def __init__(self):
        self._version = None

    def unavailable(self):
        # Bochs boots faultline only from the GRUB ISO: where the build can
        # make none (ARM hosts, macOS), there is nothing for it to boot.
        why = grub_iso.bios_grub_missing()
        return why and "Bochs boots only the GRUB ISO, and " + why

    def version(self):
        if self._version is None:
            self._version = "Bochs (version unknown)"
            # Debian's package version; elsewhere (no dpkg) the banner Bochs
            # prints before it parses its options: "Bochs x86 Emulator 2.7".
            for cmd, rx in ((["dpkg-query", "-W", "-f=${Version}", "bochs"],
                             r"(\d+\.\d+(?:\.\d+)?)"),
                            (["bochs", "--help"], r"Bochs x86 Emulator (\d+\.\d+(?:\.\d+)?)")):
                try:
                    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True, timeout=10).stdout
                except (OSError, subprocess.TimeoutExpired):
                    continue
                m = re.search(rx, out) if cmd[0] == "bochs" else re.match(rx, out)
                if m:
                    self._version = "Bochs %s" % m.group(1)
                    break
        return self._version

    def check(self, arch, boot="iso", build_dir=None, kernel=None):
        build_dir = build_dir or base.default_build_dir(arch)
        if kernel is not None:
            raise base.ToolError("--kernel is for QEMU; Bochs boots %s"
                                 % base.show_path(kargs_iso(build_dir)))
        if shutil.which("bochs") is None:
            raise base.ToolError("bochs not found: %s" % base.setup_hint())
        for name, pkg in ROMS:
            path = os.path.join(bios_dir(), name)
            if not os.path.exists(path):
                how = ("sudo apt-get install %s" % pkg) if shutil.which("apt-get") \
                    else base.setup_hint()
                raise base.ToolError("%s not found: %s" % (path, how))
        if not os.path.exists(kargs_iso(build_dir)):
            raise base.ToolError("%s not found: build it with `make ARCH=%s`"
                                 % (base.show_path(kargs_iso(build_dir)), arch))

    def _boot(self, spec, workdir, rc_text):
        """Run Bochs until COM1's file holds a result line, Bochs exits by
        itself (a triple fault, the shutdown port), or the timeout; then stop
        it in its debugger (the rc file quits it), SIGKILL if that fails."""
        timeout = self.boot_timeout(spec)
        floppy = os.path.join(workdir, "kargs.img")
        rc_file = os.path.join(workdir, "headless.rc")
        serial_path = os.path.join(workdir, "com1.txt")
        log_file = os.path.join(workdir, "bochs.log")
        out_path = os.path.join(workdir, "debugger.txt")
        base.write_kargs_floppy(floppy, spec.cmdline)
        with open(rc_file, "w") as f:
            f.write(rc_text)
        cmd = command(rc_file, spec.emulator_args)
        env = environment(kargs_iso(spec.build_dir), floppy, serial_path, log_file)
        run = base.new_run(cmd)
        proc = None
        start = time.monotonic()
        try:
            with open(out_path, "wb") as out:
                proc = start_bochs(cmd, env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
            while proc.poll() is None:
                if base.has_complete_result_line(base.read_bytes(serial_path)):
                    run["result_seen"] = True
                    break
                if time.monotonic() >= start + timeout:
                    run["timed_out"] = True
                    break
                time.sleep(0.05)
            run["seconds"] = round(time.monotonic() - start, 3)
            stop_in_debugger(proc)
        finally:
            base.reap(proc)
        if not run["result_seen"] and base.has_complete_result_line(
                base.read_bytes(serial_path)):
            run["result_seen"] = True
            run["timed_out"] = False
        run.update(serial_bytes=base.read_bytes(serial_path), log_text=base.read_text(log_file),
                   stderr_text=base.read_text(out_path),
                   exit_status=proc.returncode if proc is not None else None)
        return run

    def run(self, spec):
        workdir = tempfile.mkdtemp(prefix="faultline-")
        try:
            return self._boot(spec, workdir, HEADLESS_RC)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def capture_vga(self, spec, screendump=False):
        """The boot, then the debugger's writemem of the VGA buffer (a linear
        address: both back ends identity-map the first MiB). No screendump:
        Bochs's headless display renders nothing."""
        workdir = tempfile.mkdtemp(prefix="faultline-vga-")
        vga_path = os.path.join(workdir, "vga.bin")
        try:
            run = self._boot(spec, workdir, VGA_RC % (vga_path, base.VGA_BASE, base.VGA_BYTES))
            if run["result_seen"]:
                data = base.read_bytes(vga_path)
                if len(data) < base.VGA_BYTES:
                    run["error"] = "Bochs's writemem left %d bytes, not %d" % (
                        len(data), base.VGA_BYTES)
                else:
                    run["vga"] = data[:base.VGA_BYTES]
            return run
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def triple_fault(self, run):
        """Bochs's own words: "exception(): 3rd (13) exception with no
        resolution", then ", shutdown status is 00h, resetting" when
        reset_on_triple_fault=1, or a PANIC (a stop in the debugger) when 0."""
        m = TRIPLE_FAULT.search(run.get("log_text") or "")
        return m.group(0) if m else None

    def chain_events(self, run):
        """The debugger's "show dbg_all" lines and the log's shutdown state
        (tools/chain.py)."""
        return chain.parse_bochs(run.get("stderr_text") or "", run.get("log_text") or "")


ENGINE = Bochs()
