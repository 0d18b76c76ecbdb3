/*
 * cmdline.c - parse "scenario=... handlers=... df=... exit=..." from the
 * multiboot command line into a struct kconfig.
 *
 * Pure: no I/O, no globals written, so the host unit tests and the fuzzer can
 * hammer it. Every rejection names what was wrong and lists what is valid,
 * because the person reading it is a student who just typed a command.
 */
#include <stdarg.h>
#include "config.h"
#include "format.h"

struct name_entry {
	const char *name;
	const char *summary;
	const char *only_arch;   /* NULL: both arches */
	const char *why_only;    /* why the other arch cannot raise it */
};

#define ONLY_I386(why) "i386", why
static const struct name_entry scenario_names[SCENARIO_COUNT] = {
	[SCENARIO_NONE]               = { "none", "no scenario: show this list", NULL, NULL },
	[SCENARIO_PAGE_FAULT]         = { "page_fault", "write to unmapped 0xdeadbeef (#PF)", NULL, NULL },
	[SCENARIO_STACK_OVERFLOW]     = { "stack_overflow", "recurse into the guard page below the stack", NULL, NULL },
	[SCENARIO_DIVIDE_ERROR]       = { "divide_error", "divide by zero (#DE)", NULL, NULL },
	[SCENARIO_BREAKPOINT]         = { "breakpoint", "int3 (#BP, a trap)", NULL, NULL },
	[SCENARIO_INVALID_OPCODE]     = { "invalid_opcode", "ud2 (#UD)", NULL, NULL },
	[SCENARIO_GENERAL_PROTECTION] = { "general_protection", "load a selector past the GDT limit (#GP)", NULL, NULL },
	[SCENARIO_DEBUG]              = { "debug", "single-step with EFLAGS.TF (#DB, a trap)", NULL, NULL },
	[SCENARIO_OVERFLOW]           = { "overflow", "INTO with OF set (#OF, a trap)",
	                                  ONLY_I386("INTO is invalid in 64-bit mode (#UD); 32-bit and compatibility-mode code have it") },
	[SCENARIO_BOUND_RANGE]        = { "bound_range", "BOUND with an index out of range (#BR)",
	                                  ONLY_I386("BOUND is invalid in 64-bit mode (#UD); 32-bit and compatibility-mode code have it") },
	[SCENARIO_DEVICE_NOT_AVAILABLE] = { "device_not_available", "x87 instruction with CR0.TS set (#NM)", NULL, NULL },
	[SCENARIO_INVALID_TSS]        = { "invalid_tss", "a TSS the CPU cannot use (#TS)", NULL, NULL },
	[SCENARIO_SEGMENT_NOT_PRESENT] = { "segment_not_present", "load DS with a not-present descriptor (#NP)", NULL, NULL },
	[SCENARIO_STACK_SEGMENT]      = { "stack_segment", "load SS with a not-present descriptor (#SS)", NULL, NULL },
	[SCENARIO_X87_ERROR]          = { "x87_error", "unmasked x87 divide by zero, then FWAIT (#MF)", NULL, NULL },
	[SCENARIO_SIMD_ERROR]         = { "simd_error", "unmasked SSE divide by zero (#XM)", NULL, NULL },
	[SCENARIO_MISSING_GATE]       = { "missing_gate", "ud2 with IDT[6] empty (#GP, EXT set)", NULL, NULL },
	[SCENARIO_NULL_CALL]          = { "null_call", "call through a NULL pointer (#PF, a fetch)", NULL, NULL },
	[SCENARIO_TIMER_IRQ]          = { "timer_irq", "BIOS PIC mapping, interrupts on: IRQ 0 on vector 8", NULL, NULL },
	[SCENARIO_NESTED_FAULT]       = { "nested_fault", "#UD, then a #PF inside the fault reporter", NULL, NULL },
	[SCENARIO_USER_PAGE_FAULT]    = { "user_page_fault", "ring 3 writes to unmapped 0xdeadbeef (#PF, U=1)", NULL, NULL },
	[SCENARIO_USER_PRIVILEGED]    = { "user_privileged", "hlt in ring 3 (#GP(0))", NULL, NULL },
	[SCENARIO_USER_INT]           = { "user_int", "int 3 in ring 3 through a DPL-0 gate (#GP(IDT 3))", NULL, NULL },
	[SCENARIO_USER_INT_ALLOWED]   = { "user_int_allowed", "int 3 in ring 3 through a DPL-3 gate (#BP)", NULL, NULL },
	[SCENARIO_ALIGNMENT_CHECK]    = { "alignment_check", "CR0.AM, EFLAGS.AC, a misaligned load in ring 3 (#AC)", NULL, NULL },
	[SCENARIO_BAD_RSP0]           = { "bad_rsp0", "TSS ring-0 stack at its guard page: a user #PF becomes #DF", NULL, NULL },
};

