/*
 * vga.h - the 80x25 VGA text-mode console (colour, cursor, scrolling).
 */
#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

#include <stdint.h>

#define VGA_COLS 80
#define VGA_ROWS 25

/* The 16 text-mode colours (IBM VGA attribute palette). */
enum vga_color {
	VGA_BLACK, VGA_BLUE, VGA_GREEN, VGA_CYAN, VGA_RED, VGA_MAGENTA, VGA_BROWN,
	VGA_LIGHT_GREY, VGA_DARK_GREY, VGA_LIGHT_BLUE, VGA_LIGHT_GREEN,
	VGA_LIGHT_CYAN, VGA_LIGHT_RED, VGA_LIGHT_MAGENTA, VGA_YELLOW, VGA_WHITE,
};

#define VGA_ATTR(fg, bg) ((uint8_t)(((bg) << 4) | (fg)))

void vga_init(void);
void vga_clear(uint8_t attr);
void vga_set_attr(uint8_t attr);
void vga_putc(char c);
/* Move the hardware cursor to where the next character goes. */
void vga_sync_cursor(void);
/* Paint the rest of the current row with the current attribute (title bars). */
void vga_fill_row(void);

#endif
