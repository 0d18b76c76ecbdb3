/*
 * test_format.c - kernel/format.c: the bounded snprintf and string helpers.
 *
 * The formats go through fmt(), a wrapper without the printf attribute, so
 * the compiler lets us pass the odd formats ("%q", a lone '%') on purpose.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include "check.h"
#include "kernel/format.h"

static size_t fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

#define CHECK_FMT(expected, ...) do { \
	char b_[128]; \
	size_t n_ = fmt(b_, sizeof b_, __VA_ARGS__); \
	CHECK_STR(b_, expected); \
	CHECK_EQ_U64(n_, strlen(expected)); \
} while (0)

static void conversions(void)
{
	CHECK_FMT("plain text", "plain text");
	CHECK_FMT("x=42 y=-7 s=ab c=Z", "x=%d y=%d s=%s c=%c", 42, -7, "ab", 'Z');
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("-42", "%d", -42);
	CHECK_FMT("-2147483648", "%d", INT_MIN);
	CHECK_FMT("2147483647", "%d", INT_MAX);
	CHECK_FMT("-9223372036854775808", "%ld", LONG_MIN);
	CHECK_FMT("4294967295", "%u", UINT_MAX);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("0", "%x", 0u);
	CHECK_FMT("deadbeef", "%x", 0xdeadbeefu);
	CHECK_FMT("ffffffff80102345", "%lx", 0xffffffff80102345UL);
	CHECK_FMT("123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
	CHECK_FMT("ffffffffffffffff", "%llx", ~0ULL);
	CHECK_FMT("(null)", "%s", (const char *)NULL);
	CHECK_FMT("[(null)]", "[%s]", (const char *)NULL);
	CHECK_FMT("100%", "100%%");
	CHECK_FMT("%q", "%q");
	CHECK_FMT("a%qb", "a%qb");
	CHECK_FMT("abc%", "abc%");
	CHECK_FMT("%", "%");
}

static void widths(void)
{
	CHECK_FMT("   42|", "%5d|", 42);
	CHECK_FMT("42   |", "%-5d|", 42);
	CHECK_FMT("00042", "%05d", 42);
	CHECK_FMT("00007", "%05u", 7u);
	CHECK_FMT("00001a2c", "%08x", 0x1a2cu);
	CHECK_FMT("  -42", "%5d", -42);
	CHECK_FMT("-42  |", "%-5d|", -42);
	CHECK_FMT("123456", "%3d", 123456);          /* width is a minimum */
	CHECK_FMT("  ab|", "%4s|", "ab");
	CHECK_FMT("ab  |", "%-4s|", "ab");
	CHECK_FMT("  A", "%3c", 'A');
	CHECK_FMT("42      |", "%-08d|", 42);         /* '-' wins over '0' */
	CHECK_FMT("    42", "%*d", 6, 42);
	CHECK_FMT("ab    |", "%-*s|", 6, "ab");
	CHECK_FMT("0x0000000000101a2c", "0x%0*lx", 16, 0x101a2cUL);
	CHECK_FMT("0x00101a2c", "0x%0*lx", 8, 0x101a2cUL);
	CHECK_FMT("0x0000000000101a2c", "0x%0*lx", WORD_DIGITS, 0x101a2cUL);
	/* Zero padding goes after the sign, as C's printf does: "-0042".
	 * Padding before it ("00-42") is not a number. */
	CHECK_FMT("-0042", "%05d", -42);
}

static void truncation(void)
{
	char buf[16];
	size_t n;

	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 1, "hello");
	CHECK_STR(buf, "");
	CHECK_EQ_U64(n, 0);
	CHECK(buf[1] == 'X');

	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 5, "hello world");
	CHECK_STR(buf, "hell");
	CHECK_EQ_U64(n, 4);
	CHECK(buf[5] == 'X');

	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 6, "%08x", 0xabcu);
	CHECK_STR(buf, "00000");
	CHECK_EQ_U64(n, 5);
	CHECK(buf[6] == 'X');

	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 4, "%-10s|", "ab");
	CHECK_STR(buf, "ab ");
	CHECK(buf[4] == 'X');

	/* size 0: nothing is written, not even the NUL */
	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 0, "hello");
	CHECK_EQ_U64(n, 0);
	CHECK(buf[0] == 'X');
	CHECK_EQ_U64(fmt(NULL, 0, "%s %d", "x", 1), 0);

	/* A negative '*' width: C left-aligns; here it is only required to
	 * print the number and stay bounded. */
	memset(buf, 'X', sizeof buf);
	n = fmt(buf, sizeof buf, "%*d", -3, 42);
	CHECK(n >= 2 && n <= 3 && strncmp(buf, "42", 2) == 0);

	/* A huge width stays inside the buffer. */
	memset(buf, 'X', sizeof buf);
	n = fmt(buf, 8, "%500d", 1);
	CHECK_EQ_U64(n, 7);
	CHECK_STR(buf, "       ");
	CHECK(buf[8] == 'X');
}

