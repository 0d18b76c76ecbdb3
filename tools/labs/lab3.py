"""Lab 3: the i386 #DF task (lessons/labs/lab3-tss-and-task-gate.md).

The student writes df_tss_init() (the #DF task's starting state), the task
gate in df_gate() for df=safe, make_task_gate() (SDM Vol. 3A 7.2.5, Figure
7-6), and read_interrupted_state() in double_fault.c: the interrupted state,
rebuilt from the TSS that df_tss's back-link names. Graded by boots (QEMU,
and one on Bochs, which checks segment registers QEMU does not), by what the
kernel read back after start-up (IDT[8] and the #DF task's TSS), and by a
host program against known-good task gates.
"""

import re

import faultline_scenarios as fs
from .checks import HostProgram, Test, _int, describe, died_starting, expect_caught, lesson
from .lab1 import gate32_fields, hexes, type_name

TASK = lesson("08-tss-and-task-gate")
TRIPLE = lesson("03-triple-fault")

LAB = {"number": 3, "points": 70, "minutes": 240, "title": "the i386 #DF task",
       "doc": "lessons/labs/lab3-tss-and-task-gate.md", "lessons": (TASK,)}

SAFE = fs.SAFE_STACK["i386"]
SEL_KERNEL_CODE, SEL_KERNEL_DATA, SEL_MAIN_TSS, SEL_DF_TSS = 0x08, 0x10, 0x18, 0x20
EFLAGS_IF, EFLAGS_NT = 1 << 9, 1 << 14
KERNEL_STACK_SIZE = 0x4000


def symbol(ctx, name):
    return fs.symbol_address(name, ctx.get("symbols", {}).get("i386", []))


def kernel_stack(ctx):
    guard = ctx.get("guard", {}).get("i386")
    if guard is None:
        return None
    return guard + fs.PAGE_SIZE, guard + fs.PAGE_SIZE + KERNEL_STACK_SIZE


def task_setup_problem(result, ctx, df_mode="safe"):
    """What the kernel read back after start-up (IDT[8]; the #DF task's TSS
    as the task gate names it) says is wrong, or None."""
    s = result.get("setup") or {}
    if not s:
        return None
    gate = s.get("idt8")
    if df_mode == "stack":
        if gate == "task gate":
            return ("with df=stack IDT[8] must be an interrupt gate, so that #DF runs on the "
                    "faulting stack; start-up read back a task gate")
        return None
    if gate != "task gate":
        return ("with df=safe IDT[8] must be a task gate to the #DF task's TSS (0x20); "
                "start-up read back: %s (df_gate())" % (gate or "nothing"))
    if s.get("sel") != SEL_DF_TSS:
        return ("IDT[8]'s task gate names selector 0x%x, expected 0x20 (SEL_DF_TSS): bits "
                "31:16 of a task gate hold the TSS selector (SDM Vol. 3A 7.2.5, Figure 7-6)"
                % (s.get("sel") or 0))
    if "eip" not in s:
        return ("IDT[8]'s task gate names selector 0x%x, which is no TSS in the GDT "
                "(expected 0x20, SEL_DF_TSS): a task gate holds the TSS selector in "
                "bits 31:16 (SDM Vol. 3A 7.2.5, Figure 7-6)" % (s.get("sel") or 0))
    entry = symbol(ctx, "df_task_entry")
    if entry is not None and s["eip"] != entry:
        stub = symbol(ctx, "isr_stub_8")
        if stub is not None and s["eip"] == stub:
            return ("the #DF task's EIP is isr_stub_8, an interrupt-gate stub: it expects an "
                    "interrupt frame (EIP, CS, EFLAGS) on its stack, but a task switch pushes "
                    "only the error code on the new task's stack and saves the interrupted "
                    "state in a TSS; the task must start at df_task_entry")
        return "the #DF task's EIP is 0x%x, expected df_task_entry (0x%x)" % (s["eip"], entry)
    df_stack = ctx.get("df_stack", {}).get("i386")
    if df_stack and s.get("esp") != df_stack[1]:
        low, high = df_stack
        if s.get("esp") == low:
            return ("the #DF task's ESP is 0x%x, the bottom of the #DF stack: the CPU pushes "
                    "#DF's error code below ESP, into the #DF stack's guard page; that #PF "
                    "while delivering #DF shuts the CPU down (a triple fault in QEMU and "
                    "Bochs). ESP must be the top, 0x%x" % (low, high))
        return "the #DF task's ESP is 0x%x, expected the top of the #DF stack, 0x%x" % (
            s.get("esp") or 0, high)
    flags = s.get("eflags")
    if flags is not None and flags & EFLAGS_IF:
        return ("the #DF task's EFLAGS is 0x%x: IF=1. A task switch loads EFLAGS from the "
                "new TSS (SDM Vol. 3A 7.3, step 12), so the #DF task would run with maskable "
                "interrupts on; an interrupt whose gate is the task gate to the #DF task "
                "(IRQ 0 on vector 8 with the BIOS's PIC mapping) would then switch to a task "
                "whose TSS is busy, which raises #GP (SDM Vol. 3A 7.4.1, item 3); any other "
                "would run its handler on the #DF task's stack, in the middle of the report. "
                "EFLAGS must be 0x2 (IF=0; bit 1 is always 1)" % flags)
    if flags is not None and flags != 0x2:
        return ("the #DF task's EFLAGS is 0x%x, expected 0x2: only the reserved bit 1, which "
                "is always 1 (SDM Vol. 3A 2.3, Figure 2-5)" % flags)
    cr3 = symbol(ctx, "page_directory")
    if s.get("cr3") == 0:
        return ("the #DF task's CR3 is 0: the switch loads CR3 from the new TSS (SDM Vol. 3A "
                "7.3, step 12) and then loads the segment descriptors through it (step 13), "
                "with physical page 0 as the page directory; QEMU ends in #PF, Bochs in #TS, "
                "and either, while delivering #DF, shuts the CPU down. CR3 is a static field: "
                "the CPU never writes it, so the kernel must (SDM Vol. 3A 7.2.1)")
    if cr3 is not None and s.get("cr3") != cr3:
        return "the #DF task's CR3 is 0x%x, not the kernel's page directory (0x%x)" % (
            s.get("cr3"), cr3)
    for reg, want, what in (("cs", SEL_KERNEL_CODE, "code"), ("ss", SEL_KERNEL_DATA, "data")):
        if s.get(reg) != want:
            return ("the #DF task's %s is 0x%x, expected 0x%x (the kernel's %s segment): "
                    "the switch loads %s after its commit point, and a null or wrong "
                    "selector there raises #TS in the new task (SDM Vol. 3A 7.3, step 13; "
                    "6.15, Interrupt 10; QEMU and Bochs both do), which while delivering "
                    "#DF shuts the CPU down" % (reg.upper(), s.get(reg) or 0, want, what,
                                              reg.upper()))
    return None


