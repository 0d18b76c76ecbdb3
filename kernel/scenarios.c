/*
 * scenarios.c - one small function per fault, each doing exactly one thing
 * wrong. They are noinline so that the faulting instruction lies inside a
 * function with the scenario's name: the fault screen's IP, the tests and the
 * debugger walk-throughs all point at it.
 */
#include <stdint.h>
#include "arch.h"
#include "console.h"
#include "exceptions.h"
#include "kmain.h"
#include "ring3.h"
#include "scenarios.h"
#include "stacks.h"
#include "drivers/pic/pic.h"
#include "drivers/pit/pit.h"

#define SCENARIO_FN __attribute__((noinline)) static void

/* Control-register and flag bits the FPU/SSE scenarios set (SDM Vol. 3A 2.5). */
#define CR0_MP          (1u << 1)    /* monitor coprocessor: FWAIT honours TS */
#define CR0_EM          (1u << 2)    /* emulate x87: off, we have one */
#define CR0_TS          (1u << 3)    /* task switched: next x87 use raises #NM */
#define CR0_NE          (1u << 5)    /* report x87 errors as #MF, not IRQ 13 */
#define CR0_AM          (1u << 18)   /* alignment mask: #AC at CPL 3 with EFLAGS.AC */
#define CR4_OSFXSR      (1u << 9)    /* the OS supports SSE state (FXSAVE) */
#define CR4_OSXMMEXCPT  (1u << 10)   /* unmasked SSE exceptions raise #XM */
#define EFLAGS_TF       (1u << 8)    /* trap flag: #DB after each instruction */
#define FCW_UNMASK_ZE   0x037B       /* x87 default 0x037F with ZM (bit 2) clear */
#define MXCSR_UNMASK_ZE 0x1D80       /* SSE default 0x1F80 with ZM (bit 9) clear */

/* break=on: Bochs stops at "xchg bx, bx" (bochsrc: magic_break), so a
 * learner in debug-bochs lands just before the faulting instruction and can
 * step into the exception delivery with "s". Elsewhere it is a no-op. */
void scenario_break(void)
{
	if (kernel_config.magic_break)
		__asm__ volatile("xchg %%bx, %%bx" : : : "memory");
}

/* Written and read through volatile so the compiler keeps every access. */
static volatile uintptr_t sink;
static volatile unsigned zero, one = 1;
static volatile int stop_recursion;  /* never set; the compiler cannot know */
#define NEAR_GUARD 512               /* a few frames above the guard page */

/* A write to an address no page table maps: #PF, CR2 = 0xdeadbeef. */
SCENARIO_FN scenario_page_fault(void)
{
	scenario_break();
	*(volatile uint8_t *)0xdeadbeef = 42;
}

/* Each call takes a frame of >128 bytes until SP runs into the guard page
 * below the kernel stack. The addition after the call keeps it from being
 * turned into a loop (no tail call), stop_recursion from being "proved"
 * infinite. */
__attribute__((noinline)) static uintptr_t recurse(uintptr_t depth)
{
	volatile uint8_t frame[128];
	static int broke;

	/* With break=on, stop once in the last frames before the guard page. */
	if (!broke && (uintptr_t)__builtin_frame_address(0)
	              < stack_regions[STACK_KERNEL].bottom + NEAR_GUARD) {
		broke = 1;
		scenario_break();
	}
	/* The array's address escapes, so that no compiler keeps less of it
	 * than 128 bytes (clang keeps only the bytes used otherwise). */
	frame[0] = (uint8_t)depth;
	sink = (uintptr_t)frame;
	if (stop_recursion)
		return depth;
	return recurse(depth + 1) + frame[0];
}

SCENARIO_FN scenario_stack_overflow(void)
{
	sink = recurse(0);
}

/* An unsigned division by zero: div raises #DE. Both operands are volatile:
 * with a constant 1 as dividend GCC computes 1/x as (x == 1), no div at all. */
SCENARIO_FN scenario_divide_error(void)
{
	scenario_break();
	sink = one / zero;
}

/* int3 is a trap: the saved IP points after it. */
SCENARIO_FN scenario_breakpoint(void)
{
	scenario_break();
	__asm__ volatile("int3");
}

/* ud2 is defined to be invalid. */
SCENARIO_FN scenario_invalid_opcode(void)
{
	scenario_break();
	__asm__ volatile("ud2");
}

/* Loading DS with a selector beyond the GDT's limit: #GP(selector). */
SCENARIO_FN scenario_general_protection(void)
{
	scenario_break();
	__asm__ volatile("mov %0, %%ds" : : "r"((uint16_t)0xfff8));
}

/* Trap flag set through POPF: the CPU raises #DB after the instruction that
 * follows (SDM Vol. 3A 18.3.1.4), so the saved IP points past the NOP. */
SCENARIO_FN scenario_debug(void)
{
	uintptr_t flags;

	__asm__ volatile("pushf\n\tpop %0" : "=r"(flags));
	scenario_break();
	__asm__ volatile("push %0\n\tpopf\n\tnop" : : "r"(flags | EFLAGS_TF) : "memory", "cc");
}

