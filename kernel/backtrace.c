/*
 * backtrace.c - walk frame pointers, folding repeats, and format the chain.
 */
#include "backtrace.h"
#include "format.h"
#include "stacks.h"

/* Two words (saved BP, return address) are the smallest frame on i386. */
_Static_assert(BACKTRACE_MAX_FRAMES * 8 >= KERNEL_STACK_SIZE,
               "a chain of frames on one kernel stack must never be cut short");

unsigned backtrace_walk(uintptr_t ip, uintptr_t bp, bool (*readable)(uintptr_t addr),
                        struct bt_entry out[BACKTRACE_MAX_ENTRIES])
{
	/* LAB 4 BEGIN: the call chain of the interrupted code, into out[]:
	 * first ip itself, then the return address of each frame, found by
	 * following the frame pointers from bp. A return address equal to the
	 * previous entry's is counted in that entry (recursion), not added
	 * again. Read only where readable() allows, and stop where the chain
	 * ends or cannot be trusted; return the number of entries. The rules
	 * are in kernel/backtrace.h. Read lesson 09 ("The trace"); Intel SDM
	 * Vol. 1 6.2.4 (procedure linking information) and 6.3 (CALL and
	 * RET); the System V psABI's stack frame (i386 2.2.2, AMD64 3.2.2);
	 * the Makefile's frame-pointer flags. */
	unsigned kept = 1;

	out[0].pc = ip;
	out[0].repeat = 1;
	for (unsigned walked = 0; walked < BACKTRACE_MAX_FRAMES; walked++) {
		const uintptr_t *frame = (const uintptr_t *)bp;
		uintptr_t saved_bp, ret;

		if (!readable(bp))
			break;
		saved_bp = frame[0];
		ret = frame[1];
		if (ret == 0)                   /* the boot code's outermost frame */
			break;
		if (ret == out[kept - 1].pc)
			out[kept - 1].repeat++;
		else if (kept < BACKTRACE_MAX_ENTRIES)
			out[kept++] = (struct bt_entry){ .pc = ret, .repeat = 1 };
		else
			break;                  /* full: the rest would not fit */
		if (saved_bp <= bp)             /* a caller's frame lies higher up */
			break;
		bp = saved_bp;
	}
	return kept;
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	(void)ip;
	(void)bp;
	(void)readable;
	(void)out;
	return 0;
	*/
}

void backtrace_format(const struct bt_entry *e, unsigned n,
                      void (*name)(uintptr_t pc, char *buf, size_t size),
                      char *buf, size_t size)
{
	/* LAB 4 BEGIN: the trace line's text, into buf (at most size bytes,
	 * the NUL included; size 0 writes nothing): each entry named by
	 * name(), with its repeat count when it is more than 1, in the form
	 * lessons/labs/lab4-page-fault-handler.md ("What to write") gives. What
	 * fmt_snprintf() returns is in kernel/format.h. Read lesson 09 ("The
	 * trace"). */
	size_t used = 0;
	char sym[64];

	if (size < 1)
		return;
	buf[0] = 0;
	for (unsigned i = 0; i < n && used + 1 < size; i++) {
		name(e[i].pc, sym, sizeof sym);
		used += fmt_snprintf(buf + used, size - used, i > 0 ? " < %s" : "%s", sym);
		if (e[i].repeat > 1)
			used += fmt_snprintf(buf + used, size - used, " (x%u)", e[i].repeat);
	}
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	(void)e;
	(void)n;
	(void)name;
	fmt_snprintf(buf, size, "(no backtrace yet: lab 4)");
	*/
}
