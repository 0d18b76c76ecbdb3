/*
 * arch_scenarios.c (x86_64) - scenarios only this back end raises its way.
 * (INTO and BOUND are invalid in 64-bit mode; kernel/cmdline.c says so when
 * they are asked for here.)
 *
 * 64-bit mode has no task switch, but it still reads the TSS: for RSPn on a
 * change to a more privileged ring, and for ISTn whenever a gate names one.
 * A field past the TSS's limit is #TS, with TR's selector as the error code.
 */
#include <stddef.h>
#include "idt.h"
#include "tss.h"
#include "kernel/exceptions.h"
#include "kernel/scenarios.h"

#define SCENARIO_FN __attribute__((noinline)) static void

/* Cut the TSS just before IST1, point IDT[6] (#UD) at IST1, then ud2. The
 * CPU, delivering #UD, reads TSS.ist[0] past the limit: #TS(0x18), with
 * EXT=1 because it arose while delivering an earlier exception (SDM Vol. 3A
 * 6.13). #TS goes through IDT[10], which needs no IST. With no gate for #UD
 * (handlers=df) the IST never comes into it: #GP, then #DF, as for ud2. */
SCENARIO_FN scenario_invalid_tss(void)
{
	tss_cut_limit(offsetof(struct tss64, ist) - 1);
	idt_set_ist(VECTOR_UD, 1);
	scenario_break();
	__asm__ volatile("ud2");
}

void (*const arch_scenario_fns[SCENARIO_COUNT])(void) = {
	[SCENARIO_INVALID_TSS] = scenario_invalid_tss,
};
