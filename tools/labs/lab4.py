"""Lab 4: reading the fault screen: error codes, symbols, the backtrace
(lessons/labs/lab4-page-fault-handler.md).

Host tests compile the student's kernel/exceptions.c, kernel/symbols.c and
kernel/backtrace.c (with kernel/format.c) into checkers that print what each
function gave, "key<TAB>value" per line; the judges below compare that with
the contract in the lab text and name the mistake. Boot tests read the fault
screen of real boots: the `error` line decoded for #PF and for the selector
codes, and the `trace` line checked against the kernel's ELF.
"""

import os
import re
import subprocess
from functools import lru_cache

import faultline_scenarios as fs
from .checks import HostProgram, Test, describe, died_starting, lesson

SCREEN = lesson("09-reading-the-fault-screen")

LAB = {"number": 4, "points": 125, "minutes": 240,
       "title": "reading the fault screen: error codes, symbols, the backtrace",
       "doc": "lessons/labs/lab4-page-fault-handler.md", "lessons": (SCREEN,)}

PF_EXAMPLE = "supervisor data write, page not present"

# --------------------------------------------------------------------------
# decode_pf_error
# --------------------------------------------------------------------------

PF_HIGH = (0x20, 0x40, 0x80, 0x8000, 0x25, 0x8043, 0x80e1)

PF_CHECKER = HostProgram("decode_pf_error", ("kernel/exceptions.c", "kernel/format.c"), r"""
#include <stdio.h>
#include <string.h>
#include "kernel/exceptions.h"

static char arena[300];

int main(void)
{
	static const unsigned high[] = { %s };
	char text[256];

	for (int reported = 0; reported < 2; reported++) {
		for (unsigned code = 0; code < 32; code++) {
			memset(text, 0, sizeof text);
			decode_pf_error(code, reported, text, sizeof text);
			text[sizeof text - 1] = 0;
			printf("%%u/%%d\t%%s\n", code, reported, text);
		}
	}
	for (unsigned i = 0; i < sizeof high / sizeof high[0]; i++) {
		memset(text, 0, sizeof text);
		decode_pf_error(high[i], 1, text, sizeof text);
		text[sizeof text - 1] = 0;
		printf("%%u/1\t%%s\n", high[i], text);
	}
	memset(arena, 'Z', sizeof arena);
	decode_pf_error(0x2, 1, arena, 11);
	printf("truncated\t%%.11s\n", arena);
	int clean = 1;
	for (unsigned i = 11; i < sizeof arena; i++)
		clean &= arena[i] == 'Z';
	printf("canary\t%%d\n", clean);
	memset(arena, 'Z', sizeof arena);
	decode_pf_error(0x2, 1, arena, 0);
	printf("size0\t%%d\n", arena[0] == 'Z');
	return 0;
}
""" % ", ".join("0x%x" % c for c in PF_HIGH))

PF_SUFFIXES = ((0x08, "reserved bit set"), (0x20, "protection key"), (0x40, "shadow stack"),
               (0x80, "HLAT"), (0x8000, "SGX"))


def pf_expected(code, fetch_reported=True):
    """decode_pf_error()'s contract (lessons/labs/lab4-page-fault-handler.md)."""
    who = "user" if code & 4 else "supervisor"
    access = ("instruction fetch" if code & 16 else
              "data write" if code & 2 else
              "data read" if fetch_reported else "read or instruction fetch")
    cause = "protection violation" if code & 1 else "page not present"
    return "%s %s, %s%s" % (who, access, cause,
                            "".join(", " + word for bit, word in PF_SUFFIXES if code & bit))


def pf_mistake(code, reported, got, want):
    """The likely cause of a wrong decode, in words, or ""."""
    if got is None or not re.match(r"^(user|supervisor) [a-z ]+, [a-z ]+", got):
        return ""
    swap = lambda s, a, b: s.replace(a, "\0").replace(b, a).replace("\0", b)
    if got == swap(want, "page not present", "protection violation"):
        return (": P (bit 0) is 1 when a present page's protection was violated, 0 when the "
                "page is not present (SDM Vol. 3A 4.7)")
    if got.split(" ", 1)[-1] == want.split(" ", 1)[-1] and got.split(" ")[0] != want.split(" ")[0]:
        return ": U/S (bit 2) is 1 when the access was made in user mode (CPL 3)"
    if "data write" in got and "instruction fetch" in want:
        return (": a fetch is never a write: when I/D (bit 4) is set, the access is an "
                "instruction fetch whatever W/R (bit 1) says")
    if "data read" in got and "read or instruction fetch" in want:
        return (": fetch_reported is false here, so this paging mode does not report I/D and "
                "a code with neither W/R nor I/D may be a fetch (SDM Vol. 3A 4.7)")
    if "read or instruction fetch" in got and "data read" in want:
        return (": fetch_reported is true here: I/D is reported, so a code without it is a "
                "data read")
    for bit, word in PF_SUFFIXES:
        if (word in want) != (word in got):
            return ": \", %s\" goes with bit %d, in the order the lab gives" % (
                word, bit.bit_length() - 1)
    if sorted(got.split(", ")) == sorted(want.split(", ")):
        return ": the parts are right but not in the lab's order"
    return ""


