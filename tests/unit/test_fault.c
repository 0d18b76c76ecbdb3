/*
 * test_fault.c - kernel/fault.c and kernel/stacks.c: which stack an address
 * is on, the notes list, and the exact machine-readable result line. On the
 * host ARCH_NAME comes from arch/x86_64/include, so the line says x86_64.
 */
#include "check.h"
#include "kernel/fault.h"
#include "kernel/stacks.h"

static void stacks(void)
{
	const struct stack_region *k, *d;
	struct fault f = { 0 };

	stacks_init("ist1");
	k = &stack_regions[STACK_KERNEL];
	d = &stack_regions[STACK_DF];

	CHECK_STR(k->name, "kernel");
	CHECK_STR(d->name, "ist1");
	CHECK_EQ_U64(k->bottom - k->guard, PAGE_SIZE);
	CHECK_EQ_U64(k->top - k->bottom, KERNEL_STACK_SIZE);
	CHECK_EQ_U64(d->bottom - d->guard, PAGE_SIZE);
	CHECK_EQ_U64(d->top - d->bottom, DF_STACK_SIZE);
	CHECK_EQ_U64(k->guard % PAGE_SIZE, 0);
	CHECK_EQ_U64(d->guard % PAGE_SIZE, 0);

	f.handler_sp = k->top - 0x40;
	CHECK_STR(fault_stack_name(&f), "kernel");
	f.handler_sp = k->bottom;
	CHECK_STR(fault_stack_name(&f), "kernel");
	f.handler_sp = d->top - 8;
	CHECK_STR(fault_stack_name(&f), "ist1");
	f.handler_sp = d->bottom + 0x100;
	CHECK_STR(fault_stack_name(&f), "ist1");
	f.handler_sp = k->guard + 0x10;            /* in a guard page: no stack */
	CHECK_STR(fault_stack_name(&f), "unknown");
	f.handler_sp = d->bottom - 1;
	CHECK_STR(fault_stack_name(&f), "unknown");
	f.handler_sp = 0;
	CHECK_STR(fault_stack_name(&f), "unknown");
	f.handler_sp = 0x1000;
	CHECK_STR(fault_stack_name(&f), "unknown");

	CHECK(stack_containing(k->bottom + 0x800) == k);
	CHECK(stack_containing(d->bottom + 0x800) == d);
	CHECK(stack_containing(0xdeadbeef) == NULL);

	CHECK(stack_guard_containing(k->guard) == k);
	CHECK(stack_guard_containing(k->guard + 0xff8) == k);
	CHECK(stack_guard_containing(k->bottom - 1) == k);
	CHECK(stack_guard_containing(d->guard + 0x123) == d);
	CHECK(stack_guard_containing(k->bottom) == NULL);
	CHECK(stack_guard_containing(d->bottom + 0x10) == NULL);
	CHECK(stack_guard_containing(0xdeadbeef) == NULL);

	/* the #DF stack's name comes from the back end */
	stacks_init("df-task");
	f.handler_sp = stack_regions[STACK_DF].top - 8;
	CHECK_STR(fault_stack_name(&f), "df-task");
	stacks_init("ist1");
}

static void result_line(void)
{
	struct fault f = { 0 };
	struct kconfig cfg = { .scenario = SCENARIO_PAGE_FAULT, .handlers = HANDLERS_ALL, .df = DF_SAFE };
	char line[256], expected[256];

	stacks_init("ist1");
	f.vector = 14;
	f.error_code = 2;
	f.ip = 0x101a2c;
	f.sp = 0x10cfd8;
	f.cr2 = 0xdeadbeef;
	f.flags = 0x10046;
	f.handler_sp = stack_regions[STACK_KERNEL].top - 0x58;
	fault_result_line(&f, &cfg, line, sizeof line);
	snprintf(expected, sizeof expected,
	         "FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=page_fault "
	         "handlers=all df=safe vector=14 name=#PF error_code=0x2 stack=kernel "
	         "ip=0x101a2c sp=0x10cfd8 handler_sp=0x%lx cr2=0xdeadbeef flags=0x10046",
	         (unsigned long)f.handler_sp);
	CHECK_STR(line, expected);

	/* a stack overflow caught by #DF on IST1 */
	struct kconfig cfg2 = { .scenario = SCENARIO_STACK_OVERFLOW, .handlers = HANDLERS_DF, .df = DF_STACK, .exit_when_done = true };
	f.vector = 8;
	f.error_code = 0;
	f.ip = 0xffffffff80101234UL;
	f.sp = stack_regions[STACK_KERNEL].guard + 0xff8;
	f.cr2 = f.sp;
	f.flags = 0x2;
	f.handler_sp = stack_regions[STACK_DF].top - 0x30;
	fault_result_line(&f, &cfg2, line, sizeof line);
	snprintf(expected, sizeof expected,
	         "FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=stack_overflow "
	         "handlers=df df=stack vector=8 name=#DF error_code=0x0 stack=ist1 "
	         "ip=0xffffffff80101234 sp=0x%lx handler_sp=0x%lx cr2=0x%lx flags=0x2",
	         (unsigned long)f.sp, (unsigned long)f.handler_sp, (unsigned long)f.cr2);
	CHECK_STR(line, expected);

	/* an IRQ on vector 8 (the BIOS's PIC mapping): no mnemonic, no error code */
	struct kconfig cfg3 = { .scenario = SCENARIO_TIMER_IRQ, .handlers = HANDLERS_ALL, .df = DF_SAFE };
	f.is_irq = true;
	f.irq = 0;
	f.vector = 8;
	f.ip = 0x103458;
	f.sp = 0x111e78;
	f.cr2 = 0;
	f.flags = 0x283;
	fault_result_line(&f, &cfg3, line, sizeof line);
	snprintf(expected, sizeof expected,
	         "FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=timer_irq "
	         "handlers=all df=safe vector=8 name=IRQ0 error_code=none stack=ist1 "
	         "ip=0x103458 sp=0x111e78 handler_sp=0x%lx cr2=0x0 flags=0x283",
	         (unsigned long)f.handler_sp);
	CHECK_STR(line, expected);
	f.is_irq = false;

	/* bounded like everything else */
	char small[17];
	small[16] = 'X';
	fault_result_line(&f, &cfg2, small, 16);
	CHECK_STR(small, "FAULTLINE-RESUL");
	CHECK(small[16] == 'X');
}

static void notes(void)
{
	struct fault f = { 0 };
	char longer[200];

	fault_note(&f, "IST%u: stack switched by the CPU", 1u);
	CHECK_EQ_U64(f.note_count, 1);
	CHECK_STR(f.notes[0], "IST1: stack switched by the CPU");

	for (unsigned i = 1; i < FAULT_MAX_NOTES + 3; i++)
		fault_note(&f, "note %u", i);
	CHECK_EQ_U64(f.note_count, FAULT_MAX_NOTES);
	CHECK_STR(f.notes[1], "note 1");
	CHECK_STR(f.notes[FAULT_MAX_NOTES - 1], "note 5");

	/* a long note is cut to FAULT_NOTE_LEN - 1 characters */
	struct fault g = { 0 };
	memset(longer, 'n', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	fault_note(&g, "%s", longer);
	CHECK_EQ_U64(strlen(g.notes[0]), FAULT_NOTE_LEN - 1);
	CHECK_EQ_U64(g.note_count, 1);
}

void test_fault(void)
{
	stacks();
	result_line();
	notes();
}
