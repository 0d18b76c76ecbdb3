/*
 * test_exceptions.c - kernel/exceptions.c: the vector table, the #DF pair
 * rule (SDM Vol. 3A 6.15, Tables 6-4 and 6-5; AMD64 APM Vol. 2, 8.2.9) and
 * the error-code decoders.
 */
#include "check.h"
#include "kernel/escalation.h"
#include "kernel/exceptions.h"

static void table(void)
{
	unsigned with_code = 0;

	CHECK_STR(exception_table[VECTOR_DF].mnemonic, "#DF");
	CHECK_STR(exception_table[VECTOR_DF].name, "Double Fault");
	CHECK_EQ_U64(exception_table[VECTOR_DF].kind, EXC_ABORT);
	CHECK(exception_table[VECTOR_DF].has_error_code);

	CHECK_STR(exception_table[VECTOR_PF].mnemonic, "#PF");
	CHECK_STR(exception_table[VECTOR_PF].name, "Page Fault");
	CHECK(exception_table[VECTOR_PF].has_error_code);
	CHECK_EQ_U64(exception_table[VECTOR_PF].kind, EXC_FAULT);

	CHECK_STR(exception_table[VECTOR_BP].mnemonic, "#BP");
	CHECK_EQ_U64(exception_table[VECTOR_BP].kind, EXC_TRAP);
	CHECK(!exception_table[VECTOR_BP].has_error_code);

	CHECK_STR(exception_table[VECTOR_DE].mnemonic, "#DE");
	CHECK_STR(exception_table[VECTOR_UD].mnemonic, "#UD");
	CHECK_STR(exception_table[VECTOR_GP].mnemonic, "#GP");
	CHECK_STR(exception_table[VECTOR_TS].mnemonic, "#TS");
	CHECK_STR(exception_table[VECTOR_NP].mnemonic, "#NP");
	CHECK_STR(exception_table[VECTOR_SS].mnemonic, "#SS");
	CHECK(!exception_table[VECTOR_DE].has_error_code);
	CHECK(!exception_table[VECTOR_UD].has_error_code);
	CHECK_EQ_U64(exception_table[18].kind, EXC_ABORT);   /* #MC */

	/* SDM 6.15: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP (+ AMD #VC, #SX). */
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		CHECK(exception_table[v].mnemonic != NULL && exception_table[v].name != NULL);
		with_code += exception_table[v].has_error_code;
	}
	CHECK_EQ_U64(with_code, 10);

	/* The double-fault classes of Intel's Table 6-4: contributory #DE #TS
	 * #NP #SS #GP #CP; page faults #PF #VE; the rest benign, AMD's #VC and
	 * #SX included (Intel's table does not list them). */
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		enum exception_class want = EXC_BENIGN;

		if (v == 0 || (v >= 10 && v <= 13) || v == 21)
			want = EXC_CONTRIBUTORY;
		else if (v == 14 || v == 20)
			want = EXC_PAGE_FAULT;
		else if (v == 8)
			want = EXC_DOUBLE_FAULT;
		CHECK_EQ_U64(exception_table[v].dfclass, want);
	}

	/* Outside the table: a neutral entry, never NULL, never "has a code". */
	const struct exception_info *e = exception_info(99);
	CHECK(e != NULL);
	if (e != NULL) {
		CHECK(!e->has_error_code);
		CHECK_STR(e->mnemonic, "#??");
		CHECK_EQ_U64(e->dfclass, EXC_BENIGN);
	}
	CHECK(exception_info(32) == e);
	CHECK(exception_info(0xFFFFFFFFu) == e);
	CHECK(exception_info(14) == &exception_table[14]);

	CHECK_STR(exception_kind_name(EXC_FAULT), "fault");
	CHECK_STR(exception_kind_name(EXC_TRAP), "trap");
	CHECK_STR(exception_kind_name(EXC_ABORT), "abort");
	CHECK_STR(exception_kind_name(EXC_INTERRUPT), "interrupt");
	CHECK_STR(exception_kind_name(EXC_RESERVED), "reserved");
}

