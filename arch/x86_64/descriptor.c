/*
 * descriptor.c (x86_64) - pure encoders for the IA-32e system descriptors.
 * No I/O: the host unit tests check them against known-good values.
 */
#include "descriptor.h"
#include "kernel/segment.h"

struct desc16 make_int_gate(uint64_t handler, uint16_t selector, unsigned ist)
{
	/* LAB 2 BEGIN: encode the 16-byte IA-32e interrupt gate that
	 * descriptor.h promises: the handler's 64-bit offset, the code
	 * selector, the IST field (3 bits: keep only them), and a present,
	 * ring-0, 64-bit interrupt gate. Every other bit is 0. Read the layout
	 * off the figure, bit by bit; kernel/segment.h names the fields it
	 * shares with i386's gates. Lesson 07; SDM Vol. 3A 6.14.1 (Figure 6-8)
	 * and 3.5 (Table 3-2, the system types); AMD64 APM Vol. 2 4.8.4. */
	struct desc16 int_gate = {
		.lo = (handler & 0xFFFF) | ((uint64_t)selector << 16)
		      | GATE_IST(ist & GATE_IST_MASK)
		      | GATE_PRESENT | GATE_DPL(0) | GATE_TYPE(GATE_TYPE_INT)
		      | (((handler >> 16) & 0xFFFF) << 48),
		.hi = handler >> 32,        /* bits 95:64: offset 63:32; 127:96 reserved */
	};

	return int_gate;
	/* LAB 2 END */
	/* LAB 2 HANDOUT:
	(void)handler;
	(void)selector;
	(void)ist;
	return (struct desc16){ 0, 0 };
	*/
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
	/* LAB 2 BEGIN: encode the 16-byte descriptor of an available 64-bit
	 * TSS at `base` (all 64 bits) with a byte-granular `limit`, present,
	 * DPL 0, as LTR will find it in the GDT: two 8-byte slots. Which half
	 * looks like an ordinary segment descriptor, and what goes in the
	 * other? Lesson 07; SDM Vol. 3A 7.2.3 (Figure 7-4; 8.2.3 in newer
	 * editions), 3.4.5 (Figure 3-8) and 3.5 (Table 3-2); AMD64 APM Vol. 2
	 * 4.8.3. */
	struct desc16 tss_desc = {
		/* an 8-byte system-segment descriptor: base 31:0, limit, type 9 */
		.lo = make_segment((uint32_t)base, limit, DESC_TSS),
		/* base 63:32; bits 44:40 (the type field's place) must be 0 */
		.hi = base >> 32,
	};

	return tss_desc;
	/* LAB 2 END */
	/* LAB 2 HANDOUT:
	(void)base;
	(void)limit;
	return (struct desc16){ 0, 0 };
	*/
}
