/*
 * uart.h - the 16550 UART on COM1, the fault screen's machine-readable mirror.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

void uart_init(void);
void uart_putc(char c);
/* Wait until the transmitter is completely empty (LSR.TEMT), so that nothing
 * is lost when the emulator is told to exit right after. */
void uart_drain(void);

#endif
