/*
 * format.c - the kernel's bounded snprintf and a few string helpers.
 *
 * Written small on purpose: every line on the fault screen passes through
 * here, so it must never write past its buffer, whatever the format or the
 * arguments. Only unsigned long is divided (never a 64-bit value on i386),
 * so the kernel needs no libgcc helpers such as __udivdi3.
 */
#include "format.h"

#define WIDTH_MAX 1000   /* wider than any screen; bounds the padding loop */

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void out_pad(struct out *o, char c, int count)
{
	while (count-- > 0 && o->len + 1 < o->size)
		out_char(o, c);
}

/* Emit text[0..n) padded to width, honouring '-' and '0'. */
static void out_field(struct out *o, const char *text, size_t n, int width,
                      int left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (pad == '0' && n > 0 && text[0] == '-') {   /* -0042, not 00-42 */
		out_char(o, '-');
		text++;
		n--;
	}
	if (!left)
		out_pad(o, pad, fill);
	for (size_t i = 0; i < n; i++)
		out_char(o, text[i]);
	if (left)
		out_pad(o, ' ', fill);
}

/* Digits of v in base 16, most significant first, into a caller's buffer. */
static size_t hex_digits(unsigned long long v, char *tmp)
{
	static const char digits[] = "0123456789abcdef";
	char rev[16];
	size_t n = 0;

	do {
		rev[n++] = digits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

static size_t dec_digits(unsigned long v, char *tmp)
{
	char rev[20];
	size_t n = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p != '\0'; p++) {
		int left = 0, width = 0, longs = 0;
		char pad = ' ';
		char tmp[24];
		size_t n;

		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p++;
		if (*p == '-') {
			left = 1;
			p++;
		}
		if (*p == '0') {
			pad = '0';
			p++;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {            /* as in C: a negative width left-aligns */
				left = 1;
				width = width < -WIDTH_MAX ? WIDTH_MAX : -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9') {
				if (width < WIDTH_MAX)
					width = width * 10 + (*p - '0');
				p++;
			}
		}
		if (width > WIDTH_MAX)
			width = WIDTH_MAX;
		while (*p == 'l' && longs < 2) {
			longs++;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			out_field(&o, s, str_len(s), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			out_field(&o, tmp, 1, width, left, ' ');
			break;
		case 'd': {
			long v = longs ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long mag = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
			size_t k = 0;
			if (v < 0)
				tmp[k++] = '-';
			n = k + dec_digits(mag, tmp + k);
			out_field(&o, tmp, n, width, left, pad);
			break;
		}
		case 'u':
			n = dec_digits(longs ? va_arg(ap, unsigned long)
			                     : va_arg(ap, unsigned int), tmp);
			out_field(&o, tmp, n, width, left, pad);
			break;
		case 'x': {
			unsigned long long v;
			if (longs == 2)
				v = va_arg(ap, unsigned long long);
			else if (longs == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			n = hex_digits(v, tmp);
			out_field(&o, tmp, n, width, left, pad);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case '\0':      /* a lone '%' at the end: print it, stop */
			out_char(&o, '%');
			p--;
			break;
		default:        /* unknown conversion: show it as written */
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	if (size > 0)
		buf[o.len] = '\0';
	return o.len;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

size_t fmt_line_break(const char *s, size_t width)
{
	size_t len = str_len(s), last_space = 0;

	if (len <= width || width == 0)
		return len;
	for (size_t i = 1; i <= width; i++)
		if (s[i] == ' ')
			last_space = i;
	return last_space > 0 ? last_space : width;
}

size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

int str_eq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] == '\0' || a[i] != b[i])
			return 0;
	return b[n] == '\0';
}

int str_eq(const char *a, const char *b)
{
	return str_eq_n(a, b, str_len(a));
}
