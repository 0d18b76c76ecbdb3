/*
 * mem.c - memset, memcpy, memmove and memcmp: the four functions a C
 * compiler may call on its own, even for freestanding code (GCC's manual,
 * "C Language Standards": "GCC requires the freestanding environment
 * provide memcpy, memmove, memset and memcmp"; clang does the same, e.g.
 * to zero a struct). faultline has no C library, so it brings them.
 *
 * Written with the string instructions (SDM Vol. 2B, REP MOVS/STOS), which
 * read the same in 32- and 64-bit code, so that no compiler turns the loop
 * back into a call to the function itself.
 */
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

/* Overlapping with dst above src: copy from the end down (DF=1), then put
 * DF back to 0, as the ABI expects it. */
void *memmove(void *dst, const void *src, size_t n)
{
	if ((const char *)dst <= (const char *)src || (const char *)dst >= (const char *)src + n)
		return memcpy(dst, src, n);
	void *d = (char *)dst + n - 1;
	const void *s = (const char *)src + n - 1;

	__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}
