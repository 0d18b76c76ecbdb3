/*
 * idt.h (i386) - the Interrupt Descriptor Table for the 32 exceptions.
 */
#ifndef I386_IDT_H
#define I386_IDT_H

#include <stdint.h>
#include "kernel/config.h"

void idt_install(const struct kconfig *cfg);
/* The gate the CPU will use for a vector. */
uint64_t idt_gate(unsigned vector);

#endif
