/*
 * scancode.c - scan code set 1, as the 8042 hands it over.
 *
 * The keyboard itself sends scan code set 2; the controller, in the mode the
 * BIOS leaves it (IBM PC/AT Technical Reference, "Keyboard Controller",
 * command byte bit 6; drivers/keyboard/i8042.c), translates every code to
 * set 1, the codes of the original IBM PC keyboard. The tables of set 1 are
 * in the IBM Personal System/2 Hardware Interface Technical Reference,
 * "Keyboard", scan code set 1: a key sends its make code when pressed and
 * make | 0x80 (its break code) when released; keys the PC/XT keyboard did
 * not have (the separate arrows, the keypad's Enter) send 0xE0 first, then
 * the code of the key they copy (the arrows are keypad 8, 2, 4, 6: 0x48,
 * 0x50, 0x4B, 0x4D); Pause sends 0xE1 0x1D 0x45 0xE1 0x9D 0xC5 and no break.
 */
#include <stdbool.h>
#include <stddef.h>
#include "scancode.h"

#define PREFIX_EXTENDED 0xE0
#define PREFIX_PAUSE    0xE1
#define PAUSE_TAIL      2       /* bytes after each 0xE1 of Pause */
#define BREAK_BIT       0x80

#define SC_ESCAPE  0x01
#define SC_LEFT_SHIFT  0x2A
#define SC_RIGHT_SHIFT 0x36
#define SC_ENTER   0x1C
#define SC_SPACE   0x39
#define SC_UP      0x48         /* keypad 8 */
#define SC_LEFT    0x4B         /* keypad 4 */
#define SC_RIGHT   0x4D         /* keypad 6 */
#define SC_DOWN    0x50         /* keypad 2 */

/* The rows of the main block: digits, then the three rows of letters. */
static const struct { uint8_t first; const char *keys; } rows[] = {
	{ 0x02, "1234567890" },
	{ 0x10, "qwertyuiop" },
	{ 0x1E, "asdfghjkl" },
	{ 0x2C, "zxcvbnm" },
};

static enum key plain_key(uint8_t code)
{
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		for (size_t i = 0; rows[r].keys[i] != '\0'; i++)
			if (code == rows[r].first + i)
				return (enum key)rows[r].keys[i];
	switch (code) {
	case SC_ESCAPE: return KEY_ESCAPE;
	case SC_ENTER:  return KEY_ENTER;
	case SC_SPACE:  return (enum key)' ';
	case SC_UP:     return KEY_UP;      /* the keypad's, with Num Lock off */
	case SC_DOWN:   return KEY_DOWN;
	case SC_LEFT:   return KEY_LEFT;
	case SC_RIGHT:  return KEY_RIGHT;
	default:        return KEY_OTHER;
	}
}

enum key scancode_decode(struct scancode_decoder *d, uint8_t byte)
{
	bool extended = d->extended;

	if (d->skip > 0) {
		d->skip--;
		return KEY_NONE;
	}
	d->extended = 0;
	if (byte == PREFIX_PAUSE) {
		d->skip = PAUSE_TAIL;
		return KEY_NONE;
	}
	if (byte == PREFIX_EXTENDED) {
		d->extended = 1;
		return KEY_NONE;
	}
	if (byte & BREAK_BIT)
		return KEY_NONE;
	/* 0xE0 0x2A and 0xE0 0x36 are "fake shifts" some keys wrap
	 * themselves in (Print Screen, the arrows with Num Lock on): no key. */
	if (extended && (byte == SC_LEFT_SHIFT || byte == SC_RIGHT_SHIFT))
		return KEY_NONE;
	return plain_key(byte);      /* 0xE0 0x48 and keypad 8 both mean Up */
}
