/*
 * fuzz_format.c - libFuzzer target for fmt_snprintf()/fmt_vsnprintf() and
 * fmt_line_break() (kernel/format.c).
 *
 * The input is not used as a format string directly. It drives a small
 * generator that emits a format out of pieces:
 *
 *   - literal text copied from the input ('%' and NUL replaced);
 *   - conversions from the supported set, %s %c %d %ld %u %lu %x %lx %llx %%,
 *     with optional '-' and '0' flags and a width that is digits (up to past
 *     the kernel's WIDTH_MAX) or '*' (any int, INT_MIN included);
 *   - malformed or unsupported sequences that consume no argument ("%q",
 *     "%-07lll", a lone '%' or "%12" at the very end, ...);
 *
 * and at most MAX_ARGS arguments of exactly the types the emitted conversions
 * read (int, unsigned, long, unsigned long, unsigned long long, const char *).
 * fmt_snprintf is then called, through a dispatch over every sequence of
 * argument types, into a large buffer and into buffers of every size from 0
 * up to a little past the output length, each followed by a canary.
 *
 * Properties (abort on violation):
 *   - nothing is written past size (canary intact; nothing at all for size 0);
 *   - the output is NUL-terminated when size > 0, the return value equals
 *     strlen(buf) and equals min(full length, size - 1);
 *   - the output is a prefix of the output into the large buffer;
 *   - when the format is well-formed and within what C's printf defines the
 *     same way (no width over 1000, no '0' on %s/%c, no malformed sequence),
 *     the output equals the host libc's snprintf.
 * fmt_line_break(s, width) on the input text: result <= strlen(s), > 0 for a
 * non-empty s, and when strlen(s) > width > 0 it is <= width and either width
 * or the index of a space.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/format.h"
#include "fuzz.h"

#define MAX_ARGS   4
#define FMT_MAX    512
#define LARGE      (1 << 16)


/* ---- reading the fuzz input ---------------------------------------- */

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint32_t u32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | byte(in);
	return v;
}

static uint64_t u64(struct input *in)
{
	return (uint64_t)u32(in) << 32 | u32(in);
}

/* ---- arguments ------------------------------------------------------- */

enum arg_type { A_INT, A_UINT, A_LONG, A_ULONG, A_ULLONG, A_STR, A_TYPES };

struct slot {
	unsigned long long i;
	const char *s;
};

struct gen {
	char fmt[FMT_MAX + 64];
	size_t len;
	enum arg_type type[MAX_ARGS];
	struct slot slot[MAX_ARGS];
	int nargs;
	int differential;      /* the host snprintf means the same thing */
	char strs[MAX_ARGS][40];
};

static void emit(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	memcpy(g->fmt + g->len, s, n + 1);
	g->len += n;
}

/* Every sequence of up to MAX_ARGS argument types, each one a real call with
 * exactly those types: the FOR_* macros are copies so that they can nest. */
#define V0(k) ((int)sl[k].i)
#define V1(k) ((unsigned)sl[k].i)
#define V2(k) ((long)sl[k].i)
#define V3(k) ((unsigned long)sl[k].i)
#define V4(k) ((unsigned long long)sl[k].i)
#define V5(k) (sl[k].s)
#define FOR_A(M, ...) M(0, __VA_ARGS__) M(1, __VA_ARGS__) M(2, __VA_ARGS__) \
                      M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__)
#define FOR_B(M, ...) M(0, __VA_ARGS__) M(1, __VA_ARGS__) M(2, __VA_ARGS__) \
                      M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__)
#define FOR_C(M, ...) M(0, __VA_ARGS__) M(1, __VA_ARGS__) M(2, __VA_ARGS__) \
                      M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__)
#define FOR_D(M, ...) M(0, __VA_ARGS__) M(1, __VA_ARGS__) M(2, __VA_ARGS__) \
                      M(3, __VA_ARGS__) M(4, __VA_ARGS__) M(5, __VA_ARGS__)

