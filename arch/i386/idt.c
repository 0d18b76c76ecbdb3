/*
 * idt.c (i386) - build the IDT in the configuration the command line chose.
 *
 * handlers=all puts a gate on every exception vector, handlers=df only on
 * vector 8, handlers=none on none: the all-zero entries left behind have type
 * 0, which is not a gate, so delivering through them raises #GP with the IDT
 * entry in its error code (SDM Vol. 3A 6.15, "Interrupt 13", referencing an
 * IDT entry that is not an interrupt, trap or task gate; Vol. 2A, INT n's
 * protected-mode exceptions). df=safe makes IDT[8] a task gate to the #DF TSS; df=stack an
 * ordinary interrupt gate, so #DF pushes its frame on the faulting stack.
 */
#include "descriptor.h"
#include "gdt.h"
#include "idt.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/privilege.h"

extern const uint32_t isr_stub_table[EXCEPTION_COUNT];

static uint64_t idt[EXCEPTION_COUNT] __attribute__((aligned(8)));

struct idt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_pointer) == 6, "LIDT takes a 6-byte operand in 32-bit mode");

/* IDT[8], the #DF gate: a task gate to the #DF TSS (df=safe), or an
 * interrupt gate to the #DF stub (df=stack). */
static uint64_t df_gate(const struct kconfig *cfg)
{
	/* LAB 3 BEGIN: with df=safe (also spelled df=task; cfg->df is
	 * DF_SAFE), make #DF switch to the #DF task, whose TSS tss.c fills in
	 * and gdt.c describes. Which gate does that, and what must it name?
	 * With df=stack, fall through to the interrupt gate below. Lesson 08;
	 * SDM Vol. 3A 6.11 (Figure 6-2), 6.12.2 (interrupt tasks), 7.2.5 (task
	 * gates), 7.3 and 7.4. */
	if (cfg->df == DF_SAFE)
		return make_task_gate(SEL_DF_TSS);     /* #DF switches tasks */
	/* LAB 3 END */
	/* LAB 3 HANDOUT:
	(void)cfg;
	*/
	/* LAB 1 BEGIN: return the descriptor for IDT[8] with df=stack: the CPU
	 * must deliver #DF to the kernel's #DF entry stub (arch/i386/isr.asm
	 * builds one stub per vector, and a table of their addresses), in ring
	 * 0, on the stack in use. Which kind of gate, which code segment, which
	 * fields? The gate encoders are in descriptor.h. Lesson 04; SDM Vol. 3A
	 * 6.10, 6.11 (Figure 6-2), 6.12.1 and "Interrupt 8" in 6.15. */
	return make_int_gate(isr_stub_table[VECTOR_DF], SEL_KERNEL_CODE);
	/* LAB 1 END */
	/* LAB 1 HANDOUT:
	return 0;
	*/
}

void idt_install(const struct kconfig *cfg)
{
	struct idt_pointer ptr = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };

	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		if (!handlers_has_gate(cfg->handlers, v))
			idt[v] = 0;
		else if (v == VECTOR_DF)
			idt[v] = df_gate(cfg);
		else
			idt[v] = make_int_gate(isr_stub_table[v], SEL_KERNEL_CODE);
		if (idt[v] != 0)
			idt[v] = gate_with_dpl(idt[v], gate_dpl(cfg, v));
	}
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

uint64_t idt_gate(unsigned vector)
{
	return idt[vector];
}

bool arch_idt_has_gate(unsigned vector)
{
	return vector < EXCEPTION_COUNT && idt[vector] != 0;
}

void arch_idt_remove_gate(unsigned vector)
{
	idt[vector] = 0;
}
