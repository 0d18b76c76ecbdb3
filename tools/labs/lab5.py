"""Lab 5: page tables and guard pages (lessons/labs/lab5-guard-pages.md).

Two kinds of test. Host tests compile arch/ARCH/paging.c into a checker that
calls its build_page_tables() with made-up stacks (guard pages on both sides
of a page-table boundary, and at the last page), walks the tables the way
the CPU would (32-bit paging, SDM Vol. 3A 4.3; 4-level paging, 4.5; access
rights, 4.6) and prints what each page of the first 16 MiB translates to.
Boot tests boot the kernel: the stack overflow must end on the #DF stack
with CR2 in the guard page, the kernel's own read-back of its tables after
start-up must show every guard page unmapped, a call through NULL and the
write to 0xdeadbeef must fault.
"""

import faultline_scenarios as fs
from .checks import HostProgram, Test, describe, died_starting, expect_caught, lesson

GUARD = lesson("06-stack-overflow-and-guard-pages")
LAB = {"number": 5, "points": 80, "minutes": 180, "title": "page tables and guard pages",
       "doc": "lessons/labs/lab5-guard-pages.md", "lessons": (GUARD,)}

PAGE = 0x1000
MAPPED = 16 << 20
PAGES = MAPPED // PAGE
SDM = {"i386": "SDM Vol. 3A 4.3, Figure 4-2", "x86_64": "SDM Vol. 3A 4.5, Figure 4-8"}

# Made-up stacks for the host checker: (kernel stack's guard, #DF stack's
# guard, user stack's guard). The first is near where the real kernel has
# them; the others sit on
# both sides of a page-table boundary (2 MiB for 4-level paging, 4 MiB for
# 32-bit paging) and at the last page below 16 MiB, where an index taken from
# the wrong bits of the address shows.
CONFIGS = ((0x10d000, 0x10a000, 0x110000), (0x1ff000, 0x200000, 0x7fe000),
           (0x3ff000, 0x400000, 0x9fe000), (0x5ff000, 0xfff000, 0xbfe000))
STACK_NAMES = ("the kernel stack", "the #DF stack", "the user stack")

# --------------------------------------------------------------------------
# The host checker: C text shared by both arches, and each arch's walk
# --------------------------------------------------------------------------

