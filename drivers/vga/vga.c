/*
 * vga.c - text mode console on the VGA buffer at physical 0xB8000.
 *
 * Each cell is two bytes: the character and an attribute (foreground in the
 * low nibble, background in the high one). Scrolling moves every row up one
 * and blanks the last, so the newest line is always visible. The hardware
 * cursor is moved through the CRT controller's index/data ports 0x3D4/0x3D5
 * (registers 0x0E/0x0F hold the cursor's cell offset).
 */
#include "vga.h"
#include "kernel/arch.h"

#define VGA_BUFFER   ((volatile uint16_t *)0xB8000)
#define CRTC_INDEX   0x3D4
#define CRTC_DATA    0x3D5
#define CRTC_CURSOR_HI 0x0E
#define CRTC_CURSOR_LO 0x0F

static unsigned row, col;
/* Set when a character filled the last column: the line break is taken only
 * when more text follows, so a full-width line followed by '\n' gives one
 * line, not an extra blank one (what terminals call a deferred wrap). */
static int wrap_pending;
static uint8_t attr = VGA_ATTR(VGA_LIGHT_GREY, VGA_BLACK);

static uint16_t cell(char c, uint8_t a)
{
	return (uint16_t)((uint8_t)c | (a << 8));
}

static void move_cursor(void)
{
	uint16_t pos = (uint16_t)(row * VGA_COLS + col);

	arch_outb(CRTC_INDEX, CRTC_CURSOR_HI);
	arch_outb(CRTC_DATA, (uint8_t)(pos >> 8));
	arch_outb(CRTC_INDEX, CRTC_CURSOR_LO);
	arch_outb(CRTC_DATA, (uint8_t)pos);
}

static void scroll(void)
{
	for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
		VGA_BUFFER[i] = VGA_BUFFER[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		VGA_BUFFER[(VGA_ROWS - 1) * VGA_COLS + i] = cell(' ', attr);
	row = VGA_ROWS - 1;
}

void vga_clear(uint8_t a)
{
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		VGA_BUFFER[i] = cell(' ', a);
	row = col = 0;
	wrap_pending = 0;
	move_cursor();
}

void vga_init(void)
{
	vga_clear(attr);
}

void vga_set_attr(uint8_t a)
{
	attr = a;
}

static void newline(void)
{
	col = 0;
	wrap_pending = 0;
	if (++row == VGA_ROWS)
		scroll();
}

void vga_putc(char c)
{
	if (c == '\n') {
		newline();
	} else if (c == '\r') {
		col = 0;
		wrap_pending = 0;
	} else {
		if (wrap_pending)
			newline();
		VGA_BUFFER[row * VGA_COLS + col] = cell(c, attr);
		if (col < VGA_COLS - 1)
			col++;
		else
			wrap_pending = 1;
	}
}

/* The cursor is moved once per string, not per character: each move is four
 * port writes, which an emulator handles one by one. */
void vga_sync_cursor(void)
{
	move_cursor();
}

void vga_fill_row(void)
{
	for (unsigned i = wrap_pending ? VGA_COLS : col; i < VGA_COLS; i++)
		VGA_BUFFER[row * VGA_COLS + i] = cell(' ', attr);
}
