/*
 * descriptor.h (i386) - the 8-byte gates of protected mode: interrupt gates
 * and task gates (Intel SDM Vol. 3A 6.11, Figure 6-2). Segment and TSS
 * descriptors are shared with x86_64: kernel/segment.h.
 */
#ifndef I386_DESCRIPTOR_H
#define I386_DESCRIPTOR_H

#include <stdint.h>
#include "kernel/segment.h"

/* A present ring-0 32-bit interrupt gate to handler through selector. */
uint64_t make_int_gate(uint32_t handler, uint16_t selector);

/* A present task gate: delivering the vector switches to the task whose TSS
 * descriptor tss_selector names. The offset fields are unused (reserved). */
uint64_t make_task_gate(uint16_t tss_selector);

/* The gate's type (GATE_TYPE_INT, GATE_TYPE_TASK) and selector fields. */
unsigned gate_type(uint64_t gate);
uint16_t gate_selector(uint64_t gate);

#endif
