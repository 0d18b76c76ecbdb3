/*
 * scancode.h - keyboard bytes in scan code set 1 to keys. Pure: the host
 * unit tests feed it byte sequences.
 */
#ifndef DRIVERS_KEYBOARD_SCANCODE_H
#define DRIVERS_KEYBOARD_SCANCODE_H

#include <stdint.h>

/* A key: KEY_NONE, a lowercase letter or digit, ' ', '\n' (either Enter),
 * KEY_ESCAPE, or one of the keys below that have no character. */
enum key {
	KEY_NONE   = 0,
	KEY_ENTER  = '\n',
	KEY_ESCAPE = 0x1B,
	KEY_UP     = 0x100,
	KEY_DOWN,
	KEY_LEFT,
	KEY_RIGHT,
	KEY_OTHER,               /* pressed, but not one of the above */
};

/* Where a multi-byte code is: nothing pending, after 0xE0, or inside the
 * Pause key's 0xE1 sequence (bytes still to skip). */
struct scancode_decoder {
	uint8_t extended;        /* 0xE0 seen: the next byte is an extended key */
	uint8_t skip;            /* bytes of an 0xE1 sequence still to come */
};

/* Feed one byte; returns the key pressed (a make code) once a code is
 * complete, KEY_NONE for prefixes, releases (break codes) and the
 * keyboard's own replies (0xFA acknowledge, 0xAA self-test passed: both
 * have bit 7 set, like a break code). */
enum key scancode_decode(struct scancode_decoder *d, uint8_t byte);

#endif