static const char *const handlers_names[HANDLERS_COUNT] = {
	[HANDLERS_ALL] = "all", [HANDLERS_DF] = "df", [HANDLERS_NONE] = "none",
};

static const char *const df_names[DF_MODE_COUNT] = {
	[DF_SAFE] = "safe", [DF_STACK] = "stack",
};

/* The arch-specific spellings of df=safe, so that using the other arch's one
 * gets an explanation instead of "unknown value". */
static const struct { const char *value, *arch; } df_arch_spellings[] = {
	{ "task", "i386" },
	{ "ist", "x86_64" },
};

const char *scenario_name(enum scenario s)
{
	return s < SCENARIO_COUNT ? scenario_names[s].name : "?";
}

/* The exception each scenario raises first (stack_overflow: the #PF of the
 * push into the guard page). Order as in enum scenario. */
static const unsigned char scenario_first_vector[SCENARIO_COUNT] = {
	[SCENARIO_PAGE_FAULT] = 14, [SCENARIO_STACK_OVERFLOW] = 14,
	[SCENARIO_DIVIDE_ERROR] = 0, [SCENARIO_BREAKPOINT] = 3,
	[SCENARIO_INVALID_OPCODE] = 6, [SCENARIO_GENERAL_PROTECTION] = 13,
	[SCENARIO_DEBUG] = 1, [SCENARIO_OVERFLOW] = 4, [SCENARIO_BOUND_RANGE] = 5,
	[SCENARIO_DEVICE_NOT_AVAILABLE] = 7, [SCENARIO_INVALID_TSS] = 10,
	[SCENARIO_SEGMENT_NOT_PRESENT] = 11, [SCENARIO_STACK_SEGMENT] = 12,
	[SCENARIO_X87_ERROR] = 16, [SCENARIO_SIMD_ERROR] = 19, [SCENARIO_MISSING_GATE] = 6,
	[SCENARIO_NULL_CALL] = 14, [SCENARIO_TIMER_IRQ] = 8, [SCENARIO_NESTED_FAULT] = 6,
	[SCENARIO_USER_PAGE_FAULT] = 14, [SCENARIO_USER_PRIVILEGED] = 13,
	[SCENARIO_USER_INT] = 13, [SCENARIO_USER_INT_ALLOWED] = 3,
	[SCENARIO_ALIGNMENT_CHECK] = 17, [SCENARIO_BAD_RSP0] = 14,
};

bool scenario_in_ring3(enum scenario s)
{
	return s >= SCENARIO_USER_PAGE_FAULT && s <= SCENARIO_BAD_RSP0;
}

bool handlers_has_gate(enum handlers h, unsigned vector)
{
	return h == HANDLERS_ALL || (h == HANDLERS_DF && vector == 8);
}

unsigned scenario_vector(enum scenario s, const char *arch_name)
{
	if (s == SCENARIO_INVALID_TSS && str_eq(arch_name, "x86_64"))
		return 6;       /* ud2 through an IST gate the TSS's limit cuts off */
	return s < SCENARIO_COUNT ? scenario_first_vector[s] : 0;
}

