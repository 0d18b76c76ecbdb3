/*
 * reset_control.h - the chipset's Reset Control Register at I/O port 0xCF9.
 */
#ifndef DRIVERS_CHIPSET_RESET_CONTROL_H
#define DRIVERS_CHIPSET_RESET_CONTROL_H

/* Ask for a hard reset. Returns if the chipset has no such register. */
void reset_control_hard_reset(void);

#endif
