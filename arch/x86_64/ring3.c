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
	/* LAB 6 BEGIN: drop to CPL 3: run the code at ip on the user stack
	 * at sp with flags, through ring3_iret (arch/x86_64/user.asm), which
	 * builds the frame IRETQ pops on a return to an outer privilege level
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
	return tss.rsp[0];
}

/* The CPU reads RSP0 from the TSS each time it switches to ring 0: no
 * reload is needed. */
void arch_set_ring0_stack(uintptr_t sp)
{
	tss.rsp[0] = sp;
}
