/*
 * cpu.c (i386) - arch_init: the order in which the back end comes up.
 */
#include "idt.h"
#include "paging.h"
#include "tss.h"
#include "descriptor.h"
#include "gdt.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/format.h"
#include "kernel/segment.h"

void arch_init(const struct kconfig *cfg)
{
	startup_step("paging");
	paging_init();          /* guard pages first: the scenarios need them */
	tss_install();          /* after paging: the #DF TSS takes its CR3;
	                           announces "GDT" and "TSS" itself */
	startup_step("IDT");
	idt_install(cfg);
}

/* What #DF will use, read back as the CPU reads it: IDT[8], and for a task
 * gate the TSS its selector names, whose fields the switch loads (SDM Vol.
 * 3A 7.3, step 12). TR names the task that will be interrupted. */
void arch_describe_setup(char *buf, size_t size)
{
	uint16_t tr;
	uint64_t gate = idt_gate(VECTOR_DF);
	size_t len;

	__asm__ volatile("str %0" : "=r"(tr));
	len = fmt_snprintf(buf, size, "TR 0x%x; IDT[8] ", tr);
	if (gate == 0) {
		fmt_snprintf(buf + len, size - len, "no gate");
	} else if (gate_type(gate) != GATE_TYPE_TASK) {
		fmt_snprintf(buf + len, size - len, "interrupt gate");
	} else {
		uint16_t sel = gate_selector(gate);
		uint64_t desc = gdt_descriptor(sel);
		const struct tss32 *t = (const struct tss32 *)(uintptr_t)segment_base(desc);

		if (desc == 0)
			fmt_snprintf(buf + len, size - len, "task gate -> 0x%x: no such TSS", sel);
		else
			fmt_snprintf(buf + len, size - len, "task gate -> TSS 0x%x, which holds\n"
			             "  EIP 0x%x ESP 0x%x EFLAGS 0x%x CR3 0x%x CS 0x%x SS 0x%x",
			             sel, t->eip, t->esp, t->eflags, t->cr3, t->cs, t->ss);
	}
}
