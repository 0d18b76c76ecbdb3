/*
 * cpu.c (x86_64) - arch_init: the order in which the back end comes up.
 */
#include "gdt.h"
#include "idt.h"
#include "paging.h"
#include "tss.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/format.h"
#include "kernel/segment.h"

void arch_init(const struct kconfig *cfg)
{
	startup_step("paging");
	paging_init();          /* guard pages first: the scenarios need them */
	tss_install();          /* also loads the GDT that holds the TSS;
	                           announces "GDT" and "TSS" itself */
	startup_step("IDT");
	idt_install(cfg);
}

/* What #DF will use, read back as the CPU reads it: TR names a GDT entry,
 * whose base and limit locate the TSS (SDM Vol. 3A 7.2.3, 7.7); IDT[8]'s
 * IST field picks tss.ist[n-1] there (6.14.5). A field past the limit is
 * what the CPU would refuse (#TS). */
void arch_describe_setup(char *buf, size_t size)
{
	uint16_t tr;
	struct desc16 gate = idt_gate(VECTOR_DF);
	uint64_t lo, hi;
	size_t len;

	__asm__ volatile("str %0" : "=r"(tr));
	if ((tr & ~7u) == 0 || !arch_gdt_entry(tr >> 3, &lo) || !arch_gdt_entry((tr >> 3) + 1, &hi)) {
		len = fmt_snprintf(buf, size, "TR 0x%04x: no TSS loaded (LTR)", tr);
	} else {
		uintptr_t base = segment_base(lo) | (uintptr_t)(uint32_t)hi << 32;
		uint32_t limit = segment_limit(lo);
		uint32_t ist1 = (uint32_t)offsetof(struct tss64, ist);

		len = fmt_snprintf(buf, size, "TR 0x%x: TSS 0x%lx limit 0x%x, ", tr,
		                   (unsigned long)base, limit);
		if (limit >= ist1 + 7)
			len += fmt_snprintf(buf + len, size - len, "IST1 0x%lx",
			                    (unsigned long)*(const uint64_t *)(base + ist1));
		else
			len += fmt_snprintf(buf + len, size - len, "IST1 past the limit");
	}
	if (gate.lo == 0 && gate.hi == 0)
		fmt_snprintf(buf + len, size - len, "; IDT[8] no gate");
	else
		fmt_snprintf(buf + len, size - len, "; IDT[8] IST %u", gate_ist(gate));
}