def expect_pf_decodes(codes, truncation=False):
    """codes: (code, fetch_reported) pairs."""
    def check(out):
        for code, reported in codes:
            got, want = out.get("%d/%d" % (code, reported)), pf_expected(code, reported)
            if got != want:
                return "decode_pf_error(0x%x, %s) gave %r, expected %r%s" % (
                    code, "true" if reported else "false", got, want,
                    pf_mistake(code, reported, got, want))
        if truncation:
            if out.get("canary") != "1" or out.get("size0") != "1":
                return ("decode_pf_error(0x2, true, buf, %s) wrote past the buffer: at most "
                        "size bytes, the NUL included, may be written"
                        % ("11" if out.get("canary") != "1" else "0"))
            if out.get("truncated") != "supervisor":
                return ("decode_pf_error(0x2, true, buf, 11) gave %r, expected \"supervisor\" "
                        "(cut to size - 1 characters and a NUL)" % out.get("truncated"))
        return None
    return check


PF_BASIC = tuple((c, True) for c in (0x0, 0x1, 0x2, 0x3))
# Every other code with I/D reported; and every code where the paging mode
# does not report I/D (32-bit paging without CR4.SMEP: SDM Vol. 3A 4.7).
PF_OTHER = (tuple((c, True) for c in range(32) if (c, True) not in PF_BASIC)
            + tuple((c, False) for c in range(32)))
PF_RARE = tuple((c, True) for c in PF_HIGH)

# --------------------------------------------------------------------------
# decode_selector_error
# --------------------------------------------------------------------------

SEL_CODES = (0x0, 0x1, 0x8, 0x10, 0x18, 0x28, 0x29, 0xfff8, 0xfff9, 0xc, 0xd, 0xfffc,
             0x2, 0x3, 0x32, 0x33, 0x42, 0x6a, 0x72, 0x73, 0x76, 0xfa, 0xfb, 0x102, 0x7fa,
             0x7fb, 0x19)

SEL_CHECKER = HostProgram("decode_selector_error", ("kernel/exceptions.c", "kernel/format.c"),
                          r"""
#include <stdio.h>
#include <string.h>
#include "kernel/exceptions.h"

static char arena[300];

int main(void)
{
	static const unsigned codes[] = { %s };
	char text[256];

	for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		memset(text, 0, sizeof text);
		decode_selector_error(codes[i], text, sizeof text);
		text[sizeof text - 1] = 0;
		printf("sel/%%u\t%%s\n", codes[i], text);
	}
	memset(arena, 'Z', sizeof arena);
	decode_selector_error(0x28, arena, 8);
	printf("truncated\t%%.8s\n", arena);
	int clean = 1;
	for (unsigned i = 8; i < sizeof arena; i++)
		clean &= arena[i] == 'Z';
	printf("canary\t%%d\n", clean);
	return 0;
}
""" % ", ".join("0x%x" % c for c in SEL_CODES))

MNEMONICS = ("#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
             "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
             "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31")


def sel_expected(code):
    """decode_selector_error()'s contract (SDM Vol. 3A 6.13)."""
    if code == 0:
        return "no selector (error code 0)"
    index, ext = (code >> 3) & 0x1fff, ", external event" if code & 1 else ""
    if code & 2:
        name = " (%s)" % MNEMONICS[index] if index < 32 else ""
        return "IDT vector %d%s%s" % (index, name, ext)
    return "%s index %d (selector 0x%x)%s" % ("LDT" if code & 4 else "GDT", index,
                                            code & 0xfffc, ext)


def sel_mistake(code, got):
    if got is None or not re.match(r"^(GDT|LDT|IDT|no selector)", got):
        return ""
    want = sel_expected(code)
    if ("external event" in got) != bool(code & 1):
        return (": EXT is bit 0: \", external event\" exactly when it is set (the exception "
                "arose while an event external to the program was being delivered)")
    if got.startswith("IDT") != bool(code & 2) and code:
        return ": IDT is bit 1: when it is set, the index names an IDT gate, a vector"
    if got.startswith("LDT") != bool(code & 4 and not code & 2) and code:
        return ": TI is bit 2, and it means LDT only when IDT (bit 1) is clear (SDM 6.13)"
    numbers = re.findall(r"(?:index|vector) (\d+)", got)
    if numbers and int(numbers[0]) != (code >> 3) & 0x1fff:
        return ": the index is bits 15:3 of the error code (13 bits, the selector's index field)"
    if "(selector" in want and "(selector" in got and want.split("(selector")[1] != \
            got.split("(selector")[1]:
        return (": the selector is what the error code holds in bits 15:2, index x 8 + TI; "
                "its RPL is not in the code")
    return ""


def expect_sel_decodes(out):
    for code in SEL_CODES:
        got = out.get("sel/%d" % code)
        want = sel_expected(code)
        if got != want:
            return "decode_selector_error(0x%x) gave %r, expected %r%s" % (
                code, got, want, sel_mistake(code, got))
    if out.get("canary") != "1":
        return ("decode_selector_error(0x28, buf, 8) wrote past the buffer: at most size "
                "bytes, the NUL included, may be written")
    if out.get("truncated") != sel_expected(0x28)[:7]:
        return "decode_selector_error(0x28, buf, 8) gave %r, expected %r" % (
            out.get("truncated"), sel_expected(0x28)[:7])
    return None