BOCHS_SEGMENTS = ("everything start-up reads back (EIP, ESP, EFLAGS, CR3, CS, SS) is right, "
                  "so look at what it does not show: a null selector in DS, ES, FS or GS loads "
                  "without a fault, but the first memory access through it raises #GP(0) (SDM "
                  "Vol. 3A 3.4.2). QEMU's TCG does not check that; Bochs does, and its #GPs "
                  "inside the #DF task end in shutdown")


def task_problem_of_result(result, ctx):
    """A specific cause for a #DF task that did not report #DF."""
    if result.get("emulator") == "bochs" and result["outcome"] == "triple_fault" and \
            result.get("setup") and not task_setup_problem(result, ctx) and \
            "(13)" in (result.get("evidence") or ""):
        return BOCHS_SEGMENTS
    sym = fs.symbol_function(result.get("symbol"))
    if result["outcome"] == "caught" and result.get("vector") != 8 and sym in (
            "read_interrupted_state", "double_fault_task"):
        return ("the #DF task itself raised %s in %s (CR2 %s): it read the interrupted state "
                "from a TSS at a bad address. Which TSS holds the back-link? The running "
                "task's, df_tss; main_tss.back_link is 0, and selector 0 names the null "
                "descriptor" % (result.get("name"), sym, result.get("cr2")))
    return None


def expect_df_task(function=None):
    base = expect_caught(8, "#DF", stack=SAFE, function=function)

    def check(result, ctx):
        hint = base(result, ctx)
        if hint is None or died_starting(result):
            return hint
        specific = task_problem_of_result(result, ctx) or task_setup_problem(result, ctx)
        if specific:
            return "%s (%s)" % (specific, hint)
        if result["outcome"] == "caught" and fs.symbol_function(
                result.get("symbol")) == "df_task_entry":
            return interrupted_state_problem(result, ctx) or hint
        return hint
    return check


