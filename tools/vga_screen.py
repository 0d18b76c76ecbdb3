"""faultline: read the VGA text screen itself, compare it with golden screens,
and render it to PNG.

Python 3 standard library only. Used by tools/golden, tools/screenshots and
tests/test_golden_screens.py.

The kernel draws its screens in the VGA text buffer at physical 0xB8000: 80x25
cells of two bytes, the character (code page 437) and an attribute
(foreground colour in the low nibble, background in the high one). The COM1
mirror of the screen is tested by the boot matrix; this module tests the
buffer the learner actually sees, in both emulators:

  * QEMU: boot as tools/run-scenario does (faultline_scenarios.build_qemu_command,
    -kernel), plus an HMP monitor on a unix socket. Once COM1 shows the
    FAULTLINE-RESULT line the kernel has halted and the screen is final; the
    monitor then runs `pmemsave 0xb8000 4000 FILE` (and, for screenshots,
    `screendump FILE.ppm`) and `quit`.
  * Bochs: boot the kargs ISO as run_scenario does, with a debugger script
    `c` / `writemem FILE 0xb8000 4000` / `quit`: SIGINT (once the result line
    is in COM1's file) stops the `c`, and the next lines dump the buffer.
    writemem takes a linear address: this relies on the kernel identity-mapping
    the first MiB (both back ends do).

Every emulator runs in its own session, bounded by a timeout, is killed by its
process group (never by name) and always reaped.

Golden screens (tests/golden/<arch>-<screen>.txt, format in
tests/golden/README.md) hold the *masked* screen: see mask_screen() for the
rule.
"""

import difflib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import faultline_scenarios as fs  # noqa: E402

ROWS, COLS = 25, 80
VGA_BASE = 0xB8000
VGA_BYTES = ROWS * COLS * 2

REPO_ROOT = fs.REPO_ROOT
GOLDEN_DIR = os.path.join(REPO_ROOT, "tests", "golden")
SCREENSHOT_DIR = os.path.join(REPO_ROOT, "lessons", "screenshots")

COLOUR_NAMES = ("black", "blue", "green", "cyan", "red", "magenta", "brown",
                "light grey", "dark grey", "light blue", "light green", "light cyan",
                "light red", "light magenta", "yellow", "white")

# --------------------------------------------------------------------------
# The screens
# --------------------------------------------------------------------------

# Labels after which a hex number is kept on every screen: values that must
# not vary between builds (error codes, selectors, TSS selectors, back-link).
GLOBAL_KEEP = ("error", "error_code", "CS", "SS", "TSS", "back-link", "selector")


class ScreenSpec:
    """One screen: an id (file names), the kernel command line, and masking.

    keep: labels whose hex value is kept on this screen, besides GLOBAL_KEEP.
    mask: False for screens with nothing that varies (menu, bad command line).
    golden: compared by tools/golden and the tests. screenshot: rendered by
    tools/screenshots. skip: why there is no screen (triple fault).
    """

    def __init__(self, id, cmdline, keep=(), mask=True, golden=True, screenshot=True,
                 skip=None, title=None):
        self.id = id
        self.cmdline = cmdline
        self.keep = tuple(keep)
        self.mask = mask
        self.golden = golden
        self.screenshot = screenshot
        self.skip = skip
        self.title = title or (cmdline or "(no command line)")

    def keep_labels(self):
        return tuple(GLOBAL_KEEP) + self.keep

    def __repr__(self):
        return "ScreenSpec(%r)" % self.id


