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
};

static const struct name_entry scenario_names[SCENARIO_COUNT] = {
	[SCENARIO_NONE]               = { "none", "no scenario: show this list" },
	[SCENARIO_PAGE_FAULT]         = { "page_fault", "write to unmapped 0xdeadbeef (#PF)" },
	[SCENARIO_STACK_OVERFLOW]     = { "stack_overflow", "recurse into the guard page below the stack" },
	[SCENARIO_DIVIDE_ERROR]       = { "divide_error", "divide by zero (#DE)" },
	[SCENARIO_BREAKPOINT]         = { "breakpoint", "int3 (#BP, a trap)" },
	[SCENARIO_INVALID_OPCODE]     = { "invalid_opcode", "ud2 (#UD)" },
	[SCENARIO_GENERAL_PROTECTION] = { "general_protection", "load a selector past the GDT limit (#GP)" },
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

const char *scenario_summary(enum scenario s)
{
	return s < SCENARIO_COUNT ? scenario_names[s].summary : "?";
}

const char *handlers_name(enum handlers h)
{
	return h < HANDLERS_COUNT ? handlers_names[h] : "?";
}

const char *df_mode_name(enum df_mode d)
{
	return d < DF_MODE_COUNT ? df_names[d] : "?";
}

void cmdline_list_scenarios(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int s = SCENARIO_NONE + 1; s < SCENARIO_COUNT; s++)
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

	if (p->failed || p->err_size == 0)
		return;
	va_start(ap, fmt_str);
	fmt_vsnprintf(p->err, p->err_size, fmt_str, ap);
	va_end(ap);
	p->failed = true;
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
	char valid[160];

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
		if ((i = lookup_scenario(v, vlen)) >= 0) {
			p->cfg->scenario = (enum scenario)i;
		} else {
			cmdline_list_scenarios(valid, sizeof valid);
			fail(p, "unknown scenario '%s' (valid: %s)", word(v, vlen).text, valid);
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
