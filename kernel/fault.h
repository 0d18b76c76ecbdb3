/*
 * fault.h - one fault, as the shared reporter sees it.
 *
 * Each back end turns what its CPU left behind into a struct fault: the x86_64
 * and i386 interrupt stubs copy the hardware frame and the pushed registers;
 * the i386 #DF task rebuilds the interrupted state from the back-linked TSS.
 * The reporter then draws the same screen for all of them.
 */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/regs.h>
#include "config.h"

#define FAULT_MAX_NOTES 6
#define FAULT_NOTE_LEN  78

struct fault {
	unsigned vector;
	/* A hardware interrupt that arrived on an exception vector (the PIC's
	 * in-service register says so), not an exception: which IRQ. */
	bool is_irq;
	unsigned irq;
	uintptr_t error_code;
	/* The interrupted context: from the interrupt stack frame, or on i386
	 * #DF from the TSS the CPU saved it in. */
	uintptr_t ip, cs, flags, sp, ss;
	const char *frame_source;       /* where the back end read them from */
	uintptr_t handler_sp;           /* SP inside the handler: which stack ran it */
	/* Interrupted in ring 3 (CS's RPL != 0): the TSS field the handler's
	 * stack came from ("TSS.SS0:ESP0", "TSS.RSP0", "TSS.IST1", ...); sp and
	 * ss are then the ring-3 SS:SP. NULL otherwise. */
	const char *stack_from;
	uintptr_t cr2, cr3;
	uintptr_t gpr[ARCH_GPR_COUNT];  /* named by arch_gpr_names[] */
	/* Lines only one back end can say (the IST slot used, the TSS back-link). */
	char notes[FAULT_MAX_NOTES][FAULT_NOTE_LEN];
	unsigned note_count;
};

/* Append a line to f->notes (dropped quietly when full). */
void fault_note(struct fault *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Name of the stack that handler_sp lies on: "kernel", "ist1", "df-task", or
 * "unknown" when it is on none of the kernel's stacks. */
const char *fault_stack_name(const struct fault *f);

/* The machine-readable last line (see README, "The result line"). Pure. */
void fault_result_line(const struct fault *f, const struct kconfig *cfg,
                       char *buf, size_t size);

/* Draw the fault screen on VGA and COM1, then halt or leave the emulator.
 * A fault while reporting is caught by a guard and reported in one line. */
void fault_report(struct fault *f) __attribute__((noreturn));

#endif
