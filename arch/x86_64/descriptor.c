/*
 * descriptor.c (x86_64) - pure encoders for the IA-32e system descriptors.
 * No I/O: the host unit tests check them against known-good values.
 */
#include "descriptor.h"
#include "kernel/segment.h"

struct desc16 make_int_gate(uint64_t handler, uint16_t selector, unsigned ist)
{
	struct desc16 g;

	g.lo = (handler & 0xFFFF)
	     | ((uint64_t)selector << 16)
	     | GATE_IST(ist & GATE_IST_MASK)
	     | GATE_TYPE(GATE_TYPE_INT) | GATE_DPL(0) | GATE_PRESENT
	     | (((handler >> 16) & 0xFFFF) << 48);
	g.hi = handler >> 32;
	return g;
}

unsigned gate_ist(struct desc16 gate)
{
	return (unsigned)((gate.lo >> 32) & GATE_IST_MASK);
}

uint64_t gate_offset(struct desc16 gate)
{
	return (gate.lo & 0xFFFF) | (((gate.lo >> 48) & 0xFFFF) << 16) | (gate.hi << 32);
}

struct desc16 make_tss_descriptor(uint64_t base, uint32_t limit)
{
	struct desc16 d;

	d.lo = make_segment((uint32_t)base, limit, DESC_TSS);
	d.hi = base >> 32;
	return d;
}
