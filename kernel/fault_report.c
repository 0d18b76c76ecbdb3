/*
 * fault_report.c - the fault screen, shared by both architectures.
 *
 * Reads only struct fault, the exception table and the stack table: nothing
 * here knows whether it runs on i386 or x86_64. Word-sized values print at
 * the arch's word width (WORD_DIGITS), so an i386 screen shows 8 hex digits
 * and an x86_64 screen 16.
 */
#include "arch.h"
#include "console.h"
#include "exceptions.h"
#include "escalation.h"
#include "fault.h"
#include "format.h"
#include "kmain.h"
#include "backtrace.h"
#include "segment.h"
#include "symbols.h"
#include "stacks.h"

#define COL_GAP     2
#define CR0_AM_BIT     (1u << 18)   /* SDM Vol. 3A 2.5 */
#define EFLAGS_AC_BIT  (1u << 18)   /* SDM Vol. 1 3.4.3.3 */
#define FRAME_LABEL 7   /* "RFLAGS " */
#define GPR_LABEL   4   /* "R15 " */

/* "RIP 0x0000000000101234" style label/value pairs, several to a row. */
static void print_word(const char *label, int label_width, uintptr_t value)
{
	console_attr(ATTR_LABEL);
	console_printf("%-*s", label_width, label);
	console_attr(ATTR_VALUE);
	console_printf("0x%0*lx", WORD_DIGITS, (unsigned long)value);
	console_attr(ATTR_TEXT);
}

static void print_selector(const char *label, uintptr_t value)
{
	console_attr(ATTR_LABEL);
	console_printf("%-4s", label);
	console_attr(ATTR_VALUE);
	console_printf("0x%04lx", (unsigned long)value);
	console_attr(ATTR_TEXT);
}

/* A hardware interrupt on an exception vector: say so before anything else
 * is read as an exception. */
static void print_irq_header(const struct fault *f)
{
	console_banner(ATTR_ALERT, " INTERRUPT IRQ %u%s on vector %u: NOT %s", f->irq,
	               f->irq == 0 ? " (the PIT timer)" : "", f->vector,
	               exception_info(f->vector)->mnemonic);
	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "error");
	console_attr(ATTR_TEXT);
	console_printf("none: an interrupt pushes no error code\n");
	console_attr(ATTR_NOTE);
	console_printf("The PIC's in-service register has IRQ %u: the 8259 still maps IRQ 0-7"
	               "\n  to vectors 8-15, as the BIOS left it. Remap it (faultline does, to"
	               " 0x20)\n", f->irq);
	console_attr(ATTR_TEXT);
}

static void print_header(const struct fault *f)
{
	const struct exception_info *e = exception_info(f->vector);
	char decoded[96];

	console_clear();
	console_banner(ATTR_TITLE, " faultline %s | scenario=%s handlers=%s df=%s",
	               ARCH_NAME, scenario_name(kernel_config.scenario),
	               handlers_name(kernel_config.handlers),
	               df_mode_name(kernel_config.df));
	if (f->is_irq) {
		print_irq_header(f);
		return;
	}
	console_banner(ATTR_ALERT, " EXCEPTION %s  %s  (vector %u, %s)", e->mnemonic,
	               e->name, f->vector, exception_kind_name(e->kind));
	decode_error_code(f->vector, f->error_code, arch_pf_reports_fetch(), decoded,
	                  sizeof decoded);
	print_word("error", FRAME_LABEL, f->error_code);
	console_printf("  %s\n", decoded);
}

/* Where an address falls: on a stack (name), in its guard page, or neither. */
static void mark(char *buf, size_t size, size_t *len, const char *what, uintptr_t addr,
                 const struct stack_region *r)
{
	if (addr >= r->bottom && addr <= r->top)
		*len += fmt_snprintf(buf + *len, size - *len, " %s", what);
	else if (addr >= r->guard && addr < r->bottom && stack_containing(addr) == NULL)
		/* (A stack's top, the SP of an empty stack, may be the next
		 * guard page's first byte: it counts for the stack.) */
		*len += fmt_snprintf(buf + *len, size - *len, " %s(guard)", what);
}

