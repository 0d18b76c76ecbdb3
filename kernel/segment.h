/*
 * segment.h - the 8-byte segment descriptor, the one descriptor format that
 * i386 and x86_64 share (Intel SDM Vol. 3A 3.4.5, Figure 3-8). Both back ends
 * build their GDTs with make_segment(); in 64-bit mode the same layout holds
 * the code/data segments and the low half of the 16-byte TSS descriptor.
 *
 * Bits are named in two layers: the raw fields, then what a kernel means.
 */
#ifndef KERNEL_SEGMENT_H
#define KERNEL_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

/* Raw fields, as bit positions in the 64-bit descriptor (SDM 3.4.5). */
#define DESC_TYPE(t)   ((uint64_t)(t) << 40)  /* 4-bit type, SDM 3.4.5.1 / 3.5 */
#define DESC_S         (1ULL << 44)           /* 1: code/data, 0: system */
#define DESC_DPL(n)    ((uint64_t)(n) << 45)  /* descriptor privilege level */
#define DESC_PRESENT   (1ULL << 47)
#define DESC_AVL       (1ULL << 52)
#define DESC_LONG      (1ULL << 53)           /* L: 64-bit code segment */
#define DESC_DB        (1ULL << 54)           /* D/B: 32-bit default size */
#define DESC_GRAN_4K   (1ULL << 55)           /* G: limit counts 4 KiB units */

/* Code/data type bits (SDM 3.4.5.1, Table 3-1). */
#define TYPE_ACCESSED  0x1
#define TYPE_RW        0x2                    /* data: writable; code: readable */
#define TYPE_CODE      0x8

/* System types (SDM 3.5, Table 3-2). Type 9 is an available 32-bit TSS in
 * protected mode and an available 64-bit TSS in IA-32e mode; 11 is busy. */
#define TYPE_TSS_AVAIL 0x9
#define TYPE_TSS_BUSY  0xB
#define TYPE_TSS_BUSY_BIT 0x2                 /* set by LTR and task switches */

/* What a kernel means: flat ring-0 segments and a TSS. */
#define DESC_KERNEL_CODE32 (DESC_PRESENT | DESC_S | DESC_DPL(0) | \
                            DESC_TYPE(TYPE_CODE | TYPE_RW) | DESC_DB | DESC_GRAN_4K)
#define DESC_KERNEL_CODE64 (DESC_PRESENT | DESC_S | DESC_DPL(0) | \
                            DESC_TYPE(TYPE_CODE | TYPE_RW) | DESC_LONG | DESC_GRAN_4K)
#define DESC_KERNEL_DATA   (DESC_PRESENT | DESC_S | DESC_DPL(0) | \
                            DESC_TYPE(TYPE_RW) | DESC_DB | DESC_GRAN_4K)
#define DESC_TSS           (DESC_PRESENT | DESC_DPL(0) | DESC_TYPE(TYPE_TSS_AVAIL))

/* A selector's low two bits: the requested privilege level (SDM Vol. 3A
 * 3.4.2, Figure 3-6). The ring-3 segments themselves are built in
 * each arch's gdt.c (lab 6). */
#define SEL_RPL3           3      /* requested privilege level, bits 1:0 */
#define SEL_RPL_MASK       3      /* in a saved CS: the interrupted code's CPL */

/* Gate descriptors keep the same attribute byte position as segments, in the
 * low 8 bytes on both arches (SDM 6.11, Figure 6-2; 6.14.1, Figure 6-8). */
#define GATE_TYPE(t)      ((uint64_t)(t) << 40)
#define GATE_DPL(n)       ((uint64_t)(n) << 45)
#define GATE_PRESENT      (1ULL << 47)
#define GATE_DPL_MASK     GATE_DPL(3)
#define GATE_TYPE_TASK    0x5   /* task gate (protected mode only) */
#define GATE_TYPE_INT     0xE   /* 32-bit interrupt gate; in IA-32e mode, 64-bit */

/* The gate (its low 8 bytes on x86_64) with its DPL replaced. A gate's DPL
 * is the lowest privilege from which INT n, INT3 or INTO may use it; the
 * CPU ignores it for exceptions and hardware interrupts (SDM Vol. 3A
 * 6.12.1.1; 5.12.1.1 in older editions). Pure. */
uint64_t gate_with_dpl(uint64_t gate, unsigned dpl);

/* Encode base, a 20-bit limit and the flags above into a descriptor. */
uint64_t make_segment(uint32_t base, uint32_t limit, uint64_t flags);

/* A descriptor in words, for the fault screen: "data segment, writable,
 * DPL 0, not present", "available 32-bit TSS", "task gate", "null". Pure. */
void describe_descriptor(uint64_t desc, char *buf, size_t size);

/* The base and type fields back out of a descriptor (for the fault screen). */
uint32_t segment_base(uint64_t desc);
unsigned segment_type(uint64_t desc);
/* The limit in bytes minus one: 20 bits, in 4 KiB units when G is set. */
uint32_t segment_limit(uint64_t desc);

#endif