# --------------------------------------------------------------------------
# symbol_lookup, symbol_format
# --------------------------------------------------------------------------

SYMTAB = ((0x1000, "kmain"), (0x1200, "scenario_run"), (0x1300, "recurse"),
          (0x1400, "fault_report"), (0x2000, "isr_common"))
MAX_OFFSET = 0x10000          # kernel/symbols.c SYMBOL_MAX_OFFSET
LOOKUPS = (0x0, 0xfff, 0x1000, 0x1001, 0x11ff, 0x1200, 0x12ff, 0x1300, 0x1340, 0x13ff,
           0x1400, 0x1fff, 0x2000, 0x2001, 0x2000 + MAX_OFFSET, 0x2000 + MAX_OFFSET + 1,
           0xffffffff)
BIG_TABLE = 1000              # entries 0x100000 + 0x40 * i, named f<i>

SYM_CHECKER = HostProgram("symbol_lookup", ("kernel/symbols.c", "kernel/format.c"), r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/symbols.h"

/* The table symbol_format() reads: the kernel's own is generated, this one
 * is made up. */
const struct ksym kernel_symbols[] = { %(table)s };
const unsigned kernel_symbol_count = %(count)d;

static char arena[300];

static const char *found(const struct ksym *s)
{
	return s ? s->name : "NULL";
}

int main(void)
{
	static const uintptr_t lookups[] = { %(lookups)s };
	static struct ksym big[%(big)d];
	static char names[%(big)d][8];
	char text[128];

	for (unsigned i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
		printf("lookup/%%lx\t%%s\n", (unsigned long)lookups[i],
		       found(symbol_lookup(kernel_symbols, kernel_symbol_count, lookups[i],
		                           %(max)d)));
		memset(text, 0, sizeof text);
		symbol_format(lookups[i], text, sizeof text);
		printf("format/%%lx\t%%s\n", (unsigned long)lookups[i], text);
	}
	printf("empty\t%%s\n", found(symbol_lookup(kernel_symbols, 0, 0x1000, %(max)d)));
	printf("one/1000\t%%s\n", found(symbol_lookup(kernel_symbols, 1, 0x1000, %(max)d)));
	printf("one/1300\t%%s\n", found(symbol_lookup(kernel_symbols, 1, 0x1300, %(max)d)));
	printf("small-max\t%%s\n", found(symbol_lookup(kernel_symbols, kernel_symbol_count,
	                                               0x1340, 0x3f)));
	for (unsigned i = 0; i < %(big)d; i++) {
		snprintf(names[i], sizeof names[i], "f%%u", i);
		big[i].addr = 0x100000 + 0x40 * i;
		big[i].name = names[i];
	}
	int bad = -1;
	for (unsigned i = 0; i < %(big)d && bad < 0; i++) {
		const struct ksym *at = symbol_lookup(big, %(big)d, big[i].addr, %(max)d);
		const struct ksym *in = symbol_lookup(big, %(big)d, big[i].addr + 0x3f, %(max)d);
		if (at != &big[i] || in != &big[i])
			bad = (int)i;
	}
	printf("big\t%%d\n", bad);
	memset(arena, 'Z', sizeof arena);
	symbol_format(0x1340, arena, 6);
	printf("truncated\t%%.6s\n", arena);
	int clean = 1;
	for (unsigned i = 6; i < sizeof arena; i++)
		clean &= arena[i] == 'Z';
	printf("canary\t%%d\n", clean);
	return 0;
}
""" % {"table": ", ".join('{ 0x%x, "%s" }' % s for s in SYMTAB), "count": len(SYMTAB),
       "lookups": ", ".join("0x%x" % a for a in LOOKUPS), "max": MAX_OFFSET,
       "big": BIG_TABLE})


def sym_expected(addr, table=SYMTAB, max_offset=MAX_OFFSET):
    """The entry symbol_lookup() must return: the last that starts at or
    below addr, within max_offset; None for NULL."""
    best = None
    for a, name in table:
        if a <= addr:
            best = (a, name)
    if best is None or addr - best[0] > max_offset:
        return None
    return best


def sym_format_expected(addr):
    s = sym_expected(addr)
    if s is None:
        return "0x%x" % addr
    return s[1] if addr == s[0] else "%s+0x%x" % (s[1], addr - s[0])


def expect_symbols(out):
    for addr in LOOKUPS:
        got, want = out.get("lookup/%x" % addr), sym_expected(addr)
        want_name = want[1] if want else "NULL"
        if got != want_name:
            names = [n for _, n in SYMTAB]
            why = ""
            if want and any(a == addr for a, _ in SYMTAB):
                why = ": an address equal to a symbol's start lies in that symbol"
            elif want is None and addr < SYMTAB[0][0]:
                why = ": an address below the first symbol lies in no function: NULL"
            elif want is None:
                why = (": an address more than max_offset bytes past the nearest symbol's "
                       "start lies in no function: NULL")
            elif addr - want[0] == MAX_OFFSET:
                why = ": exactly max_offset bytes past a symbol's start is still inside it"
            elif got in names and names.index(got) > names.index(want_name):
                why = ": that is the symbol after the one the address lies in"
            elif got in names:
                why = ": that is a symbol before the one the address lies in"
            return "symbol_lookup(table, %d, 0x%x, 0x%x) gave %s, expected %s%s" % (
                len(SYMTAB), addr, MAX_OFFSET, got, want_name, why)
    for key, want, why in (("empty", "NULL", "an empty table (n = 0) holds no symbol"),
                           ("one/1000", "kmain", "a table of one entry"),
                           ("one/1300", "kmain", "a table of one entry"),
                           ("small-max", "NULL", "honour the max_offset argument")):
        if out.get(key) != want:
            return "symbol_lookup() gave %s, expected %s: %s" % (out.get(key), want, why)
    if out.get("big") != "-1":
        return ("symbol_lookup() on a table of %d entries found the wrong entry for the "
                "start of entry %s (or 0x3f bytes into it)" % (BIG_TABLE, out.get("big")))
    for addr in LOOKUPS:
        got, want = out.get("format/%x" % addr), sym_format_expected(addr)
        if got != want:
            why = ""
            if got == want + "+0x0":
                why = ": at a function's first byte, the name alone"
            elif got and got.lower() == want and got != want:
                why = ": hex digits in lower case"
            return "symbol_format(0x%x) gave %r, expected %r%s" % (addr, got, want, why)
    if out.get("canary") != "1":
        return "symbol_format(0x1340, buf, 6) wrote past the buffer"
    if out.get("truncated") != "recur":
        return "symbol_format(0x1340, buf, 6) gave %r, expected 'recur'" % out.get("truncated")
    return None


# --------------------------------------------------------------------------
# backtrace_walk, backtrace_format
# --------------------------------------------------------------------------

# Return addresses the checker's frames hold, and what the name callback
# calls them.
BT_NAMES = {0x1340: "recurse+0x40", 0x1355: "recurse+0x55", 0x1222: "scenario_run+0x22",
            0x1080: "kmain+0x80", 0x1010: "_start.hang", 0x1999: "OFF_STACK_FRAME",
            0x1777: "BEYOND_THE_END"}

BT_CHECKER = HostProgram("backtrace_walk", ("kernel/backtrace.c", "kernel/format.c"), r"""
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kernel/backtrace.h"

#define WORDS 8192
/* The fake stack is memory[0..WORDS), the only memory readable() allows;
 * above it lies more memory, readable by the host but off the stack. */
static uintptr_t memory[WORDS + 128];
#define stack_mem memory
#define elsewhere (&memory[WORDS + 32])
static const char *current = "start";

static bool on_stack(uintptr_t addr)
{
	return addr >= (uintptr_t)&stack_mem[0] && addr %% sizeof(uintptr_t) == 0
	       && addr + 2 * sizeof(uintptr_t) <= (uintptr_t)&stack_mem[WORDS];
}

static void bail(int sig)
{
	char msg[96];
	int len = snprintf(msg, sizeof msg, "%%s\t%%s\n",
	                   sig == SIGALRM ? "hang" : "crash", current);
	if (write(1, msg, (size_t)len) < 0)
		_exit(3);
	_exit(0);
}

/* Frame k at stack_mem[base + 8k]: saved BP, then the return address. */
static uintptr_t *frame(int k)
{
	return &stack_mem[64 + 8 * k];
}

static void set_frame(int k, uintptr_t saved_bp, uintptr_t ret)
{
	frame(k)[0] = saved_bp;
	frame(k)[1] = ret;
}

static void show(const char *name, uintptr_t ip, uintptr_t bp)
{
	struct bt_entry arena[BACKTRACE_MAX_ENTRIES + 4];
	unsigned n;

	current = name;
	memset(arena, 0x5a, sizeof arena);
	alarm(3);
	n = backtrace_walk(ip, bp, on_stack, arena);
	alarm(0);
	printf("%%s.n\t%%u\n", name, n);
	for (unsigned i = 0; i < n && i < BACKTRACE_MAX_ENTRIES + 4; i++)
		printf("%%s.%%u\t%%lx %%u\n", name, i, (unsigned long)arena[i].pc, arena[i].repeat);
	int clean = 1;
	for (unsigned i = BACKTRACE_MAX_ENTRIES * sizeof arena[0]; i < sizeof arena; i++)
		clean &= ((unsigned char *)arena)[i] == 0x5a;
	printf("%%s.canary\t%%d\n", name, clean);
}

static void name_of(uintptr_t pc, char *buf, size_t size)
{
	static const struct { uintptr_t pc; const char *name; } names[] = { %(names)s };
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].pc == pc) {
			snprintf(buf, size, "%%s", names[i].name);
			return;
		}
	snprintf(buf, size, "0x%%lx", (unsigned long)pc);
}

