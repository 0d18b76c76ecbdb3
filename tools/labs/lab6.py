"""Lab 6: privilege levels and the TSS's ring-0 stack
(lessons/labs/lab6-privilege-levels.md).

The student writes what ring 3 needs on both arches: the TSS's ring-0
stack (SS0:ESP0 on i386, RSP0 on x86_64; SDM Vol. 3A 6.12.1, 6.14.4), the
user code and data segments in the GDT (3.4.5, 5.5-5.7), the selectors of
the IRET frame that drops to CPL 3 (IRET in Vol. 2A), and gate_dpl(), the
DPL each IDT gate gets (6.12.1.2, 6.13). Graded by boots of the ring-3
scenarios on both arches, and by a host program that asks gate_dpl() about
every vector in every scenario.

A wrong ring-0 stack shows as a #DF (the frame push failed) or as a handler
on the wrong stack; a wrong segment or selector as a #GP at the IRET, whose
"names" line on the fault screen says which descriptor and its DPL; a wrong
gate DPL as #BP where #GP(IDT 3) belongs, or the reverse.
"""

import re

import faultline_scenarios as fs
from .checks import HostProgram, Test, _int, describe, died_starting, engine_deviations, lesson

PRIV = lesson("11-privilege-levels")
TSS = lesson("07-tss-and-ist")

LAB = {"number": 6, "points": 60, "minutes": 150,
       "title": "privilege levels and the TSS's ring-0 stack",
       "doc": "lessons/labs/lab6-privilege-levels.md", "lessons": (PRIV,)}

RING0_SP = {"i386": "TSS.ESP0", "x86_64": "TSS.RSP0"}
SEL_USER_CODE, SEL_USER_DATA = 0x33, 0x3b
USER_FUNCTIONS = ("user_page_fault", "user_privileged", "user_int", "user_int_allowed")
# IDT[3] in a selector error code: index 3, IDT bit (1) set, EXT clear
# (SDM Vol. 3A 6.13, "Error Code").
IDT3_ERROR = 3 << 3 | 2

_NAMES = re.compile(r"^names\s+GDT\[(\d+)\] \(selector 0x([0-9a-f]+)\): (.*)$", re.M)


def _names_line(result):
    """(index, description) of the fault screen's "names" line, or None."""
    m = _NAMES.search(fs.clean_serial(result.get("serial") or ""))
    return (int(m.group(1)), m.group(3)) if m else None


def _kernel_stack(ctx, arch):
    """(bottom, top) of the kernel stack, from its guard page."""
    guard = ctx.get("guard", {}).get(arch)
    if guard is None:
        return None
    return guard + fs.PAGE_SIZE, guard + fs.PAGE_SIZE + fs.KERNEL_STACK_SIZE


def iret_problem(result):
    """What a fault at the IRET into ring 3 (ring3_iret) says is wrong."""
    code = _int(result.get("error_code"))
    names = _names_line(result)
    desc = names[1] if names else ""
    if result.get("vector") != 13 or code not in (SEL_USER_CODE & ~3, SEL_USER_DATA & ~3):
        return None
    if code == SEL_USER_CODE & ~3:
        if "null" in desc or not desc:
            return ("IRET into ring 3 raised #GP(0x30): GDT[6], the user code segment, is "
                    "empty (%s)" % (desc or "no descriptor shown"))
        if "DPL 3" not in desc:
            return ("IRET into ring 3 raised #GP(0x30): the user code segment GDT[6] is "
                    "\"%s\": IRET to a less privileged level needs a non-conforming code "
                    "segment whose DPL equals the RPL of the CS selector, 3 (IRET in SDM "
                    "Vol. 2A; Vol. 3A 5.5)" % desc)
        return ("IRET raised #GP(0x30) although GDT[6] is a DPL-3 code segment: the CS "
                "selector in the IRET frame has RPL 0 (0x30, not 0x33), so IRET stays at "
                "CPL 0 and refuses a code segment whose DPL is not the RPL; the RPL of the "
                "CS popped is the new CPL (SDM Vol. 3A 3.4.2, 5.5; IRET in Vol. 2A)")
    if "null" in desc or not desc:
        return ("#GP(0x38) loading the user data selector: GDT[7], the user data segment, "
                "is empty (%s)" % (desc or "no descriptor shown"))
    if "DPL 3" not in desc:
        return ("#GP(0x38) loading the user data selector in %s: the user data segment "
                "GDT[7] is \"%s\": code at CPL 3 may use only data and stack segments of "
                "DPL 3, and a selector with RPL 3 cannot load a DPL-0 segment (SDM Vol. 3A "
                "5.6, 5.7)" % (result.get("symbol"), desc))
    return ("#GP(0x38) at the IRET: the SS selector in the IRET frame has RPL 0 (0x38, not "
            "0x3b): SS's RPL must be the new CPL, the RPL of the CS popped (IRET in SDM "
            "Vol. 2A; Vol. 3A 5.7)")


