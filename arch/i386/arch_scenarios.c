/*
 * arch_scenarios.c (i386) - the scenarios only 32-bit code can raise: INTO
 * and BOUND are invalid in 64-bit mode, and only protected mode has hardware
 * task switches to get wrong.
 */
#include <stdint.h>
#include "tss.h"
#include "kernel/scenarios.h"

#define SCENARIO_FN __attribute__((noinline)) static void

/* INTO raises #OF when EFLAGS.OF is set; 0x7f + 1 overflows a signed byte.
 * A trap: the saved EIP points after INTO. */
SCENARIO_FN scenario_overflow(void)
{
	scenario_break();
	__asm__ volatile("movb $0x7f, %%al\n\t"
	                 "addb $1, %%al\n\t"
	                 "into" : : : "eax", "cc");
}

/* BOUND checks a signed index against [lower, upper] in memory and raises
 * #BR when it is outside: 10 is not in [0, 3]. */
SCENARIO_FN scenario_bound_range(void)
{
	static const int32_t bounds[2] = { 0, 3 };

	scenario_break();
	__asm__ volatile("bound %0, %1" : : "r"(10), "m"(bounds));
}

/* IRET with EFLAGS.NT set is a return to the task named by the current TSS's
 * back-link (SDM Vol. 3A 7.3). A back-link past the GDT's limit cannot name a
 * TSS: #TS(back-link). We are not nested, so nothing else depends on it. */
SCENARIO_FN scenario_invalid_tss(void)
{
	main_tss.back_link = 0xFFF8;
	scenario_break();
	__asm__ volatile("pushfl\n\t"
	                 "orl %0, (%%esp)\n\t"
	                 "popfl\n\t"
	                 "iret" : : "i"(EFLAGS_NT) : "memory", "cc");
}

void (*const arch_scenario_fns[SCENARIO_COUNT])(void) = {
	[SCENARIO_OVERFLOW]    = scenario_overflow,
	[SCENARIO_BOUND_RANGE] = scenario_bound_range,
	[SCENARIO_INVALID_TSS] = scenario_invalid_tss,
};