SCREENS = (
    ScreenSpec("page_fault", "scenario=page_fault", keep=("CR2", "cr2"),
               title="#PF caught on the kernel stack, CR2 0xdeadbeef"),
    ScreenSpec("stack_overflow", "scenario=stack_overflow",
               title="#DF caught on the safe stack (i386 task gate / x86_64 IST1)"),
    ScreenSpec("page_fault-handlers_df-df_stack", "scenario=page_fault handlers=df df=stack",
               keep=("CR2", "cr2"),
               title="#PF with no gate -> #DF through an ordinary gate"),
    ScreenSpec("divide_error", "scenario=divide_error", title="#DE caught"),
    ScreenSpec("menu", "", mask=False, title="no scenario: the menu"),
    ScreenSpec("bad_cmdline", "scenario=bogus", mask=False,
               title="a bad command line: the red error"),
    ScreenSpec("stack_overflow-df_stack", "scenario=stack_overflow df=stack", golden=False,
               skip="a triple fault: the CPU resets, the kernel draws no screen"),
)


def screen_spec(screen_id):
    for s in SCREENS:
        if s.id == screen_id:
            return s
    raise KeyError(screen_id)


def golden_screens():
    return [s for s in SCREENS if s.golden]


def golden_path(arch, spec, golden_dir=None):
    return os.path.join(golden_dir or GOLDEN_DIR, "%s-%s.txt" % (arch, spec.id))


# --------------------------------------------------------------------------
# Decoding and masking
# --------------------------------------------------------------------------

class Screen:
    """25 rows of text, foreground and background, each exactly 80 cells.

    text[r][c] is the character (CP437 decoded; NUL shown as a blank),
    fg[r][c] / bg[r][c] one hex digit, the VGA colour number. fg of a blank
    cell is '.' (invisible, so not compared).
    """

    def __init__(self, text, fg, bg):
        if not (len(text) == len(fg) == len(bg) == ROWS):
            raise ValueError("a screen has %d rows" % ROWS)
        for rows in (text, fg, bg):
            for r in rows:
                if len(r) != COLS:
                    raise ValueError("a row has %d cells, not %d: %r" % (len(r), COLS, r))
        self.text = list(text)
        self.fg = list(fg)
        self.bg = list(bg)

    @classmethod
    def from_bytes(cls, data):
        if len(data) < VGA_BYTES:
            raise ValueError("VGA dump has %d bytes, expected %d" % (len(data), VGA_BYTES))
        text, fg, bg = [], [], []
        for r in range(ROWS):
            t, f, b = [], [], []
            for c in range(COLS):
                ch, attr = data[(r * COLS + c) * 2], data[(r * COLS + c) * 2 + 1]
                char = " " if ch == 0 else bytes([ch]).decode("cp437")
                t.append(char)
                f.append("." if char == " " else "%x" % (attr & 0xF))
                b.append("%x" % (attr >> 4))
            text.append("".join(t))
            fg.append("".join(f))
            bg.append("".join(b))
        return cls(text, fg, bg)

    def lines(self):
        """Text rows without trailing blanks."""
        return [r.rstrip(" ") for r in self.text]

    def body(self):
        """The golden file's body: the three blocks (see tests/golden/README.md)."""
        out = ["=== text"]
        out += [r.rstrip(" ") for r in self.text]
        out.append("=== foreground")
        out += [r.rstrip(".") for r in self.fg]
        out.append("=== background")
        out += self.bg
        return "\n".join(out) + "\n"

    @classmethod
    def from_body(cls, lines):
        """Parse the three blocks (a list of lines, headers already removed)."""
        def block(name, start):
            if start >= len(lines) or lines[start] != "=== " + name:
                raise ValueError("expected '=== %s' at body line %d" % (name, start + 1))
            rows = lines[start + 1:start + 1 + ROWS]
            if len(rows) != ROWS:
                raise ValueError("block %s has %d rows, expected %d" % (name, len(rows), ROWS))
            return rows
        text = [r.ljust(COLS) for r in block("text", 0)]
        fg = [r.ljust(COLS, ".") for r in block("foreground", ROWS + 1)]
        bg = block("background", 2 * (ROWS + 1))
        return cls(text, fg, bg)

    def __eq__(self, other):
        return isinstance(other, Screen) and self.body() == other.body()

    def __ne__(self, other):
        return not self == other


