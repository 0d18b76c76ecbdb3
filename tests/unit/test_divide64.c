/*
 * test_divide64.c - arch/i386/divide64.c (the helpers an i386 kernel calls
 * for 64-bit / and %) against the host's own 64-bit division, which is
 * one DIV or IDIV on x86_64 (SDM Vol. 2A, DIV and IDIV).
 */
#include "check.h"
#include "i386_names.h"

uint64_t divide64_unsigned(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

/* Values at the edges: 0, 1, powers of two and their neighbours, 2^32 +-
 * 1 (where one 32-bit DIV stops sufficing), 2^63 and the largest values. */
static const uint64_t edges[] = {
	0, 1, 2, 3, 7, 10, 0xFF, 0x100, 0xFFFF, 0x10000,
	0xFFFFFFFFull, 0x100000000ull, 0x100000001ull, 0x123456789ABCDEFull,
	0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, 0x8000000000000001ull,
	0xFFFFFFFFFFFFFFFEull, 0xFFFFFFFFFFFFFFFFull, 1000000007ull,
	10000000000000000000ull, 0xDEADBEEFCAFEF00Dull,
};
#define N_EDGES (sizeof(edges) / sizeof(edges[0]))

static void unsigned_edges(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < N_EDGES; i++)
		for (unsigned j = 0; j < N_EDGES; j++) {
			uint64_t n = edges[i], d = edges[j], r = 0;
			if (d == 0)
				continue;       /* #DE in the kernel: not a host test */
			if (divide64_unsigned(n, d, &r) != n / d || r != n % d ||
			    __udivdi3(n, d) != n / d || __umoddi3(n, d) != n % d)
				bad++;
		}
	CHECK_EQ_U64(bad, 0);
	/* A few by hand, so the test does not only trust the host. */
	CHECK_EQ_U64(__udivdi3(0xFFFFFFFFFFFFFFFFull, 10), 1844674407370955161ull);
	CHECK_EQ_U64(__umoddi3(0xFFFFFFFFFFFFFFFFull, 10), 5);
	CHECK_EQ_U64(__udivdi3(0xFFFFFFFFFFFFFFFFull, 0x8000000000000001ull), 1);
	CHECK_EQ_U64(__umoddi3(0xFFFFFFFFFFFFFFFFull, 0x8000000000000001ull),
	             0x7FFFFFFFFFFFFFFEull);
	CHECK_EQ_U64(divide64_unsigned(5, 7, 0), 0);   /* a NULL remainder */
}

static void signed_edges(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < N_EDGES; i++)
		for (unsigned j = 0; j < N_EDGES; j++)
			for (int signs = 0; signs < 4; signs++) {
				int64_t n = (int64_t)edges[i], d = (int64_t)edges[j];
				if (signs & 1)
					n = (int64_t)((uint64_t)0 - (uint64_t)n);
				if (signs & 2)
					d = (int64_t)((uint64_t)0 - (uint64_t)d);
				/* INT64_MIN / -1 overflows: IDIV raises #DE (SDM
				 * Vol. 2A, IDIV), C leaves it undefined. */
				if (d == 0 || (n == INT64_MIN && d == -1))
					continue;
				if (__divdi3(n, d) != n / d || __moddi3(n, d) != n % d)
					bad++;
			}
	CHECK_EQ_U64(bad, 0);
	/* C rounds toward zero; the remainder has the dividend's sign. */
	CHECK_EQ_U64(__divdi3(-7, 2), (uint64_t)-3);
	CHECK_EQ_U64(__moddi3(-7, 2), (uint64_t)-1);
	CHECK_EQ_U64(__divdi3(7, -2), (uint64_t)-3);
	CHECK_EQ_U64(__moddi3(7, -2), 1);
	CHECK_EQ_U64(__divdi3(INT64_MIN, 2), (uint64_t)(INT64_MIN / 2));
	CHECK_EQ_U64(__moddi3(INT64_MIN, 3), (uint64_t)-2);
}

void test_divide64(void)
{
	unsigned_edges();
	signed_edges();
}
