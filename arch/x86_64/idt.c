/*
 * idt.c (x86_64) - build the IDT in the configuration the command line chose.
 *
 * handlers=all puts a gate on every exception vector, handlers=df only on
 * vector 8, handlers=none on none: the all-zero entries left behind have type
 * 0, which is not a gate, so delivering through them raises #GP with the IDT
 * entry in its error code (SDM Vol. 3A 6.15, "Interrupt 13", referencing an
 * IDT entry that is not an interrupt, trap or task gate; Vol. 2A, INT n's
 * protected-mode exceptions). df=safe sets IDT[8]'s IST field to 1 (IST1); df=stack leaves it
 * 0, so #DF pushes its frame on whatever stack was in use.
 */
#include "idt.h"
#include "gdt.h"
#include "tss.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/privilege.h"

extern const uint64_t isr_stub_table[EXCEPTION_COUNT];

static struct desc16 idt[EXCEPTION_COUNT] __attribute__((aligned(16)));

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_pointer) == 10, "LIDT takes a 10-byte operand in 64-bit mode");

/* IDT[8], the #DF gate: an interrupt gate to the #DF stub, whose IST field
 * picks the stack the CPU pushes the frame on. */
static struct desc16 df_gate(const struct kconfig *cfg)
{
	/* LAB 2 BEGIN: choose IDT[8]'s IST field, `ist`. With df=safe (also
	 * spelled df=ist; cfg->df is DF_SAFE) #DF must run on the stack
	 * tss_install() prepares for it, whatever state the interrupted stack
	 * is in; with df=stack it must not switch stacks at all. What does the
	 * CPU do with each value of the field, and which TSS slot does it read?
	 * Lesson 07; SDM Vol. 3A 6.14.1 (Figure 6-8) and 6.14.5; AMD64 APM
	 * Vol. 2 8.9.4. */
	unsigned ist = (cfg->df == DF_SAFE) ? DF_IST : 0;
	/* LAB 2 END */
	/* LAB 2 HANDOUT:
	unsigned ist = 0;

	(void)cfg;
	*/

	/* LAB 1 BEGIN: return the descriptor for IDT[8], so that the CPU
	 * delivers #DF to the kernel's #DF entry stub (arch/x86_64/isr.asm
	 * builds one stub per vector, and a table of their addresses), in ring
	 * 0, on the stack that `ist` above chooses. Which kind of gate, which
	 * code segment, which fields? The gate encoders are in descriptor.h.
	 * Lesson 04; SDM Vol. 3A 6.10, 6.11, 6.12.1, 6.14.1 (Figure 6-8) and
	 * "Interrupt 8" in 6.15. */
	return make_int_gate(isr_stub_table[VECTOR_DF], SEL_KERNEL_CODE, ist);
	/* LAB 1 END */
	/* LAB 1 HANDOUT:
	(void)ist;
	return (struct desc16){ 0, 0 };
	*/
}

void idt_install(const struct kconfig *cfg)
{
	struct idt_pointer ptr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		if (!handlers_has_gate(cfg->handlers, v))
			idt[v] = (struct desc16){ 0, 0 };
		else if (v == VECTOR_DF)
			idt[v] = df_gate(cfg);
		else
			idt[v] = make_int_gate(isr_stub_table[v], SEL_KERNEL_CODE, 0);
		/* The DPL sits in the low 8 bytes, where i386's gates have it too. */
		if (arch_idt_has_gate(v))
			idt[v].lo = gate_with_dpl(idt[v].lo, gate_dpl(cfg, v));
	}
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

struct desc16 idt_gate(unsigned vector)
{
	return idt[vector];
}

void idt_set_ist(unsigned vector, unsigned ist)
{
	if (idt[vector].lo == 0 && idt[vector].hi == 0)
		return;                         /* no gate to give a stack to */
	idt[vector].lo = (idt[vector].lo & ~GATE_IST((uint64_t)GATE_IST_MASK)) | GATE_IST(ist);
}

bool arch_idt_has_gate(unsigned vector)
{
	return vector < EXCEPTION_COUNT && (idt[vector].lo != 0 || idt[vector].hi != 0);
}

void arch_idt_remove_gate(unsigned vector)
{
	idt[vector] = (struct desc16){ 0, 0 };
}