HEX = re.compile(r"0x[0-9a-fA-F]+")
# The word right before a hex number, with blanks and at most one '=' between:
# "CS  0x0008", "error_code=0x2", "TSS 0x18". A word starts with a letter.
LABEL_BEFORE = re.compile(r"(?<![\w.\[\]-])([A-Za-z][\w.\[\]-]*) *=? *$")
# QEMU's -kernel puts the image path first on the command line (GRUB does
# not): the bad-command-line screen echoes it after "command line: ".
# "recurse+0x1c (x111)": a frame repeated 111 times in the backtrace.
REPEAT = re.compile(r"\(x(\d+)\)")
CMDLINE_ROW = re.compile(r"^(command line: )([^ =]+ )")


def label_before(text, pos):
    m = LABEL_BEFORE.search(text[max(0, pos - 48):pos])
    return m.group(1) if m else None


def mask_hex(text, keep_labels):
    """Replace each 0x<hex> in text by 0x and as many '#' as it had digits,
    unless the word before it is one of keep_labels. Length-preserving."""
    keep = set(keep_labels)

    def repl(m):
        if label_before(text, m.start()) in keep:
            return m.group(0)
        return "0x" + "#" * (len(m.group(0)) - 2)
    return HEX.sub(repl, text)


def mask_screen(screen, spec):
    """The masked copy of screen that golden files hold and comparisons use.

    1. Hex numbers (0x...) are replaced by 0x### (as many # as digits) unless
       the word right before them (blanks and one '=' between) is in
       spec.keep_labels(): GLOBAL_KEEP everywhere (error, error_code, CS, SS,
       TSS, back-link, selector) plus the screen's own (page_fault: CR2 and
       cr2, whose 0xdeadbeef must not vary). Screens with mask=False (menu,
       bad command line: nothing there varies) keep every number. The screen
       is masked as one 2000-character string, so a number in a line that
       wrapped onto the next row is masked whole, and its label found.
       Masking keeps the length: a number whose digit count changes (an
       offset growing from 0x9 to 0x10) is a diff; tools/golden --update.
    2. Repetition counts in the backtrace, "recurse+0x## (x111)": the depth
       of the recursion depends on frame sizes, so its digits become '#'.
    3. "command line: <word without '='> ...": that first word is the image
       path QEMU's -kernel puts first (GRUB passes none), so it is removed
       and the row shifted left, padded with blanks of the row's last colour.
    """
    flat = "".join(screen.text)
    if spec.mask:
        flat = mask_hex(flat, spec.keep_labels())
        flat = REPEAT.sub(lambda m: "(x" + "#" * len(m.group(1)) + ")", flat)
    text = [flat[r * COLS:(r + 1) * COLS] for r in range(ROWS)]
    fg, bg = list(screen.fg), list(screen.bg)
    for r in range(ROWS):
        m = CMDLINE_ROW.match(text[r])
        if m:
            a, b = m.start(2), m.end(2)
            n = b - a
            text[r] = text[r][:a] + text[r][b:] + " " * n
            fg[r] = fg[r][:a] + fg[r][b:] + "." * n
            bg[r] = bg[r][:a] + bg[r][b:] + bg[r][-1] * n
    return Screen(text, fg, bg)


# --------------------------------------------------------------------------
# Golden files
# --------------------------------------------------------------------------

GOLDEN_VERSION = "faultline golden screen v1"


def golden_text(arch, spec, masked):
    keep = "every number kept" if not spec.mask else \
        "0x... masked except after: " + " ".join(spec.keep_labels())
    header = [
        "# %s" % GOLDEN_VERSION,
        "# arch: %s  screen: %s" % (arch, spec.id),
        "# cmdline: %s" % (spec.cmdline or "(empty)"),
        "# masking: %s" % keep,
        "# Regenerate: tools/golden --update   (format: tests/golden/README.md)",
    ]
    return "\n".join(header) + "\n" + masked.body()


