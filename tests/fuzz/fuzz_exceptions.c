/*
 * fuzz_exceptions.c - libFuzzer target for the error-code decoders in
 * kernel/exceptions.c: decode_error_code(), decode_pf_error() and
 * decode_selector_error().
 *
 * Input: a vector (0..40: the 32 exceptions and some past them), an error
 * code (a full machine word) and a buffer size. Each decoder writes into a
 * buffer of that size and into buffers of sizes 0..4 and the fault screen's
 * size, each followed by a canary. Properties (abort on violation): nothing
 * is written past the buffer (nothing at all for size 0), the text is
 * NUL-terminated within it, it is a prefix of the text in a large buffer, the
 * large text is not empty, and the decoders are deterministic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/exceptions.h"
#include "fuzz.h"

#define LARGE      512


enum decoder { D_ERROR_CODE, D_PF, D_SELECTOR, D_COUNT };
static const char *const decoder_names[D_COUNT] = {
	"decode_error_code", "decode_pf_error", "decode_selector_error",
};

static void decode(enum decoder d, unsigned vector, uintptr_t err, char *buf, size_t size)
{
	switch (d) {
	case D_ERROR_CODE:
		decode_error_code(vector, err, (vector & 1) != 0, buf, size);
		break;
	case D_PF:
		decode_pf_error(err, (vector & 1) != 0, buf, size);
		break;
	case D_SELECTOR:
		decode_selector_error(err, buf, size);
		break;
	default:
		abort();
	}
}

static void check_one(enum decoder d, unsigned vector, uintptr_t err, size_t size,
                      const char *full)
{
	unsigned char *mem = malloc(size + CANARY_LEN);
	char *buf = (char *)mem;

	memset(mem, 'Z', size);
	memset(mem + size, CANARY, CANARY_LEN);
	decode(d, vector, err, buf, size);
	for (size_t i = 0; i < CANARY_LEN; i++)
		CHECK(mem[size + i] == CANARY, "%s(vector %u, err 0x%jx, size %zu): wrote past"
		      " the end (canary byte %zu)", decoder_names[d], vector, (uintmax_t)err,
		      size, i);
	if (size > 0) {
		size_t len = strnlen(buf, size);
		CHECK(len < size, "%s(vector %u, err 0x%jx, size %zu): not NUL-terminated",
		      decoder_names[d], vector, (uintmax_t)err, size);
		CHECK(strncmp(buf, full, len) == 0 && len == (strlen(full) < size - 1 ?
		      strlen(full) : size - 1),
		      "%s(vector %u, err 0x%jx, size %zu): '%s' is not the start of '%s'",
		      decoder_names[d], vector, (uintmax_t)err, size, buf, full);
	}
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned vector;
	uintptr_t err = 0;
	size_t bufsize;
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 80 };
	char full[LARGE], again[LARGE];

	if (size < 2)
		return 0;
	vector = data[0] % 41;
	bufsize = data[1] % 100;
	for (size_t i = 2; i < size && i < 2 + sizeof err; i++)
		err = err << 8 | data[i];

	for (enum decoder d = 0; d < D_COUNT; d++) {
		decode(d, vector, err, full, sizeof full);
		decode(d, vector, err, again, sizeof again);
		CHECK(strnlen(full, sizeof full) < sizeof full - 1,
		      "%s(vector %u, err 0x%jx): output fills %d bytes", decoder_names[d],
		      vector, (uintmax_t)err, LARGE);
		CHECK(full[0] != '\0', "%s(vector %u, err 0x%jx): empty", decoder_names[d],
		      vector, (uintmax_t)err);
		CHECK(strcmp(full, again) == 0, "%s(vector %u, err 0x%jx): not deterministic",
		      decoder_names[d], vector, (uintmax_t)err);
		check_one(d, vector, err, bufsize, full);
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
			check_one(d, vector, err, sizes[i], full);
	}
	return 0;
}
