/*
 * tss.c (x86_64) - one TSS with IST1 pointing at the #DF stack.
 *
 * When a gate's IST field is n != 0, the CPU loads RSP from TSS.ist[n-1]
 * before pushing anything (SDM Vol. 3A 6.14.5): the frame lands on a
 * known-good stack even when the faulting stack is gone. That is what turns
 * a kernel stack overflow from a triple fault into a caught #DF.
 */
#include "tss.h"
#include "gdt.h"
#include "kernel/arch.h"
#include "kernel/stacks.h"

struct tss64 tss __attribute__((aligned(16)));

void tss_install(void)
{
	/* LAB 6 BEGIN: give the CPU the stack it switches to when an event
	 * from ring 3 goes to a ring-0 handler through a gate with no IST:
	 * the kernel stack that kernel/stacks.c reserves (stacks grow down),
	 * which ring3_run() leaves with nothing on it the kernel still needs.
	 * Which TSS field does the CPU read for that switch, and where does
	 * its first push land? Lesson 11; SDM Vol. 3A 6.14.2, 6.14.4 and 7.7
	 * (Figure 7-11; 8.7 in newer editions); AMD64 APM Vol. 2 8.9. */
	tss.rsp[0] = stack_regions[STACK_KERNEL].top;
	/* LAB 6 END */
	/* LAB 2 BEGIN: give the CPU the stack #DF switches to: the #DF
	 * stack that kernel/stacks.c reserves (with its own guard page), in
	 * the TSS slot that IDT[8]'s IST field (DF_IST, tss.h) names. Where
	 * does the CPU start pushing, and how are the slots numbered?
	 * Lesson 07; SDM Vol. 3A 6.14.5 and 7.7 (Figure 7-11; 8.7 in newer
	 * editions); AMD64 APM Vol. 2 8.9.4 and 12.2.5. */
	tss.ist[DF_IST - 1] = stack_regions[STACK_DF].top;
	/* LAB 2 END */
	tss.iomap_base = sizeof tss;          /* no I/O bitmap: beyond the limit */
	startup_step("GDT");
	gdt_install((uintptr_t)&tss, sizeof tss - 1);
	startup_step("TSS");
	/* LAB 2 BEGIN: make this TSS the one the CPU uses: it finds the IST
	 * only through the task register, which names a TSS descriptor in
	 * the GDT (gdt.h has its selector; gdt_install() has just put it
	 * there). One instruction, in GCC inline assembly. What does it check
	 * in the descriptor, and what does it change there? Lesson 07; SDM
	 * Vol. 3A 7.2.4 (8.2.4 in newer editions) and LTR in Vol. 2A. */
	/* LTR marks the descriptor busy (a write to the GDT: "memory");
	 * loading a busy TSS would #GP. */
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS) : "memory");
	/* LAB 2 END */
}

/* scenario=invalid_tss: give the TSS a limit that ends before IST1 (offset
 * 0x24), and make the CPU use that limit. The CPU checks a TSS field against
 * TR's limit when it reads it, and a gate that asks for IST1 then raises
 * #TS(TR's selector) (AMD64 APM Vol. 3, INT: "the target ... rSP in the TSS
 * was beyond the TSS limit"; SDM Vol. 3A 6.15, Interrupt 10). */
void tss_cut_limit(uint32_t limit)
{
	gdt_set_tss((uintptr_t)&tss, limit);
	/* LAB 2 BEGIN: the descriptor now has a shorter limit, but the CPU
	 * still uses the limit it cached when TR was loaded: make it take the
	 * new one (gdt_set_tss() wrote the descriptor as available, not
	 * busy). Lesson 07; SDM Vol. 3A 7.2.4 (8.2.4 in newer editions). */
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS) : "memory");
	/* LAB 2 END */
}
