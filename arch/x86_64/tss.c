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
#include "kernel/stacks.h"

struct tss64 tss __attribute__((aligned(16)));

void tss_install(void)
{
	tss.rsp[0] = stack_regions[STACK_KERNEL].top;
	tss.ist[DF_IST - 1] = stack_regions[STACK_DF].top;
	tss.iomap_base = sizeof tss;          /* no I/O bitmap: beyond the limit */
	gdt_install((uintptr_t)&tss, sizeof tss - 1);
	/* LTR marks the descriptor busy; loading a busy TSS would #GP. */
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}