#define CALL1(a)          F(fmt, V##a(0))
#define CALL2(a, b)       F(fmt, V##a(0), V##b(1))
#define CALL3(a, b, c)    F(fmt, V##a(0), V##b(1), V##c(2))
#define CALL4(a, b, c, d) F(fmt, V##a(0), V##b(1), V##c(2), V##d(3))

#define L1_A(a, _)       case a: return CALL1(a);
#define L2_B(b, a)       case (a) * 6 + (b): return CALL2(a, b);
#define L2_A(a, _)       FOR_B(L2_B, a)
#define L3_C(c, a, b)    case ((a) * 6 + (b)) * 6 + (c): return CALL3(a, b, c);
#define L3_B(b, a)       FOR_C(L3_C, a, b)
#define L3_A(a, _)       FOR_B(L3_B, a)
#define L4_D(d, a, b, c) case (((a) * 6 + (b)) * 6 + (c)) * 6 + (d): return CALL4(a, b, c, d);
#define L4_C(c, a, b)    FOR_D(L4_D, a, b, c)
#define L4_B(b, a)       FOR_C(L4_C, a, b)
#define L4_A(a, _)       FOR_B(L4_B, a)

#define DISPATCH(g)                                                          \
	do {                                                                 \
		const struct slot *sl = (g)->slot;                           \
		const char *fmt = (g)->fmt;                                  \
		unsigned code = 0;                                           \
		for (int k = 0; k < (g)->nargs; k++)                         \
			code = code * A_TYPES + (g)->type[k];                \
		switch ((g)->nargs) {                                        \
		case 0: return F(fmt);                                       \
		case 1: switch (code) { FOR_A(L1_A, _) } break;              \
		case 2: switch (code) { FOR_A(L2_A, _) } break;              \
		case 3: switch (code) { FOR_A(L3_A, _) } break;              \
		case 4: switch (code) { FOR_A(L4_A, _) } break;              \
		}                                                            \
		abort();                                                     \
	} while (0)

/* The kernel's formatter, with the generated arguments. The format is built
 * at run time, so -Wformat-nonliteral is expected here. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

static size_t kernel_format(const struct gen *g, char *buf, size_t size)
{
#define F(...) fmt_snprintf(buf, size, __VA_ARGS__)
	DISPATCH(g);
#undef F
}

/* The host libc's snprintf, for the differential check. */
static int libc_format(const struct gen *g, char *buf, size_t size)
{
#define F(...) snprintf(buf, size, __VA_ARGS__)
	DISPATCH(g);
#undef F
}

/* ---- generating a format --------------------------------------------- */

static void add_arg(struct gen *g, enum arg_type t, unsigned long long v, const char *s)
{
	g->type[g->nargs] = t;
	g->slot[g->nargs].i = v;
	g->slot[g->nargs].s = s;
	g->nargs++;
}

static void gen_literal(struct gen *g, struct input *in)
{
	size_t n = byte(in) % 24;
	char c[2] = { 0, 0 };

	for (size_t i = 0; i < n && in->n > 0; i++) {
		c[0] = (char)byte(in);
		if (c[0] == '%')
			c[0] = '!';
		if (c[0] == '\0')
			c[0] = '.';
		emit(g, c);
	}
}

/* Flags and width: '-', '0', then digits or '*'. Returns the args it used. */
static void gen_flags_width(struct gen *g, struct input *in, int allow_star,
                            int *zero, int *wide)
{
	uint8_t f = byte(in);
	char num[24];

	*zero = 0;
	*wide = 0;
	if (f & 1)
		emit(g, "-");
	if (f & 2) {
		emit(g, "0");
		*zero = 1;
	}
	switch ((f >> 2) & 3) {
	case 0:
		break;
	case 1:         /* a small width */
		snprintf(num, sizeof num, "%u", byte(in) % 40);
		emit(g, num);
		break;
	case 2: {       /* any width, past WIDTH_MAX and past INT_MAX too */
		uint32_t w = u32(in);
		unsigned sel = (f >> 4) & 3;
		unsigned long long v = sel == 0 ? w % 1200 : sel == 1 ? w % 100000
		                     : sel == 2 ? w : (unsigned long long)w * 1000003ULL;
		snprintf(num, sizeof num, "%llu", v);
		emit(g, num);
		if (v > 1000)
			*wide = 1;
		break;
	}
	case 3:
		if (!allow_star || g->nargs >= MAX_ARGS)
			break;
		{
			int32_t w = (int32_t)u32(in);
			if (!((f >> 4) & 1))        /* mostly in the screen's range */
				w %= 1100;
			if (w > 1000 || w < -1000)
				*wide = 1;
			emit(g, "*");
			add_arg(g, A_INT, (unsigned long long)(long long)w, NULL);
		}
		break;
	}
}