static char text_arena[400];

static void format(const char *name, const struct bt_entry *e, unsigned n, size_t size)
{
	current = name;
	memset(text_arena, 'Z', sizeof text_arena);
	alarm(3);
	backtrace_format(e, n, name_of, text_arena, size);
	alarm(0);
	int clean = 1;
	for (size_t i = size; i < sizeof text_arena; i++)
		clean &= text_arena[i] == 'Z';
	if (size > 0 && memchr(text_arena, 0, size) != NULL)
		printf("fmt/%%s/%%zu\t%%s\n", name, size, text_arena);
	else
		printf("fmt/%%s/%%zu\t(no NUL)\n", name, size);
	printf("fmt/%%s/%%zu.canary\t%%d\n", name, size, clean);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGALRM, bail);
	signal(SIGSEGV, bail);
	signal(SIGBUS, bail);

	printf("frame0\t%%lx\n", (unsigned long)(uintptr_t)frame(0));

	/* recurse x3 -> scenario_run -> kmain -> the boot code (saved BP 0) */
	for (int k = 0; k < 5; k++)
		set_frame(k, (uintptr_t)frame(k + 1), 0);
	frame(0)[1] = 0x1355; frame(1)[1] = 0x1355; frame(2)[1] = 0x1355;
	frame(3)[1] = 0x1222; frame(4)[1] = 0x1080;
	set_frame(5, 0, 0x1010);
	show("chain", 0x1340, (uintptr_t)frame(0));

	/* the first BP is not on the stack at all */
	show("nobp", 0x1340, 0x10);

	/* a return address of 0 ends the chain */
	set_frame(5, (uintptr_t)frame(6), 0);
	set_frame(6, 0, 0x1777);
	show("zero", 0x1340, (uintptr_t)frame(0));
	set_frame(5, 0, 0x1010);

	/* a caller's BP off the stack: readable() says no */
	elsewhere[40] = (uintptr_t)frame(4);
	elsewhere[41] = 0x1999;
	set_frame(2, (uintptr_t)&elsewhere[40], 0x1355);
	show("offstack", 0x1340, (uintptr_t)frame(0));

	/* ... and one in a page no one may read */
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t *locked = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	set_frame(2, (uintptr_t)locked + 64, 0x1355);
	show("guardpage", 0x1340, (uintptr_t)frame(0));
	set_frame(2, (uintptr_t)frame(3), 0x1355);

	/* loops: a frame naming itself, two frames naming each other */
	set_frame(1, (uintptr_t)frame(1), 0x1355);
	show("selfloop", 0x1340, (uintptr_t)frame(0));
	set_frame(1, (uintptr_t)frame(2), 0x1355);
	set_frame(2, (uintptr_t)frame(1), 0x1222);
	show("twoloop", 0x1340, (uintptr_t)frame(0));

	/* 240 distinct callers: only BACKTRACE_MAX_ENTRIES fit */
	for (int k = 0; k < 240; k++)
		set_frame(k, (uintptr_t)frame(k + 1), 0x5000 + 16 * k);
	set_frame(240, 0, 0x1010);
	show("wide", 0x1340, (uintptr_t)frame(0));

	/* 250 frames of recursion in a row, 4 words apart: the walk reads at
	 * most BACKTRACE_MAX_FRAMES of them (here all: fewer than the limit) */
	memset(stack_mem, 0, sizeof stack_mem);
	for (int k = 0; k < 250; k++) {
		stack_mem[8 + 4 * k] = (uintptr_t)&stack_mem[8 + 4 * (k + 1)];
		stack_mem[9 + 4 * k] = 0x1355;
	}
	stack_mem[8 + 4 * 250] = 0;
	stack_mem[9 + 4 * 250] = 0x1080;
	show("deep", 0x1340, (uintptr_t)&stack_mem[8]);

	/* 3000 frames, 2 words apart: more than BACKTRACE_MAX_FRAMES */
	memset(stack_mem, 0, sizeof stack_mem);
	for (int k = 0; k < 3000; k++) {
		stack_mem[4 + 2 * k] = (uintptr_t)&stack_mem[4 + 2 * (k + 1)];
		stack_mem[5 + 2 * k] = 0x1355;
	}
	show("limit", 0x1340, (uintptr_t)&stack_mem[4]);

	struct bt_entry e[] = { { 0x1340, 1 }, { 0x1355, 3 }, { 0x1222, 1 }, { 0x1080, 1 },
	                        { 0x1010, 1 } };
	format("chain", e, 5, 200);
	format("empty", e, 0, 200);
	format("one", e, 1, 200);
	for (size_t size = 0; size <= 72; size++)
		format("cut", e, 5, size);
	printf("done\t1\n");
	return 0;
}
""" % {"names": ", ".join('{ 0x%x, "%s" }' % kv for kv in sorted(BT_NAMES.items()))})

FULL_TRACE = "recurse+0x40 < recurse+0x55 (x3) < scenario_run+0x22 < kmain+0x80 < _start.hang"

# What each walk must give: [(pc, repeat)]; for "wide", the first entries.
BT_WALKS = {
    "chain": [(0x1340, 1), (0x1355, 3), (0x1222, 1), (0x1080, 1), (0x1010, 1)],
    "nobp": [(0x1340, 1)],
    "zero": [(0x1340, 1), (0x1355, 3), (0x1222, 1), (0x1080, 1)],
    "offstack": [(0x1340, 1), (0x1355, 3)],
    "guardpage": [(0x1340, 1), (0x1355, 3)],
    "selfloop": [(0x1340, 1), (0x1355, 2)],
    "twoloop": [(0x1340, 1), (0x1355, 2), (0x1222, 1)],
    "wide": [(0x1340, 1)] + [(0x5000 + 16 * k, 1) for k in range(11)],
    "deep": [(0x1340, 1), (0x1355, 250), (0x1080, 1)],
}
BT_WHAT = {
    "chain": "recurse x3 < scenario_run < kmain < the boot code (whose saved BP is 0)",
    "nobp": "a first BP that readable() rejects",
    "zero": "a frame whose return address is 0",
    "offstack": "a chain whose third frame's saved BP points off the stack",
    "guardpage": "a chain whose third frame's saved BP points into an unreadable page",
    "selfloop": "a frame whose saved BP points at itself",
    "twoloop": "two frames whose saved BPs point at each other",
    "wide": "240 distinct callers",
    "deep": "250 frames of recursion",
    "limit": "3000 frames of recursion",
}


def _entries(out, case):
    try:
        n = int(out.get("%s.n" % case, "x"))
    except ValueError:
        return None
    entries = []
    for i in range(min(n, 16)):
        words = out.get("%s.%d" % (case, i), "").split()
        if len(words) != 2:
            return None
        entries.append((int(words[0], 16), int(words[1])))
    return n, entries


def _show(entries):
    return "[%s]" % ", ".join("0x%x%s" % (pc, " (x%d)" % r if r != 1 else "")
                              for pc, r in entries)


def walk_problem(case, got, want, frames=()):
    """Why the walk of `case` gave `got` (a list of (pc, repeat)) instead of
    `want`, in words. frames: the checker's frame addresses."""
    pcs = [pc for pc, _ in got]
    if not got or got[0] != want[0]:
        return "the first entry must be ip itself, the interrupted instruction (repeat 1)"
    if 0x1999 in pcs:
        return ("a frame off the stack was followed: ask readable(bp) before reading any "
                "frame, the first and every caller's")
    if 0x1777 in pcs or 0 in pcs:
        return "a return address of 0 ends the chain, and is not an entry"
    if case == "selfloop" or case == "twoloop":
        return ("the walk went round a loop of frames: stop after a frame whose saved BP is "
                "not above its own BP (callers' frames lie higher up the stack)")
    if len(got) > 1 and len(want) > 1 and got[1][0] != want[1][0]:
        if got[1][0] in frames:
            return ("the second entry 0x%x is the first frame's saved BP: the return address "
                    "is the word right above the saved BP" % got[1][0])
        if got[1][0] == want[1][0] - 1:
            return "the entries are one byte before the return addresses: keep them as found"
        return ("the second entry 0x%x is not the first frame's return address 0x%x (the "
                "word right above its saved BP)" % (got[1][0], want[1][0]))
    if [pc for pc, _ in got] == [pc for pc, _ in want] and got != want:
        return ("the repeat counts are wrong: a return address equal to the previous entry's "
                "adds one to its repeat count")
    return ""


