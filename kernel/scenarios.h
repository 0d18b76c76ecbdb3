/*
 * scenarios.h - the faults a learner can choose on the command line.
 */
#ifndef KERNEL_SCENARIOS_H
#define KERNEL_SCENARIOS_H

#include "config.h"

/* Run a scenario. It is meant to fault; returning means it did not. */
void scenario_run(enum scenario s);

/* With break=on, a Bochs magic breakpoint: call it just before the faulting
 * instruction. */
void scenario_break(void);

/* Scenarios only one arch can raise (INTO, BOUND, a task switch on i386),
 * indexed by enum scenario; NULL where the back end has none. */
extern void (*const arch_scenario_fns[SCENARIO_COUNT])(void);

#endif
