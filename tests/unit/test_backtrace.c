/*
 * test_backtrace.c - symbol lookup and the frame-pointer walk, on a fake
 * symbol table and a fake stack built in host memory.
 */
#include "check.h"
#include "kernel/backtrace.h"
#include "kernel/symbols.h"

/* The kernel's generated table is not linked into the host tests. */
const struct ksym kernel_symbols[] = { { 0x1000, "kmain" } };
const unsigned kernel_symbol_count = 1;

static const struct ksym table[] = {
	{ 0x1000, "kmain" }, { 0x1200, "scenario_run" }, { 0x1300, "recurse" },
	{ 0x1400, "fault_report" },
};

/* The entry's name, or "(NULL)": an unfinished lab must fail the check, not
 * crash the whole run. */
static const char *name_of(const struct ksym *s)
{
	return s ? s->name : "(NULL)";
}

static void lookups(void)
{
	CHECK(symbol_lookup(table, 4, 0x0fff, 0x10000) == NULL);        /* before all */
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x1000, 0x10000)), "kmain");
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x11ff, 0x10000)), "kmain");
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x1340, 0x10000)), "recurse");
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x1400, 0x10000)), "fault_report");
	CHECK(symbol_lookup(table, 4, 0x1400 + 0x20000, 0x10000) == NULL); /* too far */
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x1400 + 0x10000, 0x10000)), "fault_report");
	CHECK(symbol_lookup(table, 4, 0x1400 + 0x10001, 0x10000) == NULL);
	CHECK_STR(name_of(symbol_lookup(table, 4, 0x1200, 0x10000)), "scenario_run");
	CHECK(symbol_lookup(table, 4, 0x1340, 0x3f) == NULL);          /* max_offset */
	CHECK(symbol_lookup(table, 0, 0x1000, 0x10000) == NULL);        /* empty */

	char buf[64];
	symbol_format(0x1000, buf, sizeof buf);
	CHECK_STR(buf, "kmain");
	symbol_format(0x1010, buf, sizeof buf);
	CHECK_STR(buf, "kmain+0x10");
	symbol_format(0x10, buf, sizeof buf);
	CHECK_STR(buf, "0x10");
}

/* A fake stack: frames as the compiler lays them out, [bp] = caller's bp,
 * [bp + 1 word] = return address. */
static uintptr_t stack[64];

static bool in_fake_stack(uintptr_t addr)
{
	return addr >= (uintptr_t)&stack[0] && addr + 2 * sizeof(uintptr_t)
	       <= (uintptr_t)&stack[64];
}

static void fake_name(uintptr_t pc, char *buf, size_t size)
{
	const struct ksym *s = symbol_lookup(table, 4, pc, 0x10000);

	if (s)
		snprintf(buf, size, "%s+0x%lx", s->name, (unsigned long)(pc - s->addr));
	else
		snprintf(buf, size, "0x%lx", (unsigned long)pc);
}

static void walks(void)
{
	struct bt_entry e[BACKTRACE_MAX_ENTRIES];
	char buf[200];
	unsigned n;

	/* recurse x3 -> scenario_run -> kmain -> 0 (the end of the chain) */
	uintptr_t *f[6];
	for (int i = 0; i < 6; i++)
		f[i] = &stack[8 + 8 * i];
	for (int i = 0; i < 5; i++)
		f[i][0] = (uintptr_t)f[i + 1];
	f[0][1] = 0x1355; f[1][1] = 0x1355; f[2][1] = 0x1355;
	f[3][1] = 0x1222; f[4][1] = 0x1080;
	f[5][0] = 0; f[5][1] = 0;
	n = backtrace_walk(0x1340, (uintptr_t)f[0], in_fake_stack, e);
	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(e[1].repeat, 3);
	backtrace_format(e, n, fake_name, buf, sizeof buf);
	CHECK_STR(buf, "recurse+0x40 < recurse+0x55 (x3) < scenario_run+0x22 < kmain+0x80");

	/* a bp off the stack is never read */
	n = backtrace_walk(0x1340, 0x10, in_fake_stack, e);
	CHECK_EQ_U64(n, 1);

	/* a loop (a frame pointing at itself) stops */
	f[0][0] = (uintptr_t)f[0];
	n = backtrace_walk(0x1340, (uintptr_t)f[0], in_fake_stack, e);
	CHECK_EQ_U64(n, 2);

	/* the output buffer bounds the text */
	char small[10];
	backtrace_format(e, n, fake_name, small, sizeof small);
	CHECK_STR(small, "recurse+0");

	/* size 0 writes nothing */
	small[0] = 'Z';
	backtrace_format(e, n, fake_name, small, 0);
	CHECK(small[0] == 'Z');

	/* a return address of 0 ends the chain and is not kept */
	f[0][0] = (uintptr_t)f[1];
	f[1][1] = 0;
	n = backtrace_walk(0x1340, (uintptr_t)f[0], in_fake_stack, e);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(e[1].pc, 0x1355);

	/* a caller's BP off the stack is not followed */
	static uintptr_t elsewhere[2] = { 0, 0x1999 };
	f[1][0] = (uintptr_t)elsewhere;
	f[1][1] = 0x1222;
	n = backtrace_walk(0x1340, (uintptr_t)f[0], in_fake_stack, e);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(e[2].pc, 0x1222);

	/* more distinct callers than entries: the table fills, nothing more */
	struct bt_entry wide[BACKTRACE_MAX_ENTRIES + 1];
	wide[BACKTRACE_MAX_ENTRIES].pc = 0x5a5a;
	for (int i = 0; i < 14; i++) {
		stack[2 + 4 * i] = i < 13 ? (uintptr_t)&stack[2 + 4 * (i + 1)] : 0;
		stack[3 + 4 * i] = 0x2000 + 0x10 * (uintptr_t)i;
	}
	n = backtrace_walk(0x1340, (uintptr_t)&stack[2], in_fake_stack, wide);
	CHECK_EQ_U64(n, BACKTRACE_MAX_ENTRIES);
	CHECK_EQ_U64(wide[BACKTRACE_MAX_ENTRIES].pc, 0x5a5a);
	CHECK_EQ_U64(wide[BACKTRACE_MAX_ENTRIES - 1].pc, 0x2000 + 0x10 * (BACKTRACE_MAX_ENTRIES - 2));
	CHECK_EQ_U64(wide[1].pc, 0x2000);
}

void test_backtrace(void)
{
	lookups();
	walks();
}
