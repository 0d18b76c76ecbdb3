/*
 * pic.c - the 8259A PICs: remap them off the exception vectors, mask them,
 * and say whether an IRQ is in service.
 *
 * The PC BIOS leaves the master PIC sending IRQ 0-7 to vectors 8-15. Since
 * the 80286, vectors 0-31 are the CPU's exceptions (SDM Vol. 3A 6.2, Table
 * 6-1), so with that mapping the timer (IRQ 0) arrives on vector 8, #DF's
 * vector, the moment interrupts are on. A protected-mode kernel reprograms
 * both PICs with the four initialisation words (Intel 8259A data sheet,
 * "Initialization Command Words"), and masks what it does not handle.
 *
 * The in-service register (ISR) has a bit set for each IRQ the CPU accepted
 * and that has not seen an end-of-interrupt: on a vector IRQs share with an
 * exception, it tells the two apart. (A #DF pushes an error code; an IRQ
 * does not, so the handler must know before it reads the frame.)
 */
#include "pic.h"
#include "kernel/arch.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1

#define ICW1_INIT  0x10         /* initialisation follows */
#define ICW1_ICW4  0x01         /* an ICW4 will be sent */
#define ICW4_8086  0x01         /* 8086/88 mode (not MCS-80/85) */
#define OCW3_READ_ISR 0x0B      /* the next read of the command port is the ISR */
#define CASCADE_IRQ 2           /* the slave hangs off the master's IRQ 2 */

static uint8_t master_vector_base = PIC_BIOS_BASE;
static uint8_t slave_vector_base = PIC_BIOS_BASE2;

void pic_init(uint8_t master_base, uint8_t slave_base)
{
	arch_outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	arch_outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	arch_outb(PIC1_DATA, master_base);              /* ICW2: vector base */
	arch_outb(PIC2_DATA, slave_base);
	arch_outb(PIC1_DATA, 1u << CASCADE_IRQ);        /* ICW3: slave on IRQ 2 */
	arch_outb(PIC2_DATA, CASCADE_IRQ);              /*       its cascade id */
	arch_outb(PIC1_DATA, ICW4_8086);
	arch_outb(PIC2_DATA, ICW4_8086);
	arch_outb(PIC1_DATA, 0xFF);                     /* OCW1: mask all */
	arch_outb(PIC2_DATA, 0xFF);
	master_vector_base = master_base;
	slave_vector_base = slave_base;
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;

	arch_outb(port, arch_inb(port) & (uint8_t)~(1u << (irq % 8)));
	if (irq >= 8)                                   /* the cascade too */
		pic_unmask(CASCADE_IRQ);
}

static uint8_t in_service(uint16_t cmd_port)
{
	arch_outb(cmd_port, OCW3_READ_ISR);
	return arch_inb(cmd_port);
}

int pic_irq_on_vector(unsigned vector)
{
	if (vector >= master_vector_base && vector < master_vector_base + 8u
	    && (in_service(PIC1_CMD) >> (vector - master_vector_base)) & 1)
		return (int)(vector - master_vector_base);
	if (vector >= slave_vector_base && vector < slave_vector_base + 8u
	    && (in_service(PIC2_CMD) >> (vector - slave_vector_base)) & 1)
		return 8 + (int)(vector - slave_vector_base);
	return -1;
}
