/*
 * privilege.c - which IDT gates ring 3 may use with INT n, INT3 or INTO.
 *
 * Every gate here leads to ring-0 code (its selector is the kernel's code
 * segment): the gate's DPL does not change where the handler runs, only who
 * may raise the vector in software. An exception or interrupt ignores it; an
 * INT n, INT3 or INTO at a CPL above it raises #GP with the IDT entry in the
 * error code instead (SDM Vol. 3A 6.12.1.2, 6.13). So a kernel gives DPL 3
 * only to the vectors user programs are meant to raise themselves, as INT3
 * for a debugger's breakpoints; every other gate keeps DPL 0, or user code
 * could fake a page fault or a double fault with INT 14 or INT 8.
 */
#include "exceptions.h"
#include "privilege.h"

unsigned gate_dpl(const struct kconfig *cfg, unsigned vector)
{
	/* LAB 6 BEGIN: choose IDT[vector]'s DPL in configuration cfg. The
	 * scenario user_int shows INT 3 from ring 3 refused (#GP naming
	 * IDT[3]); user_int_allowed shows it delivered as #BP, as kernels
	 * allow debuggers; no other gate may be raised from ring 3 in any
	 * scenario. Which check does the CPU make with a gate's DPL, and for
	 * which events? Lesson 11; SDM Vol. 3A 6.12.1.2 and 6.13; INT n in
	 * Vol. 2A. */
	bool debugger_breakpoints = cfg->scenario == SCENARIO_USER_INT_ALLOWED;

	return vector == VECTOR_BP && debugger_breakpoints ? DPL_USER : DPL_KERNEL;
	/* LAB 6 END */
	/* LAB 6 HANDOUT:
	(void)cfg;
	(void)vector;
	return DPL_KERNEL;
	*/
}
