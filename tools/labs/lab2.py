"""Lab 2: the x86_64 TSS with IST1 (lessons/labs/lab2-tss-and-ist.md).

The student writes IST1, the LTR (in tss_install() and again in
tss_cut_limit()), IDT[8]'s IST field, and the two 16-byte encoders of
arch/x86_64/descriptor.c: make_int_gate() (SDM Vol. 3A 6.14.1, Figure 6-8)
and make_tss_descriptor() (SDM 7.2.3, Figure 7-4; 8.2.3 in newer editions).
Graded by boots, by what the kernel read back after start-up (TR, the TSS,
IST1, IDT[8]'s IST field), and by host programs against known-good values.
"""

import faultline_scenarios as fs
from .checks import (HostProgram, Test, _int, describe, died_starting, engine_deviations,
                     expect_caught, expect_triple_fault, lesson)
from .lab1 import gate64_fields, gate_problem, hexes, int_gate64

IST = lesson("07-tss-and-ist")
GUARD = lesson("06-stack-overflow-and-guard-pages")
TRIPLE = lesson("03-triple-fault")

LAB = {"number": 2, "points": 65, "minutes": 210, "title": "the x86_64 TSS with IST1",
       "doc": "lessons/labs/lab2-tss-and-ist.md", "lessons": (IST,)}

SEL_TSS = 0x18
TSS_LIMIT = 0x67        # sizeof(struct tss64) - 1


def ist_setup_problem(result, ctx):
    """What the kernel read back after start-up (TR, the TSS, IST1, IDT[8]'s
    IST field) says is wrong with the #DF stack switch, or None."""
    s = result.get("setup") or {}
    if not s:
        return None
    if s.get("tr") == 0:
        return "TR is 0x0000 after start-up: the task register was never loaded, so the " \
               "CPU has no TSS to take IST1 from"
    if s.get("idt8_ist") == 0:
        return "IDT[8]'s IST field is 0: #DF does not switch stacks"
    if s.get("idt8_ist") not in (None, 1):
        return "IDT[8]'s IST field is %d: the CPU takes TSS.ist[%d], not IST1" % (
            s["idt8_ist"], s["idt8_ist"] - 1)
    tss = fs.symbol_address("tss", ctx.get("symbols", {}).get("x86_64", []))
    if s.get("tss") is not None and tss is not None and s["tss"] != tss:
        # Then IST1 as read back is whatever lies at the wrong base + 0x24.
        return ("TR's descriptor gives the TSS base 0x%x, but the TSS (symbol tss) is at "
                "0x%x: the CPU takes IST1 from 0x%x, not from the TSS (make_tss_descriptor() "
                "splits the base wrong)" % (s["tss"], tss, s["tss"] + 0x24))
    if s.get("tss") is not None and s.get("ist1") == 0:
        # RSP = 0: the first push goes to 0 - 8, which wraps to the top of
        # the address space (SDM Vol. 3A 6.14.5), where nothing is mapped.
        return "IST1 (TSS.ist[0], at offset 0x24) is 0: the CPU would load RSP = 0 and push " \
               "#DF's frame at the top of the address space, where nothing is mapped " \
               "(is the stack's top in another slot?)"
    regions = ctx.get("df_stack", {}).get("x86_64")
    if s.get("ist1") is not None and regions and s["ist1"] != regions[1]:
        low, high = regions
        kernel_top = kernel_stack_top(ctx)
        if s["ist1"] == low:
            where = ("the bottom of the #DF stack: the CPU pushes below the address it "
                     "loads, so the frame would go into the #DF stack's guard page")
        elif kernel_top is not None and s["ist1"] == kernel_top:
            where = ("the top of the kernel stack, not of the #DF stack (0x%x): #DF then "
                     "runs on the stack that may be the broken one" % high)
        else:
            where = "not the top of the #DF stack (0x%x)" % high
        return "IST1 is 0x%x, %s" % (s["ist1"], where)
    return None


def kernel_stack_top(ctx):
    guard = ctx.get("guard", {}).get("x86_64")
    return guard + fs.PAGE_SIZE + 0x4000 if guard is not None else None


