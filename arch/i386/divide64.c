/*
 * divide64.c - 64-bit division on a 32-bit CPU: the four helpers a C
 * compiler calls for it.
 *
 * DIV and IDIV divide at most a 64-bit dividend by a 32-bit divisor on i386
 * (SDM Vol. 2A, DIV: "EDX:EAX by r/m32"), so for `uint64_t / uint64_t` GCC
 * and clang emit calls to __udivdi3, __umoddi3, __divdi3 and __moddi3,
 * which normally come from libgcc (GCC internals manual, "Integer library
 * routines"; compiler-rt has the same names). faultline links with
 * -nostdlib and needs no cross libgcc, so it brings them: the kernel's own
 * code avoids 64-bit division (kernel/format.c), but a lab solution that
 * prints a 64-bit value in decimal should just work. x86_64 divides 64 bits
 * in one DIV and needs none of this.
 *
 * Long division, one bit per step, as on paper in base 2: slow (64 rounds)
 * and obviously right, which is what a teaching kernel wants. Only shifts,
 * compares and subtractions on 64-bit values, which compilers do inline
 * with 32-bit instructions.
 */
#include <stdint.h>

uint64_t divide64_unsigned(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

/* Dividing by zero: what a 32-bit DIV by zero does, #DE (vector 0, SDM Vol.
 * 3A 6.15, Interrupt 0), so the fault screen shows it like any other. */
static uint64_t divide_by_zero(void)
{
	volatile uint32_t zero = 0;
	return 1u / zero;
}

uint64_t divide64_unsigned(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (d == 0)
		return divide_by_zero();
	for (int bit = 63; bit >= 0; bit--) {
		/* Bring down the next bit of n. Before the shift r is at most
		 * the 63 - bit bits taken so far, so r * 2 + 1 fits in 64. */
		r = (r << 1) | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= (uint64_t)1 << bit;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

/* |v| as unsigned: right for INT64_MIN too, whose magnitude has no int64_t. */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return divide64_unsigned(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r = 0;

	divide64_unsigned(n, d, &r);
	return r;
}

/* C rounds toward zero (C11 6.5.5): the quotient is negative when the signs
 * differ, and the remainder takes the dividend's sign. */
int64_t __divdi3(int64_t n, int64_t d)
{
	uint64_t q = divide64_unsigned(magnitude(n), magnitude(d), 0);

	return (n < 0) != (d < 0) ? (int64_t)((uint64_t)0 - q) : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d)
{
	uint64_t r = 0;

	divide64_unsigned(magnitude(n), magnitude(d), &r);
	return n < 0 ? (int64_t)((uint64_t)0 - r) : (int64_t)r;
}
