/*
 * arch/selectors.h (x86_64) - GDT selectors the shared scenarios use.
 */
#ifndef ARCH_SELECTORS_H
#define ARCH_SELECTORS_H

/* A data segment descriptor with P=0: loading it faults (#NP, or #SS for SS).
 * Selector = index 5 * 8, GDT, RPL 0; see arch/x86_64/gdt.c. */
#define ARCH_SEL_NOT_PRESENT 0x28

#endif
