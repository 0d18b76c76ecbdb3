#!/usr/bin/env python3
"""The lessons cannot rot: every command a lesson (or a primer, in
lessons/primers/) shows is run, and every output it shows is checked
against the real output.

The convention (documented for authors in lessons/README.md): an HTML comment
on the line before a fenced block says what the block is.

  <!-- test: run -->          ```sh   each line runs from the repo root
                                      (bash, bounded); it must exit 0
  <!-- test: interactive -->  ```sh   commands that need a person (make run,
                                      make run-bochs, make debug-bochs, make
                                      debug, QEMU -S with GDB): the checker runs
                                      the headless equivalent instead (below)
  <!-- test: gdb-session -->  ```text what is typed at GDB's prompt, after an
                                      interactive block that starts GDB: fed
                                      to GDB in batch mode
  <!-- test: bochs-session --> ```text what is typed at the Bochs prompt after
                                      make debug-bochs stops at the magic
                                      breakpoint (default: c to each stop)
  <!-- test: expect-lines --> ```text each line must appear in the output of
                                      the command block above it; "0x…" stands
                                      for any hex number, "…" for any text, and
                                      a run of spaces for any run of blanks
  <!-- test: expect-regex --> ```text each line is a Python regex that must
                                      match somewhere in that output
  <!-- test: expect-json -->  ```json an object (or a list of objects, one per
                                      JSON line printed) whose keys must have
                                      these values in the JSON the command
                                      printed; string values are masked as in
                                      expect-lines

A sh/bash/shell/console block with no such comment fails the suite. So does
an expect block with no command block before it, a relative link to a file
that does not exist, or a `path/in/backticks` under kernel/, arch/, tools/,
drivers/, tests/ or lessons/ that does not exist, or a `name()` in backticks
that the sources under kernel/, arch/ and drivers/ do not define.

Interactive commands and what runs instead:
  make ARCH=a run [SCENARIO=s] [KARGS=k]        tools/run-scenario --arch a ...
  make ARCH=a run-bochs [SCENARIO=s] [KARGS=k] [RESET=1]
                                                the same with --emulator bochs
                                                (RESET=1 cannot be shown
                                                headless: the outcome is checked)
  make ARCH=a debug-bochs WALK=w                the walk-through, headless, to
                                                its end (tests/test_bochs_debugger)
  make ARCH=a debug-bochs [SCENARIO=s] [KARGS=k] the debug script, continued to
                                                the #DF entry and fault_report
  make ARCH=a debug [SCENARIO=s] [KARGS=k]      tools/run-gdb --batch with the
                                                gdb-session lines
  qemu-system-* ... -s -S                       started in the background on a
                                                free port (-gdb tcp::PORT)
  gdb ... -ex 'target remote 127.0.0.1:1234'   gdb -batch on that port, with
                                                the gdb-session lines
Every boot's outcome (and vector, name, stack) must be what
tools/faultline_scenarios.expected_outcome says for that command line.

Blocks of one lesson run in order (a walk-through writes files a later block
reads); lessons run two at a time. Needs the build; builds it if missing.

  python3 -m unittest tests.test_lessons -v
"""
import concurrent.futures
import glob
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
import host  # noqa: E402
from engines import bochs  # noqa: E402

LESSONS = os.path.join(ROOT, "lessons")
LESSON_DIRS = (
    "01-booting", "02-exceptions-and-the-idt", "03-triple-fault",
    "04-double-fault-handler", "05-exception-pairs",
    "06-stack-overflow-and-guard-pages", "07-tss-and-ist", "08-tss-and-task-gate",
    "09-reading-the-fault-screen", "10-debugging", "11-privilege-levels",
)
PRIMERS = ("segmentation.md", "gates.md", "paging.md")
COMMAND_TIMEOUT = 120
GDB_TIMEOUT = 60
SHELL_LANGS = ("sh", "bash", "shell", "console", "shell-session")
MARKER = re.compile(r"^<!--\s*test:\s*([a-z-]+)\s*-->\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)\s*$")


# ---- reading the lessons -------------------------------------------------

