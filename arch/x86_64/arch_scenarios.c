/*
 * arch_scenarios.c (x86_64) - scenarios only this arch can raise: none.
 * (INTO, BOUND and task switches exist only in 32-bit code; kernel/cmdline.c
 * says so when they are asked for here.)
 */
#include "kernel/scenarios.h"

void (*const arch_scenario_fns[SCENARIO_COUNT])(void) = { 0 };