def parse_golden(text):
    """Golden file text -> (header lines, Screen)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return lines[:i], Screen.from_body(lines[i:])


def read_golden(arch, spec, golden_dir=None):
    """(Screen or None, problem or None)."""
    path = golden_path(arch, spec, golden_dir)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, "no golden file %s: run tools/golden --update" % os.path.relpath(path)
    try:
        return parse_golden(text)[1], None
    except ValueError as exc:
        return None, "%s: %s" % (os.path.relpath(path), exc)


def write_golden(arch, spec, masked, golden_dir=None):
    path = golden_path(arch, spec, golden_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(golden_text(arch, spec, masked))
    return path


def _colour(row, col, who):
    digit = row[col] if col < len(row) else "."
    if digit == ".":
        return "blank in %s" % who
    return "%s %s in %s" % (digit, COLOUR_NAMES[int(digit, 16)], who)


def diff_screens(expected, actual, from_label="expected", to_label="actual", context=1):
    """A readable diff: per block (text, foreground, background), a unified
    diff whose hunk headers give row numbers (1-25), and the first differing
    cell of a row changed in place. When rows were inserted or removed in the
    text, the colour blocks are only mentioned (they shift with the text).
    '' when equal."""
    out = []
    blocks = (("text", lambda s: [r.rstrip(" ") for r in s.text]),
              ("foreground", lambda s: [r.rstrip(".") for r in s.fg]),
              ("background", lambda s: s.bg))
    text_moved = False
    shifted = []
    for name, get in blocks:
        a, b = get(expected), get(actual)
        if a == b:
            continue
        if name != "text" and text_moved:
            shifted.append(name)
            continue
        out.extend(difflib.unified_diff(a, b, "%s %s" % (from_label, name),
                                        "%s %s" % (to_label, name), n=context, lineterm=""))
        ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
        if name == "text" and any(op in ("insert", "delete") or (i2 - i1) != (j2 - j1)
                                  for op, i1, i2, j1, j2 in ops if op != "equal"):
            text_moved = True
        # Point at the first cell of the first row changed in place.
        for op, i1, i2, j1, j2 in ops:
            if op != "replace" or (i2 - i1) != (j2 - j1):
                continue
            pad = {"text": " ", "foreground": "."}.get(name, "0")
            x, y = a[i1].ljust(COLS, pad), b[j1].ljust(COLS, pad)
            col = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q),
                       min(len(x), len(y)))
            where = "  (row %d first differs at column %d" % (i1 + 1, col + 1)
            if name != "text":
                where += ": %s %s, %s" % (name, _colour(x, col, from_label),
                                         _colour(y, col, to_label))
            out.append(where + ")")
            break
    if shifted:
        out.append("  (the %s rows moved with the text)" % " and ".join(shifted))
    return "\n".join(out)


# --------------------------------------------------------------------------
# Running the emulators
# --------------------------------------------------------------------------

_live = set()
_live_lock = threading.Lock()
_stopping = False


class Stopped(Exception):
    """kill_all() was called: no new emulator is started."""


def _start(cmd, **kw):
    with _live_lock:
        if _stopping:
            raise Stopped("emulators are being stopped")
        proc = subprocess.Popen(cmd, start_new_session=True, **kw)
        _live.add(proc)
    return proc


def _end(proc):
    """SIGKILL proc's process group if it still runs, then reap it."""
    if proc is None:
        return
    fs.kill_group(proc)
    proc.wait()
    with _live_lock:
        _live.discard(proc)


def kill_all():
    """End every emulator this module started (Ctrl-C in a caller)."""
    global _stopping
    with _live_lock:
        _stopping = True
        procs = list(_live)
    for proc in procs:
        fs.kill_group(proc)


