/*
 * exception.c (x86_64) - turn the interrupt frame into a struct fault for the
 * shared reporter, with the IST facts only this back end knows.
 */
#include "isr.h"
#include "idt.h"
#include "tss.h"
#include "kernel/arch.h"
#include "kernel/exceptions.h"
#include "kernel/fault.h"
#include "kernel/segment.h"
#include "drivers/pic/pic.h"

const char *const arch_gpr_names[ARCH_GPR_COUNT] = {
	"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static void note_ist(struct fault *f, unsigned vector)
{
	unsigned ist = gate_ist(idt_gate(vector));

	if (ist == 0)
		fault_note(f, "IDT[%u].IST = 0: no stack switch, the CPU pushed the frame"
		           " on the stack in use", vector);
	else
		fault_note(f, "IDT[%u].IST = %u: the CPU switched to TSS.ist[%u] = 0x%lx"
		           " before pushing", vector, ist, ist - 1,
		           (unsigned long)tss.ist[ist - 1]);
}

/* From ring 3 (CS's RPL is the interrupted CPL, SDM Vol. 3A 5.5) the CPU
 * took the handler's RSP from the TSS: from the gate's IST slot when it names
 * one, else from RSP0 (6.14.4, 6.14.5). */
static const char *ring0_stack_source(unsigned ist)
{
	static const char *const fields[] = {
		"TSS.RSP0", "TSS.IST1", "TSS.IST2", "TSS.IST3", "TSS.IST4", "TSS.IST5",
		"TSS.IST6", "TSS.IST7",
	};

	return fields[ist & GATE_IST_MASK];
}

void exception_entry(struct isr_frame *fr)
{
	/* CR2 first, in a statement of its own: a later #PF would overwrite it,
	 * and the initializers below are not sequenced (C11 6.7.9p23). */
	uintptr_t cr2 = arch_read_cr2();
	/* Then whether this is an IRQ on an exception vector: it pushed no error
	 * code, so the frame is one word shorter than struct isr_frame, and its
	 * last field may lie past the top of the stack (IST1's top is a guard
	 * page's bottom). */
	int irq = pic_irq_on_vector((unsigned)fr->vector);
	struct fault f = {
		.cr2 = cr2,
		.vector = (unsigned)fr->vector,
		.frame_source = "interrupt frame",
		.handler_sp = (uintptr_t)fr,
		.cr3 = arch_read_cr3(),
		.gpr = { fr->rax, fr->rbx, fr->rcx, fr->rdx, fr->rsi, fr->rdi, fr->rbp,
		         fr->r8, fr->r9, fr->r10, fr->r11, fr->r12, fr->r13, fr->r14,
		         fr->r15 },
	};

	if (irq < 0) {
		f.error_code = fr->error_code;
		f.ip = fr->rip;
		f.cs = fr->cs;
		f.flags = fr->rflags;
		f.sp = fr->rsp;
		f.ss = fr->ss;
	} else {
		/* Every word from "error_code" up is one slot off. The CPU always
		 * pushes SS:RSP in 64-bit mode (SDM Vol. 3A 6.14.2). */
		f.is_irq = true;
		f.irq = (unsigned)irq;
		f.ip = fr->error_code;
		f.cs = fr->rip;
		f.flags = fr->cs;
		f.sp = fr->rflags;
		f.ss = fr->rsp;
	}
	if (!f.is_irq && (f.cs & SEL_RPL_MASK) != 0)
		f.stack_from = ring0_stack_source(gate_ist(idt_gate(f.vector)));
	/* From ring 3 the "ring" line names the IST slot already. */
	if (f.vector == VECTOR_DF && f.stack_from == NULL)
		note_ist(&f, f.vector);
	fault_report(&f);
}
