/*
 * segment.c - pack and unpack segment descriptors (Intel SDM Vol. 3A 3.4.5).
 *
 * The base and limit are split across the descriptor for historical (80286)
 * reasons: limit 15:0 in bits 15:0, base 23:0 in bits 39:16, limit 19:16 in
 * bits 51:48 and base 31:24 in bits 63:56.
 */
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

unsigned segment_type(uint64_t desc)
{
	return (unsigned)((desc >> 40) & 0xF);
}