class Capture:
    """What one boot gave: serial text, result line, the VGA dump and,
    on request, QEMU's screendump (PPM bytes). error is None when all went
    well."""

    def __init__(self, emulator, arch, cmdline):
        self.emulator = emulator
        self.arch = arch
        self.cmdline = cmdline
        self.serial = ""
        self.result_line = None
        self.vga = None
        self.ppm = None
        self.seconds = None
        self.error = None
        self.build_changed = False

    def screen(self):
        return Screen.from_bytes(self.vga) if self.vga is not None else None

    def __repr__(self):
        return "Capture(%s %s %r: %s)" % (self.emulator, self.arch, self.cmdline,
                                          self.error or "ok")


_PROMPT = b"(qemu) "
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Monitor:
    """A minimal HMP client on QEMU's unix-socket monitor."""

    def __init__(self, path, deadline):
        self.sock = None
        last = None
        while time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.sock = s
                break
            except OSError as exc:
                s.close()
                last = exc
                time.sleep(0.05)
        if self.sock is None:
            raise OSError("cannot connect to the QEMU monitor %s: %s" % (path, last))
        self.deadline = deadline
        self._read_prompt()

    def _read_prompt(self):
        buf = b""
        while not buf.endswith(_PROMPT):
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise OSError("the QEMU monitor did not answer in time")
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            if not data:
                raise OSError("the QEMU monitor closed the connection")
            buf += data
        return buf

    def command(self, line):
        """Run one command; its output (the echo and the prompt removed)."""
        self.sock.sendall(line.encode() + b"\n")
        buf = self._read_prompt()
        body = buf[:-len(_PROMPT)]
        if b"\r\n" in body:
            body = body.split(b"\r\n", 1)[1]     # drop the echoed command line
        return _ANSI.sub(b"", body).decode("utf-8", "replace").strip()

    def send(self, line):
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError:
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _wait_file(path, size, deadline):
    while time.monotonic() < deadline:
        try:
            if os.path.getsize(path) >= size:
                return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def _tail(text, n=4):
    return " | ".join([l for l in text.splitlines() if l.strip()][-n:])


def capture_qemu(arch, cmdline, build_dir=None, timeout=10.0, vga=True, screendump=False):
    """Boot cmdline in QEMU (-kernel) and, once the result line is on COM1,
    read the VGA buffer (pmemsave) and/or the rendered screen (screendump)."""
    build_dir = build_dir or fs.default_build_dir(arch)
    cap = Capture("qemu", arch, cmdline)
    fs.check_host(arch, "qemu", "kernel", build_dir)
    image = fs.boot_image(build_dir)
    before = fs.file_stamp(image)
    start = time.monotonic()
    deadline = start + timeout
    workdir = tempfile.mkdtemp(prefix="faultline-vga-")
    sock_path = os.path.join(workdir, "monitor.sock")
    vga_path = os.path.join(workdir, "vga.bin")
    ppm_path = os.path.join(workdir, "screen.ppm")
    log_path = os.path.join(workdir, "qemu.log")
    err_path = os.path.join(workdir, "qemu.stderr")
    # The image is given relative to its directory (QEMU runs there), so the
    # path QEMU puts first on the command line is short and the same on every
    # host: the bad-command-line screen shows it.
    cmd = fs.build_qemu_command(arch, log_path, kernel=os.path.basename(image),
                                cmdline=cmdline,
                                emulator_args=["-monitor", "unix:%s,server,nowait" % sock_path])
    proc = monitor = None
    serial = b""
    try:
        with open(err_path, "wb") as err:
            proc = _start(cmd, cwd=os.path.dirname(image), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=err)
        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        eof = False
        while not fs.has_complete_result_line(serial):
            if time.monotonic() >= deadline:
                break
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                if proc.poll() is not None and eof:
                    break
                time.sleep(0.02)
                continue
            if not data:
                eof = True
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
                continue
            serial += data
        cap.serial = fs.clean_serial(serial)
        cap.result_line = fs.find_result_line(serial)
        if cap.result_line is None:
            log = fs.read_bytes(log_path).decode("utf-8", "replace")
            if fs.log_shows_triple_fault(log):
                cap.error = "triple fault (QEMU log): no screen"
            elif proc.poll() is not None:
                cap.error = "QEMU exited (status %s) without a result line: %s" % (
                    proc.returncode, _tail(fs.read_bytes(err_path).decode("utf-8", "replace")))
            else:
                cap.error = "no result line within %g s" % timeout
            return cap
        # Room for the monitor even when the boot took most of the timeout.
        mon_deadline = max(deadline, time.monotonic() + 5.0)
        monitor = Monitor(sock_path, mon_deadline)
        if vga:
            out = monitor.command('pmemsave 0x%x %d "%s"' % (VGA_BASE, VGA_BYTES, vga_path))
            if not _wait_file(vga_path, VGA_BYTES, mon_deadline):
                cap.error = "pmemsave wrote no %d-byte file%s" % (
                    VGA_BYTES, (": " + out) if out else "")
                return cap
            cap.vga = fs.read_bytes(vga_path)[:VGA_BYTES]
        if screendump:
            out = monitor.command('screendump "%s"' % ppm_path)
            if not _wait_file(ppm_path, 16, mon_deadline):
                cap.error = "screendump wrote no file%s" % ((": " + out) if out else "")
                return cap
            cap.ppm = fs.read_bytes(ppm_path)
        monitor.send("quit")
        try:
            proc.wait(timeout=3.0)
        except subprocess.TimeoutExpired:
            pass
    except OSError as exc:
        cap.error = str(exc)
        return cap
    finally:
        if monitor is not None:
            monitor.close()
        if proc is not None:
            _end(proc)
            proc.stdout.close()
        cap.seconds = round(time.monotonic() - start, 3)
        cap.build_changed = fs.file_stamp(image) != before
        _rmtree(workdir)
    return cap