class Block:
    def __init__(self, path, line, lang, marker, text):
        self.path, self.line, self.lang, self.marker, self.text = path, line, lang, marker, text

    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, ROOT), self.line)

    def lines(self):
        """Non-blank lines that are not whole-line comments."""
        return [l for l in self.text.splitlines() if l.strip() and not l.lstrip().startswith("#")]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def lesson_files():
    """The lessons' index, every lesson and the primers (lessons/primers/):
    all are checked the same way."""
    files = [os.path.join(LESSONS, "README.md")]
    files += sorted(glob.glob(os.path.join(LESSONS, "[0-9][0-9]-*", "*.md")))
    files += sorted(glob.glob(os.path.join(LESSONS, "primers", "*.md")))
    return [f for f in files if os.path.exists(f)]


def parse_blocks(path):
    """Fenced blocks, each with the test marker on the nearest line above it
    (blank lines allowed in between)."""
    blocks, lines = [], read(path).split("\n")
    i, last_marker, marker_line = 0, None, -10
    while i < len(lines):
        m = MARKER.match(lines[i].strip())
        if m:
            last_marker, marker_line = m.group(1), i
            i += 1
            continue
        f = FENCE.match(lines[i].strip()) if not lines[i].startswith("    ") else None
        if f:
            fence, lang, start = f.group(1), f.group(2).lower(), i
            body = []
            i += 1
            while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                          and lines[i].strip().strip(fence[0]) == ""):
                body.append(lines[i])
                i += 1
            between = lines[marker_line + 1:start] if last_marker else []
            marker = last_marker if last_marker and all(not l.strip() for l in between) else None
            blocks.append(Block(path, start + 1, lang, marker, "\n".join(body) + "\n"))
            last_marker = None
        i += 1
    return blocks


# ---- masking ---------------------------------------------------------------

_MASK = re.compile(r"(0x…|…|[ \t]+)")


def masked_regex(expected):
    out = []
    for part in _MASK.split(expected):
        if part == "0x…":
            out.append(r"0x[0-9a-fA-F]+")
        elif part == "…":
            out.append(r".*?")
        elif part and not part.strip():
            out.append(r"[ \t]+")
        elif part:
            out.append(re.escape(part))
    return "".join(out)


def line_present(expected, output):
    rx = re.compile(masked_regex(expected.strip()))
    return any(rx.search(l) for l in output.splitlines())


def json_matches(expected, actual):
    """Every key of `expected` in `actual`, with equal values (strings masked)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and json_matches(v, actual[k])
                                                for k, v in expected.items())
    if isinstance(expected, str) and isinstance(actual, str):
        return re.fullmatch(masked_regex(expected), actual, re.S) is not None
    return expected == actual


# ---- running one command block -------------------------------------------

class Result:
    def __init__(self):
        self.output = ""        # what the learner would see (and COM1 text)
        self.json = []          # JSON objects printed, one per line
        self.failures = []

    def add(self, text):
        self.output += text
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                self.json.append(obj)
                if isinstance(obj.get("serial"), str):
                    self.output += "\n" + obj["serial"] + "\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_shell(line, result, where):
    try:
        p = subprocess.run(["bash", "-c", line], cwd=ROOT, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=COMMAND_TIMEOUT, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        result.failures.append("%s: `%s` did not finish in %d s" % (where, line, COMMAND_TIMEOUT))
        result.add((exc.output or b"").decode(errors="replace"))
        return
    result.add(p.stdout.decode(errors="replace"))
    if p.returncode != 0:
        result.failures.append("%s: `%s` exited with %d:\n%s"
                               % (where, line, p.returncode, p.stdout.decode(errors="replace")[-1500:]))


def make_words(line):
    """(target, {VAR: value}) of a make command line, or None."""
    words = shlex.split(line, comments=True)
    if not words or words[0] != "make":
        return None
    target, variables = None, {}
    for w in words[1:]:
        if "=" in w:
            k, v = w.split("=", 1)
            variables[k] = v
        else:
            target = w
    return target, variables


def kernel_cmdline(variables):
    scenario = variables.get("SCENARIO")
    parts = (["scenario=" + scenario] if scenario else []) + (
        [variables["KARGS"]] if variables.get("KARGS") else [])
    return " ".join(parts)


def expected_for(arch, cmdline, emulator):
    """What the project's own table says this command line must do."""
    opts = {}
    for word in cmdline.split():
        if "=" not in word or word.split("=", 1)[0] in opts:
            return {"outcome": "error"}
        k, v = word.split("=", 1)
        opts[k] = v
    known = {"scenario", "handlers", "df", "exit", "break"}
    if set(opts) - known:
        return {"outcome": "error"}
    if "scenario" not in opts:
        return {"outcome": "no_fault"}
    try:
        return fs.expected_outcome(arch, opts["scenario"], opts.get("handlers", "all"),
                                   opts.get("df", "safe"), emulator)
    except ValueError:
        return {"outcome": "error"}


