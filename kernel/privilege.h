/*
 * privilege.h - what ring 3 may do with the IDT: each gate's DPL.
 */
#ifndef KERNEL_PRIVILEGE_H
#define KERNEL_PRIVILEGE_H

#include "config.h"

#define DPL_KERNEL 0    /* only ring 0 may use it with INT n */
#define DPL_USER   3    /* ring 3 may too */

/* The DPL IDT[vector]'s gate gets in this configuration: the least
 * privileged ring from which INT n, INT3 or INTO may go through it. The CPU
 * ignores it for exceptions and hardware interrupts (SDM Vol. 3A 6.12.1.2,
 * "Protection of Exception- and Interrupt-Handler Procedures"; 6.12.1.1 in
 * editions before CET). Pure: both IDT builders ask it, the host tests too. */
unsigned gate_dpl(const struct kconfig *cfg, unsigned vector);

#endif
