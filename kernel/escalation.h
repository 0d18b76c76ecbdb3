/*
 * escalation.h - how one exception turns into #DF, or into shutdown: the
 * exception-pair rules, and their replay for the fault screen's "path" line.
 */
#ifndef KERNEL_ESCALATION_H
#define KERNEL_ESCALATION_H

#include <stdbool.h>
#include <stddef.h>
#include "exceptions.h"

/* What exception_pair_outcome() answers. */
#define PAIR_SERIAL       0     /* the second exception is delivered after the first */
#define PAIR_DOUBLE_FAULT 1     /* the pair becomes #DF */
#define PAIR_SHUTDOWN     2     /* the CPU shuts down: the triple fault */

/* What happens when a `second` exception is raised while the CPU delivers
 * a `first`: PAIR_SERIAL, PAIR_DOUBLE_FAULT or PAIR_SHUTDOWN. It depends
 * only on the two vectors' classes in exception_table (its dfclass column;
 * vectors past the table are benign). The classes and the pairs: SDM Vol.
 * 3A 6.15, Interrupt 8, Tables 6-4 and 6-5; AMD64 APM Vol. 2 8.2.9. While
 * the CPU delivers #DF itself: "If another contributory or page fault
 * exception occurs while attempting to call the double-fault handler, the
 * processor enters shutdown mode" (Intel); "If a third interrupting event
 * occurs while transferring control to the #DF handler, the processor shuts
 * down" (AMD). Delivery can only raise #TS, #NP, #SS, #GP or #PF, so both
 * say shutdown, and this function answers PAIR_SHUTDOWN for any `second`
 * after #DF. */
int exception_pair_outcome(unsigned first, unsigned second);

/* How a first exception escalated, replayed with the pair rules above, one
 * delivery at a time. Delivering vector v:
 *   - finds no gate (gate_present[v] false): #GP, "no gate";
 *   - else, when stack_unusable (the stack in use is the unmapped guard
 *     page), cannot push its frame: #PF, "frame push faults" -- except #DF
 *     when df_switches_stack (it runs on a stack of its own: IST1, or the
 *     #DF task's);
 *   - else succeeds: the chain ends, and v is returned.
 * Each exception raised on the way is paired with the one being delivered
 * (exception_pair_outcome): serial -> deliver the new one next; double fault
 * -> deliver #DF next; shutdown -> the chain ends in ESCALATION_SHUTDOWN.
 *
 * buf gets the first vector's mnemonic, then per step " -> <why>: <new>",
 * then " = #DF" after a pair that makes #DF, or " -> shutdown" after one
 * that shuts down:
 *   "#PF -> frame push faults: #PF = #DF"
 *   "#BP -> no gate: #GP -> no gate: #GP = #DF"
 *   "#DE -> no gate: #GP = #DF -> no gate: #GP -> shutdown"
 * At most size bytes are written, NUL included (fmt_snprintf's rule), and
 * at most ESCALATION_MAX_STEPS steps are replayed (a correct replay needs
 * at most 4: benign, then contributory, then page fault, then #DF); after
 * them the vector being delivered is returned. */
#define ESCALATION_SHUTDOWN  0xFF
#define ESCALATION_MAX_STEPS 4
unsigned escalation_chain(unsigned first, const bool gate_present[EXCEPTION_COUNT],
                          bool stack_unusable, bool df_switches_stack,
                          char *buf, size_t size);

#endif
