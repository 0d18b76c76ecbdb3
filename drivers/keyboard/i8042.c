/*
 * i8042.c - the PC keyboard controller, polled.
 *
 * Two sources, one for the chip and one for what IBM made it do:
 *   - Intel UPI-41A/41AH/42/42AH Universal Peripheral Interface data sheet:
 *     the chip's STATUS register (read at port 0x64 on a PC): bit 0 OBF,
 *     output buffer full (a byte for the CPU waits in DBBOUT, read at 0x60);
 *     bit 1 IBF, input buffer full (the chip has not yet taken the last byte
 *     written to 0x60 or 0x64: wait before writing another).
 *   - IBM Personal Computer AT Technical Reference (1984), "Keyboard
 *     Controller": commands written to port 0x64 (0x20 read and 0x60 write
 *     the controller's command byte; "FX Pulse Output Port": bits 3-0 of the
 *     command select output-port lines to pulse low, 0 = pulse, and output
 *     port bit 0 is wired to the system reset line, so 0xFE resets the CPU),
 *     and the command byte's bit 6, "IBM Personal Computer Compatibility
 *     Mode": the controller translates the keyboard's codes to those of the
 *     original PC keyboard, scan code set 1 (drivers/keyboard/scancode.c).
 *   - IBM Personal System/2 Hardware Interface Technical Reference,
 *     "Keyboard/Auxiliary Device Controller": status bit 5, the byte waiting
 *     came from the auxiliary device (the mouse), not the keyboard.
 *
 * Every wait is bounded: on a machine with no controller (QEMU's microvm)
 * the status port reads 0xFF, and the kernel must say so, not spin.
 */
#include "i8042.h"
#include "kernel/arch.h"

#define I8042_DATA    0x60
#define I8042_STATUS  0x64      /* read */
#define I8042_COMMAND 0x64      /* write */

#define STATUS_OBF    0x01      /* a byte waits at I8042_DATA */
#define STATUS_IBF    0x02      /* the controller has not taken our last byte */
#define STATUS_AUX    0x20      /* PS/2: the waiting byte is the mouse's */
#define STATUS_NOTHING 0xFF     /* an empty ISA bus reads all ones */

#define CMD_READ_CONFIG  0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_PULSE_RESET  0xFE   /* pulse output port bit 0: the reset line */
#define CONFIG_TRANSLATE 0x40   /* PC compatibility mode: scan code set 1 */

#define POLL_LIMIT   100000     /* reads of the status port, then give up */
#define STALE_LIMIT  32         /* at most this many old bytes are dropped */

static bool wait_status(uint8_t bit, bool set)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if (((arch_inb(I8042_STATUS) & bit) != 0) == set)
			return true;
	return false;
}

static bool send_command(uint8_t command)
{
	if (!wait_status(STATUS_IBF, false))
		return false;
	arch_outb(I8042_COMMAND, command);
	return true;
}

static bool read_answer(uint8_t *byte)
{
	if (!wait_status(STATUS_OBF, true))
		return false;
	*byte = arch_inb(I8042_DATA);
	return true;
}

enum i8042_state i8042_init(void)
{
	uint8_t config;

	if (arch_inb(I8042_STATUS) == STATUS_NOTHING)
		return I8042_ABSENT;
	for (int i = 0; i < STALE_LIMIT && (arch_inb(I8042_STATUS) & STATUS_OBF); i++)
		(void)arch_inb(I8042_DATA);
	if (!send_command(CMD_READ_CONFIG) || !read_answer(&config))
		return I8042_SILENT;
	if (!(config & CONFIG_TRANSLATE)) {
		if (!send_command(CMD_WRITE_CONFIG) || !wait_status(STATUS_IBF, false))
			return I8042_SILENT;
		arch_outb(I8042_DATA, config | CONFIG_TRANSLATE);
	}
	return I8042_READY;
}

bool i8042_read(uint8_t *byte)
{
	uint8_t status = arch_inb(I8042_STATUS);

	if (status == STATUS_NOTHING || !(status & STATUS_OBF))
		return false;
	*byte = arch_inb(I8042_DATA);
	return !(status & STATUS_AUX);
}

void i8042_pulse_reset(void)
{
	if (arch_inb(I8042_STATUS) == STATUS_NOTHING)
		return;
	send_command(CMD_PULSE_RESET);
}
