/*
 * pit.h - the 8254 programmable interval timer's channel 0, wired to IRQ 0.
 */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

/* Make channel 0 raise IRQ 0 `hz` times a second (rate generator). */
void pit_start(unsigned hz);

#endif
