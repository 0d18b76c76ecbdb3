/*
 * idt.h (i386) - the Interrupt Descriptor Table for the 32 exceptions.
 */
#ifndef I386_IDT_H
#define I386_IDT_H

#include "kernel/config.h"

void idt_install(const struct kconfig *cfg);

#endif
