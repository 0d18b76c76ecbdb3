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
	/* LAB 6 BEGIN: drop to CPL 3: run the code at ip on the user stack
	 * at sp with flags, through ring3_iret (arch/i386/user.asm), which
	 * builds the frame IRET pops on a return to an outer privilege level
	 * and executes it. The privilege level the code runs at comes from
	 * that frame: which selectors must it hold, and what does the CPU
	 * check in them? Lesson 11; IRET in SDM Vol. 2A; Vol. 3A 3.4.2
	 * (Figure 3-6), 5.5 and 5.7. */
	/* Selectors with RPL 3: the CS's RPL becomes the CPL (IRET, Vol. 2A). */
	ring3_iret(ip, sp, flags, GDT_OFFSET_USER_CODE | SEL_RPL3, GDT_OFFSET_USER_DATA | SEL_RPL3);
	/* LAB 6 END */
	/* LAB 6 HANDOUT:
	(void)ip;
	(void)sp;
	(void)flags;
	__builtin_trap();
	*/
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
