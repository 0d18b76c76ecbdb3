/*
 * format.h - a small, bounded snprintf for the kernel (no libc here).
 *
 * Supported: %s %c %d %u %x %lu %lx %llx and %%, with an optional '-' (left
 * align), '0' (zero pad) and a width, which may be '*'. Output is always
 * NUL-terminated and never longer than size-1; the return value is the length
 * that was written. A pure function: the host unit tests and the fuzzer call it.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Hex digits in one machine word: 8 on i386, 16 on x86_64. Addresses on the
 * fault screen are printed at this width: "0x%0*lx", WORD_DIGITS, value. */
#define WORD_DIGITS ((int)(sizeof(uintptr_t) * 2))

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* How many characters of s go on a line of `width` columns: up to the last
 * space that fits (the space itself is not counted), or `width` when a word is
 * longer than the line, or all of s when it fits. Never 0 for a non-empty s. */
size_t fmt_line_break(const char *s, size_t width);

/* String helpers the kernel needs without libc. */
size_t str_len(const char *s);
int str_eq(const char *a, const char *b);
int str_eq_n(const char *a, const char *b, size_t n); /* a[0..n) equals the whole of b */

#endif