static void pair_outcome(void)
{
	/* contributory + contributory */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_DE, VECTOR_GP), 1);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_GP, VECTOR_GP), 1);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_NP, VECTOR_SS), 1);
	/* page fault + page fault or contributory */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, VECTOR_PF), 1);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, VECTOR_GP), 1);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, VECTOR_DE), 1);
	/* contributory then page fault: serial (Table 6-5 row 2) */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_GP, VECTOR_PF), 0);
	/* benign first, or benign second: serial */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_BP, VECTOR_GP), 0);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_UD, VECTOR_GP), 0);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_UD, VECTOR_PF), 0);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, VECTOR_UD), 0);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_GP, VECTOR_BP), 0);
	/* a fault while delivering #DF: shutdown */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_DF, VECTOR_GP), 2);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_DF, VECTOR_PF), 2);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_DF, VECTOR_NP), 2);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_DF, VECTOR_DF), 2);
	/* vectors past the table are benign */
	CHECK_EQ_U64(exception_pair_outcome(99, VECTOR_GP), 0);
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, 99), 0);

	/* SDM Vol. 3A Table 6-4 (editions since 2014) puts vector 20 (#VE) in
	 * the "Page Faults" class with #PF, so #VE during #PF delivery and #GP
	 * during #VE delivery both make a #DF. */
	CHECK_EQ_U64(exception_pair_outcome(VECTOR_PF, 20), 1);
	CHECK_EQ_U64(exception_pair_outcome(20, VECTOR_GP), 1);
}

