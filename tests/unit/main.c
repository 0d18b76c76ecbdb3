/*
 * main.c - run every host unit test group and print the totals.
 *
 * The last line is exactly "N passed, N failed" (tools/run-tests adds it to
 * the boot matrix's); the exit status is nonzero when anything failed.
 */
#include "check.h"

unsigned check_passed, check_failed;

void check_fail_header(const char *file, int line, const char *what)
{
	check_failed++;
	printf("FAIL %s:%d: %s\n", file, line, what);
}

int main(void)
{
	test_segment();
	test_gates_i386();
	test_gates_x86_64();
	test_exceptions();
	test_format();
	test_cmdline();
	test_fault();
	test_isr_asm();
	test_escalation();
	test_backtrace();
	test_divide64();
	test_menu();

	fflush(stdout);
	printf("%u passed, %u failed\n", check_passed, check_failed);
	return check_failed != 0;
}