/* A supported conversion with its argument. */
static void gen_conversion(struct gen *g, struct input *in)
{
	static const struct {
		const char *spec;
		enum arg_type type;
	} convs[] = {
		{ "s", A_STR }, { "c", A_INT }, { "d", A_INT }, { "ld", A_LONG },
		{ "u", A_UINT }, { "lu", A_ULONG }, { "x", A_UINT }, { "lx", A_ULONG },
		{ "llx", A_ULLONG }, { "%", A_TYPES },
	};
	int zero, wide;
	uint8_t pick = byte(in);
	size_t ci = pick % (sizeof convs / sizeof convs[0]);

	if (convs[ci].type == A_TYPES) {       /* %%: plain, as printf wants it */
		emit(g, "%%");
		return;
	}
	/* Room for '*' and the conversion's own argument. */
	if (g->nargs >= MAX_ARGS) {
		gen_literal(g, in);
		return;
	}
	emit(g, "%");
	gen_flags_width(g, in, g->nargs + 1 < MAX_ARGS, &zero, &wide);
	emit(g, convs[ci].spec);
	if (wide)
		g->differential = 0;
	if (zero && (convs[ci].type == A_STR || ci == 1))
		g->differential = 0;           /* '0' with %s/%c: undefined in C */

	switch (convs[ci].type) {
	case A_STR: {
		char *s = g->strs[g->nargs];
		size_t n = byte(in) % sizeof g->strs[0];
		if (n == sizeof g->strs[0] - 1) {       /* sometimes NULL */
			add_arg(g, A_STR, 0, NULL);
			break;
		}
		for (size_t i = 0; i < n; i++)
			s[i] = (char)byte(in);
		s[n] = '\0';                   /* may be shorter: a NUL in the input */
		add_arg(g, A_STR, 0, s);
		break;
	}
	case A_INT:
		if (ci == 1) {                 /* %c: never NUL, which would end the string */
			uint8_t c = byte(in);
			add_arg(g, A_INT, c ? c : 'A', NULL);
		} else {
			add_arg(g, A_INT, (unsigned long long)(long long)(int32_t)u32(in), NULL);
		}
		break;
	case A_UINT:
		add_arg(g, A_UINT, u32(in), NULL);
		break;
	case A_LONG:
	case A_ULONG:
	case A_ULLONG:
		add_arg(g, convs[ci].type, u64(in), NULL);
		break;
	default:
		abort();
	}
}

/* A sequence the kernel shows as written, consuming no argument. */
static void gen_malformed(struct gen *g, struct input *in)
{
	static const char ends[] = "qpioXnhzL#+. !&l";
	uint8_t f = byte(in);
	int zero, wide;

	emit(g, "%");
	gen_flags_width(g, in, 0, &zero, &wide);
	for (int i = 0; i < (f & 3); i++)
		emit(g, "l");
	char end[2] = { ends[(f >> 2) % (sizeof ends - 1)], 0 };
	if (end[0] == 'l' && (f & 3) < 2)
		end[0] = 'q';                  /* "%l" + 'l' would be a length, not an end */
	emit(g, end);
	g->differential = 0;
}

static void generate(struct gen *g, struct input *in)
{
	memset(g, 0, sizeof *g);
	g->differential = 1;
	while (in->n > 0 && g->len < FMT_MAX) {
		switch (byte(in) % 4) {
		case 0:
			gen_literal(g, in);
			break;
		case 1:
		case 2:
			gen_conversion(g, in);
			break;
		case 3:
			gen_malformed(g, in);
			break;
		}
	}
	/* Sometimes an unfinished sequence at the very end: "%", "%-0", "%12l". */
	if (g->len > 0 && (uint8_t)g->fmt[0] % 5 == 0) {
		static const char *const tails[] = { "%", "%-", "%0", "%-0", "%12", "%l", "%ll", "%-07l" };
		emit(g, tails[(uint8_t)g->fmt[g->len - 1] % 8]);
		g->differential = 0;
	}
}