def check_boot(obj, expected, where, result):
    for key in ("outcome", "vector", "name", "stack"):
        if key in expected and obj.get(key) != expected[key]:
            result.failures.append("%s: %s is %r, expected %r (cmdline %r)"
                                   % (where, key, obj.get(key), expected[key], obj.get("cmdline")))


def boot(arch, cmdline, emulator, where, result):
    cmd = [os.path.join(ROOT, "tools", "run-scenario"), "--arch", arch, "--emulator", emulator]
    if cmdline:
        cmd += ["--kargs", cmdline]
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=COMMAND_TIMEOUT)
    try:
        obj = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result.failures.append("%s: run-scenario printed no JSON:\n%s" % (where, p.stdout[-1500:]))
        return
    result.add(p.stdout)
    if obj.get("outcome") == "triple_fault":
        result.output += "\nTRIPLE FAULT\n"
    check_boot(obj, expected_for(arch, cmdline, emulator), where, result)


def debug_bochs(arch, variables, session, where, result):
    from test_bochs_debugger import run_debugger
    if variables.get("WALK"):
        out, serial, log = run_debugger(arch, "walk", variables["WALK"])
    else:
        cmdline = kernel_cmdline(variables)
        if " break=" not in " " + cmdline:
            cmdline = (cmdline + " break=on").strip()
        exp = expected_for(arch, cmdline, "bochs")
        stops = 2 if exp.get("name") == "#DF" else 1
        typed = "".join(l + "\n" for l in session) if session else "c\n" * stops
        out, serial, log = run_debugger(arch, "debug", cmdline=cmdline, typed=typed)
    result.output += out + "\n" + serial + "\n"
    if bochs.TRIPLE_FAULT.search(log):
        result.output += "\n" + bochs.TRIPLE_FAULT.search(log).group(0) + "\n"


def gdb_batch(session):
    args = []
    for cmd in session:
        args += ["-ex", cmd]
    return args


