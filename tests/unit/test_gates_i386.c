/*
 * test_gates_i386.c - arch/i386/descriptor.c: 8-byte interrupt and task gates
 * (Intel SDM Vol. 3A 6.11, Figure 6-2). The i386 names carry an i386_ prefix
 * here (see i386_names.h) so they link next to the x86_64 encoders.
 */
#include "check.h"
#include "i386_names.h"
#include "arch/i386/descriptor.h"

void test_gates_i386(void)
{
	/* offset 15:0 = 0x2345, selector 0x0008, 0x8E = P, DPL 0, type 0xE,
	 * offset 31:16 = 0x0010. */
	uint64_t g = i386_make_int_gate(0x00102345, 0x08);

	CHECK_EQ_U64(g, 0x00108E0000082345ULL);
	CHECK_EQ_U64(i386_gate_type(g), GATE_TYPE_INT);
	CHECK_EQ_U64(i386_gate_selector(g), 0x08);

	g = i386_make_int_gate(0xC0DEF00D, 0x10);
	CHECK_EQ_U64(g, 0xC0DE8E000010F00DULL);
	CHECK_EQ_U64(i386_gate_selector(g), 0x10);

	/* A task gate: only the TSS selector and 0x85 (P, DPL 0, type 5); the
	 * offset fields are reserved and must be 0. */
	g = i386_make_task_gate(0x20);
	CHECK_EQ_U64(g, 0x0000850000200000ULL);
	CHECK_EQ_U64(i386_gate_type(g), GATE_TYPE_TASK);
	CHECK_EQ_U64(i386_gate_selector(g), 0x20);
	CHECK_EQ_U64(g & 0xFFFF00000000FFFFULL, 0);

	/* Figure 7-6, every field: the selector only in bits 31:16, whatever
	 * its value; bits 15:0, 39:32 and 63:48 reserved (0). */
	CHECK_EQ_U64(i386_make_task_gate(0xFFFF), 0x00008500FFFF0000ULL);
	CHECK_EQ_U64(i386_make_task_gate(0x18), 0x0000850000180000ULL);
	CHECK_EQ_U64(i386_make_task_gate(0), 0x0000850000000000ULL);
}
