/*
 * fuzz.h - what every fuzz target shares: the property check that aborts
 * (libFuzzer saves the input as a reproducer) and the canary guarding the
 * byte past each output buffer.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define CANARY_LEN 16
#define CANARY     0xa5

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s: property violated: %s\n",       \
			        __FILE__, #cond);                            \
			fprintf(stderr, "  " __VA_ARGS__);                   \
			fprintf(stderr, "\n");                               \
			abort();                                             \
		}                                                            \
	} while (0)

#endif
