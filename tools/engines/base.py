"""engines/base.py - the interface every engine implements, and the process
control they share.

An engine runs faultline's kernel and is a *witness*: what it did is evidence,
never the rule (the Intel SDM and the AMD64 APM are the rule). Each engine is
one module in this package defining ENGINE, an instance of a subclass of
Engine. The runner (faultline_scenarios.run_scenario), the boot matrix, the
grader, the golden screens and the benchmark only ever call what is below,
so a fourth engine is one new file here.

    engine.name                 "qemu", "kvm", "bochs": command lines, JSON, test names
    engine.title                for people: "QEMU TCG"
    engine.version()            what exactly ran, e.g. "QEMU 7.2.22, TCG"
    engine.unavailable()        None, or one line: why it cannot run on this host
    engine.check(arch, boot, build_dir, kernel)   raise ToolError: what is missing
    engine.run(spec)            one headless boot -> Run
    engine.capture_vga(spec)    the same boot, plus the VGA text buffer -> Run
    engine.triple_fault(run)    the engine's own words for a triple fault, or None
    engine.failure(run)         how the engine itself broke down, or None
    engine.provider()           what stands behind it, when that matters (KVM), or None

Python 3 standard library only.
"""

import os
import re
import signal
import subprocess
import threading

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO_ROOT, "tools")
MKKARGS = os.path.join(TOOLS, "mkkargs")

# The VGA text buffer: 80x25 cells of (character, attribute) at 0xB8000.
VGA_BASE = 0xB8000
VGA_BYTES = 80 * 25 * 2


class ToolError(Exception):
    """A problem with the host set-up (missing build, emulator, tool)."""


class Interrupted(Exception):
    """kill_all_running() was called: no new emulator is started."""


class Spec:
    """One boot: which kernel, with which command line, how bounded.

    boot: "kernel" (multiboot -kernel) or "iso" (GRUB from a CD).
    machine: an engine's machine type (QEMU: pc or microvm); None for its
    default. emulator_args: extra arguments, a string (shell-split) or a list.
    grace: seconds to let the engine exit by itself after the result line.
    """

    def __init__(self, arch, cmdline="", build_dir=None, kernel=None, boot="kernel",
                 machine=None, emulator_args=None, timeout=None, grace=0.0):
        self.arch = arch
        self.cmdline = cmdline
        self.build_dir = build_dir or default_build_dir(arch)
        self.kernel = kernel
        self.boot = boot
        self.machine = machine
        self.emulator_args = emulator_args
        self.timeout = timeout
        self.grace = grace


def new_run(command=None):
    """What a boot produced. A dict so that callers and JSON see plain data."""
    return {
        "command": command,        # the argv that ran
        "serial_bytes": b"",       # all of COM1
        "log_text": "",            # the engine's own log (its evidence)
        "stderr_text": "",         # what it printed on stderr (or its debugger)
        "exit_status": None,
        "timed_out": False,
        "result_seen": False,      # a complete FAULTLINE-RESULT line arrived
        "seconds": 0.0,
        "vga": None,               # capture_vga: the 4000-byte text buffer
        "ppm": None,               # capture_vga(screendump=True): the rendered screen
        "error": None,             # capture_vga: why there is no screen
    }


class Engine:
    """The interface. Subclasses fill in what their engine does."""

    name = None
    title = None
    order = 100               # where it sorts in lists and matrices
    boots = ("kernel", "iso")
    default_timeout = 10.0
    # The machine where a headless -kernel boot costs least, for callers that
    # only read COM1 (the grader); None: the engine has one kind of machine.
    fast_machine = None

    def version(self):
        raise NotImplementedError

    def boot_timeout(self, spec):
        """How long spec's boot may take: its own timeout, else the engine's."""
        return spec.timeout or self.default_timeout

    def unavailable(self):
        """None when this engine can run on this host, else one line saying why."""
        return None

    def check(self, arch, boot="kernel", build_dir=None, kernel=None):
        raise NotImplementedError

    def run(self, spec):
        raise NotImplementedError

    def capture_vga(self, spec, screendump=False):
        raise NotImplementedError

    def triple_fault(self, run):
        raise NotImplementedError

    def failure(self, run):
        return None

    def chain_events(self, run):
        """The exception events the engine logged (tools/chain.py), or None
        when it logs none."""
        return None

    def provider(self):
        """What stands behind the engine where that changes what it does
        (KVM: which hypervisor module); None when nothing does."""
        return None


# --------------------------------------------------------------------------
# The kernel's last word: its result line (kernel/kmain.c, kernel/fault.c)
# --------------------------------------------------------------------------

RESULT_PREFIX = "FAULTLINE-RESULT "
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean_serial(data):
    """Serial bytes (or text) -> text with \\r removed."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "backslashreplace")
    return data.replace("\r", "")


def find_result_line(serial):
    """The last complete (newline-terminated) result line in the serial text.

    A line counts when, after stripping ANSI escapes and surrounding blanks,
    it starts with "FAULTLINE-RESULT ". Returns it (stripped) or None.
    """
    lines = clean_serial(serial).split("\n")
    for line in reversed(lines[:-1]):          # the last piece has no newline yet
        line = _ANSI.sub("", line).strip()
        if line.startswith(RESULT_PREFIX):
            return line
    return None


def has_complete_result_line(serial):
    return find_result_line(serial) is not None


# --------------------------------------------------------------------------
# Files of a build
# --------------------------------------------------------------------------

def default_build_dir(arch):
    return os.path.join(REPO_ROOT, "build", arch)


def show_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def setup_hint():
    if os.path.exists(os.path.join(TOOLS, "setup")):
        return "run tools/setup"
    return "install it with: sudo apt-get install qemu-system-x86 bochs"


def read_bytes(path):
    """A file's bytes, or b"" when it does not exist (yet)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def read_text(path):
    return read_bytes(path).decode("utf-8", "replace")


def file_stamp(path):
    """(mtime, size) of a file, to notice a rebuild during a boot; or None."""
    try:
        st = os.stat(path)
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return None


def write_kargs_floppy(path, cmdline):
    """The floppy image GRUB's kargs ISO reads the command line from."""
    subprocess.run([MKKARGS, path, cmdline], check=True, stdin=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# Processes: every emulator runs in its own session, is bounded, and is
# killed by its process group (never by name) and reaped.
# --------------------------------------------------------------------------

# Every emulator process started here and not yet reaped, so an interrupted
# caller (the matrix's Ctrl-C) can end exactly those, by pid.
_live = set()
_live_lock = threading.Lock()
_stopping = False


def spawn(cmd, popen=subprocess.Popen, **kwargs):
    """Start cmd in a session of its own and remember it until reaped."""
    with _live_lock:
        if _stopping:
            raise Interrupted("emulators are being stopped")
        proc = popen(cmd, start_new_session=True, **kwargs)
        _live.add(proc)
    return proc


def reap(proc):
    """Kill proc's process group if it still runs, wait for it, forget it."""
    if proc is None:
        return
    kill_group(proc)
    proc.wait()
    with _live_lock:
        _live.discard(proc)


def kill_group(proc):
    """SIGKILL proc's process group (its own session), only while unreaped."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        proc.kill()


def kill_all_running(stop=True):
    """End every emulator started here that is still running and, with stop,
    refuse to start new ones (a Ctrl-C in a caller with worker threads)."""
    global _stopping
    with _live_lock:
        if stop:
            _stopping = True
        procs = list(_live)
    for proc in procs:
        kill_group(proc)


def live_processes():
    with _live_lock:
        return set(_live)
