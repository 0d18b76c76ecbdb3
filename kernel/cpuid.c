/*
 * cpuid.c - ask the processor which optional features it has.
 *
 * CPUID itself is optional on 32-bit processors: it exists when software can
 * flip EFLAGS.ID (bit 21) (SDM Vol. 1 3.4.3.3). An early 486 cannot, and
 * then faultline uses no optional feature at all. The same code serves both
 * arches: pushf/popf and cpuid assemble to the width of the mode.
 */
#include "cpuid.h"

#define EFLAGS_ID (1ul << 21)

struct feature_bit {
	uint32_t leaf;
	unsigned reg;           /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	unsigned bit;
};

static const struct feature_bit features[] = {
	[CPU_SMEP] = { 0x00000007u, 1, 7 },
	[CPU_NX]   = { 0x80000001u, 3, 20 },
};

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(0));
}

static bool cpuid_exists(void)
{
	unsigned long before, after;

	__asm__ volatile("pushf\n\t"
	                 "pop %0\n\t"
	                 "mov %0, %1\n\t"
	                 "xor %2, %1\n\t"
	                 "push %1\n\t"
	                 "popf\n\t"
	                 "pushf\n\t"
	                 "pop %1\n\t"
	                 "push %0\n\t"          /* put EFLAGS back as it was */
	                 "popf"
	                 : "=&r"(before), "=&r"(after) : "r"(EFLAGS_ID) : "cc");
	return ((before ^ after) & EFLAGS_ID) != 0;
}

bool cpu_has(enum cpu_feature f)
{
	const struct feature_bit *b = &features[f];
	uint32_t r[4];

	if (!cpuid_exists())
		return false;
	cpuid(b->leaf & 0x80000000u, r);        /* the highest leaf of this range */
	if (r[0] < b->leaf)
		return false;
	cpuid(b->leaf, r);
	return (r[b->reg] >> b->bit) & 1;
}
