/*
 * idt.h (x86_64) - the Interrupt Descriptor Table for the 32 exceptions.
 */
#ifndef X86_64_IDT_H
#define X86_64_IDT_H

#include "descriptor.h"
#include "kernel/config.h"

void idt_install(const struct kconfig *cfg);
/* The gate the CPU will use for a vector (for the fault screen's notes). */
struct desc16 idt_gate(unsigned vector);
/* Give IDT[vector]'s gate IST field ist, if there is a gate. */
void idt_set_ist(unsigned vector, unsigned ist);

#endif
