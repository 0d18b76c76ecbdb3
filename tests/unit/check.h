/*
 * check.h - a tiny assertion harness for the host unit tests.
 *
 * Each CHECK* counts one pass or one failure; a failure prints file:line and
 * the values involved, then the test goes on, so one run shows every failure.
 * main.c prints the totals as its last line: "N passed, N failed".
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern unsigned check_passed, check_failed;

void check_fail_header(const char *file, int line, const char *what);

#define CHECK(cond) do { \
	if (cond) { \
		check_passed++; \
	} else { \
		check_fail_header(__FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_EQ_U64(a, b) do { \
	uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b); \
	if (check_a_ == check_b_) { \
		check_passed++; \
	} else { \
		check_fail_header(__FILE__, __LINE__, #a " == " #b); \
		printf("    got      0x%016llx (%llu)\n    expected 0x%016llx (%llu)\n", \
		        (unsigned long long)check_a_, (unsigned long long)check_a_, \
		        (unsigned long long)check_b_, (unsigned long long)check_b_); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (check_a_ != NULL && check_b_ != NULL && strcmp(check_a_, check_b_) == 0) { \
		check_passed++; \
	} else { \
		check_fail_header(__FILE__, __LINE__, #a " equals " #b); \
		printf("    got      \"%s\"\n    expected \"%s\"\n", \
		        check_a_ ? check_a_ : "(NULL)", check_b_ ? check_b_ : "(NULL)"); \
	} \
} while (0)

/* haystack contains needle: for messages where only a part is the contract. */
#define CHECK_CONTAINS(haystack, needle) do { \
	const char *check_h_ = (haystack), *check_n_ = (needle); \
	if (check_h_ != NULL && strstr(check_h_, check_n_) != NULL) { \
		check_passed++; \
	} else { \
		check_fail_header(__FILE__, __LINE__, #haystack " contains " #needle); \
		printf("    got      \"%s\"\n    missing  \"%s\"\n", \
		        check_h_ ? check_h_ : "(NULL)", check_n_); \
	} \
} while (0)

/* haystack does not contain needle. */
#define CHECK_LACKS(haystack, needle) do { \
	const char *check_h_ = (haystack), *check_n_ = (needle); \
	if (check_h_ != NULL && strstr(check_h_, check_n_) == NULL) { \
		check_passed++; \
	} else { \
		check_fail_header(__FILE__, __LINE__, #haystack " lacks " #needle); \
		printf("    got      \"%s\"\n    should not contain \"%s\"\n", \
		       check_h_ ? check_h_ : "(NULL)", check_n_); \
	} \
} while (0)

/* The test groups, one per file; main.c runs them in order. */
void test_segment(void);
void test_gates_i386(void);
void test_gates_x86_64(void);
void test_exceptions(void);
void test_format(void);
void test_cmdline(void);
void test_fault(void);
void test_isr_asm(void);
void test_escalation(void);
void test_backtrace(void);
void test_divide64(void);
void test_menu(void);

#endif
