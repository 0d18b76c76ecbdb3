#!/usr/bin/env python3
"""The boot matrix: every scenario x configuration x arch on every engine,
plus the command-line validation cases and GRUB ISO boots, each checked
against what the manuals require (tools/faultline_scenarios.py), or, on an
engine that is known to deviate, exactly its known deviation.

  python3 tests/boot_matrix.py                 # both arches, every engine
  python3 tests/boot_matrix.py --emulator qemu --arch i386 --filter stack_overflow -v
  python3 tests/boot_matrix.py --emulator kvm  # the KVM column only

Prints "PASS <name>" or "FAIL <name>: <what differed>" per case, one "SKIP"
line for each column an engine cannot run here (and why), then, when several
engines ran, one "agree/<arch>/<case>" line per scenario and configuration:
the engines must agree on outcome, vector, name, CR2 and stack wherever none
of them has a known deviation. Ends with "N passed, N failed". Exit status 1
if anything failed, 2 if the build or an emulator is missing.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import chain as chains  # noqa: E402
import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
import grub_iso  # noqa: E402


class Case:
    def __init__(self, emulator, arch, label, scenario=None, kargs=None, boot="kernel",
                 expect=None, reason_contains=None, reason=None, config=None,
                 emulator_args=None, machine=None, seen=None):
        self.emulator = emulator
        self.arch = arch
        self.label = label
        self.scenario = scenario
        self.kargs = kargs
        self.boot = boot
        self.expect = expect                  # expected_outcome()-style dict
        self.reason_contains = reason_contains
        self.reason = reason
        self.config = config                  # (handlers, df as the kernel reports it)
        self.emulator_args = emulator_args    # another CPU model or memory size
        # QEMU's fast microvm for -kernel boots (TCG and KVM); a real PC for
        # the GRUB ISO and the other CPU models and memory sizes.
        if machine is None:
            machine = "microvm" if boot == "kernel" and not emulator_args else "pc"
        self.machine = machine if emulator in ("qemu", "kvm") else None
        self.seen = seen                      # the engine's version, for deviations

    @property
    def name(self):
        return "%s/%s/%s" % (self.emulator, self.arch, self.label)


def build_cases(arches, emulator, provider=None, skipped=None):
    """The cases of one engine's column. provider: for kvm, the module behind
    /dev/kvm (engines/kvm.py). skipped: a list that receives one line for
    each part of the column a known deviation makes pointless to boot."""
    if emulator == "kvm":
        return kvm_cases(arches, provider, skipped if skipped is not None else [])
    cases = []
    for arch in arches:
        cases += scenario_cases(emulator, arch)
        cases += validation_cases(emulator, arch, all_of_them=(emulator == "qemu"))
        # GRUB ISO boots (Bochs boots nothing else: no extra cases there).
        if emulator == "bochs":
            continue
        cases += machine_cases(emulator, arch)
        cases.append(Case(emulator, arch, "iso page_fault", scenario="page_fault",
                          boot="iso",
                          expect=fs.expected_outcome(arch, "page_fault", emulator=emulator),
                          config=("all", "safe")))
        cases.append(Case(emulator, arch, "iso page_fault handlers=none",
                          scenario="page_fault", kargs="handlers=none", boot="iso",
                          expect=fs.expected_outcome(arch, "page_fault", "none", "safe",
                                                     emulator)))
    return cases


def without_iso_cases(column, emulator, why, skipped):
    """column without its GRUB ISO boots when why (no BIOS GRUB on this host:
    no ISOs were built), and one SKIP line saying so; else column as is."""
    iso = [c for c in column if c.boot == "iso"]
    if not why or not iso:
        return column
    skipped.append("SKIP %s: %d GRUB ISO cases not booted: %s" % (emulator, len(iso), why))
    return [c for c in column if c.boot != "iso"]


def scenario_cases(emulator, arch, provider=None):
    """Every scenario in each of its configurations, and the arch's own
    spelling of df=safe."""
    cases = []
    own = fs.DF_SAFE_SPELLING[arch]
    for scenario in fs.SCENARIOS:
        if arch not in fs.scenario_arches(scenario):
            continue
        for handlers, df in fs.scenario_configs(scenario):
            label = "%s %s" % (scenario, fs.config_label(handlers, df))
            cases.append(Case(emulator, arch, label, scenario=scenario,
                              kargs="handlers=%s df=%s" % (handlers, df),
                              expect=fs.expected_outcome(arch, scenario, handlers, df,
                                                         emulator, provider),
                              config=(handlers, df),
                              machine=fs.scenario_machine(scenario)))
    cases.append(Case(emulator, arch, "stack_overflow df=%s" % own,
                      scenario="stack_overflow", kargs="df=%s" % own,
                      expect=fs.expected_outcome(arch, "stack_overflow", "all", own,
                                                 emulator, provider),
                      config=("all", "safe")))
    return cases


def validation_cases(emulator, arch, all_of_them):
    """The kernel rejects, or shows its menu. The parser is the same code
    whatever the engine: QEMU runs all of these, the others two (the error
    screen and the menu)."""
    cases = []
    for v in fs.validation_cases(arch):
        if not all_of_them and v["label"] not in ("scenario=bogus", "no scenario"):
            continue
        label = "cmdline %s" % fs.build_cmdline(v["scenario"], v["kargs"])
        if not fs.build_cmdline(v["scenario"], v["kargs"]):
            label = "cmdline (empty)"
        cases.append(Case(emulator, arch, label, scenario=v["scenario"],
                          kargs=v["kargs"], expect={"outcome": v["outcome"]},
                          reason_contains=v["reason_contains"],
                          reason=v.get("reason")))
    return cases


def machine_cases(emulator, arch):
    """Other CPU models and memory sizes, on a full PC."""
    cases = []
    machines = ["-cpu %s" % m for m in fs.CPU_MODELS[arch]]
    machines += ["-m %s" % m for m in fs.MEMORY_SIZES]
    for machine in machines:
        for scenario, handlers, df in fs.MACHINE_SCENARIOS:
            if machine.startswith("-m") and scenario == "x87_error":
                continue
            cases.append(Case(emulator, arch, "%s: %s %s" % (
                                  machine.replace("-cpu ", "cpu=").replace("-m ", "mem="),
                                  scenario, fs.config_label(handlers, df)),
                              scenario=scenario, kargs="handlers=%s df=%s" % (handlers, df),
                              expect=fs.expected_outcome(
                                  arch, scenario, handlers, df, emulator,
                                  cpu=machine[5:] if machine.startswith("-cpu ") else None),
                              config=(handlers, df), emulator_args=machine))
    return cases


def kvm_cases(arches, provider, skipped):
    """The KVM column: every scenario and configuration on -M microvm, and the
    two validation screens. Where a known deviation stops every scenario on an
    arch (fs.DEVIATIONS, "column"), one case proves the deviation and a line
    in `skipped` says why the rest of that column is not booted."""
    cases = []
    for arch in arches:
        cases += validation_cases("kvm", arch, all_of_them=False)
        d = fs.column_deviation("kvm", provider, arch)
        scenarios = scenario_cases("kvm", arch, provider)
        if d:
            proof = [c for c in scenarios if c.label == "page_fault handlers=all df=safe"]
            cases += proof
            skipped.append("SKIP kvm/%s: %d more scenario cases not booted: known deviation "
                           "%s (%s): %s" % (arch, len(scenarios) - len(proof), d["id"],
                                            d["seen"], d["what"]))
        else:
            cases += scenarios
    return cases


def _int(value):
    try:
        return int(value, 0)
    except (TypeError, ValueError):
        return None


def check(case, result, symbols):
    """List of what differed between result and the case's expectation."""
    problems = []
    exp = case.expect
    outcome = result["outcome"]

    def want(what, got, expected):
        if got != expected:
            problems.append("%s=%r, expected %r" % (what, got, expected))

    want("outcome", outcome, exp["outcome"])
    if outcome != exp["outcome"]:
        if exp.get("deviations"):
            problems.append("expected known deviation %s of %s: has the engine changed? "
                            "(tools/faultline_scenarios.py DEVIATIONS)"
                            % ("+".join(exp["deviations"]), case.seen or case.emulator))
        if result.get("detail"):
            problems.append("detail: %s" % result["detail"])
        if result.get("reason"):
            problems.append("reason: %s" % result["reason"])
        if result.get("result_line") and outcome != "triple_fault":
            problems.append("result line: %s" % result["result_line"])
        elif not result.get("result_line"):
            tail = [l for l in (result.get("serial") or "").splitlines() if l.strip()][-3:]
            problems.append("serial tail: %r" % tail)
        return problems

    # Only a triple fault the scenario caused counts: a kernel that died while
    # starting up never ran it (the "start-up:" line, kernel/kmain.c).
    startup = result.get("startup") or {}
    if case.config is not None:
        stopped = exp.get("startup_stopped_at")
        if stopped is not None:
            want("start-up stopped at", startup.get("stopped_at"), stopped)
        elif not result.get("scenario_started"):
            problems.append("the kernel never reached its scenario: start-up stopped at %r "
                            "(steps %s)" % (startup.get("stopped_at"), startup.get("steps")))
    if case.config is not None and result.get("scenario_started"):
        # What start-up left, read back by the kernel: every guard page unmapped.
        guards = (result.get("setup") or {}).get("guards")
        if not guards or any(mapped for _a, mapped in guards.values()):
            problems.append("guard pages after start-up: %r" % (guards,))
    if exp.get("failure"):
        if exp["failure"] not in (result.get("detail") or ""):
            problems.append("detail %r does not name %r" % (result.get("detail"),
                                                          exp["failure"]))
    problems += chain_problems(case, result)
    if exp["outcome"] in ("triple_fault",) or exp.get("failure"):
        return problems

    # The screen is 80 columns: every line but the result line must fit, or
    # VGA wraps it and the columns stop lining up.
    serial_lines = (result.get("serial") or "").splitlines()
    for line in serial_lines:
        if len(line) > 80 and not line.startswith(fs.RESULT_PREFIX):
            problems.append("screen line of %d columns: %r" % (len(line), line))
    # ... and 25 rows: from the banner (the first line after "running") to the
    # result line and the cursor row below it, or the banner scrolls away.
    start = max((i + 1 for i, l in enumerate(serial_lines) if l.endswith(": running")),
                default=0)
    rows = sum(max(1, -(-len(l) // 80)) for l in serial_lines[start:]) + 1
    if rows > 25:
        problems.append("the screen needs %d rows: its banner scrolls off" % rows)

    fields = result.get("fields") or {}
    want("result arch", fields.get("arch"), case.arch)

    if exp["outcome"] in ("error", "no_fault"):
        reason = result.get("reason") or ""
        expected_reason = case.reason if case.reason is not None else exp.get("reason")
        if expected_reason is not None:
            want("reason", reason, expected_reason)
        elif case.reason_contains not in reason:
            problems.append("reason %r does not contain %r" % (reason, case.reason_contains))
        if exp.get("vector") is not None:      # nested_fault: the guard names it
            want("vector", result.get("vector"), exp["vector"])
            want("name", result.get("name"), exp["name"])
        elif result.get("vector") is not None:
            problems.append("vector=%r on a non-fault outcome" % result["vector"])
        return problems

    # caught
    want("scenario field", fields.get("scenario"), case.scenario)
    if case.config is not None:
        want("handlers field", fields.get("handlers"), case.config[0])
        want("df field", fields.get("df"), case.config[1])
    want("vector", result.get("vector"), exp["vector"])
    want("name", result.get("name"), exp["name"])
    want("stack", result.get("stack"), exp["stack"])
    if exp.get("error_code") is not None:
        want("error_code", result.get("error_code"), exp["error_code"])
    if exp.get("rf") is not None:
        # EFLAGS.RF in the saved flags: 1 for a fault, as it was for a trap.
        want("RF in the saved flags (flags=%s)" % result.get("flags"), result.get("rf"),
             exp["rf"])
    if problems and exp.get("deviations"):
        problems.append("expected known deviation %s of %s: has the engine changed?"
                        % ("+".join(exp["deviations"]), case.seen or case.emulator))

    kstack = fs.symbol_address(fs.KERNEL_STACK_SYMBOL, symbols)
    cr2_problems = fs.cr2_problems(exp.get("cr2"), case.arch, _int(result.get("cr2")),
                                   _int(result.get("sp")), kstack)
    if cr2_problems and exp.get("deviations"):
        cr2_problems.append("expected known deviation %s of %s: has the engine changed?"
                            % ("+".join(exp["deviations"]), case.seen or case.emulator))
    problems += cr2_problems

    # The kernel's own backtrace (frame pointers, built-in symbols) names the
    # faulting function and, further up, kmain. A jump to a bad address has
    # no faulting function: the screen names the caller from [SP] instead.
    trace = " ".join(l for l in serial_lines if l.startswith(("trace ", "       ")))
    if exp.get("ip") is not None:
        want("ip", result.get("ip"), exp["ip"])
        said = [l for l in serial_lines if "return address at [SP]" in l]
        if not said or exp["function"] + "+" not in said[0]:
            problems.append("the screen does not name the caller %s from [SP]: %r"
                            % (exp["function"], said))
        needed_in_trace = ("kmain",)
    else:
        # Ring-3 code was reached by IRET, not called: its trace ends there.
        needed_in_trace = ((exp["function"],) if case.scenario in fs.RING3
                           else (exp["function"], "kmain"))
        func = fs.symbol_function(result.get("symbol"))
        if func != exp["function"]:
            problems.append("ip=%s is in %s, expected in %s"
                            % (result.get("ip"), result.get("symbol"), exp["function"]))
    for needed in needed_in_trace:
        # name+0x.., or the bare name at offset 0 (user_int's first byte)
        if needed + "+" not in trace and needed not in trace.split():
            problems.append("the trace %r does not name %s" % (trace, needed))

    if case.scenario in fs.RING3:
        # From ring 3 the CPU pushed (or, for the i386 #DF task, saved) the
        # user SS:SP: sp is on the user stack.
        sp = _int(result.get("sp"))
        ustack = fs.symbol_address(fs.USER_STACK_SYMBOL, symbols)
        if ustack is None:
            problems.append("no symbol %s to check sp against" % fs.USER_STACK_SYMBOL)
        else:
            low, top = ustack + fs.PAGE_SIZE, ustack + fs.PAGE_SIZE + fs.USER_STACK_SIZE
            if sp is None or not low <= sp <= top:
                problems.append("sp=%s is not on the user stack [0x%x, 0x%x]"
                                % (result.get("sp"), low, top))
        if not any(l.startswith("ring   CPL 3 -> 0") for l in serial_lines):
            problems.append("the screen has no line 'ring   CPL 3 -> 0'")
    elif case.arch == "i386" and exp["stack"] == fs.SAFE_STACK["i386"]:
        # ip/sp come from the back-linked TSS: the interrupted context.
        sp = _int(result.get("sp"))
        if kstack is None:
            problems.append("no symbol %s to check sp against" % fs.KERNEL_STACK_SYMBOL)
        else:
            top = kstack + fs.PAGE_SIZE + fs.KERNEL_STACK_SIZE
            if sp is None or not kstack <= sp < top:
                problems.append("sp=%s (from the back-linked TSS) not in the kernel "
                                "stack or its guard page [0x%x, 0x%x)"
                                % (result.get("sp"), kstack, top))
    return problems


def chain_problems(case, result):
    """The chain the engine's own log shows (tools/chain.py) against the
    manuals' rules (fs.expected_path), for every triple fault and caught
    #DF; for a caught #DF also the kernel's own "path" line against the
    engine's chain. KVM logs no exceptions; a known deviation changes what
    happens, so both are left out."""
    exp = case.expect
    if case.config is None or case.emulator not in ("qemu", "bochs") or exp.get("deviations"):
        return []
    ends_in_df = exp["outcome"] == "caught" and exp.get("vector") == fs.DF_VECTOR
    if exp["outcome"] != "triple_fault" and not ends_in_df:
        return []
    expected = fs.expected_path(case.scenario, *case.config)
    if expected is None:
        return []
    got = (result.get("chain") or {}).get("path")
    if got is None:
        return ["no exception chain in %s's log (expected %s)" % (case.emulator, expected)]
    problems = []
    if chains.path_vectors(got) != chains.path_vectors(expected):
        problems.append("chain %r in %s's log, the rules give %r" % (got, case.emulator, expected))
    if ends_in_df:
        said = [l.split(None, 1)[1] for l in (result.get("serial") or "").splitlines()
                if l.startswith("path ")]
        if not said or chains.path_vectors(said[0].strip()) != chains.path_vectors(got):
            problems.append("the screen's path line %r is not what %s did: %r"
                            % (said[0].strip() if said else None, case.emulator, got))
    return problems


AGREE_FIELDS = ("outcome", "vector", "name", "cr2", "stack")


def deviates_in_agreed_fields(case):
    """Whether a known deviation changes what the engines must agree on."""
    if not case.expect.get("deviations"):
        return False
    manual = fs.expected_outcome(case.arch, case.scenario, case.config[0], case.config[1])
    return any(case.expect.get(f) != manual.get(f) for f in AGREE_FIELDS)


def agreement(results, deviating):
    """[(name, problems)]: on each fault case that several engines ran, they
    agree, unless one of them has a known deviation there (`deviating`: the
    set of (engine, arch, label) whose expectation names one)."""
    checks = []
    for (arch, label), by_emu in sorted(results.items()):
        emus = [e for e in engines.names() if e in by_emu
                and (e, arch, label) not in deviating]
        if len(emus) < 2:
            continue
        first = emus[0]
        problems = []
        for other in emus[1:]:
            a, b = by_emu[first], by_emu[other]
            problems += ["%s: %s %r, %s %r" % (f, first, a.get(f), other, b.get(f))
                         for f in AGREE_FIELDS if a.get(f) != b.get(f)]
        checks.append(("agree/%s/%s (%s)" % (arch, label, ", ".join(emus)), problems))
    return checks


# --build-root: boot another build (e.g. build/clang, the other toolchain's).
BUILD_ROOT = None


def build_dir(arch):
    return os.path.join(BUILD_ROOT, arch) if BUILD_ROOT else fs.default_build_dir(arch)


def run_case(case, timeout, grace):
    elf = fs.symbol_elf(build_dir(case.arch))
    before = fs.file_stamp(elf)
    try:
        result = fs.run_scenario(case.arch, scenario=case.scenario, kargs=case.kargs,
                                 emulator=case.emulator, boot=case.boot, timeout=timeout,
                                 build_dir=build_dir(case.arch),
                                 grace=grace, emulator_args=case.emulator_args,
                                 **({"machine": case.machine} if case.machine else {}))
        symbols = fs.load_symbols(elf)
    except fs.ToolError as exc:
        return case, None, ["tool error: %s" % exc]
    except fs.Interrupted:
        return case, None, ["interrupted"]
    problems = check(case, result, symbols)
    if problems and fs.file_stamp(elf) != before:
        problems.append("(the build changed during this boot: rerun)")
    return case, result, problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", choices=fs.ARCHES, action="append",
                   help="only this arch (repeatable; default both)")
    p.add_argument("--emulator", default="all",
                   help="the engines' columns to run: all (default), both (qemu and "
                        "bochs), or a comma-separated list of %s" % ", ".join(engines.names()))
    p.add_argument("--filter", default="", help="only cases whose name contains this")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    p.add_argument("--timeout", type=float, default=None,
                   help="per boot (default 10 s in QEMU and KVM, 30 s in Bochs)")
    p.add_argument("--grace", type=float, default=0.0,
                   help="seconds to let the emulator exit by itself after the result line "
                        "(the kernel halts there: nothing more comes)")
    p.add_argument("--build-root", default=None,
                   help="boot the builds in DIR/<arch> instead of build/<arch> "
                        "(make BUILD_ROOT=DIR: e.g. the clang build)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print each boot's time and result line")
    args = p.parse_args(argv)
    arches = args.arch or list(fs.ARCHES)
    global BUILD_ROOT
    BUILD_ROOT = args.build_root
    try:
        emulators = engines.parse_list(args.emulator)
    except fs.ToolError as exc:
        print("boot_matrix: %s" % exc, file=sys.stderr)
        return 2

    cases, skipped = [], []
    for emu in emulators:
        engine = engines.get(emu)
        why = engine.unavailable()
        if why:
            # Never a silent pass: one line says which column did not run.
            skipped.append("SKIP %s: the whole column not run: %s" % (emu, why))
            continue
        column = build_cases(arches, emu, engine.provider(), skipped)
        column = without_iso_cases(column, emu, grub_iso.bios_grub_missing(), skipped)
        for c in column:
            c.seen = engine.version()
        cases += [c for c in column if args.filter in c.name]
    for line in skipped:
        print(line, flush=True)
    if not cases:
        print("no case matches --filter %r" % args.filter, file=sys.stderr)
        return 2

    # Fail early and clearly on a missing build, emulator or tool.
    try:
        for emu, arch, boot in sorted({(c.emulator, c.arch, c.boot) for c in cases}):
            fs.check_host(arch, emu, boot, build_dir(arch))
        for arch in sorted({c.arch for c in cases}):
            fs.load_symbols(fs.symbol_elf(build_dir(arch)))
    except fs.ToolError as exc:
        print("boot_matrix: %s" % exc, file=sys.stderr)
        return 2

    start = time.monotonic()
    passed = failed = 0
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        # The slowest boots first (Bochs, then GRUB ISOs) so they do not trail.
        ordered = sorted(cases, key=lambda c: (c.emulator != "bochs", c.boot != "iso"))
        futures = [pool.submit(run_case, c, args.timeout, args.grace)
                   for c in ordered]
        results = {}
        deviating = set()
        for fut in as_completed(futures):
            case, result, problems = fut.result()
            if result is not None and case.config is not None and not case.emulator_args:
                results.setdefault((case.arch, case.label), {})[case.emulator] = result
                if deviates_in_agreed_fields(case):
                    deviating.add((case.emulator, case.arch, case.label))
            if problems:
                failed += 1
                print("FAIL %s: %s" % (case.name, "; ".join(problems)), flush=True)
            else:
                passed += 1
                print("PASS %s" % case.name, flush=True)
            if args.verbose and result is not None:
                print("     %.2fs %s" % (result["seconds"] or 0,
                                         result["result_line"] or result["outcome"]),
                      flush=True)
    except KeyboardInterrupt:
        fs.kill_all_running()
        pool.shutdown(wait=True, cancel_futures=True)
        print("interrupted", file=sys.stderr)
        return 130
    pool.shutdown(wait=True)
    for name, problems in agreement(results, deviating):
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)), flush=True)
        else:
            passed += 1
            print("PASS %s" % name, flush=True)
    if args.verbose:
        print("(%d boots in %.1f s, %d jobs)" % (len(cases), time.monotonic() - start,
                                                 args.jobs))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
