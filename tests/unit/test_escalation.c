/*
 * test_escalation.c - the #DF "path" line and the descriptor describer: the
 * chains the lessons teach, replayed from the pair rules.
 */
#include <string.h>
#include "check.h"
#include "kernel/config.h"
#include "kernel/escalation.h"
#include "kernel/exceptions.h"
#include "kernel/segment.h"

static void gates_for(enum handlers h, bool gates[EXCEPTION_COUNT])
{
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
		gates[v] = handlers_has_gate(h, v);
}

static void chains(void)
{
	bool gates[EXCEPTION_COUNT];
	char buf[96];

	/* page_fault handlers=df: no #PF gate -> #GP; #PF then #GP is a #DF. */
	gates_for(HANDLERS_DF, gates);
	CHECK_EQ_U64(escalation_chain(VECTOR_PF, gates, false, true, buf, sizeof buf), VECTOR_DF);
	CHECK_STR(buf, "#PF -> no gate: #GP = #DF");

	/* breakpoint handlers=df: #BP is benign, so #GP is delivered serially;
	 * it finds no gate either: #GP then #GP is a #DF. */
	CHECK_EQ_U64(escalation_chain(VECTOR_BP, gates, false, false, buf, sizeof buf), VECTOR_DF);
	CHECK_STR(buf, "#BP -> no gate: #GP -> no gate: #GP = #DF");

	/* stack_overflow, all handlers, #DF on its own stack: caught. */
	gates_for(HANDLERS_ALL, gates);
	CHECK_EQ_U64(escalation_chain(VECTOR_PF, gates, true, true, buf, sizeof buf), VECTOR_DF);
	CHECK_STR(buf, "#PF -> frame push faults: #PF = #DF");

	/* ... and with #DF on the same stack: the triple fault. */
	CHECK_EQ_U64(escalation_chain(VECTOR_PF, gates, true, false, buf, sizeof buf),
	             ESCALATION_SHUTDOWN);
	CHECK_STR(buf, "#PF -> frame push faults: #PF = #DF -> frame push faults: #PF -> shutdown");

	/* handlers=none: #GP everywhere, then #DF finds no gate: shutdown. */
	gates_for(HANDLERS_NONE, gates);
	CHECK_EQ_U64(escalation_chain(VECTOR_DE, gates, false, true, buf, sizeof buf),
	             ESCALATION_SHUTDOWN);
	CHECK_STR(buf, "#DE -> no gate: #GP = #DF -> no gate: #GP -> shutdown");

	/* A gate and a good stack: delivered as itself. */
	gates_for(HANDLERS_ALL, gates);
	CHECK_EQ_U64(escalation_chain(VECTOR_UD, gates, false, true, buf, sizeof buf), VECTOR_UD);
	CHECK_STR(buf, "#UD");

	/* The longest chain a correct replay can take: benign, contributory,
	 * page fault, #DF. Only #GP and #DF have gates, and the stack is the
	 * guard page: #BP finds no gate; #GP has one but cannot push (#PF,
	 * serial after a contributory exception); #PF finds no gate (#GP: a
	 * double fault); #DF cannot push either: shutdown. */
	char longer[160];

	for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
		gates[v] = v == VECTOR_GP || v == VECTOR_DF;
	CHECK_EQ_U64(escalation_chain(VECTOR_BP, gates, true, false, longer, sizeof longer),
	             ESCALATION_SHUTDOWN);
	CHECK_STR(longer, "#BP -> no gate: #GP -> frame push faults: #PF -> no gate: #GP = #DF"
	               " -> frame push faults: #PF -> shutdown");
	/* ... and with #DF on a stack of its own, it ends in #DF. */
	CHECK_EQ_U64(escalation_chain(VECTOR_BP, gates, true, true, buf, sizeof buf), VECTOR_DF);
	CHECK_STR(buf, "#BP -> no gate: #GP -> frame push faults: #PF -> no gate: #GP = #DF");

	/* #VE is in the page-fault class: #GP during its delivery is a #DF. */
	gates_for(HANDLERS_DF, gates);
	CHECK_EQ_U64(escalation_chain(20, gates, false, false, buf, sizeof buf), VECTOR_DF);
	CHECK_STR(buf, "#VE -> no gate: #GP = #DF");

	/* A tiny buffer stays terminated. */
	gates_for(HANDLERS_NONE, gates);
	char tiny[6];
	escalation_chain(VECTOR_PF, gates, false, false, tiny, sizeof tiny);
	CHECK_STR(tiny, "#PF -");

	/* Never past size: every size from 0 up, with a canary behind it. */
	char full[96], mem[128];
	escalation_chain(VECTOR_BP, gates, false, false, full, sizeof full);
	for (size_t size = 0; size <= strlen(full) + 2; size++) {
		memset(mem, 'Z', sizeof mem);
		escalation_chain(VECTOR_BP, gates, false, false, mem, size);
		CHECK(mem[size] == 'Z');
		if (size > 0) {
			CHECK(memchr(mem, '\0', size) != NULL);
			CHECK(strncmp(mem, full, size - 1) == 0);
		}
	}
}