def ring0_stack_problem(result, ctx):
    """What a user fault that did not reach its handler on the kernel stack
    says about the TSS's ring-0 stack, or None."""
    arch = result["arch"]
    field = RING0_SP[arch]
    stack = result.get("stack")
    where = _kernel_stack(ctx, arch)
    cr2 = _int(result.get("cr2"))
    if result["outcome"] == "caught" and result.get("vector") == 8 \
            and fs.symbol_function(result.get("symbol")) in USER_FUNCTIONS:
        if cr2 is not None and where and where[0] - fs.PAGE_SIZE <= cr2 < where[0]:
            return ("a fault in ring 3 became #DF, CR2 0x%x in the kernel stack's guard page: "
                    "%s names the bottom of the kernel stack (0x%x), not its top (0x%x); the "
                    "CPU pushes the user fault's frame below the address it loads, so the "
                    "first push hits the guard page (SDM Vol. 3A 6.12.1, 6.14.4)"
                    % (cr2, field, where[0], where[1]))
        if cr2 is not None and cr2 >= (1 << (32 if arch == "i386" else 64)) - 0x100:
            return ("a fault in ring 3 became #DF, CR2 0x%x: %s is 0, so the CPU pushed the "
                    "user fault's frame below address 0, at the top of the address space, "
                    "where nothing is mapped (SDM Vol. 3A 6.12.1, 6.14.4)" % (cr2, field))
        if arch == "i386":
            return ("a fault in ring 3 became #DF with no new page fault (CR2 %s): the switch "
                    "to the ring-0 stack itself failed; TSS.SS0 must name the kernel's data "
                    "segment, a writable data segment of DPL 0 with RPL 0, or the CPU raises "
                    "#TS instead of pushing: a #TS while delivering #PF or #GP is at once a "
                    "#DF (SDM Vol. 3A 6.15, Interrupt 8, Table 6-5); after #BP the #TS's own "
                    "delivery fails the same way (6.12.1; INT n in Vol. 2A: #TS when the "
                    "stack segment selector in the TSS is null or its RPL or DPL is not the "
                    "new CPL)" % result.get("cr2"))
        return ("a fault in ring 3 became #DF (CR2 %s): the push of its frame on the stack %s "
                "names failed" % (result.get("cr2"), field))
    if result["outcome"] == "caught" and stack and stack != "kernel" \
            and fs.symbol_function(result.get("symbol")) in USER_FUNCTIONS:
        if stack == "user":
            return ("the ring-0 handler ran on the user stack (handler SP %s): %s names the "
                    "user stack, which ring 3 can read and write; the CPU switches to the "
                    "stack the TSS names so that ring 0 runs on memory user code cannot touch "
                    "(SDM Vol. 3A 6.12.1, 6.14.4)" % (result.get("handler_sp"), field))
        if stack == fs.SAFE_STACK[arch]:
            return ("the ring-0 handler ran on the #DF stack (stack=%s, handler SP %s): %s "
                    "names the #DF stack, kept for #DF when the kernel stack is broken; user "
                    "faults must run on the kernel stack, 0x%x-0x%x"
                    % (stack, result.get("handler_sp"), field, *(where or (0, 0))))
        return "the ring-0 handler ran on stack=%s, not on the kernel stack: check %s" % (
            stack, field)
    return None


