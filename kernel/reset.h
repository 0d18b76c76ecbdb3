/*
 * reset.h - reset the machine, as a learner's key press after a fault asks.
 */
#ifndef KERNEL_RESET_H
#define KERNEL_RESET_H

/* Try each way to reset the machine in turn, saying which on the console;
 * the last one (a triple fault on purpose) cannot fail. */
void machine_reset(void) __attribute__((noreturn));

#endif
