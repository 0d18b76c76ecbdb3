/*
 * idt.c (i386) - build the IDT in the configuration the command line chose.
 *
 * handlers=all puts a gate on every exception vector, handlers=df only on
 * vector 8, handlers=none on none: the all-zero entries left behind have type
 * 0, which is not a gate, so delivering through them raises #GP (SDM Vol. 3A
 * 6.12.1.1). df=safe makes IDT[8] a task gate to the #DF TSS; df=stack an
 * ordinary interrupt gate, so #DF pushes its frame on the faulting stack.
 */
#include "descriptor.h"
#include "gdt.h"
#include "idt.h"
#include "kernel/exceptions.h"

extern const uint32_t isr_stub_table[EXCEPTION_COUNT];

static uint64_t idt[EXCEPTION_COUNT] __attribute__((aligned(8)));

struct idt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_pointer) == 6, "LIDT takes a 6-byte operand in 32-bit mode");

void idt_install(const struct kconfig *cfg)
{
	struct idt_pointer ptr = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };

	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		if (!handlers_has_gate(cfg->handlers, v))
			idt[v] = 0;
		else if (v == VECTOR_DF && cfg->df == DF_SAFE)
			idt[v] = make_task_gate(SEL_DF_TSS);
		else
			idt[v] = make_int_gate(isr_stub_table[v], SEL_KERNEL_CODE);
	}
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}
