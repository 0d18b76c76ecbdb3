/*
 * test_segment.c - kernel/segment.c against hand-checked descriptors
 * (Intel SDM Vol. 3A 3.4.5, Figure 3-8).
 */
#include "check.h"
#include "kernel/segment.h"

static void flat_segments(void)
{
	/* The three flat ring-0 segments every kernel GDT has: base 0, limit
	 * 0xFFFFF in 4 KiB units (4 GiB). 0x9A = P, DPL 0, S, type code+read;
	 * 0xC = G + D/B, 0xA = G + L (D/B must be 0 with L set). */
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, DESC_KERNEL_CODE32), 0x00CF9A000000FFFFULL);
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, DESC_KERNEL_CODE64), 0x00AF9A000000FFFFULL);
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, DESC_KERNEL_DATA), 0x00CF92000000FFFFULL);
}

static void tss_descriptor(void)
{
	/* limit 103 = 0x67 in bits 15:0; base 0x123456 in bits 39:16; 0x89 =
	 * P, DPL 0, S=0, type 9 (available 32-bit TSS); flags nibble 0 (byte
	 * granular). */
	CHECK_EQ_U64(make_segment(0x00123456, 103, DESC_TSS), 0x0000891234560067ULL);
	CHECK_EQ_U64(segment_type(make_segment(0x00123456, 103, DESC_TSS)), TYPE_TSS_AVAIL);
	/* The busy bit is what turns type 9 into type 11. */
	CHECK_EQ_U64(TYPE_TSS_AVAIL | TYPE_TSS_BUSY_BIT, TYPE_TSS_BUSY);
}

static void fields_are_spread_and_recovered(void)
{
	/* Base 0xAB123456: bits 31:24 (0xAB) go to bits 63:56, bits 23:0 to 39:16;
	 * limit 0xABCDE: 19:16 (0xA) to bits 51:48, 15:0 (0xBCDE) to 15:0. */
	uint64_t d = make_segment(0xAB123456, 0xABCDE, DESC_KERNEL_DATA);

	CHECK_EQ_U64(d, 0xABCA92123456BCDEULL);
	CHECK_EQ_U64(segment_base(d), 0xAB123456);
	CHECK_EQ_U64(segment_type(d), TYPE_RW);
	CHECK_EQ_U64(segment_limit(d), 0xABCDEFFF);          /* G=1: 4 KiB units */
	CHECK_EQ_U64(segment_limit(make_segment(0x1000, 0x67, DESC_TSS)), 0x67);

	d = make_segment(0xAB123456, 0xFFFFF, DESC_KERNEL_CODE32);
	CHECK_EQ_U64(segment_base(d), 0xAB123456);
	CHECK_EQ_U64(segment_type(d), TYPE_CODE | TYPE_RW);

	/* Limits wider than 20 bits are cut, never spill into the flags. */
	CHECK_EQ_U64(make_segment(0, 0xFFFFFFFF, 0), 0x000F00000000FFFFULL);
	CHECK_EQ_U64(segment_base(make_segment(0xFFFFFFFF, 0, 0)), 0xFFFFFFFF);
	CHECK_EQ_U64(segment_base(0), 0);
}

static void raw_bits(void)
{
	CHECK_EQ_U64(DESC_PRESENT, 1ULL << 47);
	CHECK_EQ_U64(DESC_DPL(3), 3ULL << 45);
	CHECK_EQ_U64(DESC_LONG, 1ULL << 53);
	CHECK_EQ_U64(DESC_DB, 1ULL << 54);
	CHECK_EQ_U64(DESC_GRAN_4K, 1ULL << 55);
	CHECK_EQ_U64(GATE_TYPE(GATE_TYPE_INT) | GATE_PRESENT, 0x8EULL << 40);
	CHECK_EQ_U64(GATE_TYPE(GATE_TYPE_TASK) | GATE_PRESENT, 0x85ULL << 40);
}

static void user_segments_and_gate_dpl(void)
{
	/* Ring 3: the same flat segments with DPL 3, 0x9A -> 0xFA, 0x92 -> 0xF2
	 * (P=1, DPL=11b, S=1, type); SDM Vol. 3A 3.4.5 and 5.5. */
	/* The user segments of each arch's gdt.c: the kernel's with DPL 3. */
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, (DESC_KERNEL_CODE32 & ~DESC_DPL(3)) | DESC_DPL(3)),
	             0x00CFFA000000FFFFULL);
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, (DESC_KERNEL_CODE64 & ~DESC_DPL(3)) | DESC_DPL(3)),
	             0x00AFFA000000FFFFULL);
	CHECK_EQ_U64(make_segment(0, 0xFFFFF, (DESC_KERNEL_DATA & ~DESC_DPL(3)) | DESC_DPL(3)),
	             0x00CFF2000000FFFFULL);
	/* A gate's DPL (bits 46:45) changes alone: 0x8E -> 0xEE and back. */
	CHECK_EQ_U64(gate_with_dpl(0x00108E0000081234ULL, 3), 0x0010EE0000081234ULL);
	CHECK_EQ_U64(gate_with_dpl(0x0010EE0000081234ULL, 0), 0x00108E0000081234ULL);
	CHECK_EQ_U64(gate_with_dpl(0x00108E0000081234ULL, 7), 0x0010EE0000081234ULL);
}

void test_segment(void)
{
	flat_segments();
	user_segments_and_gate_dpl();
	tss_descriptor();
	fields_are_spread_and_recovered();
	raw_bits();
}