def expect_walks(out):
    try:
        base = int(out.get("frame0", "0"), 16)
    except ValueError:
        base = 0
    word = 8                    # the host checker is 64-bit
    frames = {base + 8 * word * k for k in range(300)} if base else set()
    for case in ("chain", "nobp", "zero", "offstack", "guardpage", "selfloop", "twoloop",
                 "wide", "deep", "limit"):
        what = BT_WHAT[case]
        if out.get("hang") == case:
            return ("backtrace_walk() did not return within 3 s on %s: the walk must stop "
                    "(a loop of frames, or no limit on the frames walked)" % what)
        if out.get("crash") == case:
            if case == "guardpage":
                return ("backtrace_walk() crashed on %s: it read a frame that readable() had "
                        "not allowed (or did not ask)" % what)
            return ("backtrace_walk() crashed on %s (did it write past out[%d], or read "
                    "where readable() did not allow?)" % (what, 11))
        parsed = _entries(out, case)
        if parsed is None:
            return "the backtrace checker stopped before %s (%s)" % (what, out.get("crash")
                                                                   or out.get("hang") or "?")
        n, got = parsed
        if out.get("%s.canary" % case) != "1":
            return ("backtrace_walk() wrote past out[%d] on %s: at most "
                    "BACKTRACE_MAX_ENTRIES entries" % (11, what))
        if case == "limit":
            if n != 2 or got[0] != (0x1340, 1) or got[1][0] != 0x1355:
                return "backtrace_walk() on %s gave %s, expected [0x1340, 0x1355 (xN)]" % (
                    what, _show(got))
            if got[1][1] > 2048:
                return ("backtrace_walk() read %d frames of %s: at most BACKTRACE_MAX_FRAMES "
                        "(2048) may be read" % (got[1][1], what))
            if got[1][1] < 2000:
                return ("backtrace_walk() read only %d frames of %s, expected "
                        "BACKTRACE_MAX_FRAMES (2048)" % (got[1][1], what))
            continue
        want = BT_WALKS[case]
        if case == "wide":
            if n != 12 or got[:12] != want:
                return ("backtrace_walk() on %s gave %d entries %s..., expected the first 12 "
                        "(BACKTRACE_MAX_ENTRIES)%s" % (what, n, _show(got[:4]),
                                                       walk_problem(case, got, want, frames)
                                                       and ": " + walk_problem(case, got, want, frames)))
            continue
        if n != len(want) or got != want:
            why = walk_problem(case, got, want, frames)
            return "backtrace_walk() on %s gave %s, expected %s%s" % (
                what, _show(got), _show(want), ": " + why if why else "")
    return None


