/*
 * ring3.c - run a scenario's code in ring 3.
 *
 * The code (kernel/user_code.inc) and the user stack (kernel/stacks.c) become
 * user pages; everything else stays supervisor-only. The kernel then drops
 * to CPL 3 with IRET (SDM Vol. 3A 6.12.1; IRET in Vol. 2A; a far RET, 5.8.6,
 * or SYSEXIT/SYSRET, 5.8.7-5.8.8, could also go down), with interrupts off
 * (IF=0, IOPL=0). From there the code faults, and the CPU switches back to
 * ring 0 on the stack the TSS names: ESP0 on i386, RSP0 on x86_64 (6.12.1,
 * 6.14.4), which tss.c points at the top of the kernel stack. The frames of kmain and the scenario below that top are dead
 * by then: nothing returns to them, as in any kernel whose per-thread kernel
 * stack is empty while its thread runs in user mode.
 */
#include <stdint.h>
#include "arch.h"
#include "ring3.h"
#include "scenarios.h"
#include "stacks.h"

#define EFLAGS_RESERVED1 (1u << 1)   /* always 1; IF, IOPL, AC all 0 */

extern char __user_start[], __user_end[];   /* the linker scripts */

static void map_user_range(uintptr_t from, uintptr_t to)
{
	for (uintptr_t page = from & ~(uintptr_t)(PAGE_SIZE - 1); page < to; page += PAGE_SIZE)
		arch_map_user(page);
}

void ring3_run(void (*code)(void))
{
	map_user_range((uintptr_t)__user_start, (uintptr_t)__user_end);
	map_user_range(stack_regions[STACK_USER].bottom, stack_regions[STACK_USER].top);
	/* With break=on, Bochs stops here: "s" steps through IRET into ring 3. */
	scenario_break();
	arch_enter_user((uintptr_t)code, stack_regions[STACK_USER].top, EFLAGS_RESERVED1);
}
