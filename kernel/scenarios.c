/*
 * scenarios.c - one small function per fault, each doing exactly one thing
 * wrong. They are noinline so that the faulting instruction lies inside a
 * function with the scenario's name: the fault screen's IP, the tests and the
 * debugger walk-throughs all point at it.
 */
#include <stdint.h>
#include "kmain.h"
#include "scenarios.h"
#include "stacks.h"

#define SCENARIO_FN __attribute__((noinline)) static void

/* break=on: Bochs stops at "xchg bx, bx" (bochsrc: magic_break), so a
 * learner in debug-bochs lands just before the faulting instruction and can
 * step into the exception delivery with "s". Elsewhere it is a no-op. */
static inline void break_before_fault(void)
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
	break_before_fault();
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
		break_before_fault();
	}
	frame[0] = (uint8_t)depth;
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
	break_before_fault();
	sink = one / zero;
}

/* int3 is a trap: the saved IP points after it. */
SCENARIO_FN scenario_breakpoint(void)
{
	break_before_fault();
	__asm__ volatile("int3");
}

/* ud2 is defined to be invalid. */
SCENARIO_FN scenario_invalid_opcode(void)
{
	break_before_fault();
	__asm__ volatile("ud2");
}

/* Loading DS with a selector beyond the GDT's limit: #GP(selector). */
SCENARIO_FN scenario_general_protection(void)
{
	break_before_fault();
	__asm__ volatile("mov %0, %%ds" : : "r"((uint16_t)0xfff8));
}

static void (*const scenario_fns[SCENARIO_COUNT])(void) = {
	[SCENARIO_PAGE_FAULT]         = scenario_page_fault,
	[SCENARIO_STACK_OVERFLOW]     = scenario_stack_overflow,
	[SCENARIO_DIVIDE_ERROR]       = scenario_divide_error,
	[SCENARIO_BREAKPOINT]         = scenario_breakpoint,
	[SCENARIO_INVALID_OPCODE]     = scenario_invalid_opcode,
	[SCENARIO_GENERAL_PROTECTION] = scenario_general_protection,
};

void scenario_run(enum scenario s)
{
	if (s < SCENARIO_COUNT && scenario_fns[s] != 0)
		scenario_fns[s]();
}
