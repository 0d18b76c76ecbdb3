/*
 * x86.c - the few privileged instructions both back ends use, written once.
 *
 * They read the same in 32-bit and 64-bit code: "mov %%cr2, %0" assembles to
 * the 32- or 64-bit form from the width of uintptr_t, and port I/O and
 * cli/hlt do not depend on the mode at all.
 */
#include "arch.h"

uintptr_t arch_read_cr2(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

uintptr_t arch_read_cr3(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

uintptr_t arch_read_cr0(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

void arch_write_cr0(uintptr_t value)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(value) : "memory");
}

uintptr_t arch_read_cr4(void)
{
	uintptr_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void arch_write_cr4(uintptr_t value)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(value) : "memory");
}

void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

uint8_t arch_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* An IDT whose limit covers no gate: every vector is past it, so the next
 * exception cannot be delivered (#GP, SDM Vol. 3A 6.10), nor that #GP, which
 * makes a #DF (two contributory exceptions, 6.15 Table 6-5), nor the #DF:
 * shutdown. lidt takes a 6-byte operand in 32-bit code and a 10-byte one in
 * 64-bit code: a 16-bit limit, then a base the width of uintptr_t. */
void arch_triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uintptr_t base;
	} __attribute__((packed)) no_gates = { 0, 0 };

	_Static_assert(sizeof no_gates == 2 + sizeof(uintptr_t),
	               "lidt operand: 16-bit limit, then the base");
	__asm__ volatile("cli; lidt %0; int3" : : "m"(no_gates) : "memory");
	arch_halt();
}
