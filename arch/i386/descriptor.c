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
	/* LAB 3 BEGIN: encode the 8-byte task gate that descriptor.h
	 * promises: present, DPL 0, naming the TSS descriptor tss_selector.
	 * Which fields does a task gate have, and which bits are reserved?
	 * Read the layout off the figure, bit by bit; kernel/segment.h names
	 * the fields all gates share. Lesson 08; SDM Vol. 3A 6.11 (Figure
	 * 6-2), 7.2.5 (Figure 7-6) and 3.5 (Table 3-2, the system types). */
	return ((uint64_t)tss_selector << 16)
	     | GATE_TYPE(GATE_TYPE_TASK) | GATE_DPL(0) | GATE_PRESENT;
	/* LAB 3 END */
	/* LAB 3 HANDOUT:
	(void)tss_selector;
	return 0;
	*/
}

unsigned gate_type(uint64_t gate)
{
	return (unsigned)((gate >> 40) & 0xF);
}

uint16_t gate_selector(uint64_t gate)
{
	return (uint16_t)(gate >> 16);
}
