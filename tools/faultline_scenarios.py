"""faultline host tooling: the scenario vocabulary, what the manuals say each
scenario must do, what each engine is known to do instead, and the logic of
booting one scenario and judging what happened.

Python 3 standard library only. Imported by tools/run-scenario (the command
line front end), tests/boot_matrix.py (which calls run_scenario() directly,
many boots in parallel), the grader, the golden screens, the benchmark, and
tests/test_run_scenario.py (unit tests of the pure functions: no emulator).
The engines themselves (QEMU's TCG, KVM, Bochs) are tools/engines/, one
module each behind one interface.

The kernel's side of the contract (see kernel/kmain.c, kernel/fault_report.c):
  * every line of the screen is mirrored on COM1, lines end in \\r\\n;
  * before the scenario it announces each start-up step on one line,
        faultline i386: start-up: paging GDT TSS IDT ok
    then "faultline i386: scenario=... : running", so a kernel that died
    while starting up is told apart from a scenario that faulted;
  * the last line is one result line:
        FAULTLINE-RESULT outcome=caught arch=x86_64 vector=14 name=#PF ...
        FAULTLINE-RESULT outcome=error arch=i386 reason="unknown scenario 'foo' (...)"
    values are bare tokens or double-quoted strings that may hold spaces;
  * outcome from the kernel is caught | error | no_fault. A triple fault never
    reaches the kernel: only the engine's own evidence can show it.
"""

import json
import os
import re
import subprocess
from functools import lru_cache

import chain as chains
import engines
import file_cache
import host
from engines import base
from engines import qemu as engines_qemu
# Re-exported: the runner library's callers use these through this module.
from engines.base import (ToolError, Interrupted, RESULT_PREFIX, clean_serial,  # noqa: F401
                          find_result_line, has_complete_result_line, read_bytes,
                          file_stamp, kill_all_running, default_build_dir, REPO_ROOT)

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

ARCHES = ("i386", "x86_64")
EMULATORS = engines.names()           # ("qemu", "bochs", "kvm")
BOOT_MODES = ("kernel", "iso")

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
# The #DF stack (IST1 / the #DF task's), laid out the same way (8 KiB).
DF_STACK_SIZE = 0x2000
DF_STACK_SYMBOL = "df_stack"


def df_stack_range(symbols):
    """(bottom, top) of the #DF stack from the ELF's symbols, or None."""
    guard = symbol_address(DF_STACK_SYMBOL, symbols)
    if guard is None:
        return None
    return guard + PAGE_SIZE, guard + PAGE_SIZE + DF_STACK_SIZE

