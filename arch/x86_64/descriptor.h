/*
 * descriptor.h (x86_64) - the 16-byte system descriptors of IA-32e mode:
 * interrupt gates (Intel SDM Vol. 3A 6.14.1, Figure 6-8) and the TSS
 * descriptor (SDM 7.2.3, Figure 7-4). Segment descriptors are shared with
 * i386: kernel/segment.h.
 */
#ifndef X86_64_DESCRIPTOR_H
#define X86_64_DESCRIPTOR_H

#include <stdint.h>
#include "kernel/segment.h"

struct desc16 {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct desc16) == 16, "IA-32e gates and TSS descriptors are 16 bytes");

/* The IST field, bits 34:32 of the low quadword (SDM 6.14.1); type, DPL and
 * present are shared with i386: kernel/segment.h. */
#define GATE_IST(n)       ((uint64_t)(n) << 32)  /* 0: no stack switch; n: TSS.ist[n-1] */
#define GATE_IST_MASK     0x7

/* A present ring-0 interrupt gate to handler through the code selector.
 * ist is the IST field: 0 for none, 1..7 for TSS.ist[0..6]. */
struct desc16 make_int_gate(uint64_t handler, uint16_t selector, unsigned ist);
unsigned gate_ist(struct desc16 gate);
uint64_t gate_offset(struct desc16 gate);

/* An available 64-bit TSS descriptor: a segment descriptor for the low 32
 * bits of the base, then the upper 32 bits of the base in the next slot. */
struct desc16 make_tss_descriptor(uint64_t base, uint32_t limit);

#endif