def startup_hint(result):
    """died_starting(), with what lab 2 can break in the step 'TSS'; or a
    fault the kernel caught before its scenario ran."""
    if result["outcome"] == "caught" and result.get("scenario_started") is False:
        return ("the kernel faulted while starting up, before the scenario ran: %s in %s "
                "(CR2 %s)%s" % (result.get("name"), result.get("symbol"), result.get("cr2"),
                                ": it read the TSS through TR's descriptor, whose base is not "
                                "the TSS's (make_tss_descriptor(); the host test says which "
                                "field)" if fs.symbol_function(result.get("symbol")) ==
                                "arch_describe_setup" else ""))
    early = died_starting(result)
    if early and (result.get("startup") or {}).get("stopped_at") == "TSS":
        early += ("; LTR raises #GP when its selector does not name an available TSS "
                  "descriptor: check the selector and make_tss_descriptor() (the host test "
                  "says which field is wrong)")
    return early


def expect_df_on_ist1(**kw):
    base = expect_caught(8, "#DF", stack=fs.SAFE_STACK["x86_64"], **kw)

    def check(result, ctx):
        hint = base(result, ctx)
        if hint and startup_hint(result):
            return startup_hint(result)
        if hint:
            specific = ist_setup_problem(result, ctx)
            if specific:
                return "%s (%s)" % (specific, hint)
        return hint
    return check


def expect_no_switch(result, ctx):
    """df=stack: IDT[8] asks for no stack switch, so the overflow still
    triple-faults."""
    if startup_hint(result):
        return startup_hint(result) + " (so it proves nothing about the scenario)"
    hint = expect_triple_fault(result, ctx)
    if hint and result["outcome"] == "caught" and result.get("stack") != "kernel":
        s = result.get("setup") or {}
        return ("with df=stack #DF must not switch stacks, but IDT[8]'s IST field is %s: "
                "df=stack must leave it 0 (%s)" % (s.get("idt8_ist"), hint))
    return hint


def expect_setup(result, ctx):
    """What start-up left for the CPU, read back: TR, the TSS's base and
    limit (through TR's descriptor), IST1 and IDT[8]'s IST field."""
    if startup_hint(result):
        return startup_hint(result)
    s = result.get("setup") or {}
    if "tr" not in s:
        return "no start-up read-back on COM1 (%s)" % describe(result)
    if s["tr"] == 0:
        return ist_setup_problem(result, ctx)
    if s["tr"] != SEL_TSS:
        return "TR is 0x%x after start-up, expected 0x%x (SEL_TSS)" % (s["tr"], SEL_TSS)
    tss = fs.symbol_address("tss", ctx.get("symbols", {}).get("x86_64", []))
    if tss is not None and s.get("tss") != tss:
        return ("TR's descriptor gives the TSS base 0x%x, but the TSS (symbol tss) is at 0x%x: "
                "the base is split over the descriptor wrong (make_tss_descriptor())"
                % (s.get("tss") or 0, tss))
    if s.get("limit") != TSS_LIMIT:
        return ("TR's descriptor gives the TSS limit 0x%x, expected 0x%x (the last byte: "
                "sizeof tss - 1): make_tss_descriptor() places the limit wrong, or sets G (bit 55)"
                % (s.get("limit") or 0, TSS_LIMIT))
    problem = ist_setup_problem(result, ctx)
    if problem:
        return problem
    if s.get("idt8_ist") != 1:
        return "IDT[8]'s IST field is %s after start-up, expected 1" % s.get("idt8_ist")
    return None


def known_deviation(result):
    """The engine's known deviation (faultline_scenarios.DEVIATIONS) that
    explains this result, if one does: then the boot cannot judge the lab's
    code on this engine (KVM on PVM ignores the TSS limit)."""
    for d in engine_deviations(result):
        instead = {k: v for k, v in d["instead"].items()
                   if k in ("outcome", "vector", "name", "stack")}
        if "vector" in instead and all(result.get(k) == v for k, v in instead.items()):
            return d
    return None


def expect_invalid_tss(result, ctx):
    """invalid_tss: a TSS limit cut short of IST1 and TR reloaded; #UD
    through a gate that asks for IST1 raises #TS(TR's selector)."""
    if startup_hint(result):
        return startup_hint(result)
    if known_deviation(result):
        return None
    limit = (result.get("setup") or {}).get("limit")
    if limit is not None and limit != TSS_LIMIT and result.get("vector") != 10:
        return ("%s, expected #TS(0x18): at start-up TR's descriptor gave the TSS limit 0x%x, "
                "not 0x%x, so the limit this scenario cuts does not end before IST1 either "
                "(make_tss_descriptor(): the limit field and G)" % (
                    describe(result), limit, TSS_LIMIT))
    if result["outcome"] == "caught" and result.get("vector") == 10:
        code = _int(result.get("error_code"))
        if code is not None and code & ~1 != SEL_TSS:
            return "#TS with error code %s, expected TR's selector 0x18 (0x19 with EXT)" % (
                result.get("error_code"))
        return None
    if result["outcome"] == "caught" and result.get("vector") == 6:
        return ("caught #UD on stack=%s, expected #TS(0x18): the CPU still used the TSS limit "
                "it cached when TR was loaded: tss_cut_limit() changed only the descriptor "
                "in the GDT, and the task register must be loaded again for the new limit "
                "to count (SDM Vol. 3A 7.2.4)" % result.get("stack"))
    return "%s, expected #TS(0x18)" % describe(result)