BOCHS_RC = 'c\nwritemem "%s" 0x%x %d\nquit\n'


def capture_bochs(arch, cmdline, build_dir=None, timeout=30.0):
    """Boot cmdline in Bochs (kargs ISO + floppy) and dump the VGA buffer
    with the debugger's writemem once the result line is on COM1."""
    build_dir = build_dir or fs.default_build_dir(arch)
    cap = Capture("bochs", arch, cmdline)
    fs.check_host(arch, "bochs", "iso", build_dir)
    iso = fs.bochs_iso(build_dir)
    before = fs.file_stamp(iso)
    start = time.monotonic()
    deadline = start + timeout
    workdir = tempfile.mkdtemp(prefix="faultline-vga-")
    vga_path = os.path.join(workdir, "vga.bin")
    serial_path = os.path.join(workdir, "com1.txt")
    log_path = os.path.join(workdir, "bochs.log")
    out_path = os.path.join(workdir, "debugger.txt")
    kargs_img = os.path.join(workdir, "kargs.img")
    rc_path = os.path.join(workdir, "vga.rc")
    proc = None
    try:
        subprocess.run([fs.MKKARGS, kargs_img, cmdline], check=True,
                       stdin=subprocess.DEVNULL)
        with open(rc_path, "w") as f:
            f.write(BOCHS_RC % (vga_path, VGA_BASE, VGA_BYTES))
        cmd = fs.build_bochs_command(rc_path)
        env = fs.bochs_environment(iso, kargs_img, serial_path, log_path)
        with open(out_path, "wb") as out:
            proc = fs.start_bochs(cmd, env, popen=_start, stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.STDOUT)
        seen = False
        while proc.poll() is None and time.monotonic() < deadline:
            if fs.has_complete_result_line(fs.read_bytes(serial_path)):
                seen = True
                break
            time.sleep(0.05)
        serial = fs.read_bytes(serial_path)
        cap.serial = fs.clean_serial(serial)
        cap.result_line = fs.find_result_line(serial)
        if not seen:
            log = fs.read_bytes(log_path).decode("utf-8", "replace")
            if fs.log_shows_triple_fault(log):
                cap.error = "triple fault (Bochs log): no screen"
            elif proc.poll() is not None:
                cap.error = "Bochs exited (status %s) without a result line: %s" % (
                    proc.returncode, _tail(fs.read_bytes(out_path).decode("utf-8", "replace")))
            else:
                cap.error = "no result line within %g s" % timeout
            return cap
        # Stop the `c`: the debugger then runs writemem and quit.
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=10.0)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        data = fs.read_bytes(vga_path)
        if len(data) < VGA_BYTES:
            cap.error = "Bochs's writemem left %d bytes, not %d: %s" % (
                len(data), VGA_BYTES, _tail(fs.read_bytes(out_path).decode("utf-8", "replace")))
            return cap
        cap.vga = data[:VGA_BYTES]
    except (OSError, subprocess.CalledProcessError) as exc:
        cap.error = str(exc)
        return cap
    finally:
        if proc is not None:
            _end(proc)
        cap.seconds = round(time.monotonic() - start, 3)
        cap.build_changed = fs.file_stamp(iso) != before
        _rmtree(workdir)
    return cap


