"""Lab 1: the #DF gate and the exception-pair rules
(lessons/labs/lab1-double-fault-handler.md).

The student writes df_gate() on both arches (IDT[8] as an interrupt gate),
exception_pair_outcome() (SDM Vol. 3A 6.15, Interrupt 8, Tables 6-4 and 6-5;
AMD64 APM Vol. 2 8.2.9) and escalation_chain() (the replay behind the fault
screen's "path" line), in kernel/escalation.c. Graded by boots (the #DF
screens and their path lines) and by host programs: the pair rules for every
pair of vectors against the classes in kernel/exceptions.c's table, the
replayed chains, a bounded buffer, and df_gate() itself compiled for the host.

The gate decoders here (SDM Vol. 3A 6.11, Figure 6-2; 6.14.1, Figure 6-8) are
shared with labs 2 and 3.
"""

import re

import faultline_scenarios as fs
from .checks import (HostProgram, Test, describe, died_starting, expect_caught, lesson,
                     screen_problem)

TRIPLE = lesson("03-triple-fault")
DF_HANDLER = lesson("04-double-fault-handler")
PAIRS = lesson("05-exception-pairs")

LAB = {"number": 1, "points": 90, "minutes": 240,
       "title": "the #DF gate and the exception-pair rules",
       "doc": "lessons/labs/lab1-double-fault-handler.md", "lessons": (TRIPLE, DF_HANDLER, PAIRS)}


# --------------------------------------------------------------------------
# Gates as the CPU reads them (shared with labs 2 and 3)
# --------------------------------------------------------------------------

TYPE_NAMES = {0x0: "0 (not a gate: reserved)", 0x5: "0x5 (task gate)",
              0x6: "0x6 (16-bit interrupt gate)", 0x7: "0x7 (16-bit trap gate)",
              0x9: "0x9 (available TSS)", 0xB: "0xB (busy TSS)", 0xC: "0xC (call gate)",
              0xE: "0xE (interrupt gate)", 0xF: "0xF (trap gate)"}

KERNEL_CS = 0x08


def type_name(t):
    return TYPE_NAMES.get(t, "0x%X" % t)


def gate32_fields(v):
    """An 8-byte protected-mode gate (SDM Vol. 3A 6.11, Figure 6-2)."""
    return {"offset": (v & 0xFFFF) | (((v >> 48) & 0xFFFF) << 16),
            "selector": (v >> 16) & 0xFFFF, "low_reserved": (v >> 32) & 0xFF,
            "type": (v >> 40) & 0xF, "s": (v >> 44) & 1, "dpl": (v >> 45) & 3,
            "p": (v >> 47) & 1}


def gate64_fields(lo, hi):
    """A 16-byte IA-32e interrupt/trap gate (SDM Vol. 3A 6.14.1, Figure 6-8)."""
    return {"offset": (lo & 0xFFFF) | (((lo >> 48) & 0xFFFF) << 16) | ((hi & 0xFFFFFFFF) << 32),
            "selector": (lo >> 16) & 0xFFFF, "ist": (lo >> 32) & 7,
            "low_reserved": (lo >> 35) & 0x1F, "type": (lo >> 40) & 0xF, "s": (lo >> 44) & 1,
            "dpl": (lo >> 45) & 3, "p": (lo >> 47) & 1, "high_reserved": hi >> 32}


def int_gate32(offset, selector):
    """The known-good 32-bit interrupt gate, from Figure 6-2."""
    return ((offset & 0xFFFF) | (selector << 16) | (0x8E << 40)
            | (((offset >> 16) & 0xFFFF) << 48))


def int_gate64(offset, selector, ist):
    """The known-good IA-32e interrupt gate, from Figure 6-8: (lo, hi)."""
    lo = ((offset & 0xFFFF) | (selector << 16) | ((ist & 7) << 32) | (0x8E << 40)
          | (((offset >> 16) & 0xFFFF) << 48))
    return lo, (offset >> 32) & 0xFFFFFFFF