# A scenario: the exception it raises when a gate for it exists, the
# function that holds the faulting instruction (static: nm shows 't'), and
# the error code that exception must push (per arch where they differ; None:
# not checked). stack_overflow never reaches its own #PF handler: pushing the
# #PF frame onto the guard page faults again, so its own vector is None.
SCENARIOS = {
    "page_fault": {"vector": 14, "name": "#PF", "function": "scenario_page_fault",
                   "error_code": "0x2", "summary": "write to unmapped 0xdeadbeef"},
    "stack_overflow": {"vector": None, "name": None, "function": "recurse",
                       "summary": "recurse into the guard page below the kernel stack"},
    "divide_error": {"vector": 0, "name": "#DE", "function": "scenario_divide_error",
                     "summary": "divide by zero"},
    "breakpoint": {"vector": 3, "name": "#BP", "function": "scenario_breakpoint",
                   "summary": "int3 (a trap)"},
    "invalid_opcode": {"vector": 6, "name": "#UD", "function": "scenario_invalid_opcode",
                       "summary": "ud2"},
    "general_protection": {"vector": 13, "name": "#GP",
                           "function": "scenario_general_protection", "error_code": "0xfff8",
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
    # i386: IRET with NT to a back-link past the GDT's limit: #TS(0xfff8).
    # x86_64: #UD through a gate whose IST slot lies past the TSS's limit:
    # #TS(TR = 0x18) with EXT set, as it arose delivering #UD (SDM 6.13).
    "invalid_tss": {"vector": 10, "name": "#TS", "function": "scenario_invalid_tss",
                    "error_code": {"i386": "0xfff8", "x86_64": "0x19"},
                    "summary": "i386: IRET to a nested task past the GDT limit; x86_64: "
                               "an IST slot past the TSS limit"},
    "segment_not_present": {"vector": 11, "name": "#NP", "error_code": "0x28",
                            "function": "scenario_segment_not_present",
                            "summary": "load DS with a not-present descriptor"},
    "stack_segment": {"vector": 12, "name": "#SS", "function": "scenario_stack_segment",
                      "error_code": "0x28", "summary": "load SS with a not-present descriptor"},
    "x87_error": {"vector": 16, "name": "#MF", "function": "scenario_x87_error",
                  "summary": "unmasked x87 divide by zero, then FWAIT"},
    "simd_error": {"vector": 19, "name": "#XM", "function": "scenario_simd_error",
                   "summary": "unmasked SSE divide by zero"},
    # ud2 with IDT[6] empty: #GP(IDT 6) = 6 << 3 | IDT | EXT (SDM 6.13).
    "missing_gate": {"vector": 13, "name": "#GP", "function": "scenario_missing_gate",
                     "error_code": "0x33", "first_vector": 6,
                     "summary": "ud2 with IDT[6] empty: #GP naming the IDT entry, EXT set"},
    # A call through a NULL pointer: the fetch at 0 faults, so IP = CR2 = 0;
    # the calling function is the return address at [SP]. The I/D bit of the
    # error code is reported only with CR4.SMEP or PAE/4-level paging with
    # EFER.NXE (SDM Vol. 3A 4.7): see null_call_error_code().
    "null_call": {"vector": 14, "name": "#PF", "function": "scenario_null_call", "ip": "0x0",
                  "summary": "call through a NULL function pointer: an instruction fetch #PF"},
    # The PICs as the BIOS leaves them (IRQ 0-7 on vectors 8-15), the timer
    # on, IF=1: IRQ 0 arrives through IDT[8], the #DF gate, and the screen
    # must tell it from a #DF (the PIC's in-service register). It needs a
    # machine whose BIOS routed the PIC to the CPU (LINT0 as ExtINT): a PC.
    "timer_irq": {"vector": 8, "name": "IRQ0", "function": "scenario_timer_irq",
                  "error_code": "none", "machine": "pc",
                  "summary": "the BIOS's PIC mapping, interrupts on: IRQ 0 on vector 8"},
    # Not a vector: the reporter faults (#PF at page 0) while reporting #UD,
    # and the nested-fault guard must still say so. Its own vector (6) is
    # covered by invalid_opcode.
    "nested_fault": {"vector": None, "name": None, "function": "scenario_invalid_opcode",
                     "summary": "#UD, then a #PF inside the fault reporter"},
    # From ring 3 (kernel/ring3.c; the code is kernel/user_code.inc): the CPU
    # switches to the TSS's ring-0 stack (ESP0/RSP0, SDM Vol. 3A 6.12.1,
    # 6.14.4) and pushes the user SS:SP. "ring": 3 marks them: their trace
    # ends in the user routine (nothing called it), and sp is on the user stack.
    # A user write to an unmapped page: #PF, error code U|W = 0x6 (SDM 4.7).
    "user_page_fault": {"vector": 14, "name": "#PF", "function": "user_page_fault",
                        "error_code": "0x6", "ring": 3,
                        "summary": "ring 3 writes to unmapped 0xdeadbeef (U=1 in the error code)"},
    # HLT at CPL 3: #GP(0) (SDM Vol. 3A 5.9).
    "user_privileged": {"vector": 13, "name": "#GP", "function": "user_privileged",
                        "error_code": "0x0", "ring": 3,
                        "summary": "hlt in ring 3: a privileged instruction, #GP(0)"},
    # INT 3 through IDT[3], DPL 0, from CPL 3: #GP(3 << 3 | IDT) = 0x1a, no
    # EXT (SDM Vol. 3A 6.12.1.2, 6.13).
    "user_int": {"vector": 13, "name": "#GP", "function": "user_int",
                 "error_code": "0x1a", "ring": 3,
                 "summary": "int 3 in ring 3 through a DPL-0 gate: #GP naming IDT[3]"},
    # The same INT 3 once IDT[3] has DPL 3: #BP, a trap, delivered.
    "user_int_allowed": {"vector": 3, "name": "#BP", "function": "user_int_allowed",
                         "ring": 3,
                         "summary": "int 3 in ring 3 through a DPL-3 gate: #BP reaches its handler"},
    # CR0.AM=1, EFLAGS.AC=1, CPL 3, a misaligned load: #AC(0) (SDM Vol. 3A
    # 2.5; 6.15, Interrupt 17).
    "alignment_check": {"vector": 17, "name": "#AC", "function": "user_alignment_check",
                        "error_code": "0x0", "ring": 3,
                        "summary": "CR0.AM, EFLAGS.AC and a misaligned load in ring 3"},
    # TSS.ESP0/RSP0 = the kernel stack's bottom: the user #PF's frame push
    # faults in the guard page: #PF + #PF = #DF; on the same stack, a triple
    # fault. The faulting code is user_page_fault's.
    "bad_rsp0": {"vector": None, "name": None, "function": "user_page_fault", "ring": 3,
                 "summary": "TSS.ESP0/RSP0 at the kernel stack's bottom: a user #PF "
                            "cannot push its frame, #DF"},
}

# The scenarios whose faulting code runs in ring 3.
RING3 = tuple(n for n, i in SCENARIOS.items() if i.get("ring") == 3)
USER_STACK_SYMBOL = "user_stack"
USER_STACK_SIZE = 0x1000

# The double-fault story the lessons follow: these run in every handlers/df
# configuration; the per-vector scenarios in VECTOR_CONFIGS only.
STORY = ("page_fault", "stack_overflow", "divide_error", "breakpoint",
         "invalid_opcode", "general_protection")


def scenario_machine(scenario):
    """The QEMU machine a scenario needs, or None for any."""
    return SCENARIOS.get(scenario, {}).get("machine")
VECTOR_CONFIGS = (("all", "safe"), ("df", "stack"))


def scenario_arches(scenario):
    return SCENARIOS[scenario].get("arches", ARCHES)


def scenario_configs(scenario):
    if scenario == "nested_fault":
        return (("all", "safe"),)
    if scenario == "bad_rsp0":
        # #DF on its own stack, or on the same bad one (a triple fault).
        return (("all", "safe"), ("all", "stack"))
    return CONFIGS if scenario in STORY else VECTOR_CONFIGS


# Other machines, in QEMU (the main matrix uses QEMU's default qemu32 /
# qemu64): CPU models old and new, and memory sizes, each with a few
# scenarios that exercise paging, the #DF stack switch, the FPU and CPUID.
CPU_MODELS = {"i386": ("486", "pentium", "pentium3", "coreduo", "Broadwell"),
              "x86_64": ("core2duo", "Nehalem", "Skylake-Client", "EPYC")}
MEMORY_SIZES = ("32M", "2G")
MACHINE_SCENARIOS = (("page_fault", "all", "safe"), ("stack_overflow", "all", "safe"),
                     ("stack_overflow", "all", "stack"), ("page_fault", "df", "stack"),
                     ("x87_error", "all", "safe"), ("null_call", "all", "safe"))
# The CPU models above with SMEP (CPUID.(EAX=07H,ECX=0):EBX[7]).
SMEP_CPU_MODELS = ("Broadwell", "Skylake-Client", "EPYC")


def null_call_error_code(arch, cpu=None):
    """The #PF error code of null_call: a supervisor read of a not-present
    page, plus I/D where the paging mode reports it (SDM Vol. 3A 4.7). The
    kernel turns on EFER.NXE (x86_64: every 64-bit CPU has NX) and CR4.SMEP
    where CPUID shows it; i386's 32-bit paging reports I/D only with SMEP,
    which QEMU's qemu32 and Bochs's default CPU lack."""
    if arch == "x86_64" or cpu in SMEP_CPU_MODELS:
        return "0x10"
    return "0x0"

# cr2 expectations: an exact value, or a rule checked by cr2_problems():
#   GUARD_PAGE   inside the guard page below the kernel stack;
#   FRAME_PUSH   ...and where the CPU was pushing the #PF frame when that push
#                faulted: the second #PF's address. "Processors update CR2
#                whenever a page fault is detected ... even if the page fault
#                results in a double fault" (SDM Vol. 3A 6.15, Interrupt 14,
#                the footnote to "Contents of the CR2 register");
#   FIRST_FAULT  ...but not there: the first #PF's address (a deviation;
#                with no #PF gate, handlers=df, CR2 is rightly the first
#                #PF's, but it may fall inside that range too: a push).
GUARD_PAGE = "guard_page"
FRAME_PUSH = "frame_push"
FIRST_FAULT = "first_fault"
EXPECTED_CR2 = {"page_fault": "0xdeadbeef", "stack_overflow": FRAME_PUSH, "null_call": "0x0",
                "user_page_fault": "0xdeadbeef", "bad_rsp0": GUARD_PAGE}
# Scenarios whose delivery pushes into the kernel stack's guard page: the
# frame of a fault on an overflowed stack, or on the stack a bad TSS.RSP0
# names.
FRAME_PUSH_FAULTS = ("stack_overflow", "bad_rsp0")


# --------------------------------------------------------------------------
# Where an engine is not the architecture
# --------------------------------------------------------------------------

# What an engine does instead of what the manuals require, measured here. The
# tests expect the manual's behaviour from every engine, except exactly these:
# an engine that stops deviating (a newer QEMU, another KVM) then fails its
# test with a message that says so.
#
#   id         short name, used in test output and the README
#   engine     an engines/ name; provider: for kvm, the module behind /dev/kvm
#              ("pvm", "vmx", "svm"; see engines/kvm.py), None for any
#   arch       None for both
#   scenarios  the scenarios it affects, in configs (None: every configuration)
#   instead    what the engine gives: with "outcome", the whole expectation;
#              without, the keys it changes (e.g. cr2)
#   what       what happens, for people; manual: the section it departs from
#   seen       the engine and version it was measured on
#   column     True: the deviation stops every scenario on that arch, so the
#              matrix boots one case to prove it and says why it skips the rest
ALL_SCENARIOS = tuple(SCENARIOS)
_PVM_SEEN = "QEMU 7.2.22 with KVM from kvm_pvm (Linux 6.18.44), Debian 12"
DEVIATIONS = (
    {"id": "tcg-no-xm", "engine": "qemu", "provider": None, "arch": None,
     "scenarios": ("simd_error",), "configs": None,
     "instead": {"outcome": "no_fault", "reason": "scenario_returned"},
     "what": "QEMU's TCG does not raise SIMD floating-point exceptions (#XM): the "
             "unmasked SSE division by zero completes and the scenario returns",
     "manual": "SDM Vol. 3A 6.15, Interrupt 19 (#XM): an unmasked SIMD "
               "floating-point exception with CR4.OSXMMEXCPT=1 raises #XM",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-no-rf", "engine": "qemu", "provider": None, "arch": None,
     "scenarios": ALL_SCENARIOS, "configs": None,
     "instead": {"rf": 0},
     "what": "QEMU's TCG pushes EFLAGS with RF=0 for a fault; the SDM has the CPU "
             "push RF=1 for any fault-class exception",
     "manual": "SDM Vol. 3B 17.3.1.1: \"For any fault-class exception except a debug "
               "exception generated in response to an instruction breakpoint, the value "
               "pushed for RF is 1\"",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-no-ext", "engine": "qemu", "provider": None, "arch": "i386",
     "scenarios": ("missing_gate",), "configs": (("all", "safe"),),
     "instead": {"error_code": "0x32"},
     "what": "QEMU's TCG never sets EXT (bit 0) in an error code: the #GP raised "
             "while delivering #UD gives 0x32, not 0x33",
     "manual": "SDM Vol. 3A 6.13: EXT is set when the exception occurred during "
               "delivery of an earlier exception",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-no-ext", "engine": "qemu", "provider": None, "arch": "x86_64",
     "scenarios": ("invalid_tss",), "configs": (("all", "safe"),),
     "instead": {"error_code": "0x18"},
     "what": "QEMU's TCG never sets EXT (bit 0) in an error code: the #TS raised "
             "while delivering #UD gives 0x18, not 0x19",
     "manual": "SDM Vol. 3A 6.13: EXT is set when the exception occurred during "
               "delivery of an earlier exception",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-idt-index-x16", "engine": "qemu", "provider": None, "arch": "x86_64",
     "scenarios": ("missing_gate",), "configs": (("all", "safe"),),
     "instead": {"error_code": "0x62"},
     "what": "in 64-bit mode QEMU 7.2's TCG puts the gate's byte offset (vector x 16) "
             "where the error code's index goes, and no EXT: 0x62 for IDT[6] instead "
             "of 0x33 (QEMU issue 1382, fixed in QEMU 8.0)",
     "manual": "SDM Vol. 3A 6.13: bits 15:3 hold the index of the IDT entry, the "
               "vector; EXT is set during delivery of an earlier exception",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-no-ac", "engine": "qemu", "provider": None, "arch": None,
     "scenarios": ("alignment_check",), "configs": (("all", "safe"),),
     "instead": {"outcome": "caught", "vector": 6, "name": "#UD", "stack": "kernel",
                 "error_code": None, "function": "user_alignment_check"},
     "what": "QEMU's TCG does not check alignment: with CR0.AM=1, EFLAGS.AC=1 at CPL 3 "
             "the misaligned load completes, and the ud2 after it raises #UD",
     "manual": "SDM Vol. 3A 6.15, Interrupt 17 (#AC), and 2.5 (CR0.AM): a misaligned "
               "data access at CPL 3 with AM and AC set raises #AC",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-no-ac", "engine": "qemu", "provider": None, "arch": None,
     "scenarios": ("alignment_check",), "configs": (("df", "stack"),),
     "instead": {"outcome": "caught", "vector": 8, "name": "#DF", "stack": "kernel",
                 "error_code": "0x0", "cr2": None, "rf": None,
                 "function": "user_alignment_check"},
     "what": "QEMU's TCG does not check alignment: the misaligned load completes and the "
             "ud2 after it raises #UD; with no gate for #UD the chain to #DF starts "
             "there, not at #AC",
     "manual": "SDM Vol. 3A 6.15, Interrupt 17 (#AC), and 2.5 (CR0.AM): a misaligned "
               "data access at CPL 3 with AM and AC set raises #AC",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "tcg-idt-index-x16", "engine": "qemu", "provider": None, "arch": "x86_64",
     "scenarios": ("user_int",), "configs": (("all", "safe"),),
     "instead": {"error_code": "0x32"},
     "what": "in 64-bit mode QEMU 7.2's TCG puts the gate's byte offset (vector x 16) "
             "where the error code's index goes: 0x32 for INT 3 through a DPL-0 gate "
             "instead of 0x1a (QEMU issue 1382, fixed in QEMU 8.0)",
     "manual": "SDM Vol. 3A 6.13: bits 15:3 hold the index of the IDT entry, the "
               "vector; 6.12.1.2: INT n with CPL > the gate's DPL raises #GP",
     "seen": "QEMU 7.2.22 (TCG), Debian 12"},
    {"id": "pvm-no-32bit-paging", "engine": "kvm", "provider": "pvm", "arch": "i386",
     "scenarios": ALL_SCENARIOS, "configs": None, "column": True,
     "instead": {"outcome": "triple_fault", "startup_stopped_at": "paging"},
     "what": "PVM runs a 32-bit protected-mode guest only in KVM's instruction "
             "emulator, and shuts the VM down (KVM_EXIT_SHUTDOWN) when the kernel "
             "turns on 32-bit paging (CR0.PG=1): no scenario is reached",
     "manual": "SDM Vol. 3A 4.1.1 and 4.1.2: setting CR0.PG with CR0.PE=1 and "
               "CR4.PAE=0 turns on 32-bit paging",
     "seen": _PVM_SEEN},
    {"id": "pvm-int3", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("breakpoint",), "configs": None,
     "instead": {"outcome": "error", "failure": "KVM internal error"},
     "what": "KVM's instruction emulator gives up on INT3 (\"KVM internal error\", "
             "an emulation failure) instead of delivering #BP",
     "manual": "SDM Vol. 2A, INT n/INTO/INT3; Vol. 3A 6.15, Interrupt 3",
     "seen": _PVM_SEEN},
    {"id": "pvm-fpu", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("x87_error", "simd_error"), "configs": None,
     "instead": {"outcome": "error", "failure": "KVM internal error"},
     "what": "after the kernel writes CR0 (and CR4) to set up the FPU, KVM's "
             "instruction emulator meets FLDCW or LDMXCSR and gives up "
             "(\"KVM internal error\", an emulation failure)",
     "manual": "SDM Vol. 3A 6.15, Interrupts 16 (#MF) and 19 (#XM)",
     "seen": _PVM_SEEN},
    {"id": "pvm-missing-gate", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("missing_gate",), "configs": (("all", "safe"),),
     "instead": {"outcome": "caught", "vector": 8, "name": "#DF", "stack": "ist1",
                 "error_code": "0x0", "function": "scenario_missing_gate"},
     "what": "with IDT[6] empty, KVM's software turns the failed #UD delivery into "
             "#DF, where the CPU delivers #GP(IDT 6) (#UD is benign)",
     "manual": "SDM Vol. 3A 6.15, Interrupt 8, Table 6-5: a benign exception then a "
               "contributory one is handled serially",
     "seen": _PVM_SEEN},
    {"id": "pvm-ignores-tss-limit", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("invalid_tss",), "configs": (("all", "safe"),),
     "instead": {"outcome": "caught", "vector": 6, "name": "#UD", "stack": "ist1",
                 "error_code": None, "function": "scenario_invalid_tss"},
     "what": "KVM delivers #UD on IST1 although the TSS's limit ends before IST1: "
             "no #TS",
     "manual": "AMD64 APM Vol. 3, INT: #TS when the rSP in the TSS is beyond the TSS "
               "limit; SDM Vol. 3A 6.15, Interrupt 10",
     "seen": _PVM_SEEN},
    {"id": "pvm-int-ignores-gate-dpl", "engine": "kvm", "provider": "pvm",
     "arch": "x86_64", "scenarios": ("user_int",), "configs": (("all", "safe"),),
     "instead": {"outcome": "caught", "vector": 3, "name": "#BP", "stack": "kernel",
                 "error_code": None, "function": "user_int"},
     "what": "INT 3 from ring 3 through a gate with DPL 0 reaches the #BP handler: "
             "no #GP",
     "manual": "SDM Vol. 3A 6.12.1.2: for INT n, INT3 and INTO the processor checks "
               "the gate's DPL, and CPL > DPL raises #GP with the IDT entry in the "
               "error code; SDM Vol. 2A, INT n",
     "seen": _PVM_SEEN},
    {"id": "kvm-df-keeps-cr2", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("stack_overflow",), "configs": (("all", "safe"),),
     "instead": {"cr2": FIRST_FAULT},
     "what": "when pushing the #PF frame faults and the second #PF becomes #DF, CR2 "
             "keeps the first #PF's address (KVM queues a #PF's address and drops "
             "it when kvm_multiple_exception turns the pair into #DF)",
     "manual": "SDM Vol. 3A 6.15, Interrupt 14, footnote 1: processors update CR2 "
               "whenever a page fault is detected, even if it results in a double fault",
     "seen": _PVM_SEEN},
    {"id": "kvm-df-keeps-cr2", "engine": "kvm", "provider": "pvm", "arch": "x86_64",
     "scenarios": ("bad_rsp0",), "configs": (("all", "safe"),),
     "instead": {"cr2": "0xdeadbeef"},
     "what": "when pushing the user #PF's frame on the stack TSS.RSP0 names faults and "
             "the second #PF becomes #DF, CR2 keeps the first #PF's address, "
             "0xdeadbeef, not the push's",
     "manual": "SDM Vol. 3A 6.15, Interrupt 14, footnote 1: processors update CR2 "
               "whenever a page fault is detected, even if it results in a double fault",
     "seen": _PVM_SEEN},
)


def deviation_note(d):
    """A deviation as --list and the README show it."""
    engine = d["engine"] + ("/" + d["provider"] if d["provider"] else "")
    return {"id": d["id"], "engine": engine, "arch": d["arch"], "what": d["what"],
            "manual": d["manual"], "seen": d["seen"]}


def column_deviation(emulator, provider, arch):
    """The known deviation ("column") that stops every scenario of `arch` on
    engine `emulator` with `provider` (engine.provider()), or None."""
    for d in DEVIATIONS:
        if (d.get("column") and d["engine"] == emulator
                and d["provider"] in (None, provider) and d["arch"] in (None, arch)):
            return d
    return None


def deviations_for(emulator, provider, arch, scenario, handlers, df):
    """The known deviations of this engine on this boot, in DEVIATIONS order."""
    return [d for d in DEVIATIONS
            if d["engine"] == emulator
            and d["provider"] in (None, provider)
            and d["arch"] in (None, arch)
            and scenario in d["scenarios"]
            and (d["configs"] is None or (handlers, df) in d["configs"])]

# Vectors no scenario raises, and why (the "why" of --list's coverage).
NOT_RAISED = {
    2: "NMI is an external interrupt (the NMI pin or an APIC IPI), not something an "
       "instruction causes",
    9: "Coprocessor Segment Overrun: processors after the Intel386 do not raise it "
       "(SDM Vol. 3A 6.15, Interrupt 9)",
    18: "#MC: machine checks report hardware errors; no instruction raises one",
    20: "#VE: only a guest under VMX with EPT-violation #VE enabled",
    21: "#CP: needs CET shadow stacks or indirect-branch tracking, not enabled here",
    28: "#HV: only an AMD SEV-SNP guest",
    29: "#VC: only an AMD SEV-ES guest",
    30: "#SX: only with AMD SVM in use",
}
RESERVED_VECTORS = (15, 22, 23, 24, 25, 26, 27, 31)
X86_64_ONLY_NOT = {
    4: "INTO is invalid in 64-bit mode (#UD); 32-bit and compatibility-mode code have it",
    5: "BOUND is invalid in 64-bit mode (#UD); 32-bit and compatibility-mode code have it",
}


def vector_coverage():
    """For each of the 32 vectors and each arch: the scenario that raises it
    (and the configuration), or why none can from ring 0 here."""
    by_vector = {}
    for name, info in SCENARIOS.items():          # the first scenario per vector
        if info["vector"] is not None:
            by_vector.setdefault(info["vector"], name)
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
                seen = [deviation_note(d) for d in DEVIATIONS
                         if name in d["scenarios"] and d["arch"] in (None, arch)]
                if seen:
                    row[arch]["deviations"] = seen
            elif arch == "x86_64" and v in X86_64_ONLY_NOT:
                row[arch] = {"scenario": None, "why": X86_64_ONLY_NOT[v]}
            elif v in RESERVED_VECTORS:
                row[arch] = {"scenario": None, "why": "reserved by Intel"}
            else:
                row[arch] = {"scenario": None, "why": NOT_RAISED[v]}
        table.append(row)
    return table

# EFLAGS.RF in the EFLAGS image a handler finds: 1 for any fault-class
# exception, else what RF was (0 here): traps such as single-step #DB, #BP
# and #OF (SDM Vol. 3B 17.3.1.1). #DF, an abort, is not covered: not checked.
RF_TRAPS = (1, 3, 4)
EFLAGS_RF = 1 << 16


def expected_rf(vector):
    if vector == DF_VECTOR:
        return None
    return 0 if vector in RF_TRAPS else 1


def expected_error_code(arch, scenario, vector, cpu=None):
    """The error code the caught vector must push; None: not checked."""
    if vector == DF_VECTOR:
        return "0x0"              # #DF always pushes 0 (SDM Vol. 3A 6.15, Interrupt 8)
    if vector != SCENARIOS[scenario]["vector"]:
        return None
    if scenario == "null_call":
        return null_call_error_code(arch, cpu)
    code = SCENARIOS[scenario].get("error_code")
    return code.get(arch) if isinstance(code, dict) else code



def config_label(handlers, df):
    return "handlers=%s df=%s" % (handlers, df)


def expected_outcome(arch, scenario, handlers="all", df="safe", emulator=None, provider=None,
                     cpu=None):
    """What booting `scenario` with handlers/df on `arch` must produce: what
    the manuals require, or, on `emulator` (and, for kvm, `provider`), that
    engine's known deviation (DEVIATIONS), whose ids are then listed under
    "deviations".

    Returns a dict: {"outcome": "triple_fault"} or {"outcome": "caught",
    "vector", "name", "stack", "error_code", "cr2", "rf", "function"},
    where error_code/cr2/rf are None when not checked. df may also be the
    arch's own spelling of safe (task on i386, ist on x86_64). cpu: a QEMU
    -cpu model, for what depends on it (null_call's I/D bit).
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
    if arch not in scenario_arches(scenario):
        return {"outcome": "error"}
    expect = architectural_outcome(arch, scenario, handlers, df, cpu)
    deviations = deviations_for(emulator, provider, arch, scenario, handlers, df)
    applied = []
    for d in deviations:
        if "outcome" in d["instead"]:
            expect = dict(d["instead"])
            applied.append(d["id"])
        elif expect["outcome"] == "caught":
            # Only what the manual pins down and the engine gets otherwise.
            changed = {k: v for k, v in d["instead"].items()
                       if expect.get(k) is not None and expect[k] != v}
            if changed:
                expect.update(changed)
                applied.append(d["id"])
    if applied:
        expect["deviations"] = applied
    return expect


def architectural_outcome(arch, scenario, handlers, df, cpu=None):
    """expected_outcome() as the SDM and the APM have it (df normalised)."""
    info = SCENARIOS[scenario]
    df_stack = SAFE_STACK[arch] if df == "safe" else "kernel"
    if scenario == "nested_fault" and handlers == "all":
        # The guard's report: the nested #PF, named as an error of the kernel.
        return {"outcome": "error", "reason": "nested_fault", "vector": 14, "name": "#PF"}

    if handlers == "none":
        # No gate at all: the fault cannot be delivered, nor #GP/#NP, nor #DF.
        return {"outcome": "triple_fault"}
    if scenario == "timer_irq":
        # IDT[8] exists in both configurations: the IRQ takes it, on the
        # stack it names; an interrupt between instructions pushes RF as it
        # was, 0 (SDM Vol. 3B 17.3.1.1).
        return {"outcome": "caught", "vector": 8, "name": "IRQ0", "stack": df_stack,
                "error_code": "none", "cr2": None, "rf": 0, "function": info["function"]}
    if scenario in FRAME_PUSH_FAULTS:
        # Any handler on the overflowed (or badly named) stack faults again
        # while pushing its frame; only #DF on a known-good stack survives.
        if df == "stack":
            return {"outcome": "triple_fault"}
        vector, name, stack = DF_VECTOR, DF_NAME, df_stack
    elif handlers == "df":
        # The fault finds no gate -> (#GP/#NP) -> #DF.
        vector, name, stack = DF_VECTOR, DF_NAME, df_stack
    else:
        vector, name, stack = info["vector"], info["name"], "kernel"
    cr2 = EXPECTED_CR2.get(scenario)
    if cr2 == FRAME_PUSH and handlers != "all":
        # No #PF gate: no frame was ever pushed, CR2 is the faulting
        # instruction's own address. Where that lies depends on the code the
        # compiler made (a push, a call, a store), so only the guard page is
        # checked.
        cr2 = GUARD_PAGE
    expect = {
        "outcome": "caught",
        "vector": vector,
        "name": name,
        "stack": stack,
        "error_code": expected_error_code(arch, scenario, vector, cpu),
        "cr2": cr2,
        "rf": expected_rf(vector),
        "function": info["function"],
    }
    if info.get("ip") is not None:
        expect["ip"] = info["ip"]
    return expect


def pf_frame_range(arch, sp):
    """[low, high): where the CPU pushes a #PF frame (with its error code) for
    a fault at sp, with no privilege change. 64-bit mode aligns RSP down to 16
    bytes, then pushes SS, RSP, RFLAGS, CS, RIP and the error code, 8 bytes
    each (SDM Vol. 3A 6.14.2, Figure 6-9). 32-bit: EFLAGS, CS, EIP and the
    error code, 4 bytes each, right below ESP (6.12.1, Figure 6-4)."""
    if arch == "x86_64":
        top = sp & ~0xF
        return top - 6 * 8, top
    return sp - 4 * 4, sp


def cr2_problems(rule, arch, cr2, sp, kernel_stack):
    """What is wrong with cr2 under rule (GUARD_PAGE, FRAME_PUSH,
    FIRST_FAULT, or an exact "0x..." value); [] when it is right. cr2, sp and
    kernel_stack (the guard page's address) are ints or None."""
    if rule is None:
        return []
    if rule not in (GUARD_PAGE, FRAME_PUSH, FIRST_FAULT):
        return [] if cr2 is not None and cr2 == int(rule, 16) else [
            "cr2=%s, expected %s" % (_hex(cr2), rule)]
    if kernel_stack is None:
        return ["no symbol %s to check cr2 against" % KERNEL_STACK_SYMBOL]
    if cr2 is None or not kernel_stack <= cr2 < kernel_stack + PAGE_SIZE:
        return ["cr2=%s not in the guard page [0x%x, 0x%x)"
                % (_hex(cr2), kernel_stack, kernel_stack + PAGE_SIZE)]
    if rule == GUARD_PAGE:
        return []
    if sp is None:
        return ["no sp to check cr2 against"]
    low, high = pf_frame_range(arch, sp)
    inside = low <= cr2 < high
    if rule == FRAME_PUSH and not inside:
        return ["cr2=0x%x is not where the CPU pushed the #PF frame [0x%x, 0x%x) for "
                "sp=0x%x: not the second #PF's address (SDM Vol. 3A 6.15, Interrupt 14: "
                "CR2 is updated even when the #PF becomes #DF)" % (cr2, low, high, sp)]
    # A push (or call) at sp faults first at sp - one word; when sp is
    # 16-byte aligned that is also where the #PF frame's first push (SS)
    # goes: the two addresses are one, and the deviation cannot show.
    word = 8 if arch == "x86_64" else 4
    if rule == FIRST_FAULT and inside and not (cr2 == sp - word == high - word):
        return ["cr2=0x%x is where the CPU pushed the #PF frame [0x%x, 0x%x): the "
                "second #PF's address, as the SDM says, not the first's" % (cr2, low, high)]
    return []


def _hex(value):
    return "0x%x" % value if isinstance(value, int) else repr(value)


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
        seen = [deviation_note(d) for d in DEVIATIONS if name in d["scenarios"]]
        if seen:
            entry["deviations"] = seen
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
        for name, why in (("overflow", X86_64_ONLY_NOT[4]), ("bound_range", X86_64_ONLY_NOT[5])):
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


# --------------------------------------------------------------------------
# What the kernel said
# --------------------------------------------------------------------------

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


_STARTUP = re.compile(r"^faultline \S+: start-up:(.*)$", re.M)
_RUNNING = re.compile(r"^faultline \S+: scenario=.*: running$", re.M)
STARTUP_DONE = "ok"


def parse_startup(serial):
    """What the kernel announced before its scenario (kernel/kmain.c).

    Returns {"steps": [...], "done": bool, "stopped_at": step or None,
    "scenario_started": bool}: stopped_at is the step the kernel began and
    never finished (the last one announced, when "ok" never came).
    """
    text = clean_serial(serial)
    m = _STARTUP.search(text)
    steps = m.group(1).split() if m else []
    done = bool(steps) and steps[-1] == STARTUP_DONE
    if done:
        steps = steps[:-1]
    return {"steps": steps, "done": done,
            "stopped_at": steps[-1] if steps and not done else None,
            "scenario_started": _RUNNING.search(text) is not None}


_SETUP_X86_64 = re.compile(
    r"TR 0x(?P<tr>[0-9a-f]+)(?:: no TSS loaded \(LTR\)|: TSS 0x(?P<tss>[0-9a-f]+) limit "
    r"0x(?P<limit>[0-9a-f]+), (?:IST1 0x(?P<ist1>[0-9a-f]+)|(?P<past>IST1 past the limit)))"
    r"; IDT\[8\] (?:IST (?P<ist>\d+)|(?P<nogate>no gate))")
_SETUP_I386 = re.compile(
    r"TR 0x(?P<tr>[0-9a-f]+); IDT\[8\] (?P<gate>no gate|interrupt gate|task gate -> "
    r"(?:TSS )?0x(?P<sel>[0-9a-f]+)(?:: no such TSS|, which holds\n\s+EIP 0x(?P<eip>[0-9a-f]+) "
    r"ESP 0x(?P<esp>[0-9a-f]+) EFLAGS 0x(?P<eflags>[0-9a-f]+) CR3 0x(?P<cr3>[0-9a-f]+) "
    r"CS 0x(?P<cs>[0-9a-f]+) SS 0x(?P<ss>[0-9a-f]+))?)")
_GUARDS = re.compile(r"^faultline \S+: guard pages:(.*)$", re.M)


def parse_setup(serial):
    """What the kernel read back after start-up (kernel/kmain.c show_setup,
    arch_describe_setup): a dict of ints and words, {} when it never got
    there. x86_64: tr, tss, limit, ist1 (None: past the limit or no TSS),
    idt8_ist (None: no gate). i386: tr, idt8 ("no gate", "interrupt gate",
    "task gate"), and for a task gate sel, eip, esp, eflags, cr3, cs, ss.
    Both: guards = {stack name: (guard address, mapped?)}."""
    text = clean_serial(serial)
    out = {}
    m = _SETUP_X86_64.search(text)
    if m:
        num = lambda k: int(m.group(k), 16) if m.group(k) else None
        out.update(tr=num("tr"), tss=num("tss"), limit=num("limit"), ist1=num("ist1"),
                   idt8_ist=int(m.group("ist")) if m.group("ist") else None)
    m = _SETUP_I386.search(text)
    if m:
        gate = m.group("gate").split(" ->")[0]
        out.update(tr=int(m.group("tr"), 16), idt8=gate)
        for k in ("sel", "eip", "esp", "eflags", "cr3", "cs", "ss"):
            if m.group(k):
                out[k] = int(m.group(k), 16)
    for m in _GUARDS.finditer(text):     # the user stack's has a line of its own
        words = m.group(1).split()
        out.setdefault("guards", {}).update(
            {words[i]: (int(words[i + 1], 16), words[i + 2] == "MAPPED")
             for i in range(0, len(words) - 2, 3)})
    return out


# --------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------

# Lines of QEMU's register dumps (after "CPU Reset"): "EAX=...", "ES =0000 ...",
# "XMM00=...", "CPU Reset (CPU 0)". What is left is worth showing a person.
_REGISTER_DUMP = re.compile(r"^\s*[A-Z][A-Z0-9]*\s*[= ]")
# -d int's own lines: the chain's material (tools/chain.py), not news.
_INT_LOG = re.compile(r"^(check_exception |\s*\d+: v=|Servicing hardware INT=)")


def interesting_log_lines(log_text):
    return [l for l in (log_text or "").splitlines()
            if l.strip() and not _REGISTER_DUMP.match(l) and not _INT_LOG.match(l)]


def classify(fields, timed_out, exit_status=None, triple_fault=None, failure=None,
             log_tail=None):
    """Decide the outcome. Returns (outcome, detail).

    triple_fault: the engine's own words for one (engine.triple_fault()),
    never the kernel's; failure: the engine's own breakdown (engine.failure()).
    Then the kernel's result outcome; else timeout; else error (the engine
    ended without a result line).
    """
    if failure:
        return "error", failure
    if triple_fault:
        return "triple_fault", triple_fault
    if fields is not None:
        outcome = fields.get("outcome")
        if outcome in KERNEL_OUTCOMES:
            return outcome, None
        return "error", "kernel reported an unknown outcome %r" % (outcome,)
    if timed_out:
        return "timeout", None
    detail = "emulator exited with status %s without a result line" % (exit_status,)
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


def nm_tool():
    """$NM, else the nm of the Makefile's default toolchain (GNU nm with gcc,
    llvm-nm with clang), else the other one: tools/host.py."""
    return host.nm_tool()


@lru_cache(maxsize=16)
def _nm_cached(path, mtime, size):
    def run_nm():
        proc = subprocess.run([nm_tool(), "-n", path], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise ToolError("nm -n %s failed: %s"
                            % (path, proc.stderr.decode("utf-8", "replace").strip()))
        return proc.stdout.decode("utf-8", "replace")
    # Kept beside the ELF (build/ARCH/faultline.elf.nm) for the next process.
    return tuple(parse_nm(file_cache.cached(path, path + ".nm", run_nm)))


def load_symbols(elf):
    """parse_nm() of `nm -n elf`, cached per file version. [] when elf is missing."""
    if not elf or not os.path.exists(elf):
        return []
    if nm_tool() is None:
        raise ToolError("nm not found: install binutils or llvm (%s)" % base.setup_hint())
    st = os.stat(elf)
    return list(_nm_cached(os.path.abspath(elf), st.st_mtime_ns, st.st_size))


# --------------------------------------------------------------------------
# Files of a build, and the host
# --------------------------------------------------------------------------

boot_image = engines_qemu.boot_image      # what QEMU -kernel gets


def symbol_elf(build_dir):
    return os.path.join(build_dir, "faultline.elf")


def check_host(arch, emulator="qemu", boot="kernel", build_dir=None, kernel=None):
    """Raise ToolError naming the first missing thing and how to get it."""
    engines.get(emulator).check(arch, boot, build_dir or default_build_dir(arch), kernel)


# --------------------------------------------------------------------------
# One boot
# --------------------------------------------------------------------------

RESULT_KEYS = ("arch", "emulator", "engine_version", "scenario", "kargs", "cmdline", "boot",
               "outcome", "vector", "name", "error_code", "stack", "ip", "sp", "handler_sp",
               "cr2", "flags", "rf", "reason", "symbol", "evidence", "startup",
               "scenario_started", "setup",
               "seconds", "exit_status", "serial", "result_line")


def run_scenario(arch, scenario=None, kargs=None, emulator="qemu", boot="kernel",
                 timeout=None, emulator_args=None, build_dir=None, kernel=None,
                 grace=0.0, machine=None, keep_log=False):
    """Boot one scenario on an engine and return the JSON-able result dict.
    keep_log: add the engine's own log ("log"), e.g. for Bochs's
    "3rd (N) exception" or QEMU's -d int lines.

    Raises ToolError for set-up problems (unknown or missing engine, build,
    tools) and ValueError for arguments an engine refuses.
    """
    engine = engines.get(emulator)
    build_dir = build_dir or default_build_dir(arch)
    if boot not in engine.boots:
        boot = engine.boots[0]        # Bochs has no -kernel: always GRUB from the CD
    engine.check(arch, boot, build_dir, kernel)
    cmdline = build_cmdline(scenario, kargs)
    machine = machine or scenario_machine(scenario)
    spec = base.Spec(arch, cmdline, build_dir=build_dir, kernel=kernel, boot=boot,
                     machine=machine, emulator_args=emulator_args,
                     timeout=timeout, grace=grace)
    run = engine.run(spec)
    result = judge(engine, spec, run, scenario, kargs)
    if keep_log:
        result["log"] = run.get("log_text") or ""
    return result


def judge(engine, spec, run, scenario=None, kargs=None):
    """The result dict of one boot: what the kernel said, weighed against the
    engine's own evidence."""
    serial = clean_serial(run["serial_bytes"])
    result_line = find_result_line(serial)
    parse_error = None
    try:
        fields = parse_result_line(result_line)
    except ResultLineError as exc:
        fields, parse_error = None, str(exc)

    err_tail = [l for l in (run.get("stderr_text") or "").strip().splitlines() if l.strip()][-5:]
    evidence = engine.triple_fault(run)
    outcome, detail = classify(fields, run["timed_out"], run["exit_status"],
                               triple_fault=evidence, failure=engine.failure(run),
                               log_tail=(["stderr: " + l for l in err_tail]
                                         + interesting_log_lines(run.get("log_text"))[-5:]))
    if outcome == "timeout":
        detail = "no result line within %g s" % engine.boot_timeout(spec)
        if err_tail:
            detail += "; stderr: " + " | ".join(err_tail)
    if parse_error:
        detail = "unparseable result line: %s" % parse_error
        if outcome != "triple_fault":
            outcome = "error"
    startup = parse_startup(serial)
    if outcome == "triple_fault" and not startup["scenario_started"]:
        detail = "%s; the kernel never reached its scenario: it died during start-up%s" % (
            detail, " step '%s'" % startup["stopped_at"] if startup["stopped_at"] else "")
    fields = fields or {}
    ip = fields.get("ip")
    symbols = []
    symbol_note = None
    try:
        symbols = load_symbols(symbol_elf(spec.build_dir))
    except ToolError as exc:
        symbol_note = str(exc)
    result = {
        "arch": spec.arch,
        "emulator": engine.name,
        "engine_version": engine.version(),
        "scenario": scenario,
        "kargs": kargs,
        "cmdline": spec.cmdline,
        "boot": spec.boot,
        "outcome": outcome,
        "vector": _as_int(fields.get("vector")),
        "name": fields.get("name"),
        "error_code": fields.get("error_code"),
        "stack": fields.get("stack"),
        "ip": ip,
        "sp": fields.get("sp"),
        "handler_sp": fields.get("handler_sp"),
        "cr2": fields.get("cr2"),
        "flags": fields.get("flags"),
        "rf": (_as_int(fields["flags"]) >> 16) & 1 if _as_int(fields.get("flags")) is not None
              else None,
        "reason": fields.get("reason"),
        "symbol": symbolize(ip, symbols) if ip is not None else None,
        "evidence": evidence,
        "startup": startup,
        "scenario_started": startup["scenario_started"],
        "setup": parse_setup(serial),
        "seconds": run["seconds"],
        "exit_status": run["exit_status"],
        "serial": serial,
        "result_line": result_line,
        # Extras: everything the kernel said, and how the engine was run.
        "fields": fields,
        "detail": detail,
        "command": run["command"],
    }
    result["chain"] = exception_chain(engine, run, outcome, symbols)
    if symbol_note:
        result["symbol_note"] = symbol_note
    return result


# Scenarios whose chain the plain model below does not describe: an IRQ,
# an IDT entry emptied on purpose, a TSS cut short, a fault in the reporter.
# INT n: the engines log the software interrupt's own vector (#BP) before
# the #GP its gate check raises; the model starts from an exception.
CHAIN_MODEL_SKIPS = ("timer_irq", "missing_gate", "invalid_tss", "nested_fault",
                     "user_int", "user_int_allowed")


def expected_path(scenario, handlers, df):
    """The "path" the manuals' rules give for a scenario in a configuration
    (tools/chain.py model_path), or None where the model does not apply."""
    if scenario in CHAIN_MODEL_SKIPS or scenario not in SCENARIOS:
        return None
    first = SCENARIOS[scenario]["vector"]
    if scenario in FRAME_PUSH_FAULTS:
        first = 14
    if first is None:
        return None
    present = {"all": lambda v: True, "df": lambda v: v == DF_VECTOR,
               "none": lambda v: False}[handlers]
    return chains.model_path(first, present, scenario in FRAME_PUSH_FAULTS, df == "safe")


def exception_chain(engine, run, outcome, symbols):
    """What the engine's own log says led to a triple fault, or to the #DF
    the kernel caught: {"path": the fault screen's notation, "steps": one
    line each, symbolized}. None when the engine logs no exceptions (KVM) or
    nothing led anywhere (tools/chain.py)."""
    events = engine.chain_events(run)
    if not events:
        return None
    steps = chains.chain(events) if outcome == "triple_fault" else \
        chains.chain_to_delivery(events, DF_VECTOR)
    if not steps:
        return None
    where = chains.stack_regions(symbols)
    return {"path": chains.path(steps),
            "steps": chains.describe(steps, lambda ip: symbolize(ip, symbols), where)}


def dumps(obj, indent=None):
    return json.dumps(obj, indent=indent, sort_keys=False)