def expect_format(out):
    if out.get("done") != "1":
        return ("the backtrace checker stopped before it could test backtrace_format(): "
                "backtrace_walk() %s first" % (
                    "crashed on %s" % BT_WHAT.get(out["crash"], out["crash"]) if out.get("crash")
                    else "did not return on %s" % BT_WHAT.get(out["hang"], out["hang"])
                    if out.get("hang") else "failed"))
    checks = (("chain", 200, FULL_TRACE), ("empty", 200, ""), ("one", 200, "recurse+0x40"))
    for name, size, want in checks:
        got = out.get("fmt/%s/%d" % (name, size))
        if out.get("fmt/%s/%d.canary" % (name, size)) != "1":
            return "backtrace_format() wrote past a buffer of %d bytes" % size
        if got != want:
            why = ""
            if got and "(x1)" in got:
                why = ": an entry that appears once has no count"
            elif got and got.replace(" < ", "<") != got and want.startswith(got):
                why = ""
            return "backtrace_format() of %d entries gave %r, expected %r%s" % (
                {"chain": 5, "empty": 0, "one": 1}[name], got, want, why)
    for size in range(0, 73):
        got = out.get("fmt/cut/%d" % size)
        if out.get("fmt/cut/%d.canary" % size) != "1":
            return ("backtrace_format() wrote past a buffer of %d bytes: at most size bytes, "
                    "the NUL included%s; each piece may use only what is left"
                    % (size, " (nothing at all for size 0)" if size == 0 else ""))
        if size == 0:
            continue
        want = FULL_TRACE[:size - 1]
        if got != want:
            return ("backtrace_format(..., size %d) gave %r, expected %r: a trace that does "
                    "not fit is cut, and NUL-terminated within size" % (size, got, want))
    return None


