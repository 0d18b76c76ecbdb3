/*
 * backtrace.c - walk frame pointers, folding repeats, and format the chain.
 */
#include "backtrace.h"
#include "format.h"

static unsigned add(struct bt_entry *out, unsigned n, uintptr_t pc)
{
	if (n > 0 && out[n - 1].pc == pc) {
		out[n - 1].repeat++;
		return n;
	}
	if (n == BACKTRACE_MAX_ENTRIES)
		return n;
	out[n].pc = pc;
	out[n].repeat = 1;
	return n + 1;
}

unsigned backtrace_walk(uintptr_t ip, uintptr_t bp, bool (*readable)(uintptr_t addr),
                        struct bt_entry out[BACKTRACE_MAX_ENTRIES])
{
	unsigned n = add(out, 0, ip);

	for (unsigned frames = 0; frames < BACKTRACE_MAX_FRAMES && readable(bp); frames++) {
		const uintptr_t *frame = (const uintptr_t *)bp;
		uintptr_t caller_bp = frame[0], ret = frame[1];

		if (ret == 0)
			break;
		n = add(out, n, ret);
		if (caller_bp <= bp)     /* callers live higher up the stack */
			break;
		bp = caller_bp;
	}
	return n;
}

void backtrace_format(const struct bt_entry *e, unsigned n,
                      void (*name)(uintptr_t pc, char *buf, size_t size),
                      char *buf, size_t size)
{
	size_t len = 0;
	char sym[64];

	if (size > 0)
		buf[0] = '\0';
	for (unsigned i = 0; i < n && len + 1 < size; i++) {
		name(e[i].pc, sym, sizeof sym);
		len += fmt_snprintf(buf + len, size - len, "%s%s", i ? " < " : "", sym);
		if (e[i].repeat > 1 && len + 1 < size)
			len += fmt_snprintf(buf + len, size - len, " (x%u)", e[i].repeat);
	}
}
