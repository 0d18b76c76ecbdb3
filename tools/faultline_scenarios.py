"""faultline host tooling: the scenario vocabulary, the expected outcomes, and
the logic of booting one scenario in an emulator and judging what happened.

Python 3 standard library only. Imported by tools/run-scenario (the command
line front end), tests/boot_matrix.py (which calls run_scenario() directly,
many boots in parallel) and tests/test_run_scenario.py (unit tests of the
pure functions: no emulator needed).

The kernel's side of the contract (see kernel/kmain.c, kernel/fault_report.c):
  * every line of the screen is mirrored on COM1, lines end in \\r\\n;
  * the last line is one result line:
        FAULTLINE-RESULT outcome=caught arch=x86_64 vector=14 name=#PF ...
        FAULTLINE-RESULT outcome=error arch=i386 reason="unknown scenario 'foo' (...)"
    values are bare tokens or double-quoted strings that may hold spaces;
  * outcome from the kernel is caught | error | no_fault. A triple fault never
    reaches the kernel: only the emulator's own log can show it.
"""

import fcntl
import json
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from functools import lru_cache

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

ARCHES = ("i386", "x86_64")
EMULATORS = ("qemu", "bochs")
BOOT_MODES = ("kernel", "iso")

RESULT_PREFIX = "FAULTLINE-RESULT "

# Outcomes the kernel itself can report, and all outcomes the tool reports.
KERNEL_OUTCOMES = ("caught", "error", "no_fault")
OUTCOMES = ("caught", "triple_fault", "timeout", "no_fault", "error")

# The known-good #DF stack: a task gate with its own TSS on i386, IST1 on
# x86_64. SAFE_STACK is the name the result line's stack= field uses;
# DF_SAFE_SPELLING the arch's own spelling of df=safe on the command line.
SAFE_STACK = {"i386": "df-task", "x86_64": "ist1"}
DF_SAFE_SPELLING = {"i386": "task", "x86_64": "ist"}

HANDLERS = ("all", "df", "none")
DF_MODES = ("safe", "stack")
CONFIGS = tuple((h, d) for h in HANDLERS for d in DF_MODES)

DF_VECTOR, DF_NAME = 8, "#DF"

# Guard page + stack layout of the kernel stack (kernel/stacks.c): the symbol
# kernel_stack is the start of a 4 KiB unmapped guard page, the 16 KiB stack
# lies right above it.
PAGE_SIZE = 0x1000
KERNEL_STACK_SIZE = 0x4000
KERNEL_STACK_SYMBOL = "kernel_stack"

# A scenario: the exception it raises when a gate for it exists, and the
# function that holds the faulting instruction (static: nm shows 't').
# stack_overflow never reaches its own #PF handler: pushing the #PF frame
# onto the guard page faults again, so its own vector is None.
SCENARIOS = {
    "page_fault": {"vector": 14, "name": "#PF", "function": "scenario_page_fault",
                   "summary": "write to unmapped 0xdeadbeef"},
    "stack_overflow": {"vector": None, "name": None, "function": "recurse",
                       "summary": "recurse into the guard page below the kernel stack"},
    "divide_error": {"vector": 0, "name": "#DE", "function": "scenario_divide_error",
                     "summary": "divide by zero"},
    "breakpoint": {"vector": 3, "name": "#BP", "function": "scenario_breakpoint",
                   "summary": "int3 (a trap)"},
    "invalid_opcode": {"vector": 6, "name": "#UD", "function": "scenario_invalid_opcode",
                       "summary": "ud2"},
    "general_protection": {"vector": 13, "name": "#GP",
                           "function": "scenario_general_protection",
                           "summary": "load a selector past the GDT limit"},
    # One scenario per other vector an arch can raise from ring 0.
    "debug": {"vector": 1, "name": "#DB", "function": "scenario_debug",
              "summary": "single-step with EFLAGS.TF (a trap)"},
    "overflow": {"vector": 4, "name": "#OF", "function": "scenario_overflow",
                 "summary": "INTO with OF set (a trap)", "arches": ("i386",)},
    "bound_range": {"vector": 5, "name": "#BR", "function": "scenario_bound_range",
                    "summary": "BOUND with an index out of range", "arches": ("i386",)},
    "device_not_available": {"vector": 7, "name": "#NM",
                             "function": "scenario_device_not_available",
                             "summary": "x87 instruction with CR0.TS set"},
    "invalid_tss": {"vector": 10, "name": "#TS", "function": "scenario_invalid_tss",
                    "summary": "IRET to a nested task past the GDT limit",
                    "arches": ("i386",)},
    "segment_not_present": {"vector": 11, "name": "#NP",
                            "function": "scenario_segment_not_present",
                            "summary": "load DS with a not-present descriptor"},
    "stack_segment": {"vector": 12, "name": "#SS", "function": "scenario_stack_segment",
                      "summary": "load SS with a not-present descriptor"},
    "x87_error": {"vector": 16, "name": "#MF", "function": "scenario_x87_error",
                  "summary": "unmasked x87 divide by zero, then FWAIT"},
    "simd_error": {"vector": 19, "name": "#XM", "function": "scenario_simd_error",
                   "summary": "unmasked SSE divide by zero"},
    # Not a vector: the reporter faults (#PF at page 0) while reporting #UD,
    # and the nested-fault guard must still say so. Its own vector (6) is
    # covered by invalid_opcode.
    "nested_fault": {"vector": None, "name": None, "function": "scenario_invalid_opcode",
                     "summary": "#UD, then a #PF inside the fault reporter"},
}

