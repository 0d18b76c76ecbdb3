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
	bool debugger_breakpoints = cfg->scenario == SCENARIO_USER_INT_ALLOWED;

	return vector == VECTOR_BP && debugger_breakpoints ? DPL_USER : DPL_KERNEL;
}
