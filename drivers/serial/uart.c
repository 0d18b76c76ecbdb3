/*
 * uart.c - polled 16550 driver for COM1 (I/O base 0x3F8), 115200 8N1.
 *
 * Register offsets and bits follow the National PC16550D datasheet. The line
 * must be programmed explicitly: Bochs models the UART faithfully and its LCR
 * starts at 0 (5-bit words), which garbles text. Nothing here uses
 * interrupts: the kernel may be reporting from a double-fault handler.
 */
#include "uart.h"
#include "kernel/arch.h"

#define COM1        0x3F8
#define UART_THR    0   /* transmit holding register (DLAB=0) */
#define UART_DLL    0   /* divisor latch low (DLAB=1) */
#define UART_IER    1   /* interrupt enable (DLAB=0) */
#define UART_DLM    1   /* divisor latch high (DLAB=1) */
#define UART_FCR    2   /* FIFO control */
#define UART_LCR    3   /* line control */
#define UART_MCR    4   /* modem control */
#define UART_LSR    5   /* line status */

#define LCR_8N1     0x03        /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB    0x80        /* divisor latch access */
#define FCR_ENABLE_CLEAR 0x07   /* enable FIFOs, clear receive and transmit */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_THRE    0x20        /* transmit holding register empty */
#define LSR_TEMT    0x40        /* transmitter (holding + shift register) empty */

#define UART_CLOCK_HZ 115200    /* 1.8432 MHz / 16 */
#define BAUD          115200

/* Bounded polling: a missing UART must never hang the fault report. */
#define POLL_LIMIT  100000

static int present;

void uart_init(void)
{
	uint16_t divisor = UART_CLOCK_HZ / BAUD;

	arch_outb(COM1 + UART_IER, 0x00);             /* polled: no interrupts */
	arch_outb(COM1 + UART_LCR, LCR_DLAB);
	arch_outb(COM1 + UART_DLL, (uint8_t)divisor);
	arch_outb(COM1 + UART_DLM, (uint8_t)(divisor >> 8));
	arch_outb(COM1 + UART_LCR, LCR_8N1);          /* also clears DLAB */
	arch_outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	arch_outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	/* No UART answers 0xFF on every port: then stay silent rather than spin. */
	present = arch_inb(COM1 + UART_LSR) != 0xFF;
}

static void wait_for(uint8_t bit)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if (arch_inb(COM1 + UART_LSR) & bit)
			return;
}

void uart_putc(char c)
{
	if (!present)
		return;
	if (c == '\n')
		uart_putc('\r');        /* terminals want CR LF */
	wait_for(LSR_THRE);
	arch_outb(COM1 + UART_THR, (uint8_t)c);
}

void uart_drain(void)
{
	if (present)
		wait_for(LSR_TEMT);
}