/* With CR0.TS set, the first x87 instruction raises #NM: how kernels used to
 * save the FPU state lazily, only for tasks that use it. */
SCENARIO_FN scenario_device_not_available(void)
{
	arch_write_cr0((arch_read_cr0() & ~(uintptr_t)CR0_EM) | CR0_TS);
	scenario_break();
	__asm__ volatile("fninit");
}

/* An x87 division by zero with the zero-divide exception unmasked is only
 * noted when it happens; the next waiting x87 instruction (FWAIT) raises #MF,
 * provided CR0.NE asks for native error reporting (SDM Vol. 1 8.7). */
SCENARIO_FN scenario_x87_error(void)
{
	static const uint16_t fcw = FCW_UNMASK_ZE;

	arch_write_cr0((arch_read_cr0() & ~(uintptr_t)(CR0_EM | CR0_TS)) | CR0_NE | CR0_MP);
	/* AT&T's "fdivrp" with no operands is Intel's FDIVP ST(1), ST(0): it
	 * stores ST(1)/ST(0) = 1/0 in ST(1) and pops (the operand order of the
	 * reversed forms is swapped in AT&T syntax; see the GNU as manual's
	 * "i386-Bugs"). Either way a division by zero is now pending. */
	__asm__ volatile("fninit\n\t"
	                 "fldcw %0\n\t"
	                 "fld1\n\t"
	                 "fldz\n\t"
	                 "fdivrp\n\t" : : "m"(fcw));
	scenario_break();
	__asm__ volatile("fwait");
}

/* SSE division by zero with ZM unmasked in MXCSR raises #XM at once, given
 * CR4.OSFXSR and CR4.OSXMMEXCPT (SDM Vol. 1 11.5). */