# The double-fault story the lessons follow: these run in every handlers/df
# configuration; the per-vector scenarios in VECTOR_CONFIGS only.
STORY = ("page_fault", "stack_overflow", "divide_error", "breakpoint",
         "invalid_opcode", "general_protection")
VECTOR_CONFIGS = (("all", "safe"), ("df", "stack"))


def scenario_arches(scenario):
    return SCENARIOS[scenario].get("arches", ARCHES)


def scenario_configs(scenario):
    if scenario == "nested_fault":
        return (("all", "safe"),)
    return CONFIGS if scenario in STORY else VECTOR_CONFIGS


# Other machines, in QEMU (the main matrix uses QEMU's default qemu32 /
# qemu64): CPU models old and new, and memory sizes, each with a few
# scenarios that exercise paging, the #DF stack switch and the FPU.
CPU_MODELS = {"i386": ("486", "pentium", "pentium3", "coreduo"),
              "x86_64": ("core2duo", "Nehalem", "Skylake-Client", "EPYC")}
MEMORY_SIZES = ("32M", "2G")
MACHINE_SCENARIOS = (("page_fault", "all", "safe"), ("stack_overflow", "all", "safe"),
                     ("stack_overflow", "all", "stack"), ("page_fault", "df", "stack"),
                     ("x87_error", "all", "safe"))

# What an emulator does differently from the hardware, measured here:
# (emulator, scenario) -> the outcome it gives instead, and why.
EMULATOR_LIMITS = {
    ("qemu", "simd_error"): {
        "outcome": "no_fault", "reason": "scenario_returned",
        "why": "QEMU 7.2's TCG does not raise SIMD floating-point exceptions (#XM): "
               "the division completes; Bochs raises #XM"},
}

# Vectors no scenario raises, and why (the "why" of --list's coverage).
NOT_RAISED = {
    2: "NMI is an external interrupt (the NMI pin or an APIC IPI), not something an "
       "instruction causes",
    9: "Coprocessor Segment Overrun: only a 386 with an external 387 raised it",
    17: "#AC: alignment checking applies only at CPL 3; faultline runs in ring 0",
    18: "#MC: machine checks report hardware errors; no instruction raises one",
    20: "#VE: only a guest under VMX with EPT-violation #VE enabled",
    21: "#CP: needs CET shadow stacks or indirect-branch tracking, not enabled here",
    28: "#HV: only an AMD SEV-SNP guest",
    29: "#VC: only an AMD SEV-ES guest",
    30: "#SX: only with AMD SVM in use",
}
RESERVED_VECTORS = (15, 22, 23, 24, 25, 26, 27, 31)
X86_64_ONLY_NOT = {
    4: "INTO is invalid in 64-bit mode (#UD)",
    5: "BOUND is invalid in 64-bit mode (#UD)",
    10: "64-bit mode has no task switch to fail",
}


def vector_coverage():
    """For each of the 32 vectors and each arch: the scenario that raises it
    (and the configuration), or why none can from ring 0 here."""
    by_vector = {info["vector"]: name for name, info in SCENARIOS.items()
                 if info["vector"] is not None}
    table = []
    for v in range(32):
        row = {"vector": v}
        for arch in ARCHES:
            name = by_vector.get(v)
            if v == DF_VECTOR:
                row[arch] = {"scenario": "stack_overflow",
                             "how": "or any scenario with handlers=df"}
            elif name and arch in scenario_arches(name):
                row[arch] = {"scenario": name}
                limit = [l["why"] for (emu, sc), l in EMULATOR_LIMITS.items() if sc == name]
                if limit:
                    row[arch]["emulator_limits"] = limit
            elif arch == "x86_64" and v in X86_64_ONLY_NOT:
                row[arch] = {"scenario": None, "why": X86_64_ONLY_NOT[v]}
            elif v in RESERVED_VECTORS:
                row[arch] = {"scenario": None, "why": "reserved by Intel"}
            else:
                row[arch] = {"scenario": None, "why": NOT_RAISED[v]}
        table.append(row)
    return table

# error_code the result line must show, by vector (None: not checked).
EXPECTED_ERROR_CODE = {DF_VECTOR: "0x0", 14: "0x2", 13: "0xfff8",
                       10: "0xfff8", 11: "0x28", 12: "0x28"}

# cr2 expectations: an exact value, or GUARD_PAGE meaning "inside the guard
# page below the kernel stack" (needs the kernel_stack symbol to check).
GUARD_PAGE = "guard_page"
EXPECTED_CR2 = {"page_fault": "0xdeadbeef", "stack_overflow": GUARD_PAGE}


def config_label(handlers, df):
    return "handlers=%s df=%s" % (handlers, df)