_COMMON = r"""
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "kernel/arch.h"
#include "kernel/cpuid.h"
#include "kernel/stacks.h"

/* What paging.c needs from the rest of the kernel, as the host has it. */
struct stack_region stack_regions[STACK_COUNT];
bool cpu_has(enum cpu_feature f) { (void)f; return false; }
uintptr_t arch_read_cr4(void) { return 0; }
void arch_write_cr4(uintptr_t v) { (void)v; }

/* What one page of the first 16 MiB translates to. */
struct xlate { int present; uint64_t frame; int w, u, nx, big; };
static struct xlate page_state[%(pages)d];
static uint64_t beyond;            /* lowest linear address >= 16 MiB mapped, or 0 */
static int notes;
static int current_config;

static void note(const char *what, unsigned long long a, unsigned long long b)
{
	printf("c%%d.note%%d\t%%s 0x%%llx 0x%%llx\n", current_config, notes++, what, a, b);
}

static void record(uint64_t linear, uint64_t frame, int w, int u, int nx, int big)
{
	if (linear >= %(mapped)du) {
		if (beyond == 0 || linear < beyond)
			beyond = linear;
		return;
	}
	struct xlate *x = &page_state[linear / 4096];
	x->present = 1;
	x->frame = frame;
	x->w = w;
	x->u = u;
	x->nx = nx;
	x->big = big;
}

static void crashed(int sig)
{
	char msg[64];
	int len = snprintf(msg, sizeof msg, "crash\tconfig %%d signal %%d\n", current_config, sig);
	if (write(1, msg, (size_t)len) < 0)
		_exit(3);
	_exit(0);
}

/* Runs of pages that translate alike: first page, last page, frame - page
 * (in pages), and the rights ("pwu" letters; "x" for no-execute, "L" for a
 * large page). */
static void print_runs(void)
{
	int runs = 0;

	for (int first = 0; first < %(pages)d; ) {
		const struct xlate *a = &page_state[first];
		int last = first;

		while (last + 1 < %(pages)d) {
			const struct xlate *b = &page_state[last + 1];
			if (b->present != a->present)
				break;
			if (a->present && (b->frame - (uint64_t)(last + 1) * 4096 !=
			                   a->frame - (uint64_t)first * 4096 || b->w != a->w
			                   || b->u != a->u || b->nx != a->nx || b->big != a->big))
				break;
			last++;
		}
		if (a->present)
			printf("c%%d.run%%d\t%%d %%d %%lld %%s%%s%%s%%s%%s\n", current_config, runs++, first,
			       last, (long long)(a->frame / 4096) - first, "p", a->w ? "w" : "",
			       a->u ? "u" : "", a->nx ? "x" : "", a->big ? "L" : "");
		else
			printf("c%%d.run%%d\t%%d %%d - -\n", current_config, runs++, first, last);
		first = last + 1;
	}
	printf("c%%d.beyond\t0x%%llx\n", current_config, (unsigned long long)beyond);
}

static void walk(void);
static void clear_tables(void);

int main(void)
{
	static const uintptr_t configs[][3] = { %(configs)s };

	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGSEGV, crashed);
	signal(SIGBUS, crashed);
	for (unsigned c = 0; c < sizeof configs / sizeof configs[0]; c++) {
		current_config = (int)c;
		notes = 0;
		beyond = 0;
		memset(page_state, 0, sizeof page_state);
		clear_tables();
		stack_regions[STACK_KERNEL] = (struct stack_region){ "kernel", configs[c][0],
			configs[c][0] + 4096, configs[c][0] + 4096 + KERNEL_STACK_SIZE };
		stack_regions[STACK_DF] = (struct stack_region){ "df", configs[c][1],
			configs[c][1] + 4096, configs[c][1] + 4096 + DF_STACK_SIZE };
		stack_regions[STACK_USER] = (struct stack_region){ "user", configs[c][2],
			configs[c][2] + 4096, configs[c][2] + 4096 + USER_STACK_SIZE };
		build_page_tables();
		walk();
		print_runs();
	}
	printf("done\t1\n");
	return 0;
}
"""

# i386: page_directory[] and page_tables[] hold 32-bit physical addresses;
# on the 64-bit host a table's address is truncated, so a directory entry is
# matched against the low 32 bits of each table's host address.
_WALK_I386 = r"""
#include "arch/i386/paging.c"

static void clear_tables(void)
{
	memset(page_directory, 0, sizeof page_directory);
	memset(page_tables, 0, sizeof page_tables);
}

static uint32_t *table_named(uint32_t entry)
{
	for (unsigned k = 0; k < PAGE_TABLES; k++)
		if ((uint32_t)(uintptr_t)page_tables[k] == (entry & 0xFFFFF000u))
			return page_tables[k];
	return NULL;
}

static void walk(void)
{
	for (unsigned d = 0; d < 1024; d++) {
		uint32_t pde = page_directory[d];
		uint32_t *tbl;

		if (!(pde & 1))
			continue;
		if (pde & 0x80)
			note("pde-ps", d, pde);
		tbl = table_named(pde);
		if (tbl == NULL) {
			note("pde-target", d, pde);
			continue;
		}
		for (unsigned e = 0; e < 1024; e++) {
			uint32_t pte = tbl[e];

			if (pte & 1)
				record((uint64_t)d << 22 | (uint64_t)e << 12, pte & 0xFFFFF000u,
				       (pde & pte & 2) != 0, (pde & pte & 4) != 0, 0, 0);
		}
	}
}
"""