# --------------------------------------------------------------------------
# The encoders, compiled for the host
# --------------------------------------------------------------------------

GATE_CASES = ((0x102345, 0x08, 0), (0x102345, 0x08, 1), (0x123456789ABCDEF0, 0x08, 0),
              (0xFFFFFFFF80102345, 0x08, 7), (0x102345, 0x08, 9),
              (0xFFFF8000CAFEF00D, 0x10, 3), (0, 0x08, 0), (0xFFFFFFFFFFFFFFFF, 0xFFFF, 7))
TSS_CASES = ((0x0000001122334455, 103), (0x10B000, 0x67), (0xFFFFFFFF80123456, 0x67),
             (0x12345678, 0xFFFFF), (0xFFFF8000DEADBEEF, 0x1234F), (0, 0))

ENCODERS = HostProgram("descriptor (x86_64)", (
    "arch/x86_64/descriptor.c", "kernel/segment.c", "kernel/format.c"), r"""
#include <stdio.h>
#include "arch/x86_64/descriptor.h"

int main(void)
{
	static const struct { unsigned long long handler; unsigned sel, ist; } gates[] = {
		%(gates)s
	};
	static const struct { unsigned long long base; unsigned limit; } tsses[] = {
		%(tsses)s
	};

	for (unsigned i = 0; i < sizeof gates / sizeof gates[0]; i++) {
		struct desc16 g = make_int_gate(gates[i].handler, (uint16_t)gates[i].sel,
		                                gates[i].ist);
		printf("gate %%u\t%%016llx %%016llx\n", i, (unsigned long long)g.lo,
		       (unsigned long long)g.hi);
	}
	for (unsigned i = 0; i < sizeof tsses / sizeof tsses[0]; i++) {
		struct desc16 d = make_tss_descriptor(tsses[i].base, tsses[i].limit);
		printf("tss %%u\t%%016llx %%016llx\n", i, (unsigned long long)d.lo,
		       (unsigned long long)d.hi);
	}
	return 0;
}
""" % {"gates": ", ".join("{ 0x%xULL, 0x%x, %d }" % c for c in GATE_CASES),
       "tsses": ", ".join("{ 0x%xULL, 0x%x }" % c for c in TSS_CASES)})


def expect_gates(out):
    for i, (handler, sel, ist) in enumerate(GATE_CASES):
        key = "gate %d" % i
        if key not in out:
            return "the make_int_gate checker printed nothing for case %d" % i
        lo, hi = hexes(out[key])
        got = gate64_fields(lo, hi)
        want = gate64_fields(*int_gate64(handler, sel, ist))
        what = "make_int_gate(0x%x, 0x%x, %d)" % (handler, sel, ist)
        problem = gate_problem(got, want, what)
        if problem:
            if ist > 7 and got["low_reserved"]:
                problem += ": the IST field is 3 bits; keep only them"
            elif got["ist"] != want["ist"] and got["ist"] == 0 and got["low_reserved"]:
                problem += " (the IST value landed in the reserved bits above 34)"
            return problem + " (expected lo 0x%016x hi 0x%016x, got lo 0x%016x hi 0x%016x)" % (
                int_gate64(handler, sel, ist) + (lo, hi))
    return None


def tss_descriptor(base, limit):
    """The known-good 16-byte TSS descriptor (SDM Vol. 3A Figure 7-4): (lo, hi)."""
    lo = ((limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89 << 40)
          | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56))
    return lo, (base >> 32) & 0xFFFFFFFF


def tss_fields(lo, hi):
    return {"base": ((lo >> 16) & 0xFFFFFF) | (((lo >> 56) & 0xFF) << 24)
                    | ((hi & 0xFFFFFFFF) << 32),
            "limit": (lo & 0xFFFF) | (((lo >> 48) & 0xF) << 16),
            "type": (lo >> 40) & 0xF, "s": (lo >> 44) & 1, "dpl": (lo >> 45) & 3,
            "p": (lo >> 47) & 1, "avl_l_db": (lo >> 52) & 7, "g": (lo >> 55) & 1,
            "hi_type": (hi >> 40) & 0x1F, "hi_reserved": (hi >> 32) & ~(0x1F << 8)}