/* Every size from 1 to past the full length, in a heap block of exactly that
 * size, so AddressSanitizer stops on any byte written past the end; the
 * result must be the full output's prefix. */
static void sweep_one(const char *f, ...)
{
	char full[256];
	va_list ap, aq;

	va_start(ap, f);
	va_copy(aq, ap);
	size_t len = fmt_vsnprintf(full, sizeof full, f, aq);
	va_end(aq);
	for (size_t size = 1; size <= len + 2; size++) {
		char *b = malloc(size);
		size_t expect = len < size - 1 ? len : size - 1;

		va_copy(aq, ap);
		size_t n = fmt_vsnprintf(b, size, f, aq);
		va_end(aq);
		if (n != expect || strlen(b) != expect || memcmp(b, full, expect) != 0) {
			check_fail_header(__FILE__, __LINE__, "prefix of the full output");
			printf("    format \"%s\", size %zu: got \"%s\" (%zu)\n", f, size, b, n);
		} else {
			check_passed++;
		}
		free(b);
	}
	va_end(ap);
}

static void never_past_size(void)
{
	sweep_one("hello world");
	sweep_one("%s|%-12s|%12s", "abc", "left", "right");
	sweep_one("%d %u %x %lx %llx", -123, 456u, 0xabcu, 0xffffffff80102345UL,
	          0x123456789abcdef0ULL);
	sweep_one("%-*d|%0*lx|%%|%c", 9, -5, 16, 0xbeefUL, 'q');
	sweep_one("%q%");
	sweep_one("%s", (const char *)NULL);
}

static void strings(void)
{
	CHECK_EQ_U64(str_len(""), 0);
	CHECK_EQ_U64(str_len("page_fault"), 10);
	CHECK(str_eq("", ""));
	CHECK(str_eq("abc", "abc"));
	CHECK(!str_eq("abc", "abcd"));
	CHECK(!str_eq("abcd", "abc"));
	CHECK(!str_eq("abc", "abd"));
	CHECK(!str_eq("", "a"));
	/* str_eq_n: a[0..n) is the whole of b */
	CHECK(str_eq_n("page_fault extra", "page_fault", 10));
	CHECK(!str_eq_n("page_fault extra", "page_fault", 11));
	CHECK(!str_eq_n("page", "page_fault", 4));
	CHECK(!str_eq_n("page_faulty", "page_fault", 11));
	CHECK(str_eq_n("xyz", "", 0));
	CHECK(!str_eq_n("xyz", "x", 0));
}

/* fmt_line_break: where the console breaks a long line. */
static void line_breaks(void)
{
	CHECK_EQ_U64(fmt_line_break("short", 10), 5);                /* fits */
	CHECK_EQ_U64(fmt_line_break("exactly ten", 11), 11);
	CHECK_EQ_U64(fmt_line_break("one two three", 10), 7);        /* "one two" */
	CHECK_EQ_U64(fmt_line_break("one two three", 7), 7);         /* space at width */
	CHECK_EQ_U64(fmt_line_break("abcdefghijkl", 5), 5);          /* one long word */
	CHECK_EQ_U64(fmt_line_break("", 5), 0);
	CHECK_EQ_U64(fmt_line_break("abc", 0), 3);                   /* no width: all */
	/* every break of a long line fits in the width and makes progress */
	const char *t = "error: unknown scenario 'bogus' (valid: page_fault "
	                "stack_overflow divide_error breakpoint invalid_opcode)";
	while (*t) {
		size_t n = fmt_line_break(t, 33);
		CHECK(n > 0 && n <= 33);
		t += n;
		while (*t == ' ')
			t++;
	}
}

void test_format(void)
{
	line_breaks();
	conversions();
	widths();
	truncation();
	never_past_size();
	strings();
}