# x86_64: the entries hold the host addresses of the next tables (identity
# mapped in the kernel, real pointers here). Each level must name a table of
# the next level down: pml4 -> pdpt -> pd -> pt[k].
_WALK_X86_64 = r"""
#include "arch/x86_64/paging.c"

#define ADDR_BITS 0x000FFFFFFFFFF000ULL

static void clear_tables(void)
{
	memset(pml4, 0, sizeof pml4);
	memset(pdpt, 0, sizeof pdpt);
	memset(pd, 0, sizeof pd);
	memset(pt, 0, sizeof pt);
}

static const char *table_name(uint64_t entry)
{
	uint64_t a = entry & ADDR_BITS;

	if (a == (uintptr_t)pml4)
		return "pml4";
	if (a == (uintptr_t)pdpt)
		return "pdpt";
	if (a == (uintptr_t)pd)
		return "pd";
	for (unsigned k = 0; k < PAGE_TABLES; k++)
		if (a == (uintptr_t)pt[k])
			return "pt";
	return "nothing";
}

static void walk(void)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e4 = pml4[i];
		if (!(e4 & 1))
			continue;
		if (strcmp(table_name(e4), "pdpt") != 0) {
			note(strcmp(table_name(e4), "nothing") ? "pml4e-level" : "pml4e-target", i, e4);
			continue;
		}
		for (unsigned j = 0; j < 512; j++) {
			uint64_t e3 = pdpt[j];
			uint64_t base3 = (uint64_t)i << 39 | (uint64_t)j << 30;
			if (!(e3 & 1))
				continue;
			if (e3 & 0x80) {
				note("pdpte-ps", j, e3);
				for (uint64_t off = 0; off < (1ULL << 30); off += 4096)
					record(base3 + off, (e3 & ADDR_BITS & ~0x3FFFFFFFULL) + off,
					       (e4 & e3 & 2) != 0, (e4 & e3 & 4) != 0,
					       ((e4 | e3) >> 63) != 0, 1);
				continue;
			}
			if (strcmp(table_name(e3), "pd") != 0) {
				note(strcmp(table_name(e3), "nothing") ? "pdpte-level" : "pdpte-target", j, e3);
				continue;
			}
			for (unsigned k = 0; k < 512; k++) {
				uint64_t e2 = pd[k];
				uint64_t base2 = base3 | (uint64_t)k << 21;
				const uint64_t *tbl = NULL;
				if (!(e2 & 1))
					continue;
				if (e2 & 0x80) {
					note("pde-ps", k, e2);
					for (uint64_t off = 0; off < (1ULL << 21); off += 4096)
						record(base2 + off, (e2 & ADDR_BITS & ~0x1FFFFFULL) + off,
						       (e4 & e3 & e2 & 2) != 0, (e4 & e3 & e2 & 4) != 0,
						       ((e4 | e3 | e2) >> 63) != 0, 1);
					continue;
				}
				for (unsigned m = 0; m < PAGE_TABLES; m++)
					if ((e2 & ADDR_BITS) == (uintptr_t)pt[m])
						tbl = pt[m];
				if (tbl == NULL) {
					note(strcmp(table_name(e2), "nothing") ? "pde-level" : "pde-target", k, e2);
					continue;
				}
				for (unsigned l = 0; l < 512; l++) {
					uint64_t e1 = tbl[l];
					if (e1 & 1)
						record(base2 | (uint64_t)l << 12, e1 & ADDR_BITS,
						       (e4 & e3 & e2 & e1 & 2) != 0,
						       (e4 & e3 & e2 & e1 & 4) != 0,
						       ((e4 | e3 | e2 | e1) >> 63) != 0, 0);
				}
			}
		}
	}
}
"""


def _checker(arch):
    walk = _WALK_I386 if arch == "i386" else _WALK_X86_64
    configs = ", ".join("{ 0x%x, 0x%x, 0x%x }" % c for c in CONFIGS)
    head = _COMMON % {"pages": PAGES, "mapped": MAPPED, "configs": configs}
    # main() and print_runs() first need walk() and the tables: put the
    # arch's part (which includes paging.c) before main().
    cut = head.index("static void walk(void);")
    return head[:cut] + walk + head[cut:]


TABLES = {arch: HostProgram("the page tables of arch/%s/paging.c" % arch, (),
                            _checker(arch), include=arch)
          for arch in ("i386", "x86_64")}


# --------------------------------------------------------------------------
# Judging the tables
# --------------------------------------------------------------------------