/* exception_pair_outcome() for every pair of the 32 vectors, from the
 * classes in exception_table (SDM Vol. 3A Table 6-5; Interrupt 8). */
static void pairs_by_class(void)
{
	for (unsigned a = 0; a < EXCEPTION_COUNT; a++) {
		for (unsigned b = 0; b < EXCEPTION_COUNT; b++) {
			enum exception_class ca = exception_table[a].dfclass;
			enum exception_class cb = exception_table[b].dfclass;
			int want = PAIR_SERIAL;

			if (ca == EXC_DOUBLE_FAULT)
				want = PAIR_SHUTDOWN;
			else if ((ca == EXC_CONTRIBUTORY || ca == EXC_PAGE_FAULT)
			         && cb == EXC_CONTRIBUTORY)
				want = PAIR_DOUBLE_FAULT;
			else if (ca == EXC_PAGE_FAULT && cb == EXC_PAGE_FAULT)
				want = PAIR_DOUBLE_FAULT;
			CHECK_EQ_U64(exception_pair_outcome(a, b), want);
		}
	}
	/* Table 6-5 is not symmetric: contributory then #PF is serial. */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_GP, VECTOR_PF), PAIR_SERIAL);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, VECTOR_GP), PAIR_DOUBLE_FAULT);
	/* #CP (21) is contributory, #VE (20) a page fault: by class, not number. */
	CHECK_EQ_U64(exception_pair_outcome(21, VECTOR_GP), PAIR_DOUBLE_FAULT);
	CHECK_EQ_U64(exception_pair_outcome(20, 21), PAIR_DOUBLE_FAULT);
}

static void descriptors(void)
{
	char buf[80];

	describe_descriptor(0, buf, sizeof buf);
	CHECK_STR(buf, "null descriptor");
	describe_descriptor(0x00CF9A000000FFFFULL, buf, sizeof buf);
	CHECK_STR(buf, "code segment, 32-bit, DPL 0, present");
	describe_descriptor(0x00AF9A000000FFFFULL, buf, sizeof buf);
	CHECK_STR(buf, "code segment, 64-bit, DPL 0, present");
	describe_descriptor(0x00CF92000000FFFFULL, buf, sizeof buf);
	CHECK_STR(buf, "data segment, writable, DPL 0, present");
	describe_descriptor(0x00CF12000000FFFFULL, buf, sizeof buf);   /* P=0 */
	CHECK_STR(buf, "data segment, writable, DPL 0, NOT PRESENT");
	describe_descriptor(make_segment(0x1000, 103, DESC_TSS), buf, sizeof buf);
	CHECK_STR(buf, "available TSS, DPL 0, present");
	describe_descriptor(make_segment(0x1000, 103, DESC_TSS) | DESC_TYPE(TYPE_TSS_BUSY_BIT),
	                    buf, sizeof buf);
	CHECK_STR(buf, "busy TSS, DPL 0, present");
	describe_descriptor(0x0000850000200000ULL, buf, sizeof buf);   /* task gate 0x20 */
	CHECK_STR(buf, "task gate, DPL 0, present");
}

static void scenario_vectors(void)
{
	CHECK_EQ_U64(scenario_vector(SCENARIO_STACK_OVERFLOW, "i386"), VECTOR_PF);
	CHECK_EQ_U64(scenario_vector(SCENARIO_INVALID_TSS, "i386"), VECTOR_TS);
	CHECK_EQ_U64(scenario_vector(SCENARIO_INVALID_TSS, "x86_64"), VECTOR_UD);
	CHECK_EQ_U64(scenario_vector(SCENARIO_SIMD_ERROR, "x86_64"), 19);
	CHECK_EQ_U64(scenario_vector(SCENARIO_MISSING_GATE, "i386"), VECTOR_UD);
	CHECK_EQ_U64(scenario_vector(SCENARIO_NULL_CALL, "x86_64"), VECTOR_PF);
	CHECK(handlers_has_gate(HANDLERS_DF, VECTOR_DF));
	CHECK(!handlers_has_gate(HANDLERS_DF, VECTOR_PF));
	CHECK(!handlers_has_gate(HANDLERS_NONE, VECTOR_DF));
}

void test_escalation(void)
{
	chains();
	pairs_by_class();
	descriptors();
	scenario_vectors();
}
