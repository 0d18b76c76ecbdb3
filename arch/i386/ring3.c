/*
 * ring3.c (i386) - the back end's part of running code in ring 3: the IRET
 * into it, and the TSS fields the CPU reads on the way back.
 *
 * An event from ring 3 through an interrupt gate to ring-0 code switches
 * stacks: the CPU loads SS:ESP from the TSS's SS0:ESP0 and pushes the old
 * SS and ESP before EFLAGS, CS, EIP and the error code (SDM Vol. 3A 6.12.1,
 * Figure 6-4).
 */
#include "gdt.h"
#include "idt.h"
#include "tss.h"
#include "kernel/arch.h"

void ring3_iret(uintptr_t ip, uintptr_t sp, uintptr_t flags, uintptr_t cs, uintptr_t ss)
	__attribute__((noreturn));

void arch_enter_user(uintptr_t ip, uintptr_t sp, uintptr_t flags)
{
	ring3_iret(ip, sp, flags, SEL_USER_CODE, SEL_USER_DATA);
}

uintptr_t arch_ring0_stack(void)
{
	return main_tss.esp0;
}

/* The CPU reads ESP0 from the TSS that TR names each time it switches to
 * ring 0: no reload is needed. */
void arch_set_ring0_stack(uintptr_t sp)
{
	main_tss.esp0 = (uint32_t)sp;
}
