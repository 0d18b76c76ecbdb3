/*
 * segment.c - pack and unpack segment descriptors (Intel SDM Vol. 3A 3.4.5).
 *
 * The base and limit are split across the descriptor for historical (80286)
 * reasons: limit 15:0 in bits 15:0, base 23:0 in bits 39:16, limit 19:16 in
 * bits 51:48 and base 31:24 in bits 63:56.
 */
#include "format.h"
#include "segment.h"

uint64_t make_segment(uint32_t base, uint32_t limit, uint64_t flags)
{
	uint64_t d = flags;

	d |= (uint64_t)(limit & 0xFFFF);
	d |= (uint64_t)(base & 0xFFFFFF) << 16;
	d |= (uint64_t)((limit >> 16) & 0xF) << 48;
	d |= (uint64_t)((base >> 24) & 0xFF) << 56;
	return d;
}

uint32_t segment_base(uint64_t desc)
{
	return (uint32_t)(((desc >> 16) & 0xFFFFFF) | (((desc >> 56) & 0xFF) << 24));
}

uint32_t segment_limit(uint64_t desc)
{
	uint32_t limit = (uint32_t)((desc & 0xFFFF) | (((desc >> 48) & 0xF) << 16));

	return (desc & DESC_GRAN_4K) ? (limit << 12) | 0xFFF : limit;
}

unsigned segment_type(uint64_t desc)
{
	return (unsigned)((desc >> 40) & 0xF);
}

/* System descriptor types (SDM Vol. 3A 3.5, Table 3-2), 32-bit names; in
 * IA-32e mode types 9/B are 64-bit TSSes and C/E/F 64-bit gates. */
static const char *const system_types[16] = {
	[0x1] = "available 16-bit TSS", [0x2] = "LDT", [0x3] = "busy 16-bit TSS",
	[0x4] = "16-bit call gate", [0x5] = "task gate", [0x6] = "16-bit interrupt gate",
	[0x7] = "16-bit trap gate", [0x9] = "available TSS", [0xB] = "busy TSS",
	[0xC] = "call gate", [0xE] = "interrupt gate", [0xF] = "trap gate",
};

void describe_descriptor(uint64_t desc, char *buf, size_t size)
{
	unsigned type = segment_type(desc);
	unsigned dpl = (unsigned)((desc >> 45) & 3);
	const char *present = (desc & DESC_PRESENT) ? "present" : "NOT PRESENT";

	if (desc == 0)
		fmt_snprintf(buf, size, "null descriptor");
	else if (!(desc & DESC_S))
		fmt_snprintf(buf, size, "%s, DPL %u, %s",
		             system_types[type] ? system_types[type] : "reserved system type",
		             dpl, present);
	else if (type & TYPE_CODE)
		fmt_snprintf(buf, size, "code segment, %s, DPL %u, %s",
		             (desc & DESC_LONG) ? "64-bit" : (desc & DESC_DB) ? "32-bit" : "16-bit",
		             dpl, present);
	else
		fmt_snprintf(buf, size, "data segment, %s, DPL %u, %s",
		             (type & TYPE_RW) ? "writable" : "read-only", dpl, present);
}

uint64_t gate_with_dpl(uint64_t gate, unsigned dpl)
{
	return (gate & ~GATE_DPL_MASK) | GATE_DPL(dpl & 3);
}
