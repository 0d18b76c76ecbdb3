/*
 * escalation.c - the exception-pair rules (which second exception, raised
 * while the CPU delivers a first, becomes a double fault; and what follows a
 * fault during #DF's own delivery), and a replay of them for the fault
 * screen's "path" line. Pure: the host unit tests call it directly.
 */
#include "escalation.h"
#include "format.h"

int exception_pair_outcome(unsigned first, unsigned second)
{
	/* LAB 1 BEGIN: decide what a `second` exception raised while the CPU
	 * delivers `first` turns into: serial delivery, a double fault, or
	 * shutdown. The contract is in escalation.h; the rules are the SDM's,
	 * stated per class, so work from each vector's class in
	 * exception_table (kernel/exceptions.c), never from vector numbers.
	 * Lessons 03 and 05; SDM Vol. 3A 6.15, "Interrupt 8", Tables 6-4 and
	 * 6-5; AMD64 APM Vol. 2 8.2.9. */
	enum exception_class a = exception_info(first)->dfclass;
	enum exception_class b = exception_info(second)->dfclass;

	if (a == EXC_DOUBLE_FAULT)
		return PAIR_SHUTDOWN;          /* a fault while delivering #DF */
	if (a == EXC_CONTRIBUTORY && b == EXC_CONTRIBUTORY)
		return PAIR_DOUBLE_FAULT;
	if (a == EXC_PAGE_FAULT && (b == EXC_PAGE_FAULT || b == EXC_CONTRIBUTORY))
		return PAIR_DOUBLE_FAULT;
	return PAIR_SERIAL;                    /* benign on either side, or #GP then #PF */
	/* LAB 1 END */
	/* LAB 1 HANDOUT:
	(void)first;
	(void)second;
	return 0;
	*/
}

unsigned escalation_chain(unsigned first, const bool gate_present[EXCEPTION_COUNT],
                          bool stack_unusable, bool df_switches_stack,
                          char *buf, size_t size)
{
	/* LAB 1 BEGIN: replay how `first` escalated, one delivery at a time,
	 * into buf, as the fault screen's "path" line shows it, and return the
	 * vector the chain ends in. The model of a delivery, the format and the
	 * bounds are in escalation.h; use exception_pair_outcome() for every
	 * pair, and never write more than size bytes. Lesson 05; SDM Vol. 3A
	 * 6.15, "Interrupt 8" and Table 6-5. */
	size_t len = fmt_snprintf(buf, size, "%s", exception_info(first)->mnemonic);
	unsigned current = first;

	for (int step = 0; step < ESCALATION_MAX_STEPS; step++) {
		const char *why = "frame push faults";
		unsigned raised = VECTOR_PF;
		bool own_stack = current == VECTOR_DF && df_switches_stack;

		if (current < EXCEPTION_COUNT && !gate_present[current]) {
			why = "no gate";
			raised = VECTOR_GP;
		} else if (!stack_unusable || own_stack) {
			return current;                /* delivered */
		}
		len += fmt_snprintf(buf + len, size - len, " -> %s: %s", why,
		                    exception_info(raised)->mnemonic);
		int pair = exception_pair_outcome(current, raised);
		if (pair == PAIR_SHUTDOWN) {
			fmt_snprintf(buf + len, size - len, " -> shutdown");
			return ESCALATION_SHUTDOWN;
		}
		if (pair == PAIR_DOUBLE_FAULT) {
			len += fmt_snprintf(buf + len, size - len, " = #DF");
			raised = VECTOR_DF;
		}
		current = raised;
	}
	return current;
	/* LAB 1 END */
	/* LAB 1 HANDOUT:
	(void)gate_present;
	(void)stack_unusable;
	(void)df_switches_stack;
	fmt_snprintf(buf, size, "%s", exception_info(first)->mnemonic);
	return first;
	*/
}