def parse_tables(out):
    """{config: {"pages": [None | (delta_pages, rights)], "beyond": int,
    "notes": [(what, a, b)]}} from the checker's output."""
    configs = {}
    for key, value in out.items():
        if not key.startswith("c") or "." not in key:
            continue
        head, kind = key.split(".", 1)
        try:
            c = int(head[1:])
        except ValueError:
            continue
        cfg = configs.setdefault(c, {"pages": [None] * PAGES, "beyond": 0, "notes": []})
        words = value.split()
        if kind.startswith("run") and len(words) == 4:
            first, last = int(words[0]), int(words[1])
            if words[2] != "-":
                for p in range(first, last + 1):
                    cfg["pages"][p] = (int(words[2]), words[3])
        elif kind == "beyond":
            cfg["beyond"] = int(words[0], 16)
        elif kind.startswith("note") and len(words) == 3:
            cfg["notes"].append((words[0], int(words[1], 16), int(words[2], 16)))
    return configs


def _holes(config):
    return {0: "page 0"} | {g: "%s's guard page" % STACK_NAMES[i]
                            for i, g in enumerate(CONFIGS[config])}


def _where(addr, config):
    """What an address is in a config, for a hint."""
    for i, g in enumerate(CONFIGS[config]):
        if addr == g + PAGE:
            return "the lowest page of %s, just above its guard page 0x%x" % (
                STACK_NAMES[i], g)
        if addr == g - PAGE:
            return "the page just below %s's guard page 0x%x" % (STACK_NAMES[i], g)
    return None


def _stacks(config):
    k, d, u = CONFIGS[config]
    return "stacks with guard pages at 0x%x (kernel), 0x%x (#DF) and 0x%x (user)" % (k, d, u)


NOTES = {
    "pde-ps": "{level}[{a}] = 0x{b:x} has PS (bit 7) set: it asks for a large page "
              "instead of naming a page table, so the 4 KiB entries below it are never "
              "used and no single page can be unmapped",
    "pdpte-ps": "pdpt[{a}] = 0x{b:x} has PS (bit 7) set: a 1 GiB page",
    "pde-target": "{level}[{a}] = 0x{b:x} is present but its address bits do not name "
                  "one of the page tables: an entry holds the table's physical address "
                  "(bits 12 and up) with the flags in the low 12 bits",
    "pdpte-target": "pdpt[{a}] = 0x{b:x} is present but does not point at pd[]",
    "pml4e-target": "pml4[{a}] = 0x{b:x} is present but does not point at pdpt[]",
    "pml4e-level": "pml4[{a}] = 0x{b:x} points at a table of the wrong level: a PML4 "
                   "entry names a page-directory-pointer table (pdpt[])",
    "pdpte-level": "pdpt[{a}] = 0x{b:x} points at a table of the wrong level: a PDPT "
                   "entry names a page directory (pd[])",
    "pde-level": "pd[{a}] = 0x{b:x} points at a table of the wrong level: a page-"
                 "directory entry names a page table (pt[k])",
}