# --------------------------------------------------------------------------
# Boots: the screen's error and trace lines
# --------------------------------------------------------------------------

def screen_line(result, label):
    """The text after `label` on the screen (a label such as "error" or
    "trace", padded to 7 columns), with continuation lines joined; None when
    the line is not there."""
    lines = (result.get("serial") or "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(label.ljust(7)) and not line.startswith(label.ljust(7) + " "):
            text = line[7:]
            for more in lines[i + 1:]:
                if more.startswith(" " * 7) and not more.startswith(" " * 8):
                    text += " " + more[7:]
                else:
                    break
            return text.strip()
    return None


def expect_error_line(decoder):
    """check(): caught, and the error line decodes the code pushed as
    decoder(code) says."""
    def check(result, ctx):
        if result["outcome"] != "caught" or result.get("error_code") is None:
            return "%s, expected a caught exception with an error code" % describe(result)
        scenario = fs.SCENARIOS.get(result.get("scenario")) or {}
        if scenario.get("vector") is not None and result.get("vector") != scenario["vector"]:
            return "%s, expected %s%s" % (describe(result), scenario["name"],
                                          engine_deviation(result))
        code = int(result["error_code"], 16)
        want = decoder(code)
        line = screen_line(result, "error")
        if line is None:
            return "the screen has no error line"
        got = line.split("  ", 1)[1] if "  " in line else ""
        if got not in want:
            manual = fs.expected_error_code(result["arch"], result["scenario"],
                                            result.get("vector"))
            engine = ""
            if manual and int(manual, 16) != code:
                engine = (" (the manuals' code here is %s; %s pushed 0x%x, a known deviation "
                          "in the top-level README: decode what was pushed)"
                          % (manual, result.get("engine_version") or result["emulator"], code))
            return "the error line for %s's code 0x%x says %r, expected %r%s%s" % (
                result.get("name"), code, got, want[0],
                pf_mistake(code, True, got, want[0]) if decoder is pf_options
                else sel_mistake(code, got), engine)
        return None
    return check


def engine_deviation(result):
    """"; a known deviation of this engine: ..." when the engine is known to
    do something else on this boot (tools/faultline_scenarios.py
    DEVIATIONS), else ""."""
    try:
        import engines
        provider = engines.get(result["emulator"]).provider()
    except Exception:           # an unknown engine: no note
        return ""
    found = fs.deviations_for(result["emulator"], provider, result["arch"],
                              result.get("scenario"), "all", "safe")
    return "".join("; a known deviation of this engine (%s): %s, so this test cannot pass "
                   "on it" % (d["id"], d["what"]) for d in found[:1])


def pf_options(code):
    """What the error line may say: I/D is reported or not depending on the
    paging mode (SDM Vol. 3A 4.7), which the screen's reader does not know."""
    return [pf_expected(code, True), pf_expected(code, False)]


def sel_options(code):
    return [sel_expected(code)]


@lru_cache(maxsize=8)
def _return_addresses(elf, mtime):
    """The addresses right after each call instruction in elf."""
    proc = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    after, out = False, set()
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)", line)
        if not m:
            continue
        if after:
            out.add(int(m.group(1), 16))
        after = m.group(2).startswith("call")
    return frozenset(out)