SCENARIO_FN scenario_simd_error(void)
{
	static const uint32_t mxcsr = MXCSR_UNMASK_ZE;
	static const float one_f = 1.0f;

	arch_write_cr0((arch_read_cr0() & ~(uintptr_t)(CR0_EM | CR0_TS)) | CR0_MP);
	arch_write_cr4(arch_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	/* No clobber list: the kernel is built with -mgeneral-regs-only, so the
	 * compiler keeps nothing in XMM registers (and may not name them). */
	__asm__ volatile("ldmxcsr %0\n\t"
	                 "movss %1, %%xmm0\n\t"
	                 "xorps %%xmm1, %%xmm1" : : "m"(mxcsr), "m"(one_f));
	scenario_break();
	__asm__ volatile("divss %xmm1, %xmm0");
}

/* GDT slot SEL_NOT_PRESENT describes a data segment with P=0. Loading it into
 * DS raises #NP(selector); into SS, #SS(selector) (SDM Vol. 2B, MOV). */
SCENARIO_FN scenario_segment_not_present(void)
{
	scenario_break();
	__asm__ volatile("mov %0, %%ds" : : "r"((uint16_t)ARCH_SEL_NOT_PRESENT));
}

SCENARIO_FN scenario_stack_segment(void)
{
	scenario_break();
	__asm__ volatile("mov %0, %%ss" : : "r"((uint16_t)ARCH_SEL_NOT_PRESENT));
}

/* ud2 with IDT[6] emptied first. Delivering #UD finds no gate there: #GP,
 * whose error code names the IDT entry: vector 6 << 3 | IDT (bit 1) | EXT
 * (bit 0) = 0x33. EXT is set because the #GP arose while delivering an
 * earlier exception (SDM Vol. 3A 6.13). #UD is benign, so the #GP is
 * delivered on its own (Table 6-5) through IDT[13], and the screen shows its
 * error code. (After a #PF the same #GP would be folded into #DF: a page
 * fault then a contributory exception is a double fault.) */
SCENARIO_FN scenario_missing_gate(void)
{
	arch_idt_remove_gate(6);
	scenario_break();
	__asm__ volatile("ud2");
}

/* The most common kernel bug there is: a call through a NULL function
 * pointer. The call pushes its return address and jumps to 0; fetching the
 * instruction there faults (page 0 is unmapped): #PF with CR2 = 0 and IP = 0.
 * The error code says "instruction fetch" only where the paging mode reports
 * it (SDM Vol. 3A 4.7: CR4.SMEP, or PAE paging with EFER.NXE); the return
 * address on the stack says who made the call. */
static void (*volatile null_fn)(void);

SCENARIO_FN scenario_null_call(void)
{
	scenario_break();
	null_fn();
}

/* The classic confusion: the PICs as the BIOS leaves them (IRQ 0-7 on
 * vectors 8-15), the timer running, interrupts enabled. IRQ 0 arrives on
 * vector 8, through the #DF gate, and a handler that trusts the vector
 * reports a "double fault" (and reads the frame wrong: an IRQ pushes no
 * error code). The handlers ask the PIC (pic_irq_on_vector). If no
 * interrupt comes within the bounded wait, the scenario returns. */
#define TIMER_HZ      100
#define TIMER_SPINS   20000000u        /* about 0.1-1 s in the emulators */

SCENARIO_FN scenario_timer_irq(void)
{
	pic_init(PIC_BIOS_BASE, PIC_BIOS_BASE2);
	pic_unmask(0);
	pit_start(TIMER_HZ);
	scenario_break();
	__asm__ volatile("sti" : : : "memory");
	for (unsigned i = 0; i < TIMER_SPINS; i++)
		sink = i;
	__asm__ volatile("cli" : : : "memory");
	console_printf("No interrupt arrived. The PIC's output reaches the CPU through the\n"
	               "local APIC's LINT0, masked after reset (SDM Vol. 3A 10.4.7.1) until\n"
	               "a PC BIOS unmasks it; a machine with no BIOS (QEMU's microvm) has\n"
	               "none to do it.\n");
}

/* The ring-3 scenarios (kernel/ring3.c runs the code; kernel/user_code.inc
 * has it). */
SCENARIO_FN scenario_user_page_fault(void)
{
	ring3_run(user_page_fault);
}

SCENARIO_FN scenario_user_privileged(void)
{
	ring3_run(user_privileged);
}

/* IDT[3] keeps the DPL 0 every gate here has: INT 3 from CPL 3 is #GP. */
SCENARIO_FN scenario_user_int(void)
{
	ring3_run(user_int);
}

/* A DPL-3 gate on vector 3, as kernels give #BP so that a debugger's INT3
 * works in user programs (SDM Vol. 3A 6.12.1.2): idt_install() gave it
 * (gate_dpl(), kernel/privilege.c). */
SCENARIO_FN scenario_user_int_allowed(void)
{
	ring3_run(user_int_allowed);
}

/* CR0.AM lets EFLAGS.AC ask for alignment checks; they happen only at CPL 3
 * (SDM Vol. 3A 2.5; 6.15, Interrupt 17). The user code sets AC itself. */
SCENARIO_FN scenario_alignment_check(void)
{
	arch_write_cr0(arch_read_cr0() | CR0_AM);
	ring3_run(user_alignment_check);
}

/* A classic bug: the TSS's ring-0 stack pointer names the stack's lowest
 * address instead of its top. The user write faults (#PF); the CPU switches
 * to that stack, and its first push lands in the guard page below: a #PF
 * while delivering a #PF, so #DF (SDM Vol. 3A 6.15, Table 6-5). Only a #DF on
 * its own stack (task gate or IST1) survives; on that same stack (df=stack)
 * the #DF's own push faults again: a triple fault. */
SCENARIO_FN scenario_bad_rsp0(void)
{
	arch_set_ring0_stack(stack_regions[STACK_KERNEL].bottom);
	ring3_run(user_page_fault);
}

static void (*const scenario_fns[SCENARIO_COUNT])(void) = {
	[SCENARIO_PAGE_FAULT]         = scenario_page_fault,
	[SCENARIO_STACK_OVERFLOW]     = scenario_stack_overflow,
	[SCENARIO_DIVIDE_ERROR]       = scenario_divide_error,
	[SCENARIO_BREAKPOINT]         = scenario_breakpoint,
	[SCENARIO_INVALID_OPCODE]     = scenario_invalid_opcode,
	[SCENARIO_GENERAL_PROTECTION] = scenario_general_protection,
	[SCENARIO_DEBUG]              = scenario_debug,
	[SCENARIO_DEVICE_NOT_AVAILABLE] = scenario_device_not_available,
	[SCENARIO_SEGMENT_NOT_PRESENT] = scenario_segment_not_present,
	[SCENARIO_STACK_SEGMENT]      = scenario_stack_segment,
	[SCENARIO_X87_ERROR]          = scenario_x87_error,
	[SCENARIO_SIMD_ERROR]         = scenario_simd_error,
	[SCENARIO_MISSING_GATE]       = scenario_missing_gate,
	[SCENARIO_NULL_CALL]          = scenario_null_call,
	[SCENARIO_TIMER_IRQ]          = scenario_timer_irq,
	[SCENARIO_NESTED_FAULT]       = scenario_invalid_opcode,   /* the reporter faults next */
	[SCENARIO_USER_PAGE_FAULT]    = scenario_user_page_fault,
	[SCENARIO_USER_PRIVILEGED]    = scenario_user_privileged,
	[SCENARIO_USER_INT]           = scenario_user_int,
	[SCENARIO_USER_INT_ALLOWED]   = scenario_user_int_allowed,
	[SCENARIO_ALIGNMENT_CHECK]    = scenario_alignment_check,
	[SCENARIO_BAD_RSP0]           = scenario_bad_rsp0,
};

void scenario_run(enum scenario s)
{
	if (s >= SCENARIO_COUNT)
		return;
	if (scenario_fns[s] != 0)
		scenario_fns[s]();
	else if (arch_scenario_fns[s] != 0)   /* those only one arch can raise */
		arch_scenario_fns[s]();
}