def gate_problem(got, want, what, stub_of=None):
    """The first field where decoded gate `got` differs from `want`, in
    words, or None. what: "IDT[8]", "make_int_gate(...)"; stub_of(offset):
    the vector whose stub lies at offset, or None."""
    if got == want:
        return None
    if got.get("p") != want.get("p"):
        return ("%s is not present (P, bit 47, is 0): delivering through it raises #NP; "
                "while the CPU delivers #DF that shuts it down (SDM Vol. 3A 6.15, Interrupt 8)"
                % what if not got.get("p") else "%s has P=1 where it should be 0" % what)
    if got.get("type") != want.get("type"):
        extra = ""
        if got.get("type") == 0xF:
            extra = (": a trap gate leaves EFLAGS.IF as it was; an interrupt gate clears it "
                     "(SDM Vol. 3A 6.12.1, \"Flag Usage By Exception- or Interrupt-Handler "
                     "Procedure\")")
        elif got.get("type") == 0x5:
            extra = ": a task gate names a TSS, not a handler"
        return "%s has type %s, expected %s (bits 43:40; SDM Vol. 3A 3.5, Table 3-2)%s" % (
            what, type_name(got.get("type")), type_name(want.get("type")), extra)
    if got.get("s") != want.get("s"):
        return ("%s has S (bit 44) = 1: gates are system descriptors, S=0 (SDM Vol. 3A 3.4.5)"
                % what)
    if got.get("dpl") != want.get("dpl"):
        return ("%s has DPL %d, expected %d (bits 46:45): the gate's DPL is checked only for "
                "INT n, INT3 and INTO, so DPL 3 would let ring-3 code enter the handler with "
                "INT %s and no error code pushed (SDM Vol. 3A 6.12.1, \"Protection of Exception- "
                "and Interrupt-Handler Procedures\")" % (what, got["dpl"], want["dpl"], "n"))
    if got.get("selector") != want.get("selector"):
        sel = got.get("selector")
        note = {0x10: " (SEL_KERNEL_DATA, a data segment)", 0: " (the null selector)",
                0x18: " (a TSS, not code)", 0x20: " (a TSS, not code)"}.get(sel, "")
        return ("%s has selector 0x%02x%s, expected 0x%02x: the CPU loads CS from it, and a "
                "selector that does not name a code segment makes delivery raise #GP "
                "(SDM Vol. 2A, INT n: the checks on the gate's code segment; Vol. 3A 6.15, "
                "Interrupt 13)" % (what, sel, note, want["selector"]))
    if "ist" in want and got.get("ist") != want["ist"]:
        return ("%s has IST field %d, expected %d (bits 34:32 of the low quadword; SDM Vol. 3A "
                "6.14.1, Figure 6-8; 6.14.5)" % (what, got["ist"], want["ist"]))
    if got.get("offset") != want.get("offset"):
        vector = stub_of(got["offset"]) if stub_of else None
        if vector is not None:
            return ("%s's offset is the stub of vector %d (isr_stub_table[%d]), not the #DF "
                    "stub: #DF would run vector %d's handler" % (what, vector, vector, vector))
        return ("%s's offset is 0x%x, expected 0x%x: the offset is split: bits 15:0 in bits "
                "15:0, bits 31:16 in bits 63:48%s" % (
                    what, got["offset"], want["offset"],
                    ", bits 63:32 in bits 95:64 (the high quadword's low half)"
                    if "ist" in want else ""))
    for field, bits in (("low_reserved", "39:32" if "ist" not in want else "39:35"),
                        ("high_reserved", "127:96")):
        if got.get(field, 0) != want.get(field, 0):
            return "%s sets reserved bits %s: they must be 0" % (what, bits)
    return "%s differs from the expected gate" % what


def hexes(text):
    return [int(x, 16) for x in text.split()]


# --------------------------------------------------------------------------
# df_gate(), compiled for the host
# --------------------------------------------------------------------------

STUB32_BASE = 0x80123400
STUB64_BASE = 0xFFFFFFFF80123400


def stub32(v):
    return STUB32_BASE + 0x10 * v


def stub64(v):
    return STUB64_BASE + 0x10 * v


def stub_vector(base, offset):
    n, rest = divmod(offset - base, 0x10)
    return n if rest == 0 and 0 <= n < 32 else None


DF_GATE_MAIN = r"""
bool handlers_has_gate(enum handlers h, unsigned vector)
{
	(void)h;
	(void)vector;
	return true;
}

int main(void)
{
	struct kconfig cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.df = DF_STACK;
	print_gate("stack", df_gate(&cfg));
	cfg.df = DF_SAFE;
	print_gate("safe", df_gate(&cfg));
	return 0;
}
"""