def expect_df_on_kernel_stack(result, ctx):
    """df=stack: #DF through an interrupt gate, on the kernel stack."""
    hint = expect_caught(8, "#DF", stack="kernel")(result, ctx)
    if hint and not died_starting(result):
        specific = task_setup_problem(result, ctx, "stack")
        if specific:
            return "%s (%s)" % (specific, hint)
    return hint


def expect_setup(result, ctx):
    if died_starting(result):
        return died_starting(result)
    if not result.get("setup"):
        return "no start-up read-back on COM1 (%s)" % describe(result)
    return task_setup_problem(result, ctx)


def screen_value(serial, label):
    m = re.search(r"\b%s\s+0x([0-9a-f]+)" % re.escape(label), serial or "")
    return int(m.group(1), 16) if m else None


def interrupted_state_problem(result, ctx):
    """The fault screen's interrupted state, against what the CPU saved in
    main_tss: page_fault handlers=df stopped in scenario_page_fault with CS
    0x08, SS 0x10, ESP in the kernel stack, EBP a frame pointer there."""
    serial = result.get("serial") or ""
    sym = fs.symbol_function(result.get("symbol"))
    ip = _int(result.get("ip"))
    if sym == "df_task_entry":
        return ("the interrupted IP is df_task_entry, where the #DF task starts: the state "
                "was read from df_tss, the running task's own TSS; the interrupted task's "
                "state is in the TSS df_tss's back-link names (SDM Vol. 3A 7.4)")
    if ip == 0 and _int(result.get("sp")) == 0:
        return ("the interrupted IP and SP are 0: read_interrupted_state() filled in nothing")
    if sym != "scenario_page_fault":
        return "the interrupted IP %s is in %s, expected in scenario_page_fault" % (
            result.get("ip"), result.get("symbol"))
    cs, ss = screen_value(serial, "CS"), screen_value(serial, "SS")
    if cs != SEL_KERNEL_CODE:
        return "the screen shows CS 0x%x, expected 0x0008: read the saved CS" % (cs or 0)
    if ss != SEL_KERNEL_DATA:
        return "the screen shows SS 0x%x, expected 0x0010: read the saved SS" % (ss or 0)
    flags = _int(result.get("flags"))
    if flags is None or not flags & 2 or flags & EFLAGS_NT:
        return ("the interrupted EFLAGS reads %s: the saved EFLAGS has bit 1 set and NT "
                "clear (NT is set in the #DF task's own EFLAGS, not in the interrupted "
                "task's)" % result.get("flags"))
    sp = _int(result.get("sp"))
    stack = kernel_stack(ctx)
    if stack and (sp is None or not stack[0] <= sp < stack[1]):
        if sp == stack[1]:
            return ("the interrupted SP is 0x%x, the top of the kernel stack: that is "
                    "TSS.esp0, the stack for a change to ring 0 (a static field), not the "
                    "ESP the CPU saved (TSS.esp)" % sp)
        return "the interrupted SP %s is not in the kernel stack 0x%x-0x%x" % (
            result.get("sp"), stack[0], stack[1])
    trace = re.search(r"^trace\s+(.*(?:\n\s+.*)*)", serial, re.M)
    if not trace or "kmain" not in trace.group(1):
        return ("the trace does not reach kmain (%s): it follows frame pointers from the "
                "saved EBP, gpr[%d] in the order of arch_gpr_names[]"
                % ((trace.group(1).split("\n")[0] if trace else "no trace line"), 6))
    return None


def expect_interrupted_state(result, ctx):
    hint = expect_caught(8, "#DF", stack=SAFE)(result, ctx)
    if hint:
        if died_starting(result):
            return hint
        specific = task_problem_of_result(result, ctx) or task_setup_problem(result, ctx)
        return "%s (%s)" % (specific, hint) if specific else hint
    return interrupted_state_problem(result, ctx)


def expect_backlink_screen(result, ctx):
    if result["outcome"] != "caught" or result.get("vector") != 8:
        return expect_df_task()(result, ctx) or describe(result)
    for needle in ("back-link 0x18", "EFLAGS.NT=1"):
        if needle not in (result.get("serial") or ""):
            return "the screen does not show %r" % needle
    return None


def expect_bochs(result, ctx):
    """The same stack overflow on Bochs, which checks the segment registers
    the #DF task uses where QEMU's TCG does not."""
    return expect_df_task("recurse")(result, ctx)


# --------------------------------------------------------------------------
# make_task_gate(), compiled for the host
# --------------------------------------------------------------------------