def expected_outcome(arch, scenario, handlers="all", df="safe", emulator=None):
    """What booting `scenario` with handlers/df on `arch` must produce (on
    `emulator`, when it is known to differ from the hardware).

    Returns a dict: {"outcome": "triple_fault"} or {"outcome": "caught",
    "vector", "name", "stack", "error_code", "cr2", "function"}, where
    error_code/cr2 are None when not checked. df may also be the arch's own
    spelling of safe (task on i386, ist on x86_64).
    """
    if arch not in ARCHES:
        raise ValueError("unknown arch %r" % (arch,))
    if scenario not in SCENARIOS:
        raise ValueError("unknown scenario %r" % (scenario,))
    if handlers not in HANDLERS:
        raise ValueError("unknown handlers %r" % (handlers,))
    if df == DF_SAFE_SPELLING[arch]:
        df = "safe"
    if df not in DF_MODES:
        raise ValueError("unknown df %r for %s" % (df, arch))
    info = SCENARIOS[scenario]
    df_stack = SAFE_STACK[arch] if df == "safe" else "kernel"
    if arch not in scenario_arches(scenario):
        return {"outcome": "error"}
    limit = EMULATOR_LIMITS.get((emulator, scenario))
    if limit:
        return {"outcome": limit["outcome"], "reason": limit["reason"]}
    if scenario == "nested_fault" and handlers == "all":
        # The guard's report: the nested #PF, named as an error of the kernel.
        return {"outcome": "error", "reason": "nested_fault", "vector": 14, "name": "#PF"}

    if handlers == "none":
        # No gate at all: the fault cannot be delivered, nor #GP/#NP, nor #DF.
        return {"outcome": "triple_fault"}
    if scenario == "stack_overflow":
        # Any handler on the overflowed stack faults again while pushing its
        # frame; only #DF on a known-good stack survives.
        if df == "stack":
            return {"outcome": "triple_fault"}
        vector, name, stack = DF_VECTOR, DF_NAME, df_stack
    elif handlers == "df":
        # The fault finds no gate -> (#GP/#NP) -> #DF.
        vector, name, stack = DF_VECTOR, DF_NAME, df_stack
    else:
        vector, name, stack = info["vector"], info["name"], "kernel"
    return {
        "outcome": "caught",
        "vector": vector,
        "name": name,
        "stack": stack,
        "error_code": EXPECTED_ERROR_CODE.get(vector),
        "cr2": EXPECTED_CR2.get(scenario),
        "function": info["function"],
    }


def expected_table():
    """The whole table, as --list prints it."""
    scenarios = []
    for name, info in SCENARIOS.items():
        per_arch = {}
        for arch in scenario_arches(name):
            per_arch[arch] = {config_label(h, d): expected_outcome(arch, name, h, d)
                              for h, d in CONFIGS}
        entry = {
            "scenario": name,
            "summary": info["summary"],
            "vector": info["vector"],
            "name": info["name"],
            "function": info["function"],
            "arches": list(scenario_arches(name)),
            "expected": per_arch,
        }
        limits = {emu: l["why"] for (emu, sc), l in EMULATOR_LIMITS.items() if sc == name}
        if limits:
            entry["emulator_limits"] = limits
        scenarios.append(entry)
    return {
        "arches": {a: {"safe_stack": SAFE_STACK[a], "df_safe_spelling": DF_SAFE_SPELLING[a]}
                   for a in ARCHES},
        "configurations": [config_label(h, d) for h, d in CONFIGS],
        "defaults": {"handlers": "all", "df": "safe"},
        "scenarios": scenarios,
        "vectors": vector_coverage(),
        "validation": validation_cases_table(),
    }


def validation_cases(arch):
    """Command lines the kernel must reject (or treat specially), for `arch`.

    Each: {"label", "scenario", "kargs", "outcome", "reason_contains"} or, for
    the arch's own df spelling, an expected_outcome() dict under "expect".
    """
    other = "x86_64" if arch == "i386" else "i386"
    other_spelling = DF_SAFE_SPELLING[other]
    cases = [
        {"label": "scenario=bogus", "scenario": "bogus", "kargs": "",
         "outcome": "error", "reason_contains": "unknown scenario 'bogus'"},
        {"label": "handlers=maybe", "scenario": None,
         "kargs": "scenario=page_fault handlers=maybe",
         "outcome": "error", "reason_contains": "unknown handlers 'maybe'"},
        {"label": "malformed argument", "scenario": None,
         "kargs": "scenario=page_fault nonsense",
         "outcome": "error", "reason_contains": "malformed argument 'nonsense'"},
        {"label": "unknown option", "scenario": None,
         "kargs": "scenario=page_fault colour=red",
         "outcome": "error", "reason_contains": "unknown option 'colour'"},
        {"label": "given twice", "scenario": None,
         "kargs": "scenario=page_fault scenario=page_fault",
         "outcome": "error", "reason_contains": "given twice"},
        {"label": "df=%s (the %s spelling)" % (other_spelling, other),
         "scenario": "stack_overflow", "kargs": "df=%s" % other_spelling,
         "outcome": "error",
         "reason_contains": "df=%s is the %s mechanism" % (other_spelling, other)},
        {"label": "no scenario", "scenario": None, "kargs": "",
         "outcome": "no_fault", "reason_contains": "no_scenario", "reason": "no_scenario"},
        {"label": "break=maybe", "scenario": "page_fault", "kargs": "break=maybe",
         "outcome": "error", "reason_contains": "unknown break 'maybe' (valid: on off)"},
    ]
    if arch == "x86_64":
        # Scenarios only 32-bit code can raise: the kernel says why.
        for name, why in (("overflow", X86_64_ONLY_NOT[4]), ("bound_range", X86_64_ONLY_NOT[5]),
                          ("invalid_tss", X86_64_ONLY_NOT[10])):
            cases.append({"label": "scenario=%s (i386 only)" % name, "scenario": name,
                          "kargs": "", "outcome": "error",
                          "reason_contains": "scenario=%s exists only on i386: %s" % (name, why)})
    return cases


