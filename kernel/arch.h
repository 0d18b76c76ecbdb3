/*
 * arch.h - the contract between the shared kernel and an architecture back end.
 *
 * kernel/ never asks which CPU it runs on. The Makefile compiles exactly one of
 * arch/i386/ or arch/x86_64/ and puts its include/ directory on the include
 * path, so <arch/...> headers and the arch_* functions below always mean the
 * back end being built. Both back ends implement every function here with the
 * same meaning; differences that show on the fault screen (task gate vs IST,
 * EIP vs RIP, the back-linked TSS) travel as data in struct fault.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/regs.h>          /* ARCH_GPR_COUNT, ARCH_NAME, ARCH_DF_SAFE_NAME */
#include <arch/selectors.h>     /* ARCH_SEL_NOT_PRESENT */
#include "config.h"

/* Bring up paging (with unmapped guard pages), GDT, TSS and IDT in the
 * configuration the command line asked for. Called once, from kmain. Before
 * each step it calls startup_step(), so that a step the CPU refuses (a bad
 * descriptor, a bad selector for LTR) is named on COM1 even though the
 * kernel dies in it. */
void arch_init(const struct kconfig *cfg);

/* Provided by the shared kernel (kmain.c): announce the start-up step about
 * to begin, on the "start-up:" line. */
void startup_step(const char *name);

/* After start-up, one line of what the CPU will use when #DF comes, as it
 * really is (read back from TR, the GDT, the TSS and the IDT, not from what
 * the code meant to write): "TR 0x18 ...", lines of at most 80 columns
 * ("\n" between them). Printed after "start-up"; tools read it to say what
 * went wrong. */
void arch_describe_setup(char *buf, size_t size);

/* Whether paging maps addr (the kernel's page tables, read back). */
bool arch_page_present(uintptr_t addr);

/* The register names the fault screen prints, in the order of fault.gpr[]. */
extern const char *const arch_gpr_names[ARCH_GPR_COUNT];

/* GDT entry `index` as the CPU sees it; false when past the GDT's limit.
 * (For a 16-byte system descriptor, the low 8 bytes.) */
bool arch_gdt_entry(unsigned index, uint64_t *desc);

uintptr_t arch_read_cr2(void);
uintptr_t arch_read_cr3(void);
uintptr_t arch_read_cr0(void);
void arch_write_cr0(uintptr_t value);
uintptr_t arch_read_cr4(void);
void arch_write_cr4(uintptr_t value);

/* Whether this CPU's paging mode reports instruction fetches in a #PF's
 * error code (the I/D bit: only with CR4.SMEP=1, or PAE/4-level paging with
 * IA32_EFER.NXE=1; SDM Vol. 3A 4.7). When it does not, a fetch looks like a
 * read. */
bool arch_pf_reports_fetch(void);

/* Remove IDT[vector]'s gate (an all-zero entry), for the scenario that shows
 * what a missing gate does. */
void arch_idt_remove_gate(unsigned vector);
/* Whether IDT[vector] holds a gate now (not what the configuration asked:
 * a scenario may have emptied it). */
bool arch_idt_has_gate(unsigned vector);

/* Ring 3 (kernel/ring3.c). */

/* Make the 4 KiB page that holds addr a user page: U/S=1 in its page-table
 * entry and in every entry above it, which must all allow user access (SDM
 * Vol. 3A 4.6.1, 5.11.2). Ring-0 code is unaffected. */
void arch_map_user(uintptr_t addr);

/* Drop to ring 3 with IRET: CS:IP = user code:ip, SS:SP = user data:sp,
 * flags as given (IF=0 keeps interrupts off), data segment registers set to
 * user data, general registers zeroed (no kernel value leaks to ring 3, and
 * a zero frame pointer ends the fault screen's trace). Never returns: the
 * ring-3 code ends in a fault. */
void arch_enter_user(uintptr_t ip, uintptr_t sp, uintptr_t flags)
	__attribute__((noreturn));

/* The TSS's ring-0 stack pointer (ESP0 on i386, RSP0 on x86_64: its name is
 * ARCH_RING0_SP_NAME): where the CPU puts the handler's stack on an event
 * from ring 3 (SDM Vol. 3A 6.12.1, 6.14.4). */
uintptr_t arch_ring0_stack(void);
void arch_set_ring0_stack(uintptr_t sp);

/* Stop this CPU for good: interrupts off, hlt in a loop. */
void arch_halt(void) __attribute__((noreturn));

/* Load an IDT with no gate in it, then raise an exception: the CPU can
 * deliver nothing, and shuts down (a triple fault; a PC then resets). The
 * last way kernel/reset.c has to reset the machine. */
void arch_triple_fault(void) __attribute__((noreturn));

/* Port I/O, for the drivers. */
void arch_outb(uint16_t port, uint8_t value);
uint8_t arch_inb(uint16_t port);

#endif