# idt.c gives every gate the DPL gate_dpl() (kernel/privilege.c) names.
# What either arch's idt.c needs besides its descriptor encoders: gate_dpl()
# (privilege.c), gate_with_dpl() (segment.c) and the formatter segment.c uses.
IDT_SOURCES = ("kernel/segment.c", "kernel/format.c", "kernel/privilege.c")

DF_GATE_I386 = HostProgram("df_gate (i386)", ("arch/i386/descriptor.c",) + IDT_SOURCES, r"""
#include <stdio.h>
#include <string.h>
#include "arch/i386/idt.c"

const uint32_t isr_stub_table[EXCEPTION_COUNT] = {
#define S(v) [v] = 0x%xu + 0x10u * (v)
	S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12),
	S(13), S(14), S(15), S(16), S(17), S(18), S(19), S(20), S(21), S(22), S(23), S(24),
	S(25), S(26), S(27), S(28), S(29), S(30), S(31),
};

static void print_gate(const char *key, uint64_t g)
{
	printf("%%s\t%%016llx\n", key, (unsigned long long)g);
}
""".replace("0x%xu", "0x%xu" % STUB32_BASE).replace("%%", "%") + DF_GATE_MAIN, include="i386")

DF_GATE_X86_64 = HostProgram("df_gate (x86_64)", ("arch/x86_64/descriptor.c",) + IDT_SOURCES, r"""
#include <stdio.h>
#include <string.h>
#include "arch/x86_64/idt.c"

const uint64_t isr_stub_table[EXCEPTION_COUNT] = {
#define S(v) [v] = BASEULL + 0x10u * (v)
	S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12),
	S(13), S(14), S(15), S(16), S(17), S(18), S(19), S(20), S(21), S(22), S(23), S(24),
	S(25), S(26), S(27), S(28), S(29), S(30), S(31),
};

static void print_gate(const char *key, struct desc16 g)
{
	printf("%s\t%016llx %016llx\n", key, (unsigned long long)g.lo, (unsigned long long)g.hi);
}
""".replace("BASE", "0x%x" % STUB64_BASE) + DF_GATE_MAIN, include="x86_64")


def expect_df_gate_i386(out):
    if "stack" not in out:
        return "the df_gate checker printed nothing for df=stack"
    got = gate32_fields(hexes(out["stack"])[0])
    want = gate32_fields(int_gate32(stub32(8), KERNEL_CS))
    return gate_problem(got, want, "IDT[8] from df_gate() with df=stack",
                        lambda o: stub_vector(STUB32_BASE, o))


def expect_df_gate_x86_64(out):
    for mode, ist in (("stack", 0), ("safe", 1)):
        if mode not in out:
            return "the df_gate checker printed nothing for df=%s" % mode
        lo, hi = hexes(out[mode])
        got = gate64_fields(lo, hi)
        want = gate64_fields(*int_gate64(stub64(8), KERNEL_CS, ist))
        what = "IDT[8] from df_gate() with df=%s" % mode
        if got["ist"] != want["ist"] and all(got[k] == want[k] for k in got if k != "ist"):
            return ("%s has IST field %d, expected %d: the field must be `ist`, which the "
                    "code above it chooses (IST1 for df=safe, none for df=stack)"
                    % (what, got["ist"], want["ist"]))
        problem = gate_problem(got, want, what, lambda o: stub_vector(STUB64_BASE, o))
        if problem:
            return problem
    return None


# --------------------------------------------------------------------------
# exception_pair_outcome() and escalation_chain(), compiled for the host
# --------------------------------------------------------------------------

SERIAL, DOUBLE, SHUTDOWN = 0, 1, 2
OUTCOME = {SERIAL: "PAIR_SERIAL (0)", DOUBLE: "PAIR_DOUBLE_FAULT (1)",
           SHUTDOWN: "PAIR_SHUTDOWN (2)"}
# enum exception_class in kernel/exceptions.h
BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT = 0, 1, 2, 3
CLASS_NAME = {BENIGN: "benign", CONTRIBUTORY: "contributory", PAGE_FAULT: "page-fault class",
              DOUBLE_FAULT: "#DF"}