/* The stack map: each stack's range and guard page, and which of SP, CR2 and
 * the handler's SP fall on it. The stack the handler ran on is highlighted. */
static void print_stack_map(const struct fault *f)
{
	for (int i = 0; i < stacks_shown(scenario_in_ring3(kernel_config.scenario)); i++) {
		const struct stack_region *r = &stack_regions[i];
		char marks[48];
		size_t len = 0;

		marks[0] = '\0';
		mark(marks, sizeof marks, &len, "SP", f->sp, r);
		mark(marks, sizeof marks, &len, "CR2", f->cr2, r);
		mark(marks, sizeof marks, &len, "handler", f->handler_sp, r);
		console_attr(ATTR_LABEL);
		console_printf("%-*s", FRAME_LABEL, i == 0 ? "stacks" : "");
		console_attr(stack_containing(f->handler_sp) == r ? ATTR_GOOD : ATTR_VALUE);
		console_printf(" %-7s", r->name);
		console_attr(ATTR_TEXT);
		console_printf(" 0x%lx-0x%lx guard 0x%lx", (unsigned long)r->bottom,
		               (unsigned long)r->top, (unsigned long)r->guard);
		console_attr(ATTR_NOTE);
		console_printf("%s\n", marks);
		console_attr(ATTR_TEXT);
	}
}

static void print_frame(const struct fault *f)
{
	console_attr(ATTR_NOTE);
	char at[64];

	symbol_format(f->ip, at, sizeof at);
	console_printf("Interrupted at %s (%s)\n", at, f->frame_source);
	console_attr(ATTR_TEXT);
	console_write("  ");
	print_word(ARCH_IP_NAME, FRAME_LABEL, f->ip);
	console_write("  ");
	print_selector("CS", f->cs);
	console_write("  ");
	print_word(ARCH_FLAGS_NAME, FRAME_LABEL, f->flags);
	console_write("\n  ");
	print_word(ARCH_SP_NAME, FRAME_LABEL, f->sp);
	console_write("  ");
	print_selector("SS", f->ss);
	console_write("  ");
	print_word("handler", 8, f->handler_sp);
	console_write("\n  ");
	print_word("CR2", FRAME_LABEL, f->cr2);
	console_write("  ");
	print_word("CR3", FRAME_LABEL, f->cr3);
	console_write("\n");
}

/* From ring 3: the privilege change the CPU made on the way in. The CPL of
 * the interrupted code is the RPL of its saved CS (SDM Vol. 3A 5.5); the
 * handler's stack came from the TSS (6.12.1, 6.14.4, 6.14.5); SS:SP are the
 * ring-3 ones the CPU pushed (or, for i386's #DF task, saved in the TSS). */
static void print_privilege(const struct fault *f)
{
	unsigned cpl = (unsigned)(f->cs & SEL_RPL_MASK);

	if (cpl == 0)
		return;
	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "ring");
	console_attr(ATTR_ALERT);
	console_printf("CPL %u -> 0", cpl);
	console_attr(ATTR_TEXT);
	console_printf("  user SS:%s ", ARCH_SP_NAME);
	console_attr(ATTR_VALUE);
	console_printf("0x%04lx:0x%0*lx", (unsigned long)f->ss, WORD_DIGITS,
	               (unsigned long)f->sp);
	console_attr(ATTR_TEXT);
	console_printf("  stack from %s\n", f->stack_from ? f->stack_from : "?");
}

static void print_registers(const struct fault *f)
{
	int cell = GPR_LABEL + 2 + WORD_DIGITS + COL_GAP;
	int per_row = (VGA_COLS - 2) / cell;

	console_attr(ATTR_NOTE);
	console_write("General registers\n");
	console_attr(ATTR_TEXT);
	for (int i = 0; i < ARCH_GPR_COUNT; i++) {
		console_write("  ");
		print_word(arch_gpr_names[i], GPR_LABEL, f->gpr[i]);
		if (i % per_row == per_row - 1 || i == ARCH_GPR_COUNT - 1)
			console_write("\n");
	}
}

/* A selector error code names a descriptor: show what is there (#TS, #NP,
 * #SS, #GP; SDM Vol. 3A 6.13). */
