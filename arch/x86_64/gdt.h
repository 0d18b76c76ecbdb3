/*
 * gdt.h (x86_64) - the kernel's GDT and its selectors.
 */
#ifndef X86_64_GDT_H
#define X86_64_GDT_H

#include <stdint.h>
#include "kernel/segment.h"

/* Selector = index * 8 | TI (0: GDT) | RPL (0). */
#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_TSS         0x18    /* a 16-byte descriptor: GDT slots 3 and 4 */

/* Load the GDT, reload CS (far return) and the data segment registers. */
void gdt_install(uintptr_t tss_base, uint32_t tss_limit);
/* Rewrite the TSS descriptor (available, so LTR can load it again). */
void gdt_set_tss(uintptr_t tss_base, uint32_t tss_limit);

/* Ring 3's code and data segments: GDT slots 6 and 7, at these byte
 * offsets in the GDT. A selector is more than an offset (SDM Vol. 3A
 * 3.4.2): lab 6 makes the ones ring 3 uses. */
#define GDT_OFFSET_USER_CODE 0x30
#define GDT_OFFSET_USER_DATA 0x38

#endif