const char *scenario_summary(enum scenario s)
{
	return s < SCENARIO_COUNT ? scenario_names[s].summary : "?";
}

bool scenario_on_arch(enum scenario s, const char *arch_name)
{
	return s < SCENARIO_COUNT && (scenario_names[s].only_arch == NULL
	                              || str_eq(scenario_names[s].only_arch, arch_name));
}

const char *handlers_name(enum handlers h)
{
	return h < HANDLERS_COUNT ? handlers_names[h] : "?";
}

const char *df_mode_name(enum df_mode d)
{
	return d < DF_MODE_COUNT ? df_names[d] : "?";
}

void cmdline_list_scenarios(const char *arch_name, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int s = SCENARIO_NONE + 1; s < SCENARIO_COUNT; s++)
		if (scenario_on_arch((enum scenario)s, arch_name))
			len += fmt_snprintf(buf + len, size - len, "%s%s",
			                    len ? " " : "", scenario_names[s].name);
}

/* Index of value[0..n) in names[0..count), or -1. */
static int lookup(const char *value, size_t n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (str_eq_n(value, names[i], n))
			return i;
	return -1;
}

static int lookup_scenario(const char *value, size_t n)
{
	for (int s = SCENARIO_NONE + 1; s < SCENARIO_COUNT; s++)
		if (str_eq_n(value, scenario_names[s].name, n))
			return s;
	return -1;
}

struct parser {
	const char *arch_name;
	const char *arch_df_safe_name;
	struct kconfig *cfg;
	unsigned seen;            /* one bit per option, to reject repeats */
	char *err;
	size_t err_size;
	bool failed;
};

/* Record the first error only: it is the one the student should fix first. */
static void fail(struct parser *p, const char *fmt_str, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct parser *p, const char *fmt_str, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;        /* even with no room for the message */
	if (p->err_size == 0)
		return;
	va_start(ap, fmt_str);
	fmt_vsnprintf(p->err, p->err_size, fmt_str, ap);
	va_end(ap);
}

/* s[0..n) as a C string, cut at CMDLINE_ARG_MAX, for error messages. */
struct word {
	char text[CMDLINE_ARG_MAX + 1];
};

static struct word word(const char *s, size_t n)
{
	struct word w;

	if (n > CMDLINE_ARG_MAX)
		n = CMDLINE_ARG_MAX;
	for (size_t i = 0; i < n; i++)
		w.text[i] = s[i];
	w.text[n] = '\0';
	return w;
}

static void parse_df(struct parser *p, const char *v, size_t n)
{
	int d = lookup(v, n, df_names, DF_MODE_COUNT);

	if (d >= 0) {
		p->cfg->df = (enum df_mode)d;
		return;
	}
	if (str_eq_n(v, p->arch_df_safe_name, n)) {
		p->cfg->df = DF_SAFE;
		return;
	}
	for (size_t i = 0; i < sizeof df_arch_spellings / sizeof df_arch_spellings[0]; i++)
		if (str_eq_n(v, df_arch_spellings[i].value, n)) {
			fail(p, "df=%s is the %s mechanism; this kernel is %s:"
			     " use df=safe, df=%s or df=stack", word(v, n).text,
			     df_arch_spellings[i].arch, p->arch_name, p->arch_df_safe_name);
			return;
		}
	fail(p, "unknown df '%s' (valid: safe %s stack)", word(v, n).text,
	     p->arch_df_safe_name);
}

enum option { OPT_SCENARIO, OPT_HANDLERS, OPT_DF, OPT_EXIT, OPT_BREAK, OPT_COUNT };
static const char *const option_names[OPT_COUNT] = {
	"scenario", "handlers", "df", "exit", "break",
};

/* on/off options: where each one's value goes. */
static bool *switch_of(struct kconfig *cfg, int opt)
{
	return opt == OPT_EXIT ? &cfg->exit_when_done : &cfg->magic_break;
}