# Vectors past the table (32, 33, 0xFE, 0xFF) are asked about too: benign.
PAIR_VECTORS = tuple(range(34)) + (0xFE, 0xFF)
SHUTDOWN_VECTOR = 0xFF
MAX_STEPS = 4
# Which vectors have a gate, per named set (handlers=all, df, none, and some
# one-gate-missing tables that no command line gives but the rules cover).
GATE_SETS = {"all": lambda v: True, "df": lambda v: v == 8, "none": lambda v: False,
             "no-gp": lambda v: v != 13, "no-pf": lambda v: v != 14,
             "no-df": lambda v: v != 8, "gp-df": lambda v: v in (8, 13)}
BUFFER_CASE = ("none", 3, 1, 0)      # "#BP -> no gate: #GP -> no gate: #GP = #DF -> ..."

ESCALATION = HostProgram("escalation", ("kernel/escalation.c", "kernel/exceptions.c",
                                        "kernel/format.c"), r"""
#include <stdio.h>
#include <string.h>
#include "kernel/escalation.h"

static const unsigned vectors[] = { %(vectors)s };
static const char *const set_names[] = { %(set_names)s };
static const char *const set_members[] = { %(set_members)s };

int main(void)
{
	unsigned n = sizeof vectors / sizeof vectors[0];
	char buf[256];

	for (unsigned v = 0; v < n; v++)
		printf("class %%u\t%%d\n", vectors[v], (int)exception_info(vectors[v])->dfclass);
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = 0; b < n; b++)
			printf("pair %%u %%u\t%%d\n", vectors[a], vectors[b],
			       exception_pair_outcome(vectors[a], vectors[b]));
	for (unsigned s = 0; s < sizeof set_names / sizeof set_names[0]; s++) {
		bool gates[EXCEPTION_COUNT];

		for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
			gates[v] = set_members[s][v] == '1';
		for (unsigned first = 0; first < EXCEPTION_COUNT; first++)
			for (int unusable = 0; unusable < 2; unusable++)
				for (int own = 0; own < 2; own++) {
					memset(buf, 0, sizeof buf);
					unsigned end = escalation_chain(first, gates, unusable, own,
					                                buf, sizeof buf);
					buf[sizeof buf - 1] = 0;
					printf("chain %%s %%u %%d %%d\t%%u\t%%s\n", set_names[s], first,
					       unusable, own, end, buf);
				}
	}
	{
		bool gates[EXCEPTION_COUNT];
		static unsigned char mem[512];   /* room for a writer that ignores size */

		for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
			gates[v] = set_members[%(buffer_set)d][v] == '1';
		for (unsigned size = 0; size <= 80; size++) {
			memset(mem, 'Z', sizeof mem);
			unsigned end = escalation_chain(%(buffer_first)d, gates, %(buffer_unusable)d,
			                                %(buffer_own)d, (char *)mem, size);
			printf("bounded %%u\t%%u\t", size, end);
			for (unsigned i = 0; i < 192; i++)
				printf("%%02x", mem[i]);
			printf("\n");
		}
	}
	return 0;
}
""" % {"vectors": ", ".join("%d" % v for v in PAIR_VECTORS),
       "set_names": ", ".join('"%s"' % k for k in GATE_SETS),
       "set_members": ", ".join('"%s"' % "".join("1" if f(v) else "0" for v in range(32))
                                for f in GATE_SETS.values()),
       "buffer_set": list(GATE_SETS).index(BUFFER_CASE[0]), "buffer_first": BUFFER_CASE[1],
       "buffer_unusable": BUFFER_CASE[2], "buffer_own": BUFFER_CASE[3]})

MNEMONIC = {0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
            8: "#DF", 9: "CSO", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF",
            16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM", 20: "#VE", 21: "#CP", 28: "#HV",
            29: "#VC", 30: "#SX"}


def mnemonic(v):
    return MNEMONIC.get(v, "#%d" % v if v < 32 else "#??")


def parse_escalation(out):
    """The checker's output ({key: value}) -> (classes, pairs, chains, bounded)."""
    classes, pairs, chains, bounded = {}, {}, {}, {}
    for key, value in out.items():
        words = key.split()
        try:
            if words[0] == "class" and len(words) == 2:
                classes[int(words[1])] = int(value)
            elif words[0] == "pair" and len(words) == 3:
                pairs[(int(words[1]), int(words[2]))] = int(value)
            elif words[0] == "chain" and len(words) == 5:
                end, _, text = value.partition("\t")
                chains[(words[1], int(words[2]), int(words[3]), int(words[4]))] = (int(end), text)
            elif words[0] == "bounded" and len(words) == 2:
                end, _, mem = value.partition("\t")
                bounded[int(words[1])] = (int(end), bytes.fromhex(mem.strip()))
        except (ValueError, IndexError):
            continue
    return classes, pairs, chains, bounded


