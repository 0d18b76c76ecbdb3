/*
 * gdt.h (i386) - the kernel's GDT and its selectors.
 */
#ifndef I386_GDT_H
#define I386_GDT_H

#include <stdint.h>
#include "kernel/segment.h"

/* Selector = index * 8 | TI (0: GDT) | RPL (0). */
#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_MAIN_TSS    0x18    /* the task everything normally runs in */
#define SEL_DF_TSS      0x20    /* the #DF task, reached through IDT[8] */

/* Load the GDT and reload CS (far jump) and the data segment registers. */
void gdt_install(uintptr_t main_tss, uintptr_t df_tss, uint32_t tss_limit);

/* The descriptor a selector names (for the #DF task's back-link). */
uint64_t gdt_descriptor(uint16_t selector);

/* Ring 3's code and data segments: GDT slots 6 and 7, at these byte
 * offsets in the GDT. A selector is more than an offset (SDM Vol. 3A
 * 3.4.2): lab 6 makes the ones ring 3 uses. */
#define GDT_OFFSET_USER_CODE 0x30
#define GDT_OFFSET_USER_DATA 0x38

#endif