def capture(emulator, arch, cmdline, build_dir=None, timeout=None):
    if emulator == "qemu":
        return capture_qemu(arch, cmdline, build_dir, timeout or 10.0)
    if emulator == "bochs":
        return capture_bochs(arch, cmdline, build_dir, timeout or 30.0)
    raise ValueError("unknown emulator %r" % (emulator,))


def _rmtree(path):
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def check_capture(cap, spec, golden_dir=None):
    """Problems (a list of strings, empty when it matches) of one capture
    against its golden screen."""
    if cap.error:
        msg = cap.error
        if cap.build_changed:
            msg += " (the build changed during this boot: rerun)"
        return [msg]
    expected, problem = read_golden(cap.arch, spec, golden_dir)
    if problem:
        return [problem]
    expected = mask_screen(expected, spec)      # a no-op on a masked file
    actual = mask_screen(cap.screen(), spec)
    if actual == expected:
        return []
    msg = "screen differs from %s:\n%s" % (
        os.path.relpath(golden_path(cap.arch, spec, golden_dir)),
        diff_screens(expected, actual, "golden", cap.emulator))
    if cap.build_changed:
        msg += "\n(the build changed during this boot: rerun)"
    return [msg]


def check_agree(qemu_cap, bochs_cap, spec):
    """Problems if QEMU's and Bochs's masked screens differ."""
    if qemu_cap.error or bochs_cap.error:
        return ["no screen to compare (%s)" % "; ".join(
            "%s: %s" % (c.emulator, c.error) for c in (qemu_cap, bochs_cap) if c.error)]
    q = mask_screen(qemu_cap.screen(), spec)
    b = mask_screen(bochs_cap.screen(), spec)
    if q == b:
        return []
    return ["QEMU's and Bochs's screens differ:\n%s" % diff_screens(q, b, "qemu", "bochs")]


# --------------------------------------------------------------------------
# PPM -> PNG
# --------------------------------------------------------------------------

def parse_ppm(data):
    """A binary PPM (P6, maxval 255) -> (width, height, rgb bytes)."""
    tokens = []
    i = 0
    if data[:2] != b"P6":
        raise ValueError("not a binary PPM (P6)")
    i = 2
    while len(tokens) < 3:
        while i < len(data) and data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            while i < len(data) and data[i:i + 1] not in (b"\n", b"\r"):
                i += 1
            continue
        j = i
        while j < len(data) and not data[j:j + 1].isspace():
            j += 1
        if j == i:
            raise ValueError("truncated PPM header")
        tokens.append(int(data[i:j]))
        i = j
    width, height, maxval = tokens
    if maxval != 255:
        raise ValueError("PPM maxval %d not supported" % maxval)
    i += 1                                   # the single blank after maxval
    rgb = data[i:i + width * height * 3]
    if len(rgb) != width * height * 3:
        raise ValueError("PPM has %d bytes of pixels, expected %d"
                         % (len(rgb), width * height * 3))
    return width, height, bytes(rgb)


