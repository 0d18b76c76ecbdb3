/*
 * ring3.c (x86_64) - the back end's part of running code in ring 3: the IRETQ
 * into it, and the TSS fields the CPU reads on the way back.
 *
 * An event from ring 3 to ring-0 code switches stacks: the CPU loads RSP from
 * the TSS's RSP0, or from an IST slot when the gate names one (SDM Vol. 3A
 * 6.14.4, 6.14.5), loads SS with a null selector, and pushes SS, RSP, RFLAGS,
 * CS, RIP and the error code (6.14.2, Figure 6-9).
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
	return tss.rsp[0];
}

/* The CPU reads RSP0 from the TSS each time it switches to ring 0: no
 * reload is needed. */
void arch_set_ring0_stack(uintptr_t sp)
{
	tss.rsp[0] = sp;
}
