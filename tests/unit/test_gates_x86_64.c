/*
 * test_gates_x86_64.c - arch/x86_64/descriptor.c: 16-byte interrupt gates
 * with an IST field (Intel SDM Vol. 3A 6.14.1, Figure 6-8) and the 16-byte
 * TSS descriptor (SDM 8.2.3, Figure 8-4).
 */
#include "check.h"
#include "arch/x86_64/descriptor.h"

static void int_gates(void)
{
	struct desc16 g = make_int_gate(0x0000000000102345ULL, 0x08, 1);

	/* As the i386 gate, plus IST=1 in bits 34:32 of the low quadword. */
	CHECK_EQ_U64(g.lo, 0x00108E0100082345ULL);
	CHECK_EQ_U64(g.hi, 0);
	CHECK_EQ_U64(gate_ist(g), 1);
	CHECK_EQ_U64(gate_offset(g), 0x102345);

	g = make_int_gate(0x0000000000102345ULL, 0x08, 0);
	CHECK_EQ_U64(g.lo, 0x00108E0000082345ULL);
	CHECK_EQ_U64(g.hi, 0);
	CHECK_EQ_U64(gate_ist(g), 0);

	/* All 64 offset bits: 15:0 low, 31:16 at 63:48, 63:32 in the high half. */
	g = make_int_gate(0x123456789ABCDEF0ULL, 0x08, 0);
	CHECK_EQ_U64(g.lo, 0x9ABC8E000008DEF0ULL);
	CHECK_EQ_U64(g.hi, 0x12345678);
	CHECK_EQ_U64(gate_offset(g), 0x123456789ABCDEF0ULL);

	/* A canonical higher-half handler round-trips too. */
	g = make_int_gate(0xFFFFFFFF80102345ULL, 0x08, 7);
	CHECK_EQ_U64(gate_offset(g), 0xFFFFFFFF80102345ULL);
	CHECK_EQ_U64(gate_ist(g), 7);
	CHECK_EQ_U64(g.hi, 0xFFFFFFFF);

	/* Figure 6-8, every field: selector 0xFFFF stays in 31:16, IST 7 in
	 * 34:32, bits 39:35 stay 0, and the high 32 bits of `hi` are reserved. */
	g = make_int_gate(0xFFFFFFFFFFFFFFFFULL, 0xFFFF, 7);
	CHECK_EQ_U64(g.lo, 0xFFFF8E07FFFFFFFFULL);
	CHECK_EQ_U64(g.hi, 0x00000000FFFFFFFFULL);

	/* IST is 3 bits: a wrong 9 must not spill into the reserved/type bits. */
	g = make_int_gate(0x102345, 0x08, 9);
	CHECK_EQ_U64(gate_ist(g), 1);
	CHECK_EQ_U64(g.lo, 0x00108E0100082345ULL);
	CHECK_EQ_U64(segment_type(g.lo), GATE_TYPE_INT);
}

static void tss_descriptor(void)
{
	struct desc16 d = make_tss_descriptor(0x0000001122334455ULL, 103);

	CHECK_EQ_U64(d.lo, make_segment(0x22334455, 103, DESC_TSS));
	CHECK_EQ_U64(d.lo, 0x2200893344550067ULL);
	CHECK_EQ_U64(d.hi, 0x11);
	CHECK_EQ_U64(segment_type(d.lo), TYPE_TSS_AVAIL);
	CHECK_EQ_U64(segment_base(d.lo) | (d.hi << 32), 0x0000001122334455ULL);

	/* Figure 7-4, every field: a higher-half base, a 20-bit byte limit.
	 * Base 15:0 at 31:16, 23:16 at 39:32, 31:24 at 63:56; limit 15:0 at
	 * 15:0, 19:16 at 51:48; type 9 (available), S=0, DPL 0, P=1, G=0; base
	 * 63:32 in the second 8 bytes, whose bits 12:8 (a type) must be 0. */
	d = make_tss_descriptor(0xFFFF8000DEADBEEFULL, 0x1234F);
	CHECK_EQ_U64(d.lo, 0xDE0189ADBEEF234FULL);
	CHECK_EQ_U64(d.hi, 0xFFFF8000ULL);
	CHECK_EQ_U64(segment_limit(d.lo), 0x1234F);
	CHECK_EQ_U64((d.hi >> 8) & 0x1F, 0);
	CHECK_EQ_U64(d.lo & DESC_GRAN_4K, 0);
	CHECK_EQ_U64(d.lo & DESC_S, 0);
}

void test_gates_x86_64(void)
{
	int_gates();
	tss_descriptor();
}
