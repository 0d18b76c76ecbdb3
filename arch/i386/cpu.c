/*
 * cpu.c (i386) - arch_init: the order in which the back end comes up.
 */
#include "idt.h"
#include "paging.h"
#include "tss.h"
#include "kernel/arch.h"

void arch_init(const struct kconfig *cfg)
{
	startup_step("paging");
	paging_init();          /* guard pages first: the scenarios need them */
	tss_install();          /* after paging: the #DF TSS takes its CR3;
	                           announces "GDT" and "TSS" itself */
	startup_step("IDT");
	idt_install(cfg);
}
