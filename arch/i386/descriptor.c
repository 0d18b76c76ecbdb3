/*
 * descriptor.c (i386) - pure encoders for protected-mode gates.
 * No I/O: the host unit tests check them against known-good values.
 */
#include "descriptor.h"

uint64_t make_int_gate(uint32_t handler, uint16_t selector)
{
	return (uint64_t)(handler & 0xFFFF)
	     | ((uint64_t)selector << 16)
	     | GATE_TYPE(GATE_TYPE_INT) | GATE_DPL(0) | GATE_PRESENT
	     | ((uint64_t)(handler >> 16) << 48);
}

uint64_t make_task_gate(uint16_t tss_selector)
{
	return ((uint64_t)tss_selector << 16)
	     | GATE_TYPE(GATE_TYPE_TASK) | GATE_DPL(0) | GATE_PRESENT;
}

unsigned gate_type(uint64_t gate)
{
	return (unsigned)((gate >> 40) & 0xF);
}

uint16_t gate_selector(uint64_t gate)
{
	return (uint16_t)(gate >> 16);
}