def tss_problem(got, want, what):
    if got["type"] != want["type"]:
        if got["type"] == 0xB:
            return ("%s has type 0xB, a busy TSS: LTR accepts only an available TSS (type 9) "
                    "and raises #GP on a busy one (SDM Vol. 2A, LTR; Vol. 3A 3.5, Table 3-2)"
                    % what)
        return "%s has type 0x%X, expected 0x9 (available 64-bit TSS; SDM Vol. 3A Table 3-2)" % (
            what, got["type"])
    if got["p"] != 1:
        return "%s is not present (P, bit 47, is 0): LTR raises #NP on it" % what
    if got["s"] != 0:
        return "%s has S (bit 44) = 1: a TSS descriptor is a system descriptor, S=0" % what
    if got["dpl"] != 0:
        return "%s has DPL %d, expected 0" % (what, got["dpl"])
    if got["g"] != 0:
        return ("%s has G (bit 55) = 1: the limit then counts 4 KiB units, and the TSS would "
                "seem 4096 times larger than it is; the limit is in bytes" % what)
    if got["base"] != want["base"]:
        return ("%s gives base 0x%x, expected 0x%x: base 15:0 goes in bits 31:16, 23:16 in "
                "bits 39:32, 31:24 in bits 63:56, and 63:32 in the second 8 bytes' bits 31:0 "
                "(SDM Vol. 3A 7.2.3, Figure 7-4)" % (what, got["base"], want["base"]))
    if got["limit"] != want["limit"]:
        return ("%s gives limit 0x%x, expected 0x%x: limit 15:0 goes in bits 15:0, 19:16 in "
                "bits 51:48" % (what, got["limit"], want["limit"]))
    if got["avl_l_db"]:
        return "%s sets bits 54:52 (AVL, L, D/B): a 64-bit TSS descriptor has them 0" % what
    if got["hi_type"]:
        return ("%s sets bits 12:8 of the second 8 bytes (where a type would be): they must "
                "be 0, so that this half is not mistaken for a descriptor (SDM Vol. 3A "
                "Figure 7-4)" % what)
    if got["hi_reserved"]:
        return "%s sets reserved bits in the second 8 bytes: they must be 0" % what
    return None


def expect_tss_descriptors(out):
    for i, (base, limit) in enumerate(TSS_CASES):
        key = "tss %d" % i
        if key not in out:
            return "the make_tss_descriptor checker printed nothing for case %d" % i
        lo, hi = hexes(out[key])
        want_lo, want_hi = tss_descriptor(base, limit)
        if (lo, hi) == (want_lo, want_hi):
            continue
        what = "make_tss_descriptor(0x%x, 0x%x)" % (base, limit)
        problem = tss_problem(tss_fields(lo, hi), tss_fields(want_lo, want_hi), what) or \
            "%s differs from the known-good descriptor" % what
        return problem + " (expected 0x%016x 0x%016x, got 0x%016x 0x%016x)" % (
            want_lo, want_hi, lo, hi)
    return None


def tests():
    return [
        Test(2, "x86_64", "stack_overflow: #DF on IST1, CR2 in the guard page", 10,
             expect_df_on_ist1(cr2=fs.GUARD_PAGE), (IST, GUARD), boot=("stack_overflow", "")),
        Test(2, "x86_64", "page_fault handlers=df: #DF on IST1", 10,
             expect_df_on_ist1(), (IST,), boot=("page_fault", "handlers=df")),
        Test(2, "x86_64", "stack_overflow df=stack: still a triple fault", 10,
             expect_no_switch, (IST, TRIPLE), boot=("stack_overflow", "df=stack")),
        Test(2, "x86_64", "start-up read-back: TR 0x18, the TSS's base and limit, IST1, "
             "IDT[8].IST", 10, expect_setup, (IST,), boot=("page_fault", "handlers=df")),
        Test(2, "x86_64", "invalid_tss: #TS(0x18) once the TSS's limit is cut", 5,
             expect_invalid_tss, (IST,), boot=("invalid_tss", "")),
        Test(2, "host", "make_int_gate: 16-byte gates against Figure 6-8", 10,
             expect_gates, (IST,), kind="host", host=ENCODERS),
        Test(2, "host", "make_tss_descriptor: 16-byte TSS descriptors against Figure 7-4",
             10, expect_tss_descriptors, (IST,), kind="host", host=ENCODERS),
    ]
