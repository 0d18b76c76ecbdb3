/*
 * tss.c (i386) - the main TSS and the #DF task's TSS.
 *
 * The main TSS is where the CPU saves the interrupted task's registers when
 * #DF switches tasks; it needs no contents of its own. The #DF TSS is a
 * complete, known-good CPU state: its own stack (with a guard page), its own
 * EIP, flat segments, interrupts off and the kernel's page directory. Linux
 * (doublefault_32.c) and FreeBSD i386 catch #DF the same way.
 */
#include "tss.h"
#include "gdt.h"
#include "kernel/arch.h"
#include "kernel/stacks.h"

struct tss32 main_tss __attribute__((aligned(128)));
struct tss32 df_tss __attribute__((aligned(128)));

extern void df_task_entry(void);   /* isr.asm */

static void df_tss_init(void)
{
	/* LAB 3 BEGIN: fill df_tss with the #DF task's complete starting
	 * state. When #DF arrives through the task gate, the CPU saves the
	 * running task in main_tss and loads every register from here: it
	 * must then run df_task_entry (arch/i386/isr.asm) on the #DF stack
	 * that kernel/stacks.c reserves (stacks grow down), in the kernel's
	 * flat code and data segments (gdt.h), with the kernel's page tables
	 * (kernel/arch.h can read them), with maskable interrupts off, and
	 * with no I/O permission bitmap. Which fields does the switch load,
	 * and which does it never save? Lesson 08; SDM Vol. 3A 7.2.1 (Figure
	 * 7-2), 7.3 (steps 8 and 12, and the commit point), 7.4.1 and 6.8.1. */
	df_tss.eip = (uint32_t)(uintptr_t)df_task_entry;
	df_tss.esp = (uint32_t)stack_regions[STACK_DF].top;
	df_tss.eflags = EFLAGS_RESERVED1;                 /* IF=0 */
	df_tss.cs = SEL_KERNEL_CODE;
	df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = df_tss.ss = SEL_KERNEL_DATA;
	/* The switch loads CR3 from here, and does not save it in the old TSS. */
	df_tss.cr3 = (uint32_t)arch_read_cr3();
	df_tss.iomap_base = sizeof df_tss;               /* no I/O bitmap */
	/* LAB 3 END */
}

void tss_install(void)
{
	/* LAB 6 BEGIN: give the CPU the stack it switches to when an event
	 * from ring 3 goes to a ring-0 handler: the kernel stack that
	 * kernel/stacks.c reserves (stacks grow down), which ring3_run()
	 * leaves with nothing on it the kernel still needs. Which fields of
	 * the TSS does the CPU read for that switch, what must each hold, and
	 * where does its first push land? Lesson 11; SDM Vol. 3A 6.12.1
	 * (Figure 6-4), 7.2.1 (Figure 7-2) and 5.7. */
	main_tss.ss0 = SEL_KERNEL_DATA;
	main_tss.esp0 = (uint32_t)stack_regions[STACK_KERNEL].top;
	/* LAB 6 END */
	main_tss.iomap_base = sizeof main_tss;
	df_tss_init();
	startup_step("GDT");
	gdt_install((uintptr_t)&main_tss, (uintptr_t)&df_tss, sizeof(struct tss32) - 1);
	startup_step("TSS");
	/* LTR marks the main TSS busy: the task we are running in. */
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_MAIN_TSS));
}
