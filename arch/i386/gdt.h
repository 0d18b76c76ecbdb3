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

/* Ring 3 (GDT slots 6 and 7): selector = index * 8 | RPL 3. */
#define SEL_USER_CODE   (0x30 | SEL_RPL3)
#define SEL_USER_DATA   (0x38 | SEL_RPL3)

#endif
