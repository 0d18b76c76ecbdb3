/*
 * pic.h - the two cascaded 8259A programmable interrupt controllers of the PC.
 */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

#include <stdint.h>

/* Where faultline puts IRQs 0-15: right after the 32 exception vectors. */
#define PIC_KERNEL_BASE   0x20
/* Where the PC BIOS leaves them (from the 8086/8088 PC, whose CPU reserved
 * vectors 0-4 only): IRQ 0-7 on vectors 8-15, IRQ 8-15 on 0x70-0x77. */
#define PIC_BIOS_BASE     0x08
#define PIC_BIOS_BASE2    0x70

/* Program both PICs: IRQ 0-7 on vectors master_base.., 8-15 on slave_base..,
 * and mask every IRQ. */
void pic_init(uint8_t master_base, uint8_t slave_base);
void pic_unmask(unsigned irq);
/* The IRQ delivered on `vector` that the PICs still have in service, or -1:
 * how a handler tells an interrupt from an exception on a shared vector. */
int pic_irq_on_vector(unsigned vector);

#endif
