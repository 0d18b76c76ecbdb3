/*
 * exception.c (i386) - turn the interrupt frame into a struct fault for the
 * shared reporter.
 */
#include "isr.h"
#include "kernel/arch.h"
#include "kernel/fault.h"
#include "kernel/segment.h"
#include "drivers/pic/pic.h"

const char *const arch_gpr_names[ARCH_GPR_COUNT] = {
	"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP",
};

static uint16_t read_ss(void)
{
	uint16_t ss;

	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	return ss;
}

void exception_entry(struct isr_frame *fr)
{
	/* CR2 first, in a statement of its own: a later #PF would overwrite it,
	 * and the initializers below are not sequenced (C11 6.7.9p23). */
	uintptr_t cr2 = arch_read_cr2();
	struct fault f = {
		.cr2 = cr2,
		.vector = fr->vector,
		.error_code = fr->error_code,
		.ip = fr->eip, .cs = fr->cs, .flags = fr->eflags,
		/* No privilege change, so the CPU pushed no ESP/SS: the interrupted
		 * ESP is just above the frame, and SS is unchanged. (From ring 3:
		 * see below.) */
		.sp = (uintptr_t)(&fr->eflags + 1),
		.ss = read_ss(),
		.frame_source = "interrupt frame",
		.handler_sp = (uintptr_t)fr,
		.cr3 = arch_read_cr3(),
		.gpr = { fr->eax, fr->ebx, fr->ecx, fr->edx, fr->esi, fr->edi, fr->ebp },
	};

	int irq = pic_irq_on_vector(f.vector);

	if (irq >= 0) {
		/* An IRQ pushed no error code: the stub's "error_code" is EIP, its
		 * "eip" CS, its "cs" EFLAGS, and the interrupted ESP is right above
		 * that (no privilege change: no ESP/SS pushed). */
		f.is_irq = true;
		f.irq = (unsigned)irq;
		f.error_code = 0;
		f.ip = fr->error_code;
		f.cs = fr->eip;
		f.flags = fr->cs;
		f.sp = (uintptr_t)&fr->eflags;
	}
	if (!f.is_irq && (f.cs & SEL_RPL_MASK) != 0) {
		/* The interrupted CPL is CS's RPL (SDM Vol. 3A 5.5): from ring 3 the
		 * CPU took SS0:ESP0 and pushed the old SS:ESP (6.12.1). */
		const struct isr_frame_outer *outer = (const struct isr_frame_outer *)fr;

		f.sp = outer->esp;
		f.ss = outer->ss;
		f.stack_from = "TSS.SS0:ESP0";
	}
	if (f.vector == 8)
		fault_note(&f, "IDT[8] is an interrupt gate (df=stack): the frame went on"
		           " the stack in use");
	fault_report(&f);
}