def run_interactive(block, session, result):
    where = block.where()
    qemu = None
    port = None
    try:
        for line in block.lines():
            words = shlex.split(line, comments=True)
            mk = make_words(line)
            if mk:
                target, var = mk
                arch = var.get("ARCH")
                if arch not in fs.ARCHES:
                    result.failures.append("%s: `%s` names no ARCH" % (where, line))
                    continue
                if target == "run":
                    boot(arch, kernel_cmdline(var), "qemu", where, result)
                elif target == "run-bochs":
                    boot(arch, kernel_cmdline(var), "bochs", where, result)
                elif target == "debug-bochs":
                    debug_bochs(arch, var, session, where, result)
                elif target == "debug":
                    cmd = [os.path.join(ROOT, "tools", "run-gdb"), "--arch", arch,
                           "--cmdline", kernel_cmdline(var)]
                    if session:
                        cmd += ["--batch"] + session
                    else:
                        cmd += ["--batch", "continue"]
                    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, timeout=GDB_TIMEOUT + 10)
                    result.add(p.stdout)
                    if p.returncode != 0:
                        result.failures.append("%s: `%s` (as %s) exited %d:\n%s"
                                               % (where, line, " ".join(cmd), p.returncode,
                                                  p.stdout[-1500:]))
                else:
                    result.failures.append("%s: no headless equivalent for `%s`" % (where, line))
            elif words and words[0].startswith("qemu-system-") and "-S" in words:
                port = free_port()
                words = [w for w in words if w != "&"]
                words = sum((["-gdb", "tcp:127.0.0.1:%d" % port] if w == "-s" else [w]
                             for w in words), [])
                missing = [w for w in words if w.startswith("build/") and not os.path.exists(
                    os.path.join(ROOT, w))]
                if missing:
                    result.failures.append("%s: %s does not exist" % (where, missing))
                    return
                qemu = subprocess.Popen(words, cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                time.sleep(0.3)
            elif words and words[0] == "gdb":
                if port is None:
                    result.failures.append("%s: gdb with no QEMU -S before it" % where)
                    return
                words = [w.replace(":1234", ":%d" % port) for w in words]
                missing = [w for w in words if w.startswith("build/") and not os.path.exists(
                    os.path.join(ROOT, w))]
                if missing:
                    result.failures.append("%s: %s does not exist" % (where, missing))
                    return
                # The lesson's `gdb`, as a learner on this host runs it: a GDB
                # that knows x86 (gdb-multiarch on ARM, x86_64-elf-gdb on macOS).
                cmd = [host.gdb_tool() or "gdb", "-nx", "-batch"] + words[1:] + gdb_batch(session + ["kill"])
                p = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   timeout=GDB_TIMEOUT)
                result.add(p.stdout)
                if "Remote connection closed" in p.stdout or "Connection refused" in p.stdout:
                    result.failures.append("%s: gdb could not talk to QEMU:\n%s"
                                           % (where, p.stdout[-1500:]))
            else:
                result.failures.append("%s: no headless equivalent for `%s`" % (where, line))
    finally:
        if qemu is not None:
            if qemu.poll() is None:
                os.killpg(qemu.pid, signal.SIGKILL)
            out, _ = qemu.communicate()
            result.output += "\n" + out.decode(errors="replace")


def check_expectation(block, command, result):
    where = block.where()
    if block.marker == "expect-lines":
        for line in block.text.splitlines():
            if line.strip() and not line_present(line, result.output):
                result.failures.append("%s: not in the output of %s: %r"
                                       % (where, command.where(), line.strip()))
    elif block.marker == "expect-regex":
        for line in block.text.splitlines():
            if line.strip() and not re.search(line.strip(), result.output, re.M):
                result.failures.append("%s: no match in the output of %s: %r"
                                       % (where, command.where(), line.strip()))
    elif block.marker == "expect-json":
        try:
            expected = json.loads(block.text)
        except ValueError as exc:
            result.failures.append("%s: not JSON: %s" % (where, exc))
            return
        expected = expected if isinstance(expected, list) else [expected]
        if len(expected) != len(result.json):
            result.failures.append("%s: %d JSON objects shown, %s printed %d"
                                   % (where, len(expected), command.where(), len(result.json)))
        for exp, got in zip(expected, result.json):
            if not json_matches(exp, got):
                shown = {k: got.get(k) for k in exp} if isinstance(got, dict) else got
                result.failures.append("%s: expected %s, got %s" % (where, exp, shown))


def lesson_plan(path):
    """[(command block, [gdb-session lines], [expect blocks])] in file order,
    and the problems found while reading (untagged, orphaned blocks)."""
    plan, problems = [], []
    for b in parse_blocks(path):
        if b.marker in ("run", "interactive"):
            if b.lang not in SHELL_LANGS:
                problems.append("%s: a %s block must be ```sh" % (b.where(), b.marker))
            plan.append([b, [], []])
        elif b.marker in ("gdb-session", "bochs-session"):
            if not plan or plan[-1][0].marker != "interactive":
                problems.append("%s: %s with no interactive block before it"
                                % (b.where(), b.marker))
            else:
                plan[-1][1] += [l.strip() for l in b.text.splitlines() if l.strip()]
        elif b.marker in ("expect-lines", "expect-regex", "expect-json"):
            if not plan:
                problems.append("%s: %s with no command block before it" % (b.where(), b.marker))
            else:
                plan[-1][2].append(b)
        elif b.marker is not None:
            problems.append("%s: unknown marker 'test: %s'" % (b.where(), b.marker))
        elif b.lang in SHELL_LANGS:
            problems.append("%s: ```%s block without a <!-- test: run|interactive --> marker"
                            % (b.where(), b.lang))
    return plan, problems


