/*
 * idt.c (x86_64) - build the IDT in the configuration the command line chose.
 *
 * handlers=all puts a gate on every exception vector, handlers=df only on
 * vector 8, handlers=none on none: the all-zero entries left behind have type
 * 0, which is not a gate, so delivering through them raises #GP (SDM Vol. 3A
 * 6.12.1.1). df=safe sets IDT[8]'s IST field to 1 (IST1); df=stack leaves it
 * 0, so #DF pushes its frame on whatever stack was in use.
 */
#include "idt.h"
#include "gdt.h"
#include "tss.h"
#include "kernel/exceptions.h"

extern const uint64_t isr_stub_table[EXCEPTION_COUNT];

static struct desc16 idt[EXCEPTION_COUNT] __attribute__((aligned(16)));

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_pointer) == 10, "LIDT takes a 10-byte operand in 64-bit mode");

void idt_install(const struct kconfig *cfg)
{
	struct idt_pointer ptr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		unsigned ist = (v == VECTOR_DF && cfg->df == DF_SAFE) ? DF_IST : 0;

		idt[v] = handlers_has_gate(cfg->handlers, v)
		       ? make_int_gate(isr_stub_table[v], SEL_KERNEL_CODE, ist)
		       : (struct desc16){ 0, 0 };
	}
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

struct desc16 idt_gate(unsigned vector)
{
	return idt[vector];
}
