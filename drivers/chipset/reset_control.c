/*
 * reset_control.c - a hard reset through the chipset's Reset Control
 * Register (RC, I/O port 0xCF9).
 *
 * Intel 82371AB PCI-to-ISA/IDE Xcelerator (PIIX4) data sheet, "Reset Control
 * Register (I/O)": bit 1, SRST/"System Reset", chooses a hard reset (1: the
 * chipset asserts PCIRST# and the CPU's RESET) over a soft one (0: INIT only);
 * bit 2, RCPU/"Reset CPU", starts the reset when it goes from 0 to 1. The
 * PIIX3 that QEMU's "pc" machine models has the same register, and the I/O
 * Controller Hubs (ICH) keep it at the same port. So: write bit 1 alone,
 * then bits 1 and 2 (0x06).
 *
 * A single byte at 0xCF9 does not touch PCI configuration mechanism #1,
 * whose CONFIG_ADDRESS register at 0xCF8 is reached only by 32-bit accesses
 * (PCI Local Bus Specification 3.0, 3.2.2.3.2).
 */
#include "reset_control.h"
#include "kernel/arch.h"

#define RESET_CONTROL_PORT 0xCF9
#define RC_SYSTEM_RESET    0x02     /* hard reset, not just INIT */
#define RC_RESET_CPU       0x04     /* 0 -> 1 starts the reset */

void reset_control_hard_reset(void)
{
	arch_outb(RESET_CONTROL_PORT, RC_SYSTEM_RESET);
	arch_outb(RESET_CONTROL_PORT, RC_SYSTEM_RESET | RC_RESET_CPU);
}
