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
	enum exception_class a = exception_info(first)->dfclass;
	enum exception_class b = exception_info(second)->dfclass;

	if (a == EXC_DOUBLE_FAULT)
		return 2;
	if (a == EXC_CONTRIBUTORY && b == EXC_CONTRIBUTORY)
		return 1;
	if (a == EXC_PAGE_FAULT && (b == EXC_PAGE_FAULT || b == EXC_CONTRIBUTORY))
		return 1;
	return 0;
}

/* What delivering `vector` runs into: a missing gate raises #GP, a frame
 * that cannot be pushed raises #PF; VECTOR_NONE when delivery succeeds. */
#define VECTOR_NONE 0xFE

static unsigned delivery_fault(unsigned vector, const bool gate_present[EXCEPTION_COUNT],
                               bool stack_unusable, bool df_switches_stack,
                               const char **why)
{
	if (!gate_present[vector]) {
		*why = "no gate";
		return VECTOR_GP;
	}
	if (stack_unusable && !(vector == VECTOR_DF && df_switches_stack)) {
		*why = "frame push faults";
		return VECTOR_PF;
	}
	return VECTOR_NONE;
}

unsigned escalation_chain(unsigned first, const bool gate_present[EXCEPTION_COUNT],
                          bool stack_unusable, bool df_switches_stack,
                          char *buf, size_t size)
{
	size_t len = fmt_snprintf(buf, size, "%s", exception_info(first)->mnemonic);
	unsigned current = first;

	for (int step = 0; step < 4; step++) {
		const char *why;
		unsigned second = delivery_fault(current, gate_present, stack_unusable,
		                                 df_switches_stack, &why);

		if (second == VECTOR_NONE)
			return current;
		int pair = exception_pair_outcome(current, second);
		len += fmt_snprintf(buf + len, size > len ? size - len : 0,
		                    " -> %s: %s", why, exception_info(second)->mnemonic);
		if (pair == 2) {
			fmt_snprintf(buf + len, size > len ? size - len : 0, " -> shutdown");
			return ESCALATION_SHUTDOWN;
		}
		current = pair == 1 ? VECTOR_DF : second;
		if (pair == 1)
			len += fmt_snprintf(buf + len, size > len ? size - len : 0, " = #DF");
	}
	return current;
}