def ring3_problem(result, ctx):
    """The first thing that went wrong on the way into ring 3 and back."""
    early = died_starting(result)
    if early:
        return early
    if result["outcome"] == "caught" and fs.symbol_function(result.get("symbol")) == \
            "arch_enter_user":
        return ("caught %s in arch_enter_user(): it never drops to ring 3 (the lab's IRET "
                "into ring 3 is not written)" % result.get("name"))
    if result["outcome"] == "caught" and fs.symbol_function(result.get("symbol")) == \
            "ring3_iret":
        return iret_problem(result) or ("caught %s (error %s) in ring3_iret, on the way into "
                                         "ring 3: the GDT's user segments or the selectors "
                                         "of the IRET frame" % (result.get("name"),
                                                                result.get("error_code")))
    return ring0_stack_problem(result, ctx)


def known_deviation(result):
    """The engine's known deviation (faultline_scenarios.DEVIATIONS) whose
    result this is, or None."""
    for d in engine_deviations(result):
        instead = {k: v for k, v in d["instead"].items()
                   if k in ("outcome", "vector", "name", "stack", "error_code") and v is not None}
        if instead and all(str(result.get(k)) == str(v) for k, v in instead.items()):
            return d
    return None


def expect_from_ring3(vector, name, error_code, function):
    """check(): caught `name` from ring 3, in `function`, with `error_code`,
    its handler on the kernel stack."""
    def check(result, ctx):
        problem = ring3_problem(result, ctx)
        if problem:
            return problem
        if result["outcome"] != "caught":
            return "%s, expected %s from ring 3" % (describe(result), name)
        got = result.get("vector")
        code = _int(result.get("error_code"))
        if got != vector or (error_code is not None and code != error_code):
            if known_deviation(result):
                return None     # what the engine is known to give (tcg-idt-index-x16, ...)
            return gate_problem(result, vector, name, error_code)
        if fs.symbol_function(result.get("symbol")) != function:
            return "caught %s at %s, expected in %s (in ring 3)" % (
                name, result.get("symbol"), function)
        if result.get("stack") != "kernel":
            return "caught %s on stack=%s, expected the kernel stack" % (name, result.get("stack"))
        return None
    return check


def gate_problem(result, vector, name, error_code):
    """A hint for a user fault delivered as the wrong vector."""
    scenario = result.get("scenario")
    got = "%s (vector %s, error %s)" % (result.get("name"), result.get("vector"),
                                        result.get("error_code"))
    if vector == 13 and result.get("vector") == 3:
        return ("int 3 in ring 3 reached the #BP handler in scenario %s: IDT[3] has DPL 3 "
                "there, so the CPU let CPL 3 through the gate; it must keep DPL 0 and raise "
                "#GP(0x%x) naming IDT[3] (SDM Vol. 3A 6.12.1.2, 6.13; gate_dpl())"
                % (scenario, IDT3_ERROR))
    if vector == 3 and result.get("vector") == 13:
        return ("int 3 in ring 3 raised %s in scenario %s: IDT[3] still has DPL 0, so CPL 3 "
                "may not use it; user_int_allowed is the configuration whose IDT[3] lets ring "
                "3 in with DPL 3 (SDM Vol. 3A 6.12.1.2; gate_dpl())" % (got, scenario))
    want = name + ("(0x%x)" % error_code if error_code is not None else "")
    return "%s, expected %s from ring 3" % (got, want)


