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
#include "fault.h"
#include "format.h"
#include "kmain.h"
#include "stacks.h"

#define COL_GAP     2
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

static void print_header(const struct fault *f)
{
	const struct exception_info *e = exception_info(f->vector);
	char decoded[96];

	console_clear();
	console_banner(ATTR_TITLE, " faultline %s | scenario=%s handlers=%s df=%s",
	               ARCH_NAME, scenario_name(kernel_config.scenario),
	               handlers_name(kernel_config.handlers),
	               df_mode_name(kernel_config.df));
	console_banner(ATTR_ALERT, " EXCEPTION %s  %s  (vector %u, %s)", e->mnemonic,
	               e->name, f->vector, exception_kind_name(e->kind));
	decode_error_code(f->vector, f->error_code, decoded, sizeof decoded);
	print_word("error", FRAME_LABEL, f->error_code);
	console_printf("  %s\n", decoded);
}

static void print_stack_line(const struct fault *f)
{
	const struct stack_region *s = stack_containing(f->handler_sp);

	console_attr(ATTR_LABEL);
	console_printf("%-*s", FRAME_LABEL, "stack");
	console_attr(ATTR_GOOD);
	console_printf(" %s ", fault_stack_name(f));
	console_attr(ATTR_TEXT);
	if (s != NULL)
		console_printf("  the handler ran on [0x%0*lx, 0x%0*lx)\n",
		               WORD_DIGITS, (unsigned long)s->bottom,
		               WORD_DIGITS, (unsigned long)s->top);
	else
		console_printf("  not one of the kernel's stacks\n");
}

static void print_frame(const struct fault *f)
{
	console_attr(ATTR_NOTE);
	console_printf("Interrupted context (%s)\n", f->frame_source);
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

/* What a learner should conclude, when the addresses make it plain. */
static void print_diagnosis(const struct fault *f)
{
	const struct stack_region *g = stack_guard_containing(f->cr2);

	if (g != NULL && (f->vector == VECTOR_PF || f->vector == VECTOR_DF))
		console_banner(ATTR_ALERT, " %s stack overflow: CR2 0x%lx is in the guard page"
		               " below the %s stack", g->name, (unsigned long)f->cr2, g->name);
}

static void print_notes(const struct fault *f)
{
	console_attr(ATTR_NOTE);
	for (unsigned i = 0; i < f->note_count; i++)
		console_printf("%s\n", f->notes[i]);
	console_attr(ATTR_TEXT);
}

static volatile int reporting;

void fault_report(struct fault *f)
{
	char line[320];

	/* A fault inside the reporter lands here again: say so in one line
	 * instead of recursing until the stack is gone. */
	if (reporting++) {
		console_attr(ATTR_ERROR);
		console_printf("\nnested fault while reporting: vector %u at 0x%lx\n",
		               f->vector, (unsigned long)f->ip);
		kernel_finish("FAULTLINE-RESULT outcome=error reason=nested_fault", 3);
	}
	print_header(f);
	print_stack_line(f);
	print_frame(f);
	print_registers(f);
	print_diagnosis(f);
	print_notes(f);
	fault_result_line(f, &kernel_config, line, sizeof line);
	kernel_finish(line, 1);
}