static void parse_arg(struct parser *p, const char *arg, size_t len)
{
	const char *eq = NULL;
	char valid[CMDLINE_ERR_MAX];

	for (size_t i = 0; i < len; i++)
		if (arg[i] == '=') {
			eq = arg + i;
			break;
		}
	if (len > CMDLINE_ARG_MAX) {
		fail(p, "argument '%s...' is too long (limit %d characters)",
		     word(arg, 24).text, CMDLINE_ARG_MAX);
		return;
	}
	if (eq == NULL) {
		fail(p, "malformed argument '%s': expected key=value, e.g. "
		     "scenario=page_fault", word(arg, len).text);
		return;
	}
	size_t klen = (size_t)(eq - arg);
	const char *v = eq + 1;
	size_t vlen = len - klen - 1;
	int opt = lookup(arg, klen, option_names, OPT_COUNT);

	if (opt < 0) {
		fail(p, "unknown option '%s' (valid: scenario handlers df exit break)",
		     word(arg, klen).text);
		return;
	}
	if (p->seen & (1u << opt)) {
		fail(p, "option '%s' is given twice", word(arg, klen).text);
		return;
	}
	p->seen |= 1u << opt;
	if (vlen == 0) {
		fail(p, "option '%s' has an empty value", word(arg, klen).text);
		return;
	}

	int i;
	switch (opt) {
	case OPT_SCENARIO:
		if ((i = lookup_scenario(v, vlen)) < 0) {
			cmdline_list_scenarios(p->arch_name, valid, sizeof valid);
			fail(p, "unknown scenario '%s' (valid: %s)", word(v, vlen).text, valid);
		} else if (!scenario_on_arch((enum scenario)i, p->arch_name)) {
			fail(p, "scenario=%s exists only on %s: %s", scenario_names[i].name,
			     scenario_names[i].only_arch, scenario_names[i].why_only);
		} else {
			p->cfg->scenario = (enum scenario)i;
		}
		break;
	case OPT_HANDLERS:
		if ((i = lookup(v, vlen, handlers_names, HANDLERS_COUNT)) >= 0)
			p->cfg->handlers = (enum handlers)i;
		else
			fail(p, "unknown handlers '%s' (valid: all df none)", word(v, vlen).text);
		break;
	case OPT_DF:
		parse_df(p, v, vlen);
		break;
	case OPT_EXIT:
	case OPT_BREAK:
		if (str_eq_n(v, "on", vlen))
			*switch_of(p->cfg, opt) = true;
		else if (str_eq_n(v, "off", vlen))
			*switch_of(p->cfg, opt) = false;
		else
			fail(p, "unknown %s '%s' (valid: on off)", option_names[opt],
			     word(v, vlen).text);
		break;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *cmdline_arguments(const char *cmdline)
{
	const char *s = cmdline, *word;
	bool has_eq = false;

	while (is_space(*s))
		s++;
	word = s;
	while (*s != '\0' && !is_space(*s))
		has_eq |= *s++ == '=';
	if (has_eq || s == word)
		return word;
	while (is_space(*s))
		s++;
	return s;
}

bool cmdline_parse(const char *cmdline, const char *arch_name,
                   const char *arch_df_safe_name, struct kconfig *cfg,
                   char *err, size_t err_size)
{
	struct parser p = { arch_name, arch_df_safe_name, cfg, 0, err, err_size, false };
	bool first = true;
	const char *s = cmdline ? cmdline : "";

	*cfg = (struct kconfig){ SCENARIO_NONE, HANDLERS_ALL, DF_SAFE, false, false };
	if (err_size > 0)
		err[0] = '\0';
	while (*s != '\0') {
		while (is_space(*s))
			s++;
		const char *start = s;
		bool has_eq = false;
		while (*s != '\0' && !is_space(*s))
			has_eq |= *s++ == '=';
		size_t len = (size_t)(s - start);
		if (len == 0)
			break;
		if (first && !has_eq) {   /* the image path GRUB and QEMU put first */
			first = false;
			continue;
		}
		first = false;
		parse_arg(&p, start, len);
	}
	return !p.failed;
}
