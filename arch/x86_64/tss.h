/*
 * tss.h (x86_64) - the 64-bit Task State Segment (Intel SDM Vol. 3A 7.7,
 * Figure 7-11). In long mode it holds no task state at all: only stack
 * pointers (RSP0-2 for privilege changes, IST1-7 for chosen vectors) and the
 * I/O permission bitmap's offset.
 */
#ifndef X86_64_TSS_H
#define X86_64_TSS_H

#include <stddef.h>
#include <stdint.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];          /* RSP0..RSP2 */
	uint64_t reserved1;
	uint64_t ist[7];          /* ist[0] is IST1: a gate's IST field is index + 1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss64) == 104, "the 64-bit TSS is 104 bytes (SDM Figure 7-11)");
_Static_assert(offsetof(struct tss64, rsp) == 0x04, "RSP0 at offset 4");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "IST1 at offset 0x24");
_Static_assert(offsetof(struct tss64, iomap_base) == 0x66, "I/O map base at offset 0x66");

/* The IST slot #DF uses: IST1, i.e. tss.ist[0], gate IST field 1. */
#define DF_IST 1

extern struct tss64 tss;

/* Fill the TSS (IST1 = top of the #DF stack) and load TR with LTR. */
void tss_install(void);

/* Reload TR with the TSS given a shorter limit (scenario=invalid_tss). */
void tss_cut_limit(uint32_t limit);

#endif