def expected_pair(ca, cb):
    """The SDM's rule on the two classes (Table 6-5; Interrupt 8)."""
    if ca == DOUBLE_FAULT:
        return SHUTDOWN
    if ca == CONTRIBUTORY and cb == CONTRIBUTORY:
        return DOUBLE
    if ca == PAGE_FAULT and cb in (PAGE_FAULT, CONTRIBUTORY):
        return DOUBLE
    return SERIAL


def pair_reason(a, b, ca, cb, want):
    """Why the pair (a, b) must give `want`, in the manuals' words."""
    names = "%s (%s) then %s (%s)" % (mnemonic(a), CLASS_NAME[ca], mnemonic(b), CLASS_NAME[cb])
    if ca == DOUBLE_FAULT:
        return ("a fault while delivering #DF shuts the CPU down: \"If another contributory "
                "or page fault exception occurs while attempting to call the double-fault "
                "handler, the processor enters shutdown mode\" (SDM Vol. 3A 6.15, Interrupt 8; "
                "AMD64 APM Vol. 2 8.2.9), and escalation.h asks for PAIR_SHUTDOWN whatever "
                "the second vector is")
    if ca == PAGE_FAULT and cb == PAGE_FAULT:
        return ("%s: a page fault while delivering a page fault is a double fault "
                "(SDM Vol. 3A Table 6-5, row Page Fault)" % names)
    if ca == PAGE_FAULT and cb == CONTRIBUTORY:
        return ("%s: a contributory exception while delivering a page fault is a double "
                "fault (Table 6-5, row Page Fault)" % names)
    if ca == CONTRIBUTORY and cb == CONTRIBUTORY:
        return ("%s: a contributory exception while delivering a contributory one is a "
                "double fault (Table 6-5, row Contributory)" % names)
    if ca == CONTRIBUTORY and cb == PAGE_FAULT:
        return ("%s: a page fault while delivering a contributory exception is handled "
                "serially, not a double fault (Table 6-5, row Contributory, column Page Fault)"
                % names)
    if cb == DOUBLE_FAULT:
        return "%s: #DF as the second exception is not one of Table 6-5's #DF pairs" % names
    return ("%s: a benign exception on either side is handled serially (Table 6-5; a benign "
            "first exception never makes #DF)" % names)


def expect_pairs(df_first):
    """check(out): every pair whose first vector is (df_first) or is not
    (not df_first) of the #DF class."""
    def check(out):
        classes, pairs, _chains, _b = parse_escalation(out)
        if not pairs:
            return "the escalation checker printed no pairs"
        wrong = []
        for (a, b), got in sorted(pairs.items()):
            ca, cb = classes.get(a, BENIGN), classes.get(b, BENIGN)
            if (ca == DOUBLE_FAULT) != df_first:
                continue
            want = expected_pair(ca, cb)
            if got != want:
                wrong.append((a, b, ca, cb, got, want))
        if not wrong:
            return None
        a, b, ca, cb, got, want = wrong[0]
        hint = "exception_pair_outcome(%d, %d) gave %s, expected %s: %s" % (
            a, b, OUTCOME.get(got, str(got)), OUTCOME[want], pair_reason(a, b, ca, cb, want))
        odd = sorted({v for w in wrong for v in w[:2] if v in (20, 21) or v >= 32})
        same_class_ok = [w for w in wrong if w[0] in (20, 21) or w[1] in (20, 21)]
        if odd and len(same_class_ok) == len(wrong):
            hint += ("; every wrong pair involves %s: exception_table puts #VE (20) in the "
                     "page-fault class and #CP (21) among the contributory exceptions: decide "
                     "by class, not by vector number" % ", ".join(mnemonic(v) for v in odd))
        if len(wrong) > 1:
            hint += " (%d pairs wrong in all)" % len(wrong)
        return hint
    return check


