"""labs/checks.py - the kinds of graded test, and how a result is judged.

A boot test boots one scenario headless (faultline_scenarios.run_scenario,
every boot bounded) and judges the result with check(result, ctx) -> None
(GOOD) or a hint. A host test compiles some of the kernel's pure C with a
small checker program for the host, runs it, and judges its output. Hints
say what happened, what was expected and, where a mistake is typical, what
causes it; the grader adds the lessons to reread.

Python 3 standard library only.
"""

import os
import signal
import subprocess
import shutil
import tempfile

import faultline_scenarios as fs
import engines

ROOT = fs.REPO_ROOT

# Every build and compile the grader runs is bounded: a student's file can
# make the compiler wait forever (an #include of a FIFO, say).
BUILD_TIMEOUT = float(os.environ.get("FAULTLINE_BUILD_TIMEOUT") or 300)
COMPILE_TIMEOUT = float(os.environ.get("FAULTLINE_COMPILE_TIMEOUT") or 60)


def run_bounded(cmd, timeout, cwd=None, env=None):
    """Run cmd, stdout and stderr together, in its own process group, for at
    most timeout seconds. Returns (exit status, text); the status is None when
    the time ran out, and then the whole group (make's compilers too) is
    killed, not only cmd."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace")
    return proc.returncode, out.decode("utf-8", "replace")


def lesson(slug):
    return "lessons/%s/" % slug


class Test:
    """One graded check.

    kind "boot": boot (scenario, kargs) on arch, judge with check(result, ctx);
    kind "host": run `host` (a HostProgram) and judge with check(output dict).
    engines: None for the engines the grader was asked for; a tuple to boot
    this test on these as well (where they can disagree, e.g. Bochs sees what
    QEMU does not).
    """

    def __init__(self, lab, arch, name, points, check, lessons, boot=None, kind="boot",
                 host=None, engines=None):
        self.lab = lab
        self.arch = arch
        self.name = name
        self.points = points
        self.check = check
        self.lessons = lessons
        self.boot = boot            # (scenario, kargs)
        self.kind = kind
        self.host = host
        self.engines = engines

    @property
    def label(self):
        return "lab%d/%s: %s" % (self.lab, self.arch, self.name)


# --------------------------------------------------------------------------
# Judging a boot
# --------------------------------------------------------------------------

# Where each start-up step's code is (kernel/kmain.c announces them).
STARTUP_CODE = {
    "paging": "paging_init() in arch/{arch}/paging.c",
    "GDT": "gdt_install() in arch/{arch}/gdt.c",
    "TSS": "the LTR in tss_install(), arch/{arch}/tss.c (its selector, the TSS descriptor)",
    "IDT": "idt_install() in arch/{arch}/idt.c",
}


def died_starting(result):
    """A hint when the kernel never reached its scenario, else None."""
    if result.get("scenario_started", True) or result["outcome"] not in (
            "triple_fault", "timeout", "error"):
        return None
    startup = result.get("startup") or {}
    step = startup.get("stopped_at")
    where = STARTUP_CODE.get(step, "the start-up code").format(arch=result["arch"])
    what = {"triple_fault": "a triple fault (%s)" % result.get("evidence"),
            "timeout": "no result line within the timeout",
            "error": result.get("detail") or "an error"}[result["outcome"]]
    return ("the kernel died while starting up, before the scenario ran: your code broke "
            "boot%s: %s; look at %s" % (" in step '%s'" % step if step else "", what, where))


def describe(result):
    """What a boot did, in a few words, for a hint."""
    early = died_starting(result)
    if early:
        return early
    outcome = result["outcome"]
    if outcome == "triple_fault":
        said = "triple fault (%s: %s)" % (engines.get(result["emulator"]).title,
                                           result.get("evidence"))
        path = (result.get("chain") or {}).get("path")
        if path:
            # What the engine's own log shows led there (tools/chain.py).
            said += "; the chain in its log: %s" % path
        return said
    if outcome == "timeout":
        return result.get("detail") or "no result line: the kernel hung"
    if outcome == "caught":
        return "caught %s (vector %s) on stack=%s" % (result.get("name"), result.get("vector"),
                                                      result.get("stack"))
    if outcome == "no_fault":
        return "no fault at all (%s)" % (result.get("reason") or "the scenario returned")
    why = result.get("reason") or result.get("detail") or "no details"
    return "the kernel reported an error: %s" % why


def _int(value):
    try:
        return int(str(value), 0)
    except (TypeError, ValueError):
        return None


def expect_caught(vector, name, stack=None, cr2=None, function=None, screen=(), why=None):
    """check(): caught as `name` on `stack`; cr2 an exact value or
    fs.GUARD_PAGE; the interrupted IP inside `function`; every line of
    `screen` on the screen. why(result) may return a more specific hint for
    a wrong outcome (the typical cause of what came back)."""
    def check(result, ctx):
        if result["outcome"] != "caught" or result.get("vector") != vector:
            specific = why(result) if why and not died_starting(result) else None
            return specific or "%s, expected %s" % (describe(result), name)
        if stack and result.get("stack") != stack:
            specific = why(result) if why else None
            return specific or "caught %s but on stack=%s, expected stack=%s" % (
                name, result.get("stack"), stack)
        if cr2 == fs.GUARD_PAGE:
            guard = ctx["guard"].get(result["arch"])
            value = _int(result.get("cr2"))
            if guard is None:
                return "no symbol %s in the ELF to find the guard page" % fs.KERNEL_STACK_SYMBOL
            if value is None or not guard <= value < guard + fs.PAGE_SIZE:
                return ("CR2 %s is not in the kernel stack's guard page 0x%x-0x%x"
                        % (result.get("cr2"), guard, guard + fs.PAGE_SIZE))
        elif cr2 is not None and _int(result.get("cr2")) != cr2:
            return "CR2 %s, expected 0x%x" % (result.get("cr2"), cr2)
        if function and fs.symbol_function(result.get("symbol")) != function:
            return "the interrupted IP %s is in %s, expected in %s" % (
                result.get("ip"), result.get("symbol"), function)
        return screen_problem(result, screen)
    return check


def expect_triple_fault(result, ctx):
    early = died_starting(result)
    if early:
        return early + " (so it proves nothing about the scenario)"
    if result["outcome"] == "triple_fault":
        return None
    return "%s, expected a triple fault" % describe(result)


def screen_problem(result, needles):
    serial = result.get("serial") or ""
    for needle in needles:
        if needle not in serial:
            return "the screen does not show %r" % needle
    return None


def expect_screen(*needles):
    """check(): caught, and the screen (COM1's copy) shows every needle."""
    def check(result, ctx):
        if result["outcome"] != "caught":
            return describe(result)
        return screen_problem(result, needles)
    return check


def engine_deviations(result):
    """The known deviations (faultline_scenarios.DEVIATIONS) of the engine
    that made result, for its boot (handlers=all, df=safe): [] for an engine
    the tools do not know."""
    try:
        provider = engines.get(result["emulator"]).provider()
    except Exception:           # an engine the tools do not know: no deviation
        return []
    return fs.deviations_for(result["emulator"], provider, result["arch"],
                             result.get("scenario"), "all", "safe")


# --------------------------------------------------------------------------
# Host programs: the kernel's pure C, compiled for the host with a checker
# --------------------------------------------------------------------------

class HostProgram:
    """sources: repo-relative C files of the kernel; checker: the C source of
    a main() that prints lines "key<TAB>value"; include: the arch whose
    include/ directory goes on the path."""

    def __init__(self, name, sources, checker, include="x86_64", defines=()):
        self.name = name
        self.sources = tuple(sources)
        self.checker = checker
        self.include = include
        self.defines = tuple(defines)


def run_host(program, root=ROOT):
    """("ok", {key: value}) or ("missing" | "bad", reason)."""
    cc = os.environ.get("HOST_CC") or ("gcc" if shutil.which("gcc") else "cc")
    if shutil.which(cc) is None:
        return "missing", "no host C compiler (%s): run tools/setup (Debian: gcc; macOS: xcode-select --install)" % cc
    out_dir = tempfile.mkdtemp(prefix="faultline-grade-")
    try:
        src = os.path.join(out_dir, "check.c")
        exe = os.path.join(out_dir, "check")
        with open(src, "w") as f:
            f.write(program.checker)
        cmd = ([cc, "-std=gnu11", "-O1", "-w", "-I" + root,
                "-I" + os.path.join(root, "arch", program.include, "include")]
               + ["-D" + d for d in program.defines]
               + ["-o", exe, src] + [os.path.join(root, s) for s in program.sources])
        status, text = run_bounded(cmd, COMPILE_TIMEOUT)
        if status is None:
            return "bad", "%s: the host compiler did not finish within %g s" % (
                program.name, COMPILE_TIMEOUT)
        if status != 0:
            return "bad", "%s does not build on the host: %s" % (program.name, first_error(text))
        status, text = run_bounded([exe], 10)
        if status is None:
            return "bad", "%s did not return within 10 s" % program.name
        if status != 0:
            return "bad", "the %s checker crashed (status %d): %s" % (
                program.name, status, text.strip().splitlines()[-1:] or "")
        out = {}
        for line in text.split("\n"):
            if "\t" in line:
                key, value = line.split("\t", 1)
                out[key] = value
        return "ok", out
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def first_error(text):
    """The compiler's (or make's) first error line of a failed build."""
    import re
    lines = [l.rstrip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if re.search(r":\d+(:\d+)?: (fatal )?error:", line):
            return line.strip()
    for line in lines:
        if re.search(r"(error|Error|undefined reference|No rule to make)", line):
            return line.strip()
    return lines[-1].strip() if lines else "no output"
