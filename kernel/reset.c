/*
 * reset.c - reset the machine, three ways, most polite first.
 *
 * 1. The keyboard controller's "pulse output port" command 0xFE: since the
 *    PC/AT, the 8042's output port bit 0 drives the CPU's reset line (IBM
 *    PC/AT Technical Reference; drivers/keyboard/i8042.c). Every PC-like
 *    machine with an 8042, QEMU's "pc" and Bochs included, honours it.
 * 2. The chipset's Reset Control Register at port 0xCF9, value 0x06 (PIIX3,
 *    PIIX4 and ICH data sheets; drivers/chipset/reset_control.c): for
 *    machines with no 8042, or one that does not wire the reset line.
 * 3. A triple fault on purpose (arch_triple_fault): it needs no device at
 *    all. The CPU shuts down, and a PC's chipset turns the shutdown cycle
 *    into a reset (SDM Vol. 3A 6.15, Interrupt 8: "the processor enters
 *    shutdown mode"; what follows is the platform's choice). It is the
 *    same reset a broken scenario causes, which is why it comes last: QEMU
 *    logs it as "Triple fault", and the lessons teach that as a failure.
 *
 * With QEMU's -no-reboot, any of the three ends QEMU instead of restarting
 * the machine (make run LOOP=0).
 */
#include "arch.h"
#include "console.h"
#include "reset.h"
#include "drivers/chipset/reset_control.h"
#include "drivers/keyboard/i8042.h"

/* Long enough for a reset to take effect (the 8042 pulses the line within
 * microseconds of taking the command), short enough not to be noticed. */
#define RESET_GRACE_LOOPS 10000000u

static void grace(void)
{
	for (volatile unsigned i = 0; i < RESET_GRACE_LOOPS; i++)
		;
}

void machine_reset(void)
{
	console_printf("reset: keyboard controller, command 0xFE to port 0x64\n");
	console_flush();
	i8042_pulse_reset();
	grace();
	console_printf("reset: no reset yet; the chipset's register, 0x06 to port 0xCF9\n");
	console_flush();
	reset_control_hard_reset();
	grace();
	console_printf("reset: no reset yet; a triple fault on purpose (an empty IDT)\n");
	console_flush();
	arch_triple_fault();
}