def return_addresses(arch):
    elf = fs.symbol_elf(os.path.join(fs.REPO_ROOT, "build", arch))
    try:
        return _return_addresses(elf, os.stat(elf).st_mtime_ns)
    except OSError:
        return None


_ENTRY = re.compile(r"^(?P<name>[^ +]+)(?:\+0x(?P<off>[0-9a-f]+))?(?: \(x(?P<n>\d+)\))?$")


def parse_trace(text):
    """[(name, offset, repeat)] from a trace line's text, or None. The
    kernel's buffer may cut a long trace in the middle of its last entry."""
    out = []
    parts = text.split(" < ")
    for i, part in enumerate(parts):
        m = _ENTRY.match(part.strip())
        if not m and i == len(parts) - 1 and i > 0 and len(text) > 200:
            break
        if not m:
            return None
        out.append((m.group("name"), int(m.group("off") or "0", 16), int(m.group("n") or 1)))
    return out


def expect_trace(min_repeat=None):
    """check(): the trace line names the interrupted IP's function+offset
    first (as the ELF's symbols do), then only return addresses (each right
    after a call instruction in the ELF), kmain among them; with min_repeat,
    the second entry repeats at least that often (folded recursion)."""
    def check(result, ctx):
        if result["outcome"] != "caught":
            return "%s, expected a caught #DF or #PF with a trace line" % describe(result)
        text = screen_line(result, "trace")
        if not text:
            return "the screen's trace line is empty"
        entries = parse_trace(text)
        if not entries:
            return "the trace line %r is not 'function+0xoffset < ...'" % text
        symbols = ctx["symbols"].get(result["arch"]) or []
        name, off, _ = entries[0]
        first = "%s+0x%x" % (name, off)
        if result.get("symbol") and first != result["symbol"]:
            return ("the trace begins with %s, but the interrupted IP %s is %s (from the "
                    "ELF's symbols)" % (text.split(" < ")[0], result.get("ip"), result["symbol"]))
        calls = return_addresses(result["arch"])
        for name, off, _ in entries[1:]:
            base = fs.symbol_address(name, symbols)
            if base is None and name.startswith("0x"):
                return ("the trace entry %s lies in no function of the kernel: it is not a "
                        "return address (an entry must be the word the CALL pushed)" % name)
            if base is None:
                return "the trace names %s, which is not a symbol of the kernel" % name
            if calls is not None and base + off not in calls:
                return ("the trace entry %s+0x%x (0x%x) is not a return address: no call "
                        "instruction ends there (an entry must be the word the CALL pushed)"
                        % (name, off, base + off))
        if not any(n == "kmain" for n, _, _ in entries[1:]):
            return "the trace %r does not reach kmain" % text
        if min_repeat and (len(entries) < 2 or entries[1][2] < min_repeat):
            return ("the trace %r does not fold the recursion: %s's return address into "
                    "itself should appear once, with (xN), N >= %d"
                    % (text, entries[0][0], min_repeat))
        return None
    return check


def tests():
    t = [
        Test(4, "host", "decode_pf_error: P, W/R (0x0-0x3); a short buffer", 10,
             expect_pf_decodes(PF_BASIC, truncation=True), (SCREEN,), kind="host",
             host=PF_CHECKER),
        Test(4, "host", "decode_pf_error: 28 more codes; all 32 without I/D", 10,
             expect_pf_decodes(PF_OTHER), (SCREEN,), kind="host", host=PF_CHECKER),
        Test(4, "host", "decode_pf_error: PK, SS, HLAT, SGX", 5,
             expect_pf_decodes(PF_RARE), (SCREEN,), kind="host", host=PF_CHECKER),
        Test(4, "host", "decode_selector_error: EXT, IDT, TI, index", 10,
             expect_sel_decodes, (SCREEN,), kind="host", host=SEL_CHECKER),
        Test(4, "host", "symbol_lookup, symbol_format", 10, expect_symbols, (SCREEN,),
             kind="host", host=SYM_CHECKER),
        Test(4, "host", "backtrace_walk: recursion, loops, off-stack, limits", 15,
             expect_walks, (SCREEN,), kind="host", host=BT_CHECKER),
        Test(4, "host", "backtrace_format: the trace text, cut to size", 5,
             expect_format, (SCREEN,), kind="host", host=BT_CHECKER),
    ]
    for arch in ("i386", "x86_64"):
        t += [
            Test(4, arch, "page_fault: the #PF error line", 5, expect_error_line(pf_options),
                 (SCREEN,), boot=("page_fault", "")),
            Test(4, arch, "segment_not_present: the selector error line", 5,
                 expect_error_line(sel_options), (SCREEN,), boot=("segment_not_present", "")),
            Test(4, arch, "general_protection: the selector error line", 5,
                 expect_error_line(sel_options), (SCREEN,), boot=("general_protection", "")),
            Test(4, arch, "missing_gate: the IDT-vector error line", 5,
                 expect_error_line(sel_options), (SCREEN,), boot=("missing_gate", "")),
            Test(4, arch, "page_fault: the trace line", 5,
                 expect_trace(), (SCREEN,), boot=("page_fault", "")),
            Test(4, arch, "stack_overflow: the trace, recursion folded", 5,
                 expect_trace(min_repeat=50), (SCREEN,), boot=("stack_overflow", "")),
        ]
    return t
