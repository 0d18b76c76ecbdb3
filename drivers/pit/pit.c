/*
 * pit.c - the 8254 PIT, channel 0: the PC's timer, whose output is IRQ 0.
 *
 * It counts down from a divisor at 1.193182 MHz and, in mode 2 (rate
 * generator), pulses IRQ 0 each time it reaches 1 (Intel 8254 data sheet).
 * The BIOS programs it for 18.2 Hz; faultline does not rely on any BIOS
 * having run (QEMU's microvm has none), so it programs it itself.
 */
#include <stdint.h>
#include "pit.h"
#include "kernel/arch.h"

#define PIT_CH0        0x40
#define PIT_MODE       0x43
#define PIT_HZ         1193182u
#define MODE_CH0_LOHI_RATE 0x34   /* channel 0, lobyte/hibyte, mode 2, binary */

void pit_start(unsigned hz)
{
	uint32_t divisor = PIT_HZ / hz;

	if (divisor > 0xFFFF)
		divisor = 0xFFFF;
	arch_outb(PIT_MODE, MODE_CH0_LOHI_RATE);
	arch_outb(PIT_CH0, (uint8_t)divisor);
	arch_outb(PIT_CH0, (uint8_t)(divisor >> 8));
}