TASK_GATE_CASES = (0x20, 0x18, 0xFFFF, 0x0, 0x1234)

TASK_GATE = HostProgram("make_task_gate (i386)", ("arch/i386/descriptor.c",), r"""
#include <stdio.h>
#include "arch/i386/descriptor.h"

int main(void)
{
	static const unsigned sel[] = { %s };

	for (unsigned i = 0; i < sizeof sel / sizeof sel[0]; i++)
		printf("task %%u\t%%016llx\n", i,
		       (unsigned long long)make_task_gate((uint16_t)sel[i]));
	return 0;
}
""" % ", ".join("0x%x" % c for c in TASK_GATE_CASES), include="i386")


def task_gate(selector):
    """The known-good task gate (SDM Vol. 3A 7.2.5, Figure 7-6)."""
    return (selector << 16) | (0x85 << 40)


def task_gate_problem(got, want, what):
    g, w = gate32_fields(got), gate32_fields(want)
    if g["p"] != 1:
        return ("%s is not present (P, bit 47, is 0): delivering through it raises #NP, "
                "and while the CPU delivers #DF that shuts it down" % what)
    if g["type"] != 5:
        return "%s has type %s, expected 0x5 (task gate; SDM Vol. 3A 3.5, Table 3-2)" % (
            what, type_name(g["type"]))
    if g["s"]:
        return "%s has S (bit 44) = 1: a gate is a system descriptor, S=0" % what
    if g["dpl"] != 0:
        return ("%s has DPL %d, expected 0: with DPL 3, ring-3 code could switch to the #DF "
                "task with INT 8 (SDM Vol. 3A 6.12.1, \"Protection of Exception- and "
                "Interrupt-Handler Procedures\")" % (what, g["dpl"]))
    if g["selector"] != w["selector"]:
        placed = ""
        if (got & 0xFFFF) == w["selector"] and w["selector"]:
            placed = ": it landed in bits 15:0, which are reserved in a task gate"
        return ("%s names selector 0x%x, expected 0x%x: the TSS selector goes in bits 31:16 "
                "(SDM Vol. 3A 7.2.5, Figure 7-6)%s" % (what, g["selector"], w["selector"],
                                                        placed))
    return ("%s sets reserved bits (15:0, 39:32 or 63:48): a task gate has no offset, and "
            "those bits must be 0 (got 0x%016x, expected 0x%016x)" % (what, got, want))


def expect_task_gates(out):
    for i, sel in enumerate(TASK_GATE_CASES):
        key = "task %d" % i
        if key not in out:
            return "the make_task_gate checker printed nothing for case %d" % i
        got = hexes(out[key])[0]
        want = task_gate(sel)
        if got != want:
            return task_gate_problem(got, want, "make_task_gate(0x%x)" % sel)
    return None


def tests():
    return [
        Test(3, "i386", "stack_overflow: #DF in the #DF task, IP in recurse", 10,
             expect_df_task("recurse"), (TASK,), boot=("stack_overflow", "")),
        Test(3, "i386", "page_fault handlers=df: #DF in the #DF task", 5,
             expect_df_task(), (TASK,), boot=("page_fault", "handlers=df")),
        Test(3, "i386", "page_fault handlers=df df=stack: #DF on the kernel stack, "
             "through an interrupt gate", 10, expect_df_on_kernel_stack, (TASK,),
             boot=("page_fault", "handlers=df df=stack")),
        Test(3, "i386", "start-up read-back: the task gate and the #DF task's EIP, ESP, "
             "EFLAGS, CR3, CS, SS", 10, expect_setup, (TASK,), boot=("page_fault", "handlers=df")),
        Test(3, "i386", "stack_overflow screen: back-link 0x18, EFLAGS.NT=1", 5,
             expect_backlink_screen, (TASK,), boot=("stack_overflow", "")),
        Test(3, "i386", "page_fault handlers=df: the interrupted state, from the back-linked "
             "TSS", 10, expect_interrupted_state, (TASK,), boot=("page_fault", "handlers=df")),
        Test(3, "i386", "stack_overflow on Bochs too: #DF in the #DF task", 10,
             expect_bochs, (TASK, TRIPLE), boot=("stack_overflow", ""), engines=("bochs",)),
        Test(3, "host", "make_task_gate: task gates against Figure 7-6", 10,
             expect_task_gates, (TASK,), kind="host", host=TASK_GATE),
    ]