def _chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def encode_png(width, height, rgb):
    """RGB bytes -> PNG bytes: palette (colour type 3) when there are at most
    256 colours, as on a text screen, else truecolour (type 2)."""
    stride = width * 3
    pixels = [rgb[k:k + 3] for k in range(0, len(rgb), 3)]
    palette = {}
    for p in pixels:
        if p not in palette:
            palette[p] = len(palette)
            if len(palette) > 256:
                break
    raw = bytearray()
    if len(palette) <= 256:
        index = bytes(palette[p] for p in pixels)
        for y in range(height):
            raw.append(0)
            raw += index[y * width:(y + 1) * width]
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
        plte = b"".join(sorted(palette, key=palette.get))
        chunks = [_chunk(b"IHDR", ihdr), _chunk(b"PLTE", plte)]
    else:
        for y in range(height):
            raw.append(0)
            raw += rgb[y * stride:(y + 1) * stride]
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        chunks = [_chunk(b"IHDR", ihdr)]
    chunks.append(_chunk(b"IDAT", zlib.compress(bytes(raw), 9)))
    chunks.append(_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def ppm_to_png(ppm):
    return encode_png(*parse_ppm(ppm))


def decode_png(data):
    """Minimal PNG reader for this module's own output (tests): (w, h, rgb)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    i = 8
    idat = b""
    plte = None
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind, payload = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        (crc,) = struct.unpack(">I", data[i + 8 + n:i + 12 + n])
        if zlib.crc32(kind + payload) & 0xFFFFFFFF != crc:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", payload[:10])
        elif kind == b"PLTE":
            plte = payload
        elif kind == b"IDAT":
            idat += payload
        i += 12 + n
    raw = zlib.decompress(idat)
    bpp = 1 if ctype == 3 else 3
    out = bytearray()
    for y in range(h):
        row = raw[y * (w * bpp + 1):(y + 1) * (w * bpp + 1)]
        if row[0] != 0:
            raise ValueError("filter %d not supported" % row[0])
        if ctype == 3:
            for k in row[1:]:
                out += plte[k * 3:k * 3 + 3]
        else:
            out += row[1:]
    return w, h, bytes(out)


# --------------------------------------------------------------------------
# Many boots
# --------------------------------------------------------------------------

def capture_many(tasks, jobs=2, timeout=None, screendump=False, on_done=None):
    """Boot each (emulator, arch, spec) of tasks, `jobs` at a time (Bochs
    first: its boots are the slowest). Returns {(emulator, arch, spec.id): Capture}.
    on_done(capture, spec) is called as each finishes. Raises ToolError from
    faultline_scenarios for a missing build or emulator before booting."""
    from concurrent.futures import ThreadPoolExecutor, as_completed
    for emu, arch in sorted({(e, a) for e, a, _s in tasks}):
        fs.check_host(arch, emu, "iso" if emu == "bochs" else "kernel")

    def one(task):
        emu, arch, spec = task
        try:
            if emu == "qemu":
                cap = capture_qemu(arch, spec.cmdline, timeout=timeout or 10.0,
                                   screendump=screendump)
            else:
                cap = capture_bochs(arch, spec.cmdline, timeout=timeout or 30.0)
        except Stopped:
            cap = Capture(emu, arch, spec.cmdline)
            cap.error = "interrupted"
        except fs.ToolError as exc:
            cap = Capture(emu, arch, spec.cmdline)
            cap.error = str(exc)
        return task, cap

    ordered = sorted(tasks, key=lambda t: t[0] != "bochs")
    results = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(one, t) for t in ordered]
        for fut in as_completed(futures):
            (emu, arch, spec), cap = fut.result()
            results[(emu, arch, spec.id)] = cap
            if on_done:
                on_done(cap, spec)
    except KeyboardInterrupt:
        kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results
