/*
 * fuzz_cmdline.c - libFuzzer target for cmdline_parse() (kernel/cmdline.c).
 *
 * The input is taken as the bytes of a command line (cut at the first NUL,
 * then NUL-terminated). It is parsed for both arches, ("i386", "task") and
 * ("x86_64", "ist"), into err buffers of several sizes, each followed by a
 * canary. Any violated property aborts, which libFuzzer reports as a crash:
 *
 *   - err is NUL-terminated within err_size and nothing is written past it
 *     (the canary is intact; with err_size 0 not even err[0] is written);
 *   - on success err is ""; on failure err is non-empty when err_size > 1;
 *   - cfg holds valid enum values (< *_COUNT) and real bools;
 *   - the result does not depend on err_size (return value and cfg), and the
 *     message into a small buffer is a prefix of the full message (build with
 *     -DFUZZ_SKIP_ERR_SIZE_0 to skip the return value check for err_size 0);
 *   - parsing is deterministic (the same line twice gives the same result);
 *   - a line that parsed still parses, to the same cfg, after appending " ";
 *   - a successful cfg, written back as a command line, parses to itself.
 *
 * Build: tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/config.h"
#include "fuzz.h"

#define CANARY_BYTE 0xa5

static const struct {
	const char *arch, *safe;
} arches[] = {
	{ "i386", "task" },
	{ "x86_64", "ist" },
};

static const size_t err_sizes[] = { 0, 1, 8, CMDLINE_ERR_MAX };


struct outcome {
	bool ok;
	struct kconfig cfg;
	char err[CMDLINE_ERR_MAX];   /* a copy of what was written (size-bounded) */
};

static bool cfg_equal(const struct kconfig *a, const struct kconfig *b)
{
	return a->scenario == b->scenario && a->handlers == b->handlers &&
	       a->df == b->df && a->exit_when_done == b->exit_when_done &&
	       a->magic_break == b->magic_break;
}

static void check_cfg(const struct kconfig *cfg, const char *line)
{
	unsigned char eb, mb;

	CHECK((unsigned)cfg->scenario < SCENARIO_COUNT, "scenario %u for '%s'",
	      (unsigned)cfg->scenario, line);
	CHECK((unsigned)cfg->handlers < HANDLERS_COUNT, "handlers %u for '%s'",
	      (unsigned)cfg->handlers, line);
	CHECK((unsigned)cfg->df < DF_MODE_COUNT, "df %u for '%s'", (unsigned)cfg->df, line);
	/* Read the bools' bytes: anything but 0/1 is not a bool the kernel wrote. */
	memcpy(&eb, &cfg->exit_when_done, 1);
	memcpy(&mb, &cfg->magic_break, 1);
	CHECK(eb <= 1 && mb <= 1, "bool bytes %u %u for '%s'", eb, mb, line);
}

/* Parse line into an err buffer of err_size followed by a canary. */
static struct outcome parse(const char *line, int a, size_t err_size)
{
	unsigned char *mem = malloc(err_size + CANARY_LEN);
	char *err = (char *)mem;
	struct outcome o;

	/* Fill the buffer itself with non-NUL junk, so a missing terminator shows. */
	memset(mem, 'Z', err_size);
	memset(mem + err_size, CANARY_BYTE, CANARY_LEN);
	memset(&o.cfg, 0x5a, sizeof o.cfg);    /* cmdline_parse must set every field */
	o.ok = cmdline_parse(line, arches[a].arch, arches[a].safe, &o.cfg, err, err_size);

	for (size_t i = 0; i < CANARY_LEN; i++)
		CHECK(mem[err_size + i] == CANARY_BYTE,
		      "write past err[%zu] (canary byte %zu) for '%s'", err_size, i, line);
	if (err_size > 0) {
		size_t len = strnlen(err, err_size);
		CHECK(len < err_size, "err not NUL-terminated within %zu bytes for '%s'",
		      err_size, line);
		if (o.ok)
			CHECK(len == 0, "success but err='%s' for '%s'", err, line);
		else if (err_size > 1)
			CHECK(len > 0, "failure with an empty err (size %zu) for '%s'",
			      err_size, line);
		memcpy(o.err, err, len + 1);
	} else {
		o.err[0] = '\0';
	}
	check_cfg(&o.cfg, line);
	free(mem);
	return o;
}

/* cfg back to a command line, with the kernel's own names for the values
 * (scenario=none is not accepted on the command line: it is the absence). */
static void unparse(const struct kconfig *cfg, const char *safe, int spell_safe,
                    char *buf, size_t size)
{
	snprintf(buf, size, "/boot/faultline.elf%s%s handlers=%s df=%s exit=%s break=%s",
	         cfg->scenario != SCENARIO_NONE ? " scenario=" : "",
	         cfg->scenario != SCENARIO_NONE ? scenario_name(cfg->scenario) : "",
	         handlers_name(cfg->handlers),
	         cfg->df == DF_SAFE && spell_safe ? safe : df_mode_name(cfg->df),
	         cfg->exit_when_done ? "on" : "off", cfg->magic_break ? "on" : "off");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 2);

	memcpy(line, data, size);
	line[size] = '\0';      /* a C string: cut at the first NUL in the data */

	for (int a = 0; a < (int)(sizeof arches / sizeof arches[0]); a++) {
		struct outcome full = parse(line, a, CMDLINE_ERR_MAX);
		struct outcome again = parse(line, a, CMDLINE_ERR_MAX);

		CHECK(again.ok == full.ok && cfg_equal(&again.cfg, &full.cfg) &&
		      strcmp(again.err, full.err) == 0, "not deterministic for '%s'", line);

		for (size_t i = 0; i < sizeof err_sizes / sizeof err_sizes[0]; i++) {
			struct outcome small = parse(line, a, err_sizes[i]);

#ifdef FUZZ_SKIP_ERR_SIZE_0
			/* Only to look past a known bug: err_size 0 used to hide errors. */
			if (err_sizes[i] == 0)
				small.ok = full.ok;
#endif
			CHECK(small.ok == full.ok,
			      "err_size %zu returns %d, err_size %d returns %d for '%s'",
			      err_sizes[i], small.ok, CMDLINE_ERR_MAX, full.ok, line);
			CHECK(cfg_equal(&small.cfg, &full.cfg),
			      "cfg depends on err_size (%zu) for '%s'", err_sizes[i], line);
			CHECK(strncmp(small.err, full.err, strlen(small.err)) == 0,
			      "err '%s' (size %zu) is not a prefix of '%s' for '%s'",
			      small.err, err_sizes[i], full.err, line);
		}

		if (full.ok) {
			size_t n = strlen(line);
			char *spaced = malloc(n + 2);
			char round[256];

			memcpy(spaced, line, n);
			memcpy(spaced + n, " ", 2);
			struct outcome sp = parse(spaced, a, CMDLINE_ERR_MAX);
			CHECK(sp.ok, "'%s' parses but with a space appended fails: %s",
			      line, sp.err);
			CHECK(cfg_equal(&sp.cfg, &full.cfg),
			      "appending a space changes cfg for '%s'", line);
			free(spaced);

			for (int spell = 0; spell < 2; spell++) {
				unparse(&full.cfg, arches[a].safe, spell, round, sizeof round);
				struct outcome rt = parse(round, a, CMDLINE_ERR_MAX);
				CHECK(rt.ok && cfg_equal(&rt.cfg, &full.cfg),
				      "round trip of '%s' via '%s' gives ok=%d err='%s'",
				      line, round, rt.ok, rt.err);
			}
		}
	}
	free(line);
	return 0;
}
