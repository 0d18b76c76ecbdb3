/*
 * scenarios.h - the faults a learner can choose on the command line.
 */
#ifndef KERNEL_SCENARIOS_H
#define KERNEL_SCENARIOS_H

#include "config.h"

/* Run a scenario. It is meant to fault; returning means it did not. */
void scenario_run(enum scenario s);

#endif
