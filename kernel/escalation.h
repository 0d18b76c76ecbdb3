/*
 * escalation.h - how one exception turns into #DF, or into shutdown: the
 * exception-pair rules, and their replay for the fault screen's "path" line.
 */
#ifndef KERNEL_ESCALATION_H
#define KERNEL_ESCALATION_H

#include <stdbool.h>
#include <stddef.h>
#include "exceptions.h"

/* Would a `second` exception raised while delivering `first` become #DF?
 * Returns 1 for #DF, 2 for a triple fault (shutdown), 0 for serial delivery.
 * The classes and pairs: SDM Vol. 3A 6.15, Interrupt 8, Tables 6-4 and 6-5;
 * AMD64 APM Vol. 2 8.2.9. While the CPU delivers #DF itself: "If another
 * contributory or page fault exception occurs while attempting to call the
 * double-fault handler, the processor enters shutdown mode" (Intel); "If a
 * third interrupting event occurs while transferring control to the #DF
 * handler, the processor shuts down" (AMD). Delivery can only raise #TS,
 * #NP, #SS, #GP or #PF, so both say shutdown: 2 whatever `second` is. */
int exception_pair_outcome(unsigned first, unsigned second);

/* How a first exception escalated, replayed with the pair rules above: it
 * finds no gate (gate_present[v] false) -> #GP; or its frame cannot be pushed
 * (stack_unusable: the stack is the unmapped guard page) -> #PF again; until
 * one is delivered, or two make #DF. df_switches_stack: #DF runs on a stack
 * of its own (IST1, the #DF task), so a broken stack does not stop it.
 * Writes "#PF -> frame push faults: #PF = #DF" into buf and returns the
 * vector the chain ends in: the one delivered, or ESCALATION_SHUTDOWN. */
#define ESCALATION_SHUTDOWN 0xFF
unsigned escalation_chain(unsigned first, const bool gate_present[EXCEPTION_COUNT],
                          bool stack_unusable, bool df_switches_stack,
                          char *buf, size_t size);

#endif