# --------------------------------------------------------------------------
# gate_dpl(), compiled for the host
# --------------------------------------------------------------------------

GATE_DPL = HostProgram("gate_dpl() of kernel/privilege.c", (
    "kernel/privilege.c", "kernel/cmdline.c", "kernel/format.c"), r"""
#include <stdio.h>
#include "kernel/config.h"
#include "kernel/exceptions.h"
#include "kernel/privilege.h"

int main(void)
{
	for (int s = 0; s < SCENARIO_COUNT; s++) {
		struct kconfig cfg = { .scenario = (enum scenario)s, .handlers = HANDLERS_ALL,
		                       .df = DF_SAFE };
		printf("%s\t", scenario_name(cfg.scenario));
		for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
			printf("%u", gate_dpl(&cfg, v));
		printf("\n");
	}
	printf("done\t1\n");
	return 0;
}
""")

MNEMONICS = ("#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
             "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP")


def _mnemonic(v):
    return MNEMONICS[v] if v < len(MNEMONICS) else str(v)


def expect_gate_dpls(out):
    if out.get("done") != "1":
        return "the gate_dpl() checker stopped early"
    rows = {k: v for k, v in out.items() if k != "done"}
    if "user_int_allowed" not in rows or "user_int" not in rows:
        return "the gate_dpl() checker printed no row for user_int or user_int_allowed"
    # The scenarios that show the DPL at work first, then the rest.
    order = ["user_int", "user_int_allowed"] + sorted(k for k in rows
                                                      if k not in ("user_int", "user_int_allowed"))
    for scenario in order:
        for v, dpl in enumerate(rows[scenario]):
            want = "3" if (scenario, v) == ("user_int_allowed", 3) else "0"
            if dpl == want:
                continue
            if dpl not in "0123" or len(dpl) != 1:
                return "gate_dpl() gives IDT[%d] the DPL %s in scenario %s: a DPL is 0-3" % (
                    v, dpl, scenario)
            if want == "3":
                return ("gate_dpl() gives IDT[3] (#BP) DPL %s in scenario user_int_allowed, "
                        "expected 3: that scenario shows INT3 delivered from ring 3 "
                        "(SDM Vol. 3A 6.12.1.2)" % dpl)
            return ("gate_dpl() gives IDT[%d] (%s) DPL %s in scenario %s, expected 0: with "
                    "DPL 3 ring 3 could raise %s with INT %d itself; only #BP in "
                    "user_int_allowed gets DPL 3 (SDM Vol. 3A 6.12.1.2)"
                    % (v, _mnemonic(v), dpl, scenario, _mnemonic(v), v))
    return None


def tests():
    out = []
    for arch in ("i386", "x86_64"):
        out += [
            Test(6, arch, "user_page_fault: #PF(0x6) from ring 3, on the kernel stack", 10,
                 expect_from_ring3(14, "#PF", 0x6, "user_page_fault"), (PRIV, TSS),
                 boot=("user_page_fault", "")),
            Test(6, arch, "user_privileged: hlt at CPL 3 is #GP(0)", 5,
                 expect_from_ring3(13, "#GP", 0, "user_privileged"), (PRIV,),
                 boot=("user_privileged", "")),
            Test(6, arch, "user_int: int 3 through a DPL-0 gate is #GP(0x1a)", 5,
                 expect_from_ring3(13, "#GP", IDT3_ERROR, "user_int"), (PRIV,),
                 boot=("user_int", "")),
            Test(6, arch, "user_int_allowed: int 3 through a DPL-3 gate is #BP", 5,
                 expect_from_ring3(3, "#BP", None, "user_int_allowed"), (PRIV,),
                 boot=("user_int_allowed", "")),
        ]
    out.append(Test(6, "host", "gate_dpl: DPL 3 only for #BP in user_int_allowed", 10,
                    expect_gate_dpls, (PRIV,), kind="host", host=GATE_DPL))
    return out
