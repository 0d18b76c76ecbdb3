/*
 * test_isr_asm.c - the NASM stubs and the C table must agree on which
 * vectors push an error code. kernel/isr_stubs.inc (included by both
 * arch/<arch>/isr.asm) decides it with one `%if` over the stub's vector (%1); this file evaluates that expression for
 * vectors 0..31 and compares it with exception_table[].has_error_code. It
 * also checks the "Vectors with an error code" comment above it.
 *
 * Paths are relative to the repository root, where the test binary runs.
 */
#include <ctype.h>
#include <stdlib.h>
#include "check.h"
#include "kernel/exceptions.h"

/* A recursive-descent evaluator for the NASM subset in that line:
 * integers, %1, ( ), == != >= <= > <, && and ||. */
struct expr {
	const char *p;
	long vector;
	int bad;
};

static long expr_or(struct expr *e);

static void skip_space(struct expr *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

static int accept(struct expr *e, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(e);
	if (strncmp(e->p, tok, n) != 0)
		return 0;
	e->p += n;
	return 1;
}

static long expr_primary(struct expr *e)
{
	skip_space(e);
	if (accept(e, "(")) {
		long v = expr_or(e);
		if (!accept(e, ")"))
			e->bad = 1;
		return v;
	}
	if (accept(e, "%1"))
		return e->vector;
	if (isdigit((unsigned char)*e->p)) {
		char *end;
		long v = strtol(e->p, &end, 0);
		e->p = end;
		return v;
	}
	e->bad = 1;
	return 0;
}

static long expr_cmp(struct expr *e)
{
	long a = expr_primary(e);

	if (accept(e, "=="))
		return a == expr_primary(e);
	if (accept(e, "!="))
		return a != expr_primary(e);
	if (accept(e, ">="))
		return a >= expr_primary(e);
	if (accept(e, "<="))
		return a <= expr_primary(e);
	if (accept(e, ">"))
		return a > expr_primary(e);
	if (accept(e, "<"))
		return a < expr_primary(e);
	return a;
}

static long expr_and(struct expr *e)
{
	long v = expr_cmp(e);

	while (accept(e, "&&")) {
		long w = expr_cmp(e);
		v = v && w;
	}
	return v;
}

static long expr_or(struct expr *e)
{
	long v = expr_and(e);

	while (accept(e, "||")) {
		long w = expr_and(e);
		v = v || w;
	}
	return v;
}

/* Evaluate cond for one vector; -1 if the text is not in the subset. */
static int eval_for_vector(const char *cond, unsigned vector)
{
	struct expr e = { cond, (long)vector, 0 };
	long v = expr_or(&e);

	skip_space(&e);
	if (e.bad || (*e.p != '\0' && *e.p != ';' && *e.p != '\n' && *e.p != '\r'))
		return -1;
	return v != 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)n + 1);
	if (text != NULL && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* The first line that starts with "%if" and tests %1, NUL-terminated in place. */
static char *find_condition(char *text)
{
	for (char *line = text; line != NULL && *line != '\0'; ) {
		char *next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "%if", 3) == 0 && (line[3] == ' ' || line[3] == '\t') &&
		    strstr(line, "%1") != NULL)
			return line + 3;
		line = next;
	}
	return NULL;
}

/* "; Vectors with an error code (SDM 6.15): 8, 10-14, 17, 21, 29, 30." ->
 * one bit per vector; 0 if the comment is missing or unreadable. */
static uint32_t comment_list(const char *text)
{
	const char *p = strstr(text, "Vectors with an error code");
	uint32_t bits = 0;

	if (p == NULL || (p = strchr(p, ':')) == NULL)
		return 0;
	p++;
	for (;;) {
		char *end;
		while (*p == ' ' || *p == ',')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		for (long v = a; v <= b && v < 32; v++)
			bits |= 1u << v;
	}
	return bits;
}

static void check_isr_file(const char *path)
{
	char *text = read_text(path);
	uint32_t table_bits = 0, asm_bits = 0;

	if (text == NULL) {
		check_fail_header(__FILE__, __LINE__, "isr.asm readable (run from the repo root)");
		printf("    cannot open %s\n", path);
		return;
	}
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
		if (exception_table[v].has_error_code)
			table_bits |= 1u << v;

	uint32_t documented = comment_list(text);
	char *cond = find_condition(text);
	if (cond == NULL) {
		check_fail_header(__FILE__, __LINE__, "a `%if ... %1 ...` line in isr.asm");
		printf("    none found in %s\n", path);
		free(text);
		return;
	}
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++) {
		int pushes = eval_for_vector(cond, v);
		if (pushes < 0) {
			check_fail_header(__FILE__, __LINE__, "the %if line parses");
			printf("    %s: cannot evaluate \"%s\"\n", path, cond);
			free(text);
			return;
		}
		if ((unsigned)pushes != exception_table[v].has_error_code) {
			check_fail_header(__FILE__, __LINE__, "isr.asm agrees with has_error_code");
			printf("    %s: vector %u (%s): isr.asm says %s, table says %s\n",
			        path, v, exception_table[v].mnemonic,
			        pushes ? "error code" : "none",
			        exception_table[v].has_error_code ? "error code" : "none");
		} else {
			check_passed++;
		}
		asm_bits |= (uint32_t)pushes << v;
	}
	CHECK_EQ_U64(asm_bits, table_bits);
	CHECK_EQ_U64(documented, table_bits);
	free(text);
}

static void evaluator(void)
{
	CHECK_EQ_U64(eval_for_vector(" %1 == 8 || (%1 >= 10 && %1 <= 14)", 12), 1);
	CHECK_EQ_U64(eval_for_vector(" %1 == 8 || (%1 >= 10 && %1 <= 14)", 9), 0);
	CHECK_EQ_U64(eval_for_vector("%1 == 8 ; comment", 8), 1);
	CHECK_EQ_U64(eval_for_vector("%1 == (8", 8), (uint64_t)-1);
	CHECK_EQ_U64(eval_for_vector("%1 in [8]", 8), (uint64_t)-1);
	CHECK_EQ_U64(comment_list("; Vectors with an error code (SDM): 8, 10-14, 17."),
	             (1u << 8) | (0x1fu << 10) | (1u << 17));
}

void test_isr_asm(void)
{
	evaluator();
	check_isr_file("kernel/isr_stubs.inc");
}
