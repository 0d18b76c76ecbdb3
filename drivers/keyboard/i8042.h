/*
 * i8042.h - the PC keyboard controller (an Intel 8042 running IBM's
 * firmware): polled reads of keyboard bytes, and its line to the CPU's reset.
 */
#ifndef DRIVERS_KEYBOARD_I8042_H
#define DRIVERS_KEYBOARD_I8042_H

#include <stdbool.h>
#include <stdint.h>

/* What i8042_init() found. */
enum i8042_state {
	I8042_READY,             /* answers, translating to scan code set 1 */
	I8042_ABSENT,            /* the status port reads 0xFF: nothing there */
	I8042_SILENT,            /* a status port, but no answer to a command */
};

/* Find the controller, drop stale bytes, and make sure it translates the
 * keyboard's codes to scan code set 1 (what the BIOS leaves). Polled only:
 * the keyboard's IRQ 1 stays masked at the PIC and IF stays 0. */
enum i8042_state i8042_init(void);

/* One byte from the keyboard if one is waiting (false otherwise). Bytes
 * from the auxiliary (mouse) port are read and dropped. */
bool i8042_read(uint8_t *byte);

/* Ask the controller to pulse the CPU's reset line. Returns if nothing
 * happened (no controller, or an emulator that ignores it). */
void i8042_pulse_reset(void);

#endif