static void print_named_descriptor(const struct fault *f)
{
	uintptr_t err = f->error_code;
	unsigned index = SEL_ERR_INDEX(err);
	uint64_t desc;
	char what[80];

	if (f->vector < VECTOR_TS || f->vector > VECTOR_GP || err == 0)
		return;
	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "names");
	console_attr(ATTR_TEXT);
	if (err & SEL_ERR_IDT)
		console_printf("IDT[%u]: %s\n", index,
		               arch_idt_has_gate(index) ? "a gate"
		               : handlers_has_gate(kernel_config.handlers, index)
		               ? "no gate: the scenario emptied it"
		               : "no gate in this configuration");
	else if (err & SEL_ERR_TI)
		console_printf("LDT[%u]: no LDT is loaded\n", index);
	else if (!arch_gdt_entry(index, &desc))
		console_printf("GDT[%u] (selector 0x%x): past the GDT's limit\n", index,
		               (unsigned)(err & 0xfff8));
	else {
		describe_descriptor(desc, what, sizeof what);
		console_printf("GDT[%u] (selector 0x%x): %s\n", index,
		               (unsigned)(err & 0xfff8), what);
	}
}

/* On #DF, how the scenario's first exception got there, replayed with the
 * exception-pair rules (SDM Vol. 3A 6.15 Table 6-5, AMD64 APM Vol. 2 8.2.9). */
static void print_escalation(const struct fault *f)
{
	bool gates[EXCEPTION_COUNT];
	char chain[96];
	unsigned first = scenario_vector(kernel_config.scenario, ARCH_NAME);

	if (f->vector != VECTOR_DF || f->is_irq)
		return;
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
		gates[v] = handlers_has_gate(kernel_config.handlers, v);
	unsigned end = escalation_chain(first, gates, stack_guard_containing(f->cr2) != NULL,
	                                kernel_config.df == DF_SAFE, chain, sizeof chain);
	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "path");
	console_attr(ATTR_TEXT);
	console_printf("%s%s\n", chain, end == VECTOR_DF ? "" : "  (not what happened!)");
}

/* Only frames on one of the kernel's stacks are followed: the guard pages
 * are unmapped, and reading one here would fault inside the reporter. */
static bool on_a_stack(uintptr_t addr)
{
	const struct stack_region *r = stack_containing(addr);

	return r != NULL && addr % sizeof(uintptr_t) == 0
	       && addr + 2 * sizeof(uintptr_t) <= r->top;
}

/* A #PF whose address is the IP itself: the CPU could not fetch the
 * instruction, so control got there by a call or jump to a bad address. A
 * call left its return address at [SP]: the culprit. */
static void print_bad_jump(const struct fault *f)
{
	char caller[64];

	console_banner(ATTR_ALERT, " bad jump: the CPU could not fetch the instruction at"
	               " IP = CR2 = 0x%lx", (unsigned long)f->ip);
	if (!on_a_stack(f->sp))
		return;
	symbol_format(*(const uintptr_t *)f->sp, caller, sizeof caller);
	console_printf("  the return address at [SP], if a call got here: %s\n", caller);
}

static void print_backtrace(const struct fault *f)
{
	struct bt_entry entries[BACKTRACE_MAX_ENTRIES];
	char trace[256];
	unsigned n = backtrace_walk(f->ip, f->gpr[ARCH_GPR_BP], on_a_stack, entries);

	backtrace_format(entries, n, symbol_format, trace, sizeof trace);
	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "trace");
	console_attr(ATTR_TEXT);
	console_wrapped(trace, FRAME_LABEL);
}

/* From ring 3, a ring-0 stack pointer in the TSS whose first push lands in
 * a guard page: the CPU cannot push the frame (SDM Vol. 3A 6.12.1, 6.14.4),
 * so every event from ring 3 through a gate that uses it (no task gate, no
 * IST) raises a #PF during its delivery. Returns whether
 * it said so. */