def validation_cases_table():
    return {arch: validation_cases(arch) for arch in ARCHES}


# --------------------------------------------------------------------------
# Command lines
# --------------------------------------------------------------------------

def build_cmdline(scenario=None, kargs=None):
    """The string given to -append: "scenario=<S> <kargs>", or just kargs.

    Deliberately no validation: the kernel's own validation is under test.
    """
    kargs = kargs or ""
    if scenario is not None:
        return ("scenario=%s %s" % (scenario, kargs)) if kargs else "scenario=%s" % scenario
    return kargs


QEMU_BINARIES = {"i386": "qemu-system-i386", "x86_64": "qemu-system-x86_64"}
QEMU_BASE_ARGS = ["-m", "128M", "-display", "none", "-no-reboot",
                  "-serial", "stdio", "-monitor", "none"]
# "pc" is the PC a learner boots (BIOS, VGA, CD-ROM: the GRUB ISO); "microvm"
# boots a multiboot kernel with -kernel in about half the time (no BIOS, no
# VGA: the screen goes nowhere, COM1 and isa-debug-exit are there), which is
# what the bulk of the boot matrix uses.
MACHINES = ("pc", "microvm")
QEMU_EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def build_qemu_command(arch, log_file, kernel=None, cmdline="", iso=None,
                       emulator_args=None, machine="pc"):
    """The argv for one headless QEMU boot (kernel= for -kernel, iso= for -cdrom).

    emulator_args: a string (shlex-split) or a list, appended last.
    """
    if arch not in QEMU_BINARIES:
        raise ValueError("unknown arch %r" % (arch,))
    if (kernel is None) == (iso is None):
        raise ValueError("give exactly one of kernel= or iso=")
    if machine not in MACHINES or (iso is not None and machine != "pc"):
        raise ValueError("machine %r cannot boot this (a CD needs pc)" % (machine,))
    cmd = [QEMU_BINARIES[arch], "-M", machine] + QEMU_BASE_ARGS + [
        "-d", "cpu_reset,guest_errors", "-D", str(log_file)] + QEMU_EXIT_DEVICE
    if iso is not None:
        cmd += ["-cdrom", str(iso)]
    else:
        cmd += ["-kernel", str(kernel), "-append", cmdline]
    if emulator_args:
        if isinstance(emulator_args, str):
            emulator_args = shlex.split(emulator_args)
        cmd += list(emulator_args)
    return cmd


_GRUB_PLAIN_WORD = re.compile(r"^[A-Za-z0-9_=.,:/+@%-]+$")


def grub_quote(word):
    """Quote one word for grub.cfg so GRUB passes it through unchanged."""
    if _GRUB_PLAIN_WORD.match(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline, kernel_path="/boot/faultline.elf"):
    args = " ".join(grub_quote(w) for w in cmdline.split())
    line = "multiboot %s%s" % (kernel_path, (" " + args) if args else "")
    return ("set timeout=0\n"
            "set default=0\n"
            "menuentry \"faultline\" {\n"
            "\t%s\n"
            "\tboot\n"
            "}\n" % line)


GRUB_PLATFORM_DIR = "/usr/lib/grub/i386-pc"


