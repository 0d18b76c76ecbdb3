/*
 * console.c - one write path to both screens: VGA (colour) and COM1 (text).
 */
#include <stdarg.h>
#include "console.h"
#include "format.h"
#include "drivers/serial/uart.h"

#define LINE_MAX 256

void console_init(void)
{
	uart_init();
	vga_init();
}

void console_clear(void)
{
	vga_clear(ATTR_TEXT);
}

void console_attr(uint8_t attr)
{
	vga_set_attr(attr);
}

void console_write(const char *s)
{
	for (; *s != '\0'; s++) {
		vga_putc(*s);
		uart_putc(*s);
	}
	vga_sync_cursor();
}

void console_printf(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	console_write(line);
}

void console_banner(uint8_t attr, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	vga_set_attr(attr);
	console_write(line);
	vga_fill_row();
	console_write("\n");
	vga_set_attr(ATTR_TEXT);
}

void console_wrapped(const char *text, int indent)
{
	char line[VGA_COLS + 1];
	int width = VGA_COLS - indent;   /* the caller printed `indent` columns */

	while (*text != '\0') {
		size_t n = fmt_line_break(text, (size_t)width);

		for (size_t i = 0; i < n; i++)
			line[i] = text[i];
		line[n] = '\0';
		console_printf("%s\n", line);
		text += n;
		while (*text == ' ')
			text++;
		if (*text != '\0')
			console_printf("%*s", indent, "");
	}
}

void console_flush(void)
{
	uart_drain();
}