def replay_steps(classes, gates, first, unusable, own):
    """The reference replay (escalation.h's contract), step by step: a list
    of (vector being delivered, the text that step appends), and the end."""
    cls = lambda v: classes.get(v, BENIGN)
    steps = []
    current = first
    for _ in range(MAX_STEPS):
        if current < 32 and not gates(current):
            why, raised = "no gate", 13
        elif unusable and not (current == 8 and own):
            why, raised = "frame push faults", 14
        else:
            return steps, current
        part = " -> %s: %s" % (why, mnemonic(raised))
        pair = expected_pair(cls(current), cls(raised))
        if pair == SHUTDOWN:
            steps.append((current, part + " -> shutdown"))
            return steps, SHUTDOWN_VECTOR
        if pair == DOUBLE:
            part += " = #DF"
        steps.append((current, part))
        current = 8 if pair == DOUBLE else raised
    return steps, current


def replay(classes, gates, first, unusable, own):
    """(end, text) of the reference replay."""
    steps, end = replay_steps(classes, gates, first, unusable, own)
    return end, mnemonic(first) + "".join(part for _, part in steps)


_STEP = re.compile(r" -> (no gate|frame push faults): (\S+)( = #DF)?( -> shutdown)?")


def path_steps(text):
    """'#PF -> no gate: #GP = #DF' -> ('#PF', [('no gate', '#GP', True, False)]), or
    None when the text is not in escalation.h's format. A tail cut short (the
    screen's buffer is 96 bytes) is dropped."""
    first, _, rest = text.partition(" ")
    steps = []
    rest = (" " + rest) if rest else ""
    while rest:
        m = _STEP.match(rest)
        if not m:
            if not steps and len(text) < 90:
                return None
            break
        steps.append((m.group(1), m.group(2), bool(m.group(3)), bool(m.group(4))))
        rest = rest[m.end():]
    return first, steps


def chain_difference(classes, gates, first, unusable, own, got):
    """Where a replayed path `got` leaves the reference, and the rule that
    decides that step, in words (or None when nothing can be said)."""
    ref, end = replay_steps(classes, gates, first, unusable, own)
    cls = lambda v: classes.get(v, BENIGN)
    parsed = path_steps(got)
    if parsed is None:
        return ("it is not in escalation.h's format: the first mnemonic, then per step "
                "\" -> <why>: <mnemonic>\", with \" = #DF\" or \" -> shutdown\" after it")
    got_first, got_steps = parsed
    if got_first != mnemonic(first):
        return "it must start with the first vector's mnemonic, %s" % mnemonic(first)
    want_steps = path_steps(mnemonic(first) + "".join(part for _, part in ref))[1]
    after_df = False
    for i, (current, _part) in enumerate(ref):
        want = want_steps[i]
        if i >= len(got_steps):
            return "it stops at %s, but delivering %s raises %s (%s)" % (
                mnemonic(current), mnemonic(current), want[1], want[0])
        have = got_steps[i]
        if have == want:
            after_df = want[2]
            continue
        who, raised = mnemonic(current), 13 if want[0] == "no gate" else 14
        if after_df and have[2] and current == 8:
            return ("after a pair that makes #DF, the next vector delivered is #DF itself "
                    "(its gate, its stack), not the exception that made it")
        if have[:2] != want[:2]:
            if want[0] == "no gate":
                return "delivering %s finds no gate first: #GP, before anything is pushed" % who
            return ("delivering %s: it has a gate, but the stack is the broken one, so its "
                    "frame push faults (#PF)" % who)
        pair = expected_pair(cls(current), cls(raised))
        reason = pair_reason(current, raised, cls(current), cls(raised), pair)
        if current == 8:
            return "%s while delivering #DF: %s" % (mnemonic(raised), reason)
        if pair == DOUBLE:
            return "%s then %s makes #DF: %s" % (who, mnemonic(raised), reason)
        return "%s then %s is not a double fault: %s" % (who, mnemonic(raised), reason)
    extra = got_steps[len(ref):]
    if extra:
        if end == 8 and own and extra[0][:2] == ("frame push faults", "#PF") and extra[0][3]:
            return ("#DF runs on a stack of its own when df_switches_stack is true, so its "
                    "delivery does not push onto the broken stack: the chain ends in #DF")
        if want_steps and want_steps[-1][2]:
            return ("after a pair that makes #DF, the next vector delivered is #DF itself "
                    "(its gate, its stack), not the exception that made it")
        return ("%s has a gate and a usable stack, so it is delivered and the chain ends"
                % mnemonic(end))
    return None