def grub_modules():
    """The GRUB modules the ISOs carry: one list, shared with the Makefile."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grub-modules")) as f:
        return " ".join(f.read().split())


def make_iso(elf, cmdline, workdir):
    """Build a minimal GRUB ISO in workdir that boots elf with cmdline.

    Returns the ISO's path; raises ToolError when grub-mkrescue fails.
    """
    root = os.path.join(workdir, "iso")
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copyfile(elf, os.path.join(root, "boot", "faultline.elf"))
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(grub_cfg(cmdline))
    iso = os.path.join(workdir, "faultline.iso")
    cmd = ["grub-mkrescue", "-o", iso, root,
           "--install-modules=" + grub_modules(),
           "--fonts=", "--locales=", "--themes=", "-d", GRUB_PLATFORM_DIR]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    if proc.returncode != 0 or not os.path.exists(iso):
        tail = proc.stdout.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ToolError("grub-mkrescue failed (status %d): %s"
                        % (proc.returncode, " | ".join(tail)))
    return iso


# --------------------------------------------------------------------------
# Result line parsing
# --------------------------------------------------------------------------

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
    complete = lines[:-1]  # the last piece has no newline yet
    for line in reversed(complete):
        line = _ANSI.sub("", line).strip()
        if line.startswith(RESULT_PREFIX):
            return line
    return None


def has_complete_result_line(serial):
    return find_result_line(serial) is not None


class ResultLineError(ValueError):
    """A line that starts like a result line but breaks its format."""


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_result_line(line):
    """Parse 'FAULTLINE-RESULT k=v k="v w" ...' into a dict of strings.

    Returns None when line is None or is not a result line. Raises
    ResultLineError on a malformed one (a token without '=', an empty or odd
    key, an unterminated quote, a repeated key).

    A quoted value ends at a '"' that is followed by a blank or the end of the
    line, so a '"' inside the value (the kernel does not escape) survives.
    """
    if line is None:
        return None
    line = clean_serial(line).strip()
    if not line.startswith(RESULT_PREFIX):
        return None
    s = line[len(RESULT_PREFIX):]
    fields = {}
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            break
        m = _KEY.match(s, i)
        if not m or m.end() >= n or s[m.end()] != "=":
            j = i
            while j < n and s[j] not in " \t":
                j += 1
            raise ResultLineError("malformed field %r in result line" % s[i:j])
        key = m.group(0)
        i = m.end() + 1
        if i < n and s[i] == '"':
            j = i + 1
            while True:
                j = s.find('"', j)
                if j < 0:
                    raise ResultLineError("unterminated quoted value for %r" % key)
                if j + 1 >= n or s[j + 1] in " \t":
                    break
                j += 1
            value = s[i + 1:j]
            i = j + 1
        else:
            j = i
            while j < n and s[j] not in " \t":
                j += 1
            value = s[i:j]
            i = j
        if key in fields:
            raise ResultLineError("key %r given twice in result line" % key)
        fields[key] = value
    if "outcome" not in fields:
        raise ResultLineError("result line has no outcome=")
    return fields


# --------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------

# Each emulator's own words for a triple fault. QEMU (-d cpu_reset): "Triple
# fault". Bochs: "exception(): 3rd (13) exception with no resolution", followed
# by ", shutdown status is 00h, resetting" when reset_on_triple_fault=1, or
# logged as a PANIC (and stopped in the debugger) when it is 0.
TRIPLE_FAULT_EVIDENCE = "Triple fault"
BOCHS_TRIPLE_FAULT = re.compile(r"3rd \(\d+\) exception with no resolution")


# Lines of QEMU's register dumps (after "CPU Reset"): "EAX=...", "ES =0000 ...",
# "XMM00=...", "CPU Reset (CPU 0)". What is left is worth showing a person.
_REGISTER_DUMP = re.compile(r"^\s*[A-Z][A-Z0-9]*\s*[= ]")


def interesting_log_lines(log_text):
    return [l for l in (log_text or "").splitlines()
            if l.strip() and not _REGISTER_DUMP.match(l)]


def log_shows_triple_fault(log_text):
    return bool(log_text) and (TRIPLE_FAULT_EVIDENCE in log_text
                               or BOCHS_TRIPLE_FAULT.search(log_text) is not None)


def classify(log_text, fields, timed_out, exit_status=None, log_tail=None):
    """Decide the outcome. Returns (outcome, detail).

    triple_fault iff the emulator log says "Triple fault" (its own evidence,
    never the kernel's word); else the kernel's result outcome; else timeout;
    else error (the emulator ended without a result line).
    """
    if log_shows_triple_fault(log_text):
        return "triple_fault", None
    if fields is not None:
        outcome = fields.get("outcome")
        if outcome in KERNEL_OUTCOMES:
            return outcome, None
        return "error", "kernel reported an unknown outcome %r" % (outcome,)
    if timed_out:
        return "timeout", None
    detail = "emulator exited with status %s without a result line" % (exit_status,)
    if log_tail is None:
        log_tail = interesting_log_lines(log_text)[-5:]
    if log_tail:
        detail += ": " + " | ".join(log_tail)
    return "error", detail


# --------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------

def parse_nm(text):
    """`nm -n` output -> sorted list of (address, type, name); undefined skipped."""
    symbols = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        addr, kind, name = parts
        try:
            symbols.append((int(addr, 16), kind, name))
        except ValueError:
            continue
    symbols.sort(key=lambda s: s[0])
    return symbols


def _as_int(value):
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except ValueError:
        return None


def symbolize(ip, symbols):
    """The text symbol containing ip as "name+0xoff", or None.

    symbols: parse_nm() output. Picks the greatest address <= ip among
    symbols of type t/T.
    """
    ip = _as_int(ip)
    if ip is None:
        return None
    best = None
    for addr, kind, name in symbols:
        if kind not in ("t", "T"):
            continue
        if addr > ip:
            break
        best = (addr, name)
    if best is None:
        return None
    return "%s+0x%x" % (best[1], ip - best[0])


def symbol_address(name, symbols):
    for addr, _kind, sym in symbols:
        if sym == name:
            return addr
    return None


def symbol_function(symbol):
    """"recurse+0x1c" -> "recurse"."""
    if not symbol:
        return None
    return symbol.rsplit("+", 1)[0]


@lru_cache(maxsize=16)
def _nm_cached(path, mtime, size):
    proc = subprocess.run(["nm", "-n", path], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise ToolError("nm -n %s failed: %s"
                        % (path, proc.stderr.decode("utf-8", "replace").strip()))
    return tuple(parse_nm(proc.stdout.decode("utf-8", "replace")))


def load_symbols(elf):
    """parse_nm() of `nm -n elf`, cached per file version. [] when elf is missing."""
    if not elf or not os.path.exists(elf):
        return []
    if shutil.which("nm") is None:
        raise ToolError("nm not found: install binutils (apt-get install binutils)")
    st = os.stat(elf)
    return list(_nm_cached(os.path.abspath(elf), st.st_mtime_ns, st.st_size))


# --------------------------------------------------------------------------
# Files of a build
# --------------------------------------------------------------------------

class ToolError(Exception):
    """A problem with the host set-up (missing build, emulator, tool)."""


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_build_dir(arch):
    return os.path.join(REPO_ROOT, "build", arch)


def boot_image(build_dir):
    """What QEMU -kernel gets: faultline-qemu.elf (x86_64's elf32 copy) if present."""
    qemu_elf = os.path.join(build_dir, "faultline-qemu.elf")
    if os.path.exists(qemu_elf):
        return qemu_elf
    return os.path.join(build_dir, "faultline.elf")


def symbol_elf(build_dir):
    return os.path.join(build_dir, "faultline.elf")


def _show_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def setup_hint():
    if os.path.exists(os.path.join(REPO_ROOT, "tools", "setup")):
        return "run tools/setup"
    return "install it with: sudo apt-get install qemu-system-x86"


def check_host(arch, emulator="qemu", boot="kernel", build_dir=None, kernel=None):
    """Raise ToolError naming the first missing thing and how to get it."""
    if emulator == "bochs":
        return check_bochs_host(arch, build_dir or default_build_dir(arch), kernel)
    if emulator != "qemu":
        raise ToolError("unknown emulator %r (valid: qemu, bochs)" % (emulator,))
    binary = QEMU_BINARIES[arch]
    if shutil.which(binary) is None:
        raise ToolError("%s not found: %s" % (binary, setup_hint()))
    build_dir = build_dir or default_build_dir(arch)
    if kernel is None:
        image = boot_image(build_dir) if boot == "kernel" else bochs_iso(build_dir)
        if not os.path.exists(image):
            raise ToolError("%s not found: build it with `make ARCH=%s`"
                            % (_show_path(image), arch))
    elif not os.path.exists(kernel):
        raise ToolError("kernel image %s not found" % kernel)
    if boot == "iso" and kernel is not None:   # a custom kernel: an ISO is made
        for tool, pkg in (("grub-mkrescue", "grub-common grub-pc-bin"),
                          ("xorriso", "xorriso"), ("mformat", "mtools")):
            if shutil.which(tool) is None:
                raise ToolError("%s not found (needed for --boot iso): "
                                "sudo apt-get install %s" % (tool, pkg))
        if not os.path.isdir(GRUB_PLATFORM_DIR):
            raise ToolError("%s not found (needed for --boot iso): "
                            "sudo apt-get install grub-pc-bin" % GRUB_PLATFORM_DIR)


def check_bochs_host(arch, build_dir, kernel=None):
    if kernel is not None:
        raise ToolError("--kernel is for QEMU; Bochs boots %s"
                        % _show_path(bochs_iso(build_dir)))
    if shutil.which("bochs") is None:
        raise ToolError("bochs not found: %s" % setup_hint())
    for path, pkg in (("/usr/share/bochs/BIOS-bochs-latest", "bochsbios"),
                      ("/usr/share/bochs/VGABIOS-lgpl-latest", "vgabios")):
        if not os.path.exists(path):
            raise ToolError("%s not found: sudo apt-get install %s" % (path, pkg))
    if not os.path.exists(bochs_iso(build_dir)):
        raise ToolError("%s not found: build it with `make ARCH=%s`"
                        % (_show_path(bochs_iso(build_dir)), arch))


# --------------------------------------------------------------------------
# Bochs
# --------------------------------------------------------------------------

BOCHSRC = os.path.join(REPO_ROOT, "bochsrc")
MKKARGS = os.path.join(REPO_ROOT, "tools", "mkkargs")


def bochs_iso(build_dir):
    """The ISO whose GRUB reads the command line from a floppy (tools/mkkargs)."""
    return os.path.join(build_dir, "faultline-kargs.iso")


def bochs_environment(iso, kargs_img, serial, log, reset=False):
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


def build_bochs_command(rc_file, emulator_args=None):
    """bochs -q: no start menu; -rc: debugger commands. Extra arguments are
    bochsrc lines, e.g. 'cpu: ips=4000000'."""
    cmd = ["bochs", "-q", "-f", BOCHSRC, "-rc", rc_file]
    if emulator_args:
        cmd += shlex.split(emulator_args)
    return cmd


# The debugger script of a headless run: continue; when Bochs stops (a
# triple-fault panic, the kernel's shutdown port, or our SIGINT once the
# result line is in), dump the registers and quit.
BOCHS_HEADLESS_RC = "c\nr\nquit\n"


# Bochs 2.7's rfb display binds a port from 5900 up with SO_REUSEADDR and only
# then listens. Two Bochs starting together can both bind the same port; the
# second one's listen() fails, its loop then retries bind() on the already
# bound socket for every port, and it panics "RFB could not bind any port
# between 5900 and 5949" and crashes. So Bochs starts one at a time, across
# processes (a lock file), each holding the lock until its server listens.
BOCHS_START_LOCK = os.path.join(tempfile.gettempdir(), "faultline-bochs-start.lock")
RFB_LISTENING = "listening for connections on port"


def start_bochs(cmd, env, popen=subprocess.Popen, wait=3.0, **kwargs):
    """Start Bochs (headless, rfb) with popen(cmd, env=env, **kwargs), one at a
    time: return once its rfb server listens, it has exited, or after `wait`
    seconds. The log it waits on is env["FAULTLINE_LOG"]."""
    fd = os.open(BOCHS_START_LOCK, os.O_CREAT | os.O_RDWR, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = popen(cmd, env=env, **kwargs)
        deadline = time.monotonic() + wait
        while (time.monotonic() < deadline and proc.poll() is None
               and RFB_LISTENING not in _read_text(env["FAULTLINE_LOG"])):
            time.sleep(0.01)
        return proc
    finally:
        os.close(fd)          # closing the descriptor releases the lock


def run_bochs(cmd, env, serial_path, timeout=20.0, poll=0.05):
    """Run Bochs until the serial file holds a result line, Bochs exits by
    itself (triple fault, shutdown port), or timeout. Bochs is stopped with
    SIGINT, which drops it into its debugger, where the rc file's remaining
    commands quit it; SIGKILL after 5 s if it does not. Always reaped.

    Returns dict like run_qemu's, with the debugger's output as 'debugger'."""
    start = time.monotonic()
    deadline = start + timeout
    timed_out = result_seen = False
    out_path = serial_path + ".debugger"
    proc = None
    with open(out_path, "wb") as out:
        try:
            with _live_lock:
                if _stopping:
                    raise Interrupted("emulators are being stopped")
                proc = start_bochs(cmd, env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
                _live.add(proc)
            while proc.poll() is None:
                if has_complete_result_line(read_bytes(serial_path)):
                    result_seen = True
                    break
                if time.monotonic() >= deadline:
                    timed_out = True
                    break
                time.sleep(poll)
            end = time.monotonic()
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT)
                    proc.wait(timeout=5.0)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        finally:
            if proc is not None:
                kill_group(proc)
                proc.wait()
                with _live_lock:
                    _live.discard(proc)
    if not result_seen and has_complete_result_line(read_bytes(serial_path)):
        result_seen = True
    return {
        "serial_bytes": read_bytes(serial_path),
        "timed_out": timed_out and not result_seen,
        "exit_status": proc.returncode if proc is not None else None,
        "seconds": round(end - start, 3),
        "result_seen": result_seen,
        "debugger": _read_text(out_path),
    }


def read_bytes(path):
    """A file's bytes, or b"" when it does not exist (yet)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def file_stamp(path):
    """(mtime, size) of a file, to notice a rebuild during a boot; or None."""
    try:
        st = os.stat(path)
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return None


# --------------------------------------------------------------------------
# Running QEMU
# --------------------------------------------------------------------------

# Every emulator process started here and not yet reaped, so an interrupted
# caller (boot_matrix's Ctrl-C) can end exactly those, by pid.
_live = set()
_live_lock = threading.Lock()


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


_stopping = False


class Interrupted(Exception):
    """kill_all_running() was called: no new emulator is started."""


def kill_all_running(stop=True):
    """End every emulator this module started that is still running and, with
    stop, refuse to start new ones (a Ctrl-C in a caller with worker threads)."""
    global _stopping
    with _live_lock:
        if stop:
            _stopping = True
        procs = list(_live)
    for proc in procs:
        kill_group(proc)


def _read_text(path):
    try:
        with open(path, "r", errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    return text


def run_qemu(cmd, timeout=10.0, grace=0.3, stderr_path=None):
    """Run one emulator command, collecting its serial (stdout).

    Stops as soon as a complete result line has arrived (after waiting up to
    `grace` seconds for the emulator to exit on its own), when the emulator
    exits, or after `timeout` seconds. The emulator runs in its own session
    and is always killed (by its process group) and reaped before returning,
    also on KeyboardInterrupt.

    Returns dict(serial_bytes, timed_out, exit_status, seconds, result_seen).
    """
    stderr_file = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    start = time.monotonic()
    deadline = start + timeout
    chunks = []
    timed_out = False
    result_seen = False
    end = None
    proc = None
    sel = selectors.DefaultSelector()
    try:
        with _live_lock:
            if _stopping:
                raise Interrupted("emulators are being stopped")
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=stderr_file, bufsize=0, start_new_session=True)
            _live.add(proc)
        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
        eof = False
        pending = b""
        while not eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for _key, _ev in sel.select(min(remaining, 0.5)):
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not data:
                    eof = True
                    break
                chunks.append(data)
                # Lines already complete and without a result were looked at;
                # only the unfinished last line carries over.
                pending += data
                if b"FAULTLINE-RESULT " in pending and has_complete_result_line(pending):
                    result_seen = True
                pending = pending[pending.rfind(b"\n") + 1:]
            if result_seen:
                break
        end = time.monotonic()
        if result_seen:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        elif eof:
            # The emulator closed its stdout: it is exiting.
            try:
                proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                pass
    finally:
        try:
            if proc is not None:
                kill_group(proc)
                proc.wait()
                # Drain whatever the pipe still holds.
                try:
                    fd = proc.stdout.fileno()
                    while True:
                        try:
                            data = os.read(fd, 65536)
                        except BlockingIOError:
                            break
                        if not data:
                            break
                        chunks.append(data)
                except (OSError, ValueError):
                    pass
                proc.stdout.close()
                with _live_lock:
                    _live.discard(proc)
        finally:
            sel.close()
            if stderr_path:
                stderr_file.close()
    if end is None:
        end = time.monotonic()
    return {
        "serial_bytes": b"".join(chunks),
        "timed_out": timed_out,
        "exit_status": proc.returncode if proc is not None else None,
        "seconds": round(end - start, 3),
        "result_seen": result_seen,
    }


RESULT_KEYS = ("arch", "emulator", "scenario", "kargs", "cmdline", "boot", "outcome",
               "vector", "name", "error_code", "stack", "ip", "sp", "handler_sp", "cr2",
               "reason", "symbol", "seconds", "exit_status", "serial", "result_line")


def run_scenario(arch, scenario=None, kargs=None, emulator="qemu", boot="kernel",
                 timeout=10.0, emulator_args=None, build_dir=None, kernel=None,
                 grace=0.3, machine="pc"):
    """Boot one scenario and return the JSON-able result dict.

    Raises ToolError for set-up problems (missing emulator, build, tools).
    """
    build_dir = build_dir or default_build_dir(arch)
    check_host(arch, emulator, boot, build_dir, kernel)
    cmdline = build_cmdline(scenario, kargs)
    if emulator == "bochs":
        boot = "iso"        # Bochs has no -kernel: always GRUB from the CD
    workdir = tempfile.mkdtemp(prefix="faultline-")
    try:
        log_file = os.path.join(workdir, "emulator.log")
        stderr_path = os.path.join(workdir, "emulator.stderr")
        if emulator == "bochs":
            kargs_img = os.path.join(workdir, "kargs.img")
            subprocess.run([MKKARGS, kargs_img, cmdline], check=True)
            rc_file = os.path.join(workdir, "headless.rc")
            with open(rc_file, "w") as f:
                f.write(BOCHS_HEADLESS_RC)
            serial_path = os.path.join(workdir, "com1.txt")
            cmd = build_bochs_command(rc_file, emulator_args)
            env = bochs_environment(bochs_iso(build_dir), kargs_img, serial_path, log_file)
            run = run_bochs(cmd, env, serial_path, timeout=timeout)
            with open(stderr_path, "w") as f:
                f.write(run["debugger"])
        elif boot == "iso" and kernel is None:
            # The build's kargs ISO, the command line on a floppy: the same
            # GRUB path as Bochs, with no grub-mkrescue per boot.
            kargs_img = os.path.join(workdir, "kargs.img")
            subprocess.run([MKKARGS, kargs_img, cmdline], check=True)
            cmd = build_qemu_command(arch, log_file, iso=bochs_iso(build_dir),
                                     emulator_args=["-drive", "file=%s,if=floppy,format=raw,"
                                                    "readonly=on" % kargs_img, "-boot", "d"]
                                     + (shlex.split(emulator_args) if isinstance(emulator_args, str)
                                        else list(emulator_args or [])))
        elif boot == "iso":
            iso = make_iso(kernel, cmdline, workdir)
            cmd = build_qemu_command(arch, log_file, iso=iso, emulator_args=emulator_args)
        else:
            image = kernel or boot_image(build_dir)
            cmd = build_qemu_command(arch, log_file, kernel=image, cmdline=cmdline,
                                     emulator_args=emulator_args, machine=machine)
        if emulator == "qemu":
            run = run_qemu(cmd, timeout=timeout, grace=grace, stderr_path=stderr_path)
        log_text = _read_text(log_file)
        stderr_text = _read_text(stderr_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    serial = clean_serial(run["serial_bytes"])
    result_line = find_result_line(serial)
    parse_error = None
    try:
        fields = parse_result_line(result_line)
    except ResultLineError as exc:
        fields, parse_error = None, str(exc)

    err_tail = [l for l in stderr_text.strip().splitlines() if l.strip()][-5:]
    outcome, detail = classify(log_text, fields, run["timed_out"], run["exit_status"],
                               log_tail=(["stderr: " + l for l in err_tail]
                                         + interesting_log_lines(log_text)[-5:]))
    if outcome == "timeout":
        detail = "no result line within %g s" % timeout
        if err_tail:
            detail += "; stderr: " + " | ".join(err_tail)
    if parse_error:
        detail = "unparseable result line: %s" % parse_error
        if outcome not in ("triple_fault",):
            outcome = "error"
    fields = fields or {}
    vector = _as_int(fields.get("vector"))
    ip = fields.get("ip")
    symbols = []
    symbol_note = None
    try:
        symbols = load_symbols(symbol_elf(build_dir))
    except ToolError as exc:
        symbol_note = str(exc)
    result = {
        "arch": arch,
        "emulator": emulator,
        "scenario": scenario,
        "kargs": kargs,
        "cmdline": cmdline,
        "boot": boot,
        "outcome": outcome,
        "vector": vector,
        "name": fields.get("name"),
        "error_code": fields.get("error_code"),
        "stack": fields.get("stack"),
        "ip": ip,
        "sp": fields.get("sp"),
        "handler_sp": fields.get("handler_sp"),
        "cr2": fields.get("cr2"),
        "reason": fields.get("reason"),
        "symbol": symbolize(ip, symbols) if ip is not None else None,
        "seconds": run["seconds"],
        "exit_status": run["exit_status"],
        "serial": serial,
        "result_line": result_line,
        # Extras: everything the kernel said, and how the emulator was run.
        "fields": fields,
        "detail": detail,
        "command": cmd,
    }
    if symbol_note:
        result["symbol_note"] = symbol_note
    return result


def dumps(obj, indent=None):
    return json.dumps(obj, indent=indent, sort_keys=False)