/* ---- properties -------------------------------------------------------- */

static char large[LARGE];
static char expect[LARGE];

static void check_format(const struct gen *g)
{
	size_t full = kernel_format(g, large, sizeof large);

	CHECK(full < sizeof large - 1, "output filled the large buffer (%zu): '%s'", full, g->fmt);
	CHECK(full == strlen(large), "returned %zu, strlen %zu for '%s'", full, strlen(large), g->fmt);

	if (g->differential) {
		int n = libc_format(g, expect, sizeof expect);
		CHECK(n >= 0 && (size_t)n == full && memcmp(expect, large, full + 1) == 0,
		      "format '%s': kernel '%s' (%zu), libc '%s' (%d)", g->fmt, large, full,
		      expect, n);
	}

	/* Every size from 0 to 40, then around the output's length, then larger. */
	size_t sizes[] = { full / 2, full - 1, full, full + 1, full + 2, full + 100, 4096 };
	size_t last = 40;
	for (size_t k = 0; k <= last + sizeof sizes / sizeof sizes[0]; k++) {
		size_t size = k <= last ? k : sizes[k - last - 1];
		if (size > full + 4096)       /* full - 1 when full is 0 */
			continue;
		unsigned char *mem = malloc(size + CANARY_LEN);
		char *buf = (char *)mem;

		memset(mem, 'Z', size);
		memset(mem + size, CANARY, CANARY_LEN);
		size_t ret = kernel_format(g, buf, size);
		for (size_t i = 0; i < CANARY_LEN; i++)
			CHECK(mem[size + i] == CANARY, "size %zu: wrote past the end (canary byte %zu)"
			      " for '%s'", size, i, g->fmt);
		if (size == 0) {
			CHECK(ret == 0, "size 0 returned %zu for '%s'", ret, g->fmt);
		} else {
			size_t want = full < size - 1 ? full : size - 1;
			CHECK(strnlen(buf, size) < size, "size %zu: not NUL-terminated for '%s'",
			      size, g->fmt);
			CHECK(ret == strlen(buf), "size %zu: returned %zu, strlen %zu for '%s'",
			      size, ret, strlen(buf), g->fmt);
			CHECK(ret == want, "size %zu: returned %zu, expected %zu for '%s'",
			      size, ret, want, g->fmt);
			CHECK(memcmp(buf, large, ret) == 0, "size %zu: '%s' is not a prefix of '%s'"
			      " for '%s'", size, buf, large, g->fmt);
		}
		free(mem);
	}
}

static void check_line_break(const uint8_t *data, size_t size)
{
	char s[256];
	size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
	size_t width = size > 0 ? data[0] % 100 : 0;

	/* The text, with some bytes turned into spaces so that words form. */
	for (size_t i = 0; i < n; i++)
		s[i] = data[i] % 7 == 0 ? ' ' : (char)(data[i] | 1);
	s[n] = '\0';

	size_t len = strlen(s), r = fmt_line_break(s, width);
	CHECK(r <= len, "line_break('%s', %zu) = %zu > strlen %zu", s, width, r, len);
	if (len > 0)
		CHECK(r > 0, "line_break('%s', %zu) = 0", s, width);
	if (len > width && width > 0) {
		CHECK(r <= width, "line_break('%s', %zu) = %zu > width", s, width, r);
		CHECK(r == width || s[r] == ' ', "line_break('%s', %zu) = %zu, not a space",
		      s, width, r);
	}
	if (len <= width || width == 0)
		CHECK(r == len, "line_break('%s', %zu) = %zu, the line fits (%zu)", s, width, r, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	static struct gen g;

	generate(&g, &in);
	check_format(&g);
	check_line_break(data, size);
	return 0;
}