def chain_args(key):
    name, first, unusable, own = key
    return "escalation_chain(%s, gates of %s, stack_unusable=%s, df_switches_stack=%s)" % (
        mnemonic(first), {"all": "handlers=all", "df": "handlers=df",
                          "none": "handlers=none"}.get(name, "'%s'" % name),
        "true" if unusable else "false", "true" if own else "false")


def expect_chains(out):
    classes, _pairs, chains, _b = parse_escalation(out)
    if not chains:
        return "the escalation checker printed no chains"
    bad = []
    for key, (end, text) in sorted(chains.items()):
        want_end, want_text = replay(classes, GATE_SETS[key[0]], *key[1:])
        if (end, text) != (want_end, want_text):
            bad.append((key, end, text, want_end, want_text))
    if not bad:
        return None
    key, end, text, want_end, want_text = bad[0]
    if text != want_text:
        hint = "%s wrote %r, expected %r" % (chain_args(key), text, want_text)
        why = chain_difference(classes, GATE_SETS[key[0]], *key[1:], got=text)
        if why:
            hint += ": " + why
    else:
        hint = "%s returned 0x%x, expected 0x%x (%s)" % (
            chain_args(key), end, want_end,
            "ESCALATION_SHUTDOWN" if want_end == SHUTDOWN_VECTOR
            else "the vector delivered: %s" % mnemonic(want_end))
    if len(bad) > 1:
        hint += " (%d of %d chains wrong)" % (len(bad), len(chains))
    return hint


def expect_bounded(out):
    classes, _pairs, _chains, bounded = parse_escalation(out)
    if not bounded:
        return "the escalation checker printed no bounded-buffer results"
    name, first, unusable, own = BUFFER_CASE
    _end, full = replay(classes, GATE_SETS[name], first, unusable, own)
    full = full.encode()
    for size, (end, mem) in sorted(bounded.items()):
        call = "escalation_chain(%s, handlers=none, ..., buf, %d)" % (mnemonic(first), size)
        if any(c != ord("Z") for c in mem[size:]):
            return ("%s wrote past the end of the buffer (byte %d changed): append with the "
                    "room that is left, size - len, never size" % (call, size + next(
                        i for i, c in enumerate(mem[size:]) if c != ord("Z"))))
        if size == 0:
            continue
        want = full[:size - 1] + b"\0"
        if mem[:len(want)] != want:
            got = mem[:size]
            if b"\0" not in got:
                return "%s left the buffer without its terminating NUL" % call
            return "%s wrote %r, expected %r (the first %d characters, then NUL)" % (
                call, got.split(b"\0")[0].decode("ascii", "replace"),
                want[:-1].decode(), size - 1)
    return None


# --------------------------------------------------------------------------
# Boots
# --------------------------------------------------------------------------

# exception_table's classes (kernel/exceptions.c), for replaying the boots.
TABLE_CLASSES = {v: (CONTRIBUTORY if v in (0, 10, 11, 12, 13, 21) else
                     PAGE_FAULT if v in (14, 20) else DOUBLE_FAULT if v == 8 else BENIGN)
                 for v in range(32)}
# Each boot's replay: (gates, first vector, stack unusable, #DF on its own stack).
PATH_CASES = {"page_fault": (GATE_SETS["df"], 14, 0, 0),
              "invalid_opcode": (GATE_SETS["df"], 6, 0, 0),
              "stack_overflow": (GATE_SETS["all"], 14, 1, 1)}
PATHS = {"page_fault": "#PF -> no gate: #GP = #DF",
         "invalid_opcode": "#UD -> no gate: #GP -> no gate: #GP = #DF",
         "stack_overflow": "#PF -> frame push faults: #PF = #DF"}


def path_line(serial):
    m = re.search(r"^path\s+(.*?)\s*$", serial or "", re.M)
    return m.group(1) if m else None


def gate_setup_problem(result, ctx):
    """What start-up left in IDT[8], when that explains a failed #DF."""
    s = result.get("setup") or {}
    arch = result["arch"]
    if arch == "i386" and s.get("idt8") == "no gate" or arch == "x86_64" and s.get(
            "tr") is not None and s.get("idt8_ist") is None:
        return ("IDT[8] is empty after start-up (read back: no gate): df_gate() returned an "
                "all-zero descriptor, which is not a gate, so #DF's own delivery raises #GP "
                "and the CPU shuts down")
    return None