def tables_problem(arch, out):
    """A hint for what is wrong with the tables build_page_tables() made, or
    None. out: the checker's output."""
    if "crash" in out:
        return ("build_page_tables() crashed the checker (%s): does it write past the "
                "end of a table? (an index taken from too many address bits)" % out["crash"])
    configs = parse_tables(out)
    if out.get("done") != "1" or len(configs) != len(CONFIGS):
        return "the page-table checker stopped early"
    where = SDM[arch]
    level = "page_directory" if arch == "i386" else "pd"
    for c in range(len(CONFIGS)):
        cfg = configs[c]
        for what, a, b in cfg["notes"]:
            text = NOTES[what]
            if what == "pde-ps" and arch == "i386":
                text = ("{level}[{a}] = 0x{b:x} has PS (bit 7) set: with CR4.PSE = 1 the entry "
                        "maps a 4 MiB page instead of naming a page table, and no single 4 KiB "
                        "page in it can be unmapped; faultline does not set CR4.PSE, but leave "
                        "PS 0")
            return text.format(level=level, a=a, b=b) + (
                " (%s; with %s)" % (where, _stacks(c)) if c else " (%s)" % where)
        pages = cfg["pages"]
        holes = _holes(c)
        if all(p is None for p in pages):
            return ("no page of the first 16 MiB is mapped: once CR3 names these tables "
                    "the CPU cannot even fetch the next instruction (is every level's entry "
                    "present, P = bit 0 = 1? %s)" % where)
        # Identity: every mapped page must translate to itself.
        for p, state in enumerate(pages):
            if state is not None and state[0] != 0:
                delta = state[0]
                off = (" one page off: the frame address must be the page's own address, "
                       "page number x 4096" if abs(delta) == 1 else "")
                return ("page 0x%x translates to frame 0x%x, not to itself: paging must map "
                        "each of the first 16 MiB to the same physical address%s (%s)"
                        % (p * PAGE, (p + delta) * PAGE, off, where))
        # Rights.
        for p, state in enumerate(pages):
            if state is None:
                continue
            rights = state[1]
            if "L" in rights:
                return ("page 0x%x is part of a large page: every page must be a 4 KiB page, "
                        "or no guard page can be unmapped on its own" % (p * PAGE))
            if "w" not in rights:
                return ("page 0x%x is read-only: R/W (bit 1) is 0 in its page-table entry or "
                        "in a table above it, and a write needs R/W = 1 at every level (SDM "
                        "Vol. 3A 4.6). i386 faultline sets CR0.WP, so its first store to the "
                        "stack would fault; x86_64 leaves CR0.WP clear, so ring 0 writes "
                        "there only by accident" % (p * PAGE))
            if "u" in rights:
                return ("page 0x%x is a user page: U/S (bit 2) is 1 at every level, so ring 3 "
                        "could use it, and with CR4.SMEP the kernel could not execute it (SDM "
                        "Vol. 3A 4.6): faultline's pages are supervisor pages (U/S = 0)"
                        % (p * PAGE))
            if "x" in rights:
                return ("page 0x%x has XD (bit 63) set: with EFER.NXE the kernel could not "
                        "execute it (SDM Vol. 3A 4.6)" % (p * PAGE))
        # Holes: page 0 and the guard pages unmapped, nothing else.
        kept = [a for a in holes if pages[a // PAGE] is not None]
        extra = [p * PAGE for p, s in enumerate(pages) if s is None and p * PAGE not in holes]
        for addr in extra:
            for i, g in enumerate(CONFIGS[c]):
                if g in kept and addr in (g - PAGE, g + PAGE):
                    return ("page 0x%x is unmapped, %s, and the guard page itself is still "
                            "mapped: unmap the page .guard names (%s)"
                            % (addr, _where(addr, c), _stacks(c)))
        if 0 in kept:
            return ("page 0 is mapped: a NULL dereference, or a call through a NULL "
                    "pointer, would not fault")
        if kept and (extra or c > 0):
            a = kept[0]
            cleared = (", and page 0x%x is unmapped instead" % extra[0]) if extra else ""
            earlier = (", though with the guard pages at 0x%x, 0x%x and 0x%x all were "
                       "unmapped" % CONFIGS[0]) if c > 0 else ""
            return ("%s 0x%x is still mapped%s%s: the entry cleared for 0x%x is not the one "
                    "that translates it; check which address bits select the entry at each "
                    "level (%s; %s)" % (holes[a][0].upper() + holes[a][1:], a, earlier,
                                        cleared, a, where, _stacks(c)))
        if kept:
            a = kept[0]
            return ("%s (0x%x) is mapped: a stack that overflows runs through it into what "
                    "lies below, instead of faulting (%s)" % (holes[a], a, _stacks(c)))
        if extra:
            addr = extra[0]
            if extra == list(range(addr, MAPPED, PAGE)):
                return ("the last %d page(s) below 16 MiB, from 0x%x, are not mapped: the "
                        "tables must cover all of the first 16 MiB" % (len(extra), addr))
            return ("page 0x%x is not mapped: only page 0 and the guard pages may be "
                    "left out (%s)" % (addr, _stacks(c)))
        if cfg["beyond"]:
            return ("linear address 0x%x, above the first 16 MiB, is mapped: nothing above "
                    "16 MiB may be, so that the write to 0xdeadbeef faults" % cfg["beyond"])
    return None


# --------------------------------------------------------------------------
# Judging the boots
# --------------------------------------------------------------------------

def guard_problem(result):
    """What the kernel's read-back of its own tables after start-up
    (setup["guards"]: stack name -> (guard address, mapped?)) says, or None."""
    guards = (result.get("setup") or {}).get("guards")
    if not guards:
        return None
    for name, (addr, mapped) in guards.items():
        if mapped:
            which = ("the kernel stack's guard page" if name == "kernel"
                     else "the #DF stack's guard page (%s)" % name)
            return ("%s 0x%x is MAPPED after start-up (the kernel read its own page tables "
                    "back): every stack's guard page must be unmapped, or running off that "
                    "stack overwrites what lies below it" % (which, addr))
    return None


def expect_guards_unmapped(result, ctx):
    early = died_starting(result)
    if early:
        return early
    guards = (result.get("setup") or {}).get("guards")
    if not guards:
        return ("the kernel printed no 'guard pages:' line after start-up (%s)"
                % describe(result))
    return guard_problem(result)


def stack_overflow_check(arch):
    base = expect_caught(8, "#DF", stack=fs.SAFE_STACK[arch], cr2=fs.GUARD_PAGE)

    def check(result, ctx):
        hint = base(result, ctx)
        if hint is None or died_starting(result):
            return hint
        guard = ctx["guard"].get(arch)
        cr2 = result.get("cr2")
        try:
            value = int(str(cr2), 0)
        except (TypeError, ValueError):
            value = None
        if guard is not None and value is not None and guard + PAGE <= value < guard + 2 * PAGE:
            return ("CR2 %s is in the lowest page of the kernel stack, not in its guard page "
                    "0x%x: the page unmapped is the stack's own bottom page (%s)"
                    % (cr2, guard, hint))
        specific = guard_problem(result)
        return "%s (%s)" % (specific, hint) if specific else hint
    return check


def null_call_check(result, ctx):
    early = died_starting(result)
    if early:
        return early
    if (result["outcome"] == "caught" and result.get("vector") == 14
            and result.get("cr2") == "0x0"):
        return None
    got = describe(result)
    if result["outcome"] == "caught":
        got += " at IP %s (%s), CR2 %s" % (result.get("ip"), result.get("symbol") or "?",
                                           result.get("cr2"))
    return ("a call through a NULL pointer must raise #PF at address 0 (IP = CR2 = 0), but "
            "the CPU went on from address 0: %s: page 0 is mapped" % got)


def page_fault_check(result, ctx):
    early = died_starting(result)
    if early:
        return early
    if result["outcome"] == "caught" and result.get("vector") == 14:
        if result.get("cr2") != "0xdeadbeef":
            return "caught #PF with CR2 %s, expected 0xdeadbeef" % result.get("cr2")
        if result.get("error_code") != "0x2":
            return ("#PF at 0xdeadbeef with error code %s, expected 0x2 (a write to a page "
                    "that is not present): 0xdeadbeef is mapped, and nothing above 16 MiB "
                    "may be" % result.get("error_code"))
        return None
    if result["outcome"] == "no_fault":
        return ("the write to 0xdeadbeef did not fault: something above 16 MiB is mapped "
                "(%s)" % describe(result))
    return "%s, expected #PF at 0xdeadbeef" % describe(result)


def tests():
    t = []
    for arch in ("i386", "x86_64"):
        safe = fs.SAFE_STACK[arch]
        t.append(Test(5, arch, "stack_overflow: #DF on %s, CR2 in the guard page" % safe, 10,
                      stack_overflow_check(arch), (GUARD,), boot=("stack_overflow", "")))
        t.append(Test(5, arch, "guard pages unmapped after start-up", 10,
                      expect_guards_unmapped, (GUARD,), boot=("stack_overflow", "")))
        t.append(Test(5, arch, "null_call: #PF at 0 (page 0 unmapped)", 5,
                      null_call_check, (GUARD,), boot=("null_call", "")))
        t.append(Test(5, arch, "page_fault: #PF at 0xdeadbeef, not present", 5,
                      page_fault_check, (GUARD,), boot=("page_fault", "")))
    for arch in ("i386", "x86_64"):
        t.append(Test(5, "host", "%s tables: 16 MiB identity, holes at 0 and guards" % arch, 10,
                      lambda out, arch=arch: tables_problem(arch, out), (GUARD,),
                      kind="host", host=TABLES[arch]))
    return t
