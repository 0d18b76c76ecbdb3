/*
 * double_fault.c (i386) - the #DF task.
 *
 * IDT[8] is a task gate. When #DF is raised the CPU saves the running task's
 * dynamic state into the TSS that TR names (main_tss): EIP, EFLAGS, the
 * general registers and the segment selectors. It does not save CR3 or
 * LDTR (static fields of the TSS, SDM Vol. 3A 7.2.1), nor the x87/SSE
 * state, which the TSS has no room for. It
 * then loads df_tss's registers (a fresh stack, this code, the kernel's
 * CR3), writes the old task's selector into df_tss.back_link, sets
 * EFLAGS.NT and marks both TSS descriptors busy (SDM Vol. 3A 7.3: step 8
 * saves, step 12 loads; 7.4, task linking). Like every task switch it also
 * sets CR0.TS, so the first x87 or SSE instruction here would raise #NM
 * (SDM Vol. 3A 2.5, CR0.TS). So the interrupted state is not on a stack at all: it is in the
 * TSS the back-link names, and that is where we read it. (main_tss.cr3 is
 * whatever the kernel put there, 0: an IRET back to it would load CR3 = 0.)
 */
#include "gdt.h"
#include "isr.h"
#include "tss.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/fault.h"
#include "kernel/segment.h"
#include "drivers/pic/pic.h"

static uint32_t read_eflags(void)
{
	uint32_t flags;

	__asm__ volatile("pushfl; popl %0" : "=r"(flags));
	return flags;
}

static int tss_busy(uint16_t selector)
{
	return (segment_type(gdt_descriptor(selector)) & TYPE_TSS_BUSY_BIT) != 0;
}

/* The interrupted task's state, as the task switch left it: into f's ip,
 * cs, flags, sp, ss and gpr[] (in the order arch_gpr_names[] gives). */
static void read_interrupted_state(struct fault *f)
{
	/* LAB 3 BEGIN: the CPU saved the interrupted task's registers in a
	 * TSS, not on a stack. Find that TSS the way the CPU recorded it (not
	 * by assuming which task was interrupted: gdt.h and kernel/segment.h
	 * have what you need to follow a selector to a TSS), and copy what
	 * the fault screen shows into f. Which TSS holds the link, and which
	 * of a TSS's fields are the saved state? Lesson 08; SDM Vol. 3A 7.2.1
	 * (Figure 7-2: dynamic and static fields), 7.3 (step 8) and 7.4. */
	const struct tss32 *prev = (const struct tss32 *)(uintptr_t)
		segment_base(gdt_descriptor(df_tss.back_link));

	f->ip = prev->eip;
	f->cs = prev->cs;
	f->flags = prev->eflags;
	f->sp = prev->esp;
	f->ss = prev->ss;
	f->gpr[0] = prev->eax;
	f->gpr[1] = prev->ebx;
	f->gpr[2] = prev->ecx;
	f->gpr[3] = prev->edx;
	f->gpr[4] = prev->esi;
	f->gpr[5] = prev->edi;
	f->gpr[6] = prev->ebp;
	/* LAB 3 END */
	/* LAB 3 HANDOUT:
	(void)f;
	*/
}

void double_fault_task(uint32_t cr2, const uint32_t *error_code)
{
	uintptr_t here = (uintptr_t)&here;   /* an address on this task's stack */
	/* An IRQ through the task gate (the BIOS's PIC mapping puts IRQ 0 on
	 * vector 8) pushed no error code: *error_code would be the word above
	 * this stack's top. Ask the PIC before reading it. */
	int irq = pic_irq_on_vector(VECTOR_DF);
	struct fault f = {
		.cr2 = cr2,
		.vector = VECTOR_DF,
		.is_irq = irq >= 0,
		.irq = irq >= 0 ? (unsigned)irq : 0,
		.error_code = irq >= 0 ? 0 : *error_code,
		.frame_source = "from the back-linked TSS",
		.handler_sp = here,
		.cr3 = arch_read_cr3(),
	};

	read_interrupted_state(&f);
	if ((f.cs & SEL_RPL_MASK) != 0)   /* from ring 3: the #DF TSS gave the stack */
		f.stack_from = "the #DF TSS's ESP";

	fault_note(&f, "%s ran as a task: IDT[8] is a task gate to TSS 0x%x;"
	           " the frame above is", irq >= 0 ? "IRQ 0" : "#DF", SEL_DF_TSS);
	fault_note(&f, "  the interrupted state the CPU saved in TSS 0x%x (back-link)",
	           df_tss.back_link);
	fault_note(&f, "back-link 0x%x | busy: TSS 0x%x=%d, TSS 0x%x=%d | EFLAGS.NT=%d",
	           df_tss.back_link, SEL_MAIN_TSS, tss_busy(SEL_MAIN_TSS), SEL_DF_TSS,
	           tss_busy(SEL_DF_TSS), (read_eflags() & EFLAGS_NT) != 0);
	fault_report(&f);
}
