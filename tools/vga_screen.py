"""faultline: read the VGA text screen itself, compare it with golden screens,
and render it to PNG.

Python 3 standard library only. Used by tools/golden, tools/screenshots and
tests/test_golden_screens.py.

The kernel draws its screens in the VGA text buffer at physical 0xB8000: 80x25
cells of two bytes, the character (code page 437) and an attribute
(foreground colour in the low nibble, background in the high one). The COM1
mirror of the screen is tested by the boot matrix; this module tests the
buffer the learner actually sees, in both emulators:

  * each engine reads it its own way (engine.capture_vga, tools/engines/):
    QEMU and KVM boot as tools/run-scenario does, plus an HMP monitor on a
    unix socket; once COM1 shows the FAULTLINE-RESULT line the kernel has
    halted and the screen is final, and the monitor runs `pmemsave 0xb8000
    4000 FILE` (and, for screenshots, `screendump FILE.ppm`). Bochs boots the
    kargs ISO with a debugger script `c` / `writemem FILE 0xb8000 4000` /
    `quit`: SIGINT stops the `c`, and the next lines dump the buffer.
    writemem takes a linear address: this relies on the kernel
    identity-mapping the first MiB (both back ends do).

Every emulator runs in its own session, bounded by a timeout, is killed by its
process group (never by name) and always reaped (tools/engines/base.py).

Golden screens (tests/golden/<arch>-<screen>.txt, format in
tests/golden/README.md) hold the *masked* screen: see mask_screen() for the
rule.
"""

import difflib
import os
import re
import shutil
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
from engines import base  # noqa: E402

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
    machine: the QEMU machine the screen needs ("pc": the menu reads the
    8042 keyboard controller, which KVM's default microvm lacks).
    deviates: {engine: deviation id} where a known deviation (DEVIATIONS in
    tools/faultline_scenarios.py) changes this screen on that engine; its
    golden and agree tests are skipped there, naming the deviation.
    """

    def __init__(self, id, cmdline, keep=(), mask=True, golden=True, screenshot=True,
                 skip=None, title=None, starts=True, machine=None, deviates=None):
        self.id = id
        self.machine = machine        # a QEMU machine it needs (None: the engine's)
        self.deviates = dict(deviates or {})
        self.starts = starts          # the kernel starts up (paging, GDT, ...) for it
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
    ScreenSpec("user_page_fault", "scenario=user_page_fault", keep=("CR2", "cr2"),
               screenshot=False,
               title="#PF from ring 3: CPL 3 -> 0, the user SS:SP, the stack from TSS.ESP0/RSP0"),
    ScreenSpec("bad_rsp0", "scenario=bad_rsp0", screenshot=False,
               deviates={"kvm": "kvm-df-keeps-cr2"},
               title="a bad TSS.ESP0/RSP0: the user #PF cannot push its frame, #DF"),
    ScreenSpec("menu", "", mask=False, title="no scenario: the menu", starts=False,
               machine="pc"),
    ScreenSpec("menu-handlers_none", "handlers=none", mask=False, starts=False,
               screenshot=False, machine="pc",
               title="the menu, handlers=none: a triple fault expected"),
    ScreenSpec("bad_cmdline", "scenario=bogus", mask=False, starts=False,
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
# The result line's last field, the saved EFLAGS: its width is the engine's
# business (RF set or not: 0x46 or 0x10046), so all of it is masked.
RESULT_FLAGS = re.compile(r"(flags=0x)(#+)")
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
    4. The result line's "flags=0x...": whether RF is set is what engines
       differ in (README, "Engines"), and it changes the number's width, so
       it becomes "flags=0x#" and blanks, which the result line ends with.
    """
    flat = "".join(screen.text)
    blanked = []
    if spec.mask:
        flat = mask_hex(flat, spec.keep_labels())
        flat = REPEAT.sub(lambda m: "(x" + "#" * len(m.group(1)) + ")", flat)
        for m in RESULT_FLAGS.finditer(flat):
            blanked += range(m.start(2) + 1, m.end(2))
        flat = RESULT_FLAGS.sub(lambda m: m.group(1) + "#" + " " * (len(m.group(2)) - 1), flat)
    text = [flat[r * COLS:(r + 1) * COLS] for r in range(ROWS)]
    fg, bg = list(screen.fg), list(screen.bg)
    for i in blanked:               # a blank cell shows no foreground
        r, c = divmod(i, COLS)
        fg[r] = fg[r][:c] + "." + fg[r][c + 1:]
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


def capture(emulator, arch, cmdline, build_dir=None, timeout=None, screendump=False,
            machine=None):
    """Boot cmdline on an engine (tools/engines/) and read the VGA text buffer
    once COM1 shows the result line (the kernel has halted: the screen is
    final); with screendump (QEMU), also the rendered screen."""
    engine = engines.get(emulator)
    build_dir = build_dir or fs.default_build_dir(arch)
    cap = Capture(emulator, arch, cmdline)
    engine.check(arch, engine.boots[0], build_dir)
    watched = os.path.join(build_dir, "faultline.elf")
    before = fs.file_stamp(watched)
    spec = base.Spec(arch, cmdline, build_dir=build_dir, boot=engine.boots[0],
                     timeout=timeout, machine=machine)
    run = engine.capture_vga(spec, screendump=screendump)
    cap.serial = fs.clean_serial(run["serial_bytes"])
    cap.result_line = fs.find_result_line(cap.serial)
    cap.seconds = run["seconds"]
    cap.build_changed = fs.file_stamp(watched) != before
    cap.vga, cap.ppm = run["vga"], run["ppm"]
    evidence = engine.triple_fault(run)
    if cap.result_line is None:
        if evidence:
            cap.error = "triple fault (%s: %s): no screen" % (engine.title, evidence)
        elif engine.failure(run):
            cap.error = engine.failure(run)
        elif run["timed_out"]:
            cap.error = "no result line within %g s" % engine.boot_timeout(spec)
        else:
            cap.error = "%s exited (status %s) without a result line: %s" % (
                engine.title, run["exit_status"], _tail(run["stderr_text"]))
    elif run["error"]:
        cap.error = run["error"]
    elif cap.vga is None:
        cap.error = "no VGA buffer read"
    return cap


def _tail(text, n=4):
    return " | ".join([l for l in (text or "").splitlines() if l.strip()][-n:])


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


def check_agree(cap_a, cap_b, spec):
    """Problems if two engines' masked screens differ."""
    if cap_a.error or cap_b.error:
        return ["no screen to compare (%s)" % "; ".join(
            "%s: %s" % (c.emulator, c.error) for c in (cap_a, cap_b) if c.error)]
    a = mask_screen(cap_a.screen(), spec)
    b = mask_screen(cap_b.screen(), spec)
    if a == b:
        return []
    return ["%s's and %s's screens differ:\n%s" % (
        cap_a.emulator, cap_b.emulator, diff_screens(a, b, cap_a.emulator, cap_b.emulator))]



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
        engine = engines.get(emu)
        fs.check_host(arch, emu, engine.boots[0])

    def one(task):
        emu, arch, spec = task
        try:
            cap = capture(emu, arch, spec.cmdline, timeout=timeout,
                          screendump=screendump and emu != "bochs", machine=spec.machine)
        except fs.Interrupted:
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
        fs.kill_all_running()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results