def expect_df(stack, path, scenario):
    """check(): #DF on `stack`, and the path line `path`."""
    base = expect_caught(8, "#DF", stack=stack)

    def check(result, ctx):
        hint = base(result, ctx)
        if hint:
            if died_starting(result):
                return hint
            if result["outcome"] == "caught" and result.get("vector") not in (None, 8):
                v = result["vector"]
                if "handlers=df" in (result.get("cmdline") or ""):
                    return ("%s: under handlers=df only IDT[8] has a gate, so IDT[8]'s offset "
                            "points at the stub of vector %d (isr_stub_table[%d]), not at the "
                            "#DF stub" % (describe(result), v, v))
            specific = gate_setup_problem(result, ctx)
            if specific:
                return "%s (%s)" % (specific, hint)
            if result["outcome"] == "triple_fault":
                s = result.get("setup") or {}
                if result["arch"] == "x86_64" and scenario == "stack_overflow" and \
                        s.get("idt8_ist") == 0:
                    return ("IDT[8]'s IST field is 0 with df=safe: df_gate() must give the "
                            "gate the IST field `ist` chosen above it, or #DF pushes its frame "
                            "onto the overflowed stack (%s)" % hint)
                return ("%s: IDT[8] holds a gate, but delivering #DF through it failed, and a "
                        "fault while delivering #DF shuts the CPU down: check the gate's "
                        "present bit, type, selector and offset (the df_gate host test "
                        "names the wrong field)" % hint)
            return hint
        got = path_line(result.get("serial"))
        if got != path:
            if got is None:
                return "the #DF screen has no path line"
            why = chain_difference(TABLE_CLASSES, *PATH_CASES[scenario], got=got.replace(
                "  (not what happened!)", ""))
            why = ": " + why if why else ""
            if got.endswith("(not what happened!)"):
                why += (" (the screen adds \"(not what happened!)\" because the replay does "
                        "not end in #DF, although the CPU delivered #DF)")
            return ("the path line reads %r, expected %r%s; escalation_chain() (kernel/"
                    "escalation.c) replays it with exception_pair_outcome()" % (got, path, why))
        return None
    return check


def tests():
    t = []
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "page_fault handlers=df df=stack: #DF on the kernel stack, "
                      "its path line", 10,
                      expect_df("kernel", PATHS["page_fault"], "page_fault"),
                      (TRIPLE, DF_HANDLER, PAIRS), boot=("page_fault", "handlers=df df=stack")))
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "invalid_opcode handlers=df df=stack: #DF, its path line",
                      5, expect_df("kernel", PATHS["invalid_opcode"], "invalid_opcode"),
                      (DF_HANDLER, PAIRS), boot=("invalid_opcode", "handlers=df df=stack")))
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "stack_overflow: #DF on %s, its path line" % fs.SAFE_STACK[arch], 5,
                      expect_df(fs.SAFE_STACK[arch], PATHS["stack_overflow"], "stack_overflow"),
                      (DF_HANDLER, PAIRS), boot=("stack_overflow", "")))
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "page_fault: still caught as #PF, CR2 0xdeadbeef", 5,
                      expect_caught(14, "#PF", stack="kernel", cr2=0xdeadbeef),
                      (DF_HANDLER,), boot=("page_fault", "")))
    t.append(Test(1, "host", "df_gate (i386): IDT[8] for df=stack, as the CPU reads it", 5,
                  expect_df_gate_i386, (DF_HANDLER,), kind="host", host=DF_GATE_I386))
    t.append(Test(1, "host", "df_gate (x86_64): IDT[8] for df=stack and df=safe", 5,
                  expect_df_gate_x86_64, (DF_HANDLER,), kind="host", host=DF_GATE_X86_64))
    t.append(Test(1, "host", "exception_pair_outcome: Table 6-5 for every pair of vectors",
                  10, expect_pairs(False), (PAIRS,), kind="host", host=ESCALATION))
    t.append(Test(1, "host", "exception_pair_outcome: a fault while delivering #DF", 5,
                  expect_pairs(True), (PAIRS,), kind="host", host=ESCALATION))
    t.append(Test(1, "host", "escalation_chain: the replayed paths and where they end", 10,
                  expect_chains, (PAIRS,), kind="host", host=ESCALATION))
    t.append(Test(1, "host", "escalation_chain: a bounded, terminated buffer", 5,
                  expect_bounded, (PAIRS,), kind="host", host=ESCALATION))
    return t