# A command block that boots one of these engines is not run where the
# engine cannot run (engines/*.py unavailable(): Bochs without a BIOS GRUB
# to make its ISO, KVM off x86 Linux): it is reported as skipped, and why.
ENGINE_WORDS = (("bochs", re.compile(r"\b(?:run-bochs|debug-bochs)\b|--emulator[ =]bochs\b")),
                ("kvm", re.compile(r"\bACCEL=kvm\b|--emulator[ =]kvm\b")))


def unavailable_engine(command):
    """Why this command block cannot run on this host, or None."""
    for name, rx in ENGINE_WORDS:
        if rx.search(command.text):
            why = engines.get(name).unavailable()
            if why:
                return why
    return None


def run_lesson(path):
    """Run a lesson's command blocks in order; [(where, failures, why not
    run or None, seconds)]."""
    outcomes = []
    plan, _ = lesson_plan(path)
    for command, session, expects in plan:
        why = unavailable_engine(command)
        if why:
            outcomes.append((command.where(), [], why, 0.0))
            continue
        result = Result()
        start = time.monotonic()
        try:
            if command.marker == "run":
                for line in command.lines():
                    run_shell(line, result, command.where())
            else:
                run_interactive(command, session, result)
        except Exception as exc:   # a timeout inside a helper, a crash: report it
            result.failures.append("%s: %s: %s" % (command.where(), type(exc).__name__, exc))
        for e in expects:
            check_expectation(e, command, result)
        outcomes.append((command.where(), result.failures, None, time.monotonic() - start))
    return outcomes


# ---- the tests -------------------------------------------------------------