static bool print_bad_ring0_stack(const struct fault *f)
{
	uintptr_t sp0 = arch_ring0_stack();
	const struct stack_region *g = stack_guard_containing(sp0 - sizeof(uintptr_t));

	if ((f->cs & SEL_RPL_MASK) == 0 || g == NULL)
		return false;
	console_banner(ATTR_ALERT, " TSS.%s 0x%lx is wrong: its first push hits the %s"
	               " stack's guard page", ARCH_RING0_SP_NAME, (unsigned long)sp0, g->name);
	return true;
}

/* #AC: the three conditions that had to hold (SDM Vol. 3A 6.15, Interrupt
 * 17), read back: CR0.AM now, EFLAGS.AC and the CPL as the CPU saved them. */
static void print_alignment_check(const struct fault *f)
{
	if (f->vector != VECTOR_AC || f->is_irq)
		return;
	console_banner(ATTR_ALERT, " alignment check: CR0.AM=%d EFLAGS.AC=%d CPL=%u and a"
	               " misaligned access", (arch_read_cr0() & CR0_AM_BIT) != 0,
	               (f->flags & EFLAGS_AC_BIT) != 0, (unsigned)(f->cs & SEL_RPL_MASK));
}

/* What a learner should conclude, when the addresses make it plain. */
static void print_diagnosis(const struct fault *f)
{
	const struct stack_region *g = stack_guard_containing(f->cr2);

	print_alignment_check(f);
	if (print_bad_ring0_stack(f))
		g = NULL;       /* CR2 is in a guard page, but no stack overflowed */
	if (g != NULL && (f->vector == VECTOR_PF || f->vector == VECTOR_DF))
		console_banner(ATTR_ALERT, " %s stack overflow: CR2 0x%lx is in its guard page",
		               g->name, (unsigned long)f->cr2);
	if ((f->vector == VECTOR_PF || f->vector == VECTOR_DF) && f->cr2 == f->ip)
		print_bad_jump(f);
}

static void print_notes(const struct fault *f)
{
	console_attr(ATTR_NOTE);
	for (unsigned i = 0; i < f->note_count; i++)
		console_printf("%s\n", f->notes[i]);
	console_attr(ATTR_TEXT);
}

static volatile int reporting;
static volatile unsigned reporting_vector;

/* The nested-fault guard: a fault inside the reporter lands in fault_report
 * again. Say what happened in a few lines, with as little machinery as
 * possible, instead of recursing until the stack is gone; a fault inside the
 * guard itself just halts. */
static void report_nested(const struct fault *f)
{
	char line[200];
	const struct exception_info *e = exception_info(f->vector);

	if (reporting > 2)
		arch_halt();
	console_banner(ATTR_ALERT, " NESTED FAULT: %s %s while reporting %s", e->mnemonic,
	               e->name, exception_info(reporting_vector)->mnemonic);
	console_printf("at 0x%lx, CR2 0x%lx, error code 0x%lx: a bug in the reporter\n",
	               (unsigned long)f->ip, (unsigned long)f->cr2,
	               (unsigned long)f->error_code);
	fmt_snprintf(line, sizeof line, "FAULTLINE-RESULT outcome=error arch=%s "
	             "reason=nested_fault vector=%u name=%s first=%s ip=0x%lx cr2=0x%lx",
	             ARCH_NAME, f->vector, e->mnemonic,
	             exception_info(reporting_vector)->mnemonic,
	             (unsigned long)f->ip, (unsigned long)f->cr2);
	kernel_finish(line, 3);
}

/* scenario=nested_fault: the reporter itself faults, on purpose, so the
 * guard above is exercised: a write to page 0, which paging leaves unmapped. */
static void maybe_fault_while_reporting(void)
{
	if (kernel_config.scenario == SCENARIO_NESTED_FAULT)
		*(volatile uintptr_t *)0 = 0;
}

void fault_report(struct fault *f)
{
	char line[320];

	if (reporting++)
		report_nested(f);
	reporting_vector = f->vector;
	print_header(f);
	maybe_fault_while_reporting();
	print_named_descriptor(f);
	print_escalation(f);
	print_stack_map(f);
	print_frame(f);
	print_privilege(f);
	print_registers(f);
	print_backtrace(f);
	print_diagnosis(f);
	print_notes(f);
	fault_result_line(f, &kernel_config, line, sizeof line);
	kernel_finish(line, 1);
}
