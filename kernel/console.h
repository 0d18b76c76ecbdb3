/*
 * console.h - everything the kernel prints goes through here: to the VGA text
 * screen in colour, and the same characters to COM1, so the serial log is a
 * line-for-line mirror of the screen that tests and graders can read.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdint.h>
#include "drivers/vga/vga.h"

/* Colours used across the screens, named for their role. */
#define ATTR_TEXT    VGA_ATTR(VGA_LIGHT_GREY, VGA_BLACK)
#define ATTR_LABEL   VGA_ATTR(VGA_LIGHT_CYAN, VGA_BLACK)
#define ATTR_VALUE   VGA_ATTR(VGA_WHITE, VGA_BLACK)
#define ATTR_TITLE   VGA_ATTR(VGA_WHITE, VGA_BLUE)
#define ATTR_ALERT   VGA_ATTR(VGA_WHITE, VGA_RED)
#define ATTR_GOOD    VGA_ATTR(VGA_BLACK, VGA_GREEN)
#define ATTR_NOTE    VGA_ATTR(VGA_YELLOW, VGA_BLACK)
#define ATTR_ERROR   VGA_ATTR(VGA_LIGHT_RED, VGA_BLACK)
#define ATTR_DIM     VGA_ATTR(VGA_DARK_GREY, VGA_BLACK)

void console_init(void);
void console_clear(void);
void console_attr(uint8_t attr);
void console_write(const char *s);
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A whole row in one colour, padded to the screen's width (banners). */
void console_banner(uint8_t attr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text that may be longer than a line, after a prefix of `indent` columns:
 * break it between words so no line wraps mid-word, and indent the
 * continuation lines to line up under the first. */
void console_wrapped(const char *text, int indent);
/* Wait for COM1 to finish sending: call before leaving the emulator. */
void console_flush(void);

#endif