static void pf_errors(void)
{
	char buf[128];

	decode_pf_error(0x2, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data write, page not present");
	decode_pf_error(0x0, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data read, page not present");
	decode_pf_error(0x7, true, buf, sizeof buf);
	CHECK_STR(buf, "user data write, protection violation");
	decode_pf_error(0x11, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor instruction fetch, protection violation");
	decode_pf_error(0x10, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor instruction fetch, page not present");
	decode_pf_error(0x9, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data read, protection violation, reserved bit set");
	decode_pf_error(0x8, true, buf, sizeof buf);
	CHECK_CONTAINS(buf, "reserved bit set");
	/* Where the paging mode does not report I/D (32-bit paging without
	 * SMEP: SDM Vol. 3A 4.7), a read may be a fetch. */
	decode_pf_error(0x0, false, buf, sizeof buf);
	CHECK_STR(buf, "supervisor read or instruction fetch, page not present");
	decode_pf_error(0x2, false, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data write, page not present");
	decode_pf_error(0x25, true, buf, sizeof buf);
	CHECK_STR(buf, "user data read, protection violation, protection key");
	decode_pf_error(0x8043, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data write, protection violation, shadow stack, SGX");

	/* bounded: a short buffer is cut and NUL-terminated */
	char small[12];
	small[11] = 'Z';
	decode_pf_error(0x2, true, small, 11);
	CHECK_STR(small, "supervisor");
	CHECK(small[11] == 'Z');
}

static void selector_errors(void)
{
	char buf[128];

	decode_selector_error(0xfff8, buf, sizeof buf);
	CHECK_STR(buf, "GDT index 8191 (selector 0xfff8)");
	decode_selector_error(0x72, buf, sizeof buf);           /* IDT=1, index 14 */
	CHECK_STR(buf, "IDT vector 14 (#PF)");
	decode_selector_error(0x73, buf, sizeof buf);           /* + EXT */
	CHECK_STR(buf, "IDT vector 14 (#PF), external event");
	decode_selector_error(0x42, buf, sizeof buf);           /* IDT vector 8 */
	CHECK_STR(buf, "IDT vector 8 (#DF)");
	decode_selector_error(0x20, buf, sizeof buf);
	CHECK_STR(buf, "GDT index 4 (selector 0x20)");
	decode_selector_error(0x21, buf, sizeof buf);
	CHECK_STR(buf, "GDT index 4 (selector 0x20), external event");
	/* TI=1: LDT index 1. TI is bit 2 of the selector itself, so the LDT
	 * selector is 0xc; 0x8 would be GDT index 1. */
	decode_selector_error(0x0c, buf, sizeof buf);
	CHECK_STR(buf, "LDT index 1 (selector 0xc)");
	decode_selector_error(0, buf, sizeof buf);
	CHECK_STR(buf, "no selector (error code 0)");
	decode_selector_error(0x1, buf, sizeof buf);            /* EXT only */
	CHECK_STR(buf, "GDT index 0 (selector 0x0), external event");
	decode_selector_error(0x0d, buf, sizeof buf);           /* LDT index 1, EXT */
	CHECK_STR(buf, "LDT index 1 (selector 0xc), external event");
	decode_selector_error(0x76, buf, sizeof buf);           /* IDT=1: TI is not used */
	CHECK_STR(buf, "IDT vector 14 (#PF)");
	decode_selector_error(0x102, buf, sizeof buf);          /* past the exceptions */
	CHECK_STR(buf, "IDT vector 32");
	decode_selector_error(0x33, buf, sizeof buf);           /* missing_gate (SDM 6.13) */
	CHECK_STR(buf, "IDT vector 6 (#UD), external event");

	/* bounded: a short buffer is cut and NUL-terminated */
	char small[12];
	small[8] = 'Z';
	decode_selector_error(0x28, small, 8);
	CHECK_STR(small, "GDT ind");
	CHECK(small[8] == 'Z');
}

static void by_vector(void)
{
	char buf[128];

	decode_error_code(VECTOR_UD, 0, true, buf, sizeof buf);
	CHECK_STR(buf, "none (#UD pushes no error code)");
	decode_error_code(VECTOR_BP, 0, true, buf, sizeof buf);
	CHECK_STR(buf, "none (#BP pushes no error code)");
	decode_error_code(VECTOR_DF, 0, true, buf, sizeof buf);
	CHECK_STR(buf, "always 0 for #DF");
	decode_error_code(VECTOR_DF, 8, true, buf, sizeof buf);
	CHECK_STR(buf, "nonzero: #DF's code should be 0");
	decode_error_code(VECTOR_PF, 0x2, true, buf, sizeof buf);
	CHECK_STR(buf, "supervisor data write, page not present");
	decode_error_code(VECTOR_GP, 0x18, true, buf, sizeof buf);
	CHECK_STR(buf, "GDT index 3 (selector 0x18)");
	decode_error_code(VECTOR_GP, 0, true, buf, sizeof buf);
	CHECK_STR(buf, "no selector (error code 0)");
	decode_error_code(VECTOR_NP, 0x6a, true, buf, sizeof buf);   /* IDT vector 13 */
	CHECK_STR(buf, "IDT vector 13 (#GP)");
	decode_error_code(99, 5, true, buf, sizeof buf);
	CHECK_STR(buf, "none (#?? pushes no error code)");

	/* #CP's error code (SDM 6.15, vector 21) is a cause: 1 NEAR-RET,
	 * 2 FAR-RET/IRET, 3 ENDBRANCH, ... - not a selector. Decoding 3 as
	 * "IDT vector 0 (#DE), external event" tells the student something false. */
	decode_error_code(21, 3, true, buf, sizeof buf);
	CHECK_LACKS(buf, "IDT");
	CHECK_LACKS(buf, "GDT");
	CHECK_LACKS(buf, "LDT");
	decode_error_code(21, 1, true, buf, sizeof buf);              /* NEAR-RET */
	CHECK_LACKS(buf, "IDT");
	CHECK_LACKS(buf, "GDT");
	CHECK_LACKS(buf, "LDT");
}

void test_exceptions(void)
{
	table();
	pair_outcome();
	pf_errors();
	selector_errors();
	by_vector();
}