def ensure_build():
    for arch in fs.ARCHES:
        need = [os.path.join(ROOT, "build", arch, n)
                for n in ("faultline.elf", "faultline.iso", "faultline-kargs.iso")]
        if not all(os.path.exists(n) for n in need):
            subprocess.run(["make", "ARCH=" + arch, "all"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)


class Lessons(unittest.TestCase):
    results = None

    @classmethod
    def setUpClass(cls):
        ensure_build()
        start = time.monotonic()
        files = lesson_files()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            # The slowest lessons (Bochs walk-throughs) first, so two workers balance.
            order = sorted(files, key=lambda f: -read(f).count("bochs"))
            cls.results = dict(zip(order, pool.map(run_lesson, order)))
        cls.seconds = time.monotonic() - start

    def test_every_lesson_exists_and_is_linked(self):
        for d in LESSON_DIRS:
            self.assertTrue(os.path.isfile(os.path.join(LESSONS, d, "README.md")), d)
        index = read(os.path.join(LESSONS, "README.md"))
        for d in LESSON_DIRS:
            self.assertIn("(%s/)" % d, index, "lessons/README.md does not link %s/" % d)

    def test_the_primers_exist_and_are_linked(self):
        """Each primer is in the lessons' index and the primers' own, and
        lessons 01-03 link the primers where they first need them."""
        index = read(os.path.join(LESSONS, "README.md"))
        primers = read(os.path.join(LESSONS, "primers", "README.md"))
        for p in PRIMERS:
            self.assertTrue(os.path.isfile(os.path.join(LESSONS, "primers", p)), p)
            self.assertIn("(primers/%s)" % p, index, "lessons/README.md does not link %s" % p)
            self.assertIn("(%s)" % p, primers, "lessons/primers/README.md does not link %s" % p)
        first_needed = {"01-booting": ("segmentation.md", "paging.md"),
                        "02-exceptions-and-the-idt": ("gates.md", "segmentation.md"),
                        "03-triple-fault": ("paging.md",)}
        for lesson, needed in first_needed.items():
            text = read(os.path.join(LESSONS, lesson, "README.md"))
            for p in needed:
                self.assertIn("(../primers/%s)" % p, text, "%s does not link %s" % (lesson, p))

    def test_time_is_stated_near_the_top(self):
        """A beginner sees how long a lesson or primer takes before starting."""
        files = [os.path.join(LESSONS, d, "README.md") for d in LESSON_DIRS[:3]]
        files += [os.path.join(LESSONS, "primers", p) for p in PRIMERS]
        for f in files:
            top = "\n".join(read(f).split("\n")[:12])
            self.assertRegex(top, r"\*\*Time: about \d+ minutes", os.path.relpath(f, ROOT))

    def test_every_command_block_is_tagged(self):
        problems = []
        for f in lesson_files():
            problems += lesson_plan(f)[1]
        self.assertEqual(problems, [], "\n".join(problems))

    def test_every_lesson_has_commands_for_both_arches(self):
        for d in LESSON_DIRS:
            text = read(os.path.join(LESSONS, d, "README.md"))
            plan, _ = lesson_plan(os.path.join(LESSONS, d, "README.md"))
            commands = "".join(c.text for c, _, _ in plan)
            for arch in fs.ARCHES:
                self.assertIn(arch, commands, "%s shows no command for %s" % (d, arch))
            self.assertIn("<details>", text, "%s has no answers in <details>" % d)

    def test_links_resolve(self):
        bad = []
        for f in lesson_files():
            text = read(f)
            for target in re.findall(r"\]\(([^)\s]+)\)", text):
                if re.match(r"[a-z]+:", target) or target.startswith("#"):
                    continue
                path = os.path.normpath(os.path.join(os.path.dirname(f), target.split("#")[0]))
                if not os.path.exists(path):
                    bad.append("%s: %s" % (os.path.relpath(f, ROOT), target))
        self.assertEqual(bad, [], "links to files that do not exist:\n" + "\n".join(bad))

    def test_named_files_exist(self):
        bad = []
        for f in lesson_files():
            text = read(f)
            for name in re.findall(r"`((?:kernel|arch|tools|drivers|tests|lessons)/[\w./-]+)`", text):
                if not os.path.exists(os.path.join(ROOT, name.rstrip("/"))):
                    bad.append("%s: %s" % (os.path.relpath(f, ROOT), name))
        self.assertEqual(bad, [], "files named in the lessons that do not exist:\n" + "\n".join(bad))

    def test_named_functions_exist(self):
        """`function()` in a lesson must be defined in the kernel's sources."""
        sources = ""
        for pattern in ("kernel/*.[ch]", "kernel/*.inc", "arch/*/*.[ch]", "arch/*/*.asm",
                        "drivers/*/*.[ch]"):
            for path in glob.glob(os.path.join(ROOT, pattern)):
                sources += read(path) + "\n"
        bad = []
        for f in lesson_files():
            for name in set(re.findall(r"`([A-Za-z_]\w*)\(\)`", read(f))):
                defined = (re.search(r"(?m)^[A-Za-z_][^\n;{}=#]*?\b%s\([^;\n]*$" % name, sources)
                           or re.search(r"(?m)^%s:" % name, sources))
                if name != "name" and not defined:
                    bad.append("%s: %s()" % (os.path.relpath(f, ROOT), name))
        self.assertEqual(bad, [], "functions named in the lessons that the kernel does not "
                         "define:\n" + "\n".join(bad))

    def test_commands_and_their_output(self):
        ran, timed = 0, []
        for f, outcomes in sorted(self.results.items()):
            for where, failures, why_not, seconds in outcomes:
                timed.append((seconds, where))
                with self.subTest(block=where):
                    if why_not:
                        self.skipTest(why_not)
                    ran += 1
                    self.assertEqual(failures, [], "\n".join(failures))
        self.assertGreater(ran, 20)
        print("\n%d command blocks in %.1f s; the slowest: %s" % (
            ran, self.seconds, ", ".join("%s %.1f s" % (w, s) for s, w in sorted(timed)[-5:][::-1])),
            file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
