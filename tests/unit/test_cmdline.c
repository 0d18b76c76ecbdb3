/*
 * test_cmdline.c - kernel/cmdline.c: the kernel command line parser, for
 * both arches' spellings of df=safe (x86_64 "ist", i386 "task").
 */
#include "check.h"
#include "kernel/config.h"

static char err[CMDLINE_ERR_MAX];
static struct kconfig cfg;

static bool parse64(const char *line)
{
	return cmdline_parse(line, "x86_64", "ist", &cfg, err, sizeof err);
}

static bool parse32(const char *line)
{
	return cmdline_parse(line, "i386", "task", &cfg, err, sizeof err);
}

#define CHECK_DEFAULTS() do { \
	CHECK_EQ_U64(cfg.scenario, SCENARIO_NONE); \
	CHECK_EQ_U64(cfg.handlers, HANDLERS_ALL); \
	CHECK_EQ_U64(cfg.df, DF_SAFE); \
	CHECK(!cfg.exit_when_done); \
	CHECK(!cfg.magic_break); \
} while (0)

static void empty(void)
{
	CHECK(parse64(""));
	CHECK_DEFAULTS();
	CHECK_STR(err, "");
	CHECK(parse64(NULL));
	CHECK_DEFAULTS();
	CHECK(parse64("   \t "));
	CHECK_DEFAULTS();
	/* only the image path */
	CHECK(parse64("/boot/faultline.elf"));
	CHECK_DEFAULTS();
	CHECK(parse32("/boot/faultline.elf"));
	CHECK_DEFAULTS();
}

static void valid_lines(void)
{
	CHECK(parse64("/boot/faultline.elf scenario=page_fault"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_PAGE_FAULT);
	CHECK_EQ_U64(cfg.handlers, HANDLERS_ALL);
	CHECK_STR(err, "");

	CHECK(parse64("build/x86_64/faultline-qemu.elf scenario=stack_overflow "
	              "handlers=df df=stack exit=on"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_STACK_OVERFLOW);
	CHECK_EQ_U64(cfg.handlers, HANDLERS_DF);
	CHECK_EQ_U64(cfg.df, DF_STACK);
	CHECK(cfg.exit_when_done);
	CHECK_STR(err, "");

	/* no path: the first word has '=' so it is an argument */
	CHECK(parse64("scenario=divide_error handlers=none exit=off"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_DIVIDE_ERROR);
	CHECK_EQ_U64(cfg.handlers, HANDLERS_NONE);
	CHECK(!cfg.exit_when_done);

	/* tabs, runs of spaces, a trailing newline */
	CHECK(parse64("  /boot/faultline.elf\t\tscenario=breakpoint   \t df=safe  exit=on\n"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_BREAKPOINT);
	CHECK_EQ_U64(cfg.df, DF_SAFE);
	CHECK(cfg.exit_when_done);

	/* a path longer than an argument may be is still just the path */
	CHECK(parse64("/a/very/long/path/to/the/kernel/image/that/goes/on/and/on/and/on/"
	              "faultline.elf scenario=invalid_opcode"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_INVALID_OPCODE);
	CHECK_STR(err, "");
}

static void every_scenario(void)
{
	static const struct { const char *line; enum scenario s; } cases[] = {
		{ "k scenario=page_fault", SCENARIO_PAGE_FAULT },
		{ "k scenario=stack_overflow", SCENARIO_STACK_OVERFLOW },
		{ "k scenario=divide_error", SCENARIO_DIVIDE_ERROR },
		{ "k scenario=breakpoint", SCENARIO_BREAKPOINT },
		{ "k scenario=invalid_opcode", SCENARIO_INVALID_OPCODE },
		{ "k scenario=general_protection", SCENARIO_GENERAL_PROTECTION },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK(parse64(cases[i].line));
		CHECK_EQ_U64(cfg.scenario, cases[i].s);
		CHECK(parse32(cases[i].line));
		CHECK_EQ_U64(cfg.scenario, cases[i].s);
	}
	CHECK_STR(scenario_name(SCENARIO_PAGE_FAULT), "page_fault");
	CHECK_STR(scenario_name(SCENARIO_GENERAL_PROTECTION), "general_protection");
	CHECK_STR(scenario_name(SCENARIO_COUNT), "?");
	CHECK_STR(handlers_name(HANDLERS_DF), "df");
	CHECK_STR(df_mode_name(DF_STACK), "stack");

	char list[400];
	cmdline_list_scenarios("i386", list, sizeof list);
	CHECK_STR(list, "page_fault stack_overflow divide_error breakpoint "
	                "invalid_opcode general_protection debug overflow bound_range "
	                "device_not_available invalid_tss segment_not_present "
	                "stack_segment x87_error simd_error missing_gate null_call "
	                "timer_irq nested_fault user_page_fault user_privileged user_int "
	                "user_int_allowed alignment_check bad_rsp0");
	cmdline_list_scenarios("x86_64", list, sizeof list);
	CHECK_STR(list, "page_fault stack_overflow divide_error breakpoint "
	                "invalid_opcode general_protection debug device_not_available "
	                "invalid_tss segment_not_present stack_segment x87_error "
	                "simd_error missing_gate null_call timer_irq nested_fault "
	                "user_page_fault user_privileged user_int user_int_allowed "
	                "alignment_check bad_rsp0");
	cmdline_list_scenarios("i386", list, 12);
	CHECK_STR(list, "page_fault ");
}

/* Scenarios only 32-bit code can raise: accepted on i386, explained on x86_64. */
static void arch_only_scenarios(void)
{
	CHECK(parse32("k scenario=overflow"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_OVERFLOW);
	CHECK(parse32("k scenario=invalid_tss handlers=df"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_INVALID_TSS);
	CHECK(!parse64("k scenario=bound_range"));
	CHECK_STR(err, "scenario=bound_range exists only on i386: "
	               "BOUND is invalid in 64-bit mode (#UD); 32-bit and "
	               "compatibility-mode code have it");
	CHECK_EQ_U64(cfg.scenario, SCENARIO_NONE);
	/* #TS exists on x86_64 too: a TSS limit that cuts off an IST slot. */
	CHECK(parse64("k scenario=invalid_tss"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_INVALID_TSS);
	CHECK(parse64("k scenario=missing_gate"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_MISSING_GATE);
	CHECK(parse32("k scenario=null_call"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_NULL_CALL);
	CHECK(scenario_on_arch(SCENARIO_SIMD_ERROR, "x86_64"));
	CHECK(!scenario_on_arch(SCENARIO_OVERFLOW, "x86_64"));
	CHECK(!scenario_on_arch(SCENARIO_COUNT, "i386"));
	/* The ring-3 scenarios exist on both arches; only they run in ring 3. */
	CHECK(parse64("k scenario=bad_rsp0 df=stack"));
	CHECK_EQ_U64(cfg.scenario, SCENARIO_BAD_RSP0);
	CHECK(parse32("k scenario=alignment_check"));
	CHECK(scenario_in_ring3(SCENARIO_USER_PAGE_FAULT));
	CHECK(scenario_in_ring3(SCENARIO_BAD_RSP0));
	CHECK(!scenario_in_ring3(SCENARIO_NESTED_FAULT));
	CHECK(!scenario_in_ring3(SCENARIO_PAGE_FAULT));
	CHECK_EQ_U64(scenario_vector(SCENARIO_USER_INT, "i386"), 13);
	CHECK_EQ_U64(scenario_vector(SCENARIO_ALIGNMENT_CHECK, "x86_64"), 17);
}

static void errors(void)
{
	CHECK(!parse64("k scenario=bogus"));
	CHECK_CONTAINS(err, "unknown scenario 'bogus'");
	CHECK_CONTAINS(err, "page_fault");
	CHECK_STR(err, "unknown scenario 'bogus' (valid: page_fault stack_overflow "
	               "divide_error breakpoint invalid_opcode general_protection debug "
	               "device_not_available invalid_tss segment_not_present stack_segment "
	               "x87_error simd_error missing_gate null_call timer_irq nested_fault "
	               "user_page_fault user_privileged user_int user_int_allowed "
	               "alignment_check bad_rsp0)");
	               /* x86_64: no overflow, bound_range */

	CHECK(!parse64("scenario=page_fault nonsense"));
	CHECK_STR(err, "malformed argument 'nonsense': expected key=value, "
	               "e.g. scenario=page_fault");
	CHECK_EQ_U64(cfg.scenario, SCENARIO_PAGE_FAULT);

	CHECK(!parse64("k colour=red"));
	CHECK_STR(err, "unknown option 'colour' (valid: scenario handlers df exit break)");

	CHECK(!parse64("k scenario=page_fault scenario=breakpoint"));
	CHECK_STR(err, "option 'scenario' is given twice");
	CHECK_EQ_U64(cfg.scenario, SCENARIO_PAGE_FAULT);

	CHECK(!parse64("k handlers="));
	CHECK_STR(err, "option 'handlers' has an empty value");

	CHECK(!parse64("k handlers=some"));
	CHECK_STR(err, "unknown handlers 'some' (valid: all df none)");

	CHECK(!parse64("k exit=yes"));
	CHECK_STR(err, "unknown exit 'yes' (valid: on off)");

	CHECK(!parse64("k df=maybe"));
	CHECK_STR(err, "unknown df 'maybe' (valid: safe ist stack)");
	CHECK(!parse32("k df=maybe"));
	CHECK_STR(err, "unknown df 'maybe' (valid: safe task stack)");

	/* a value must match a whole name, not a prefix */
	CHECK(!parse64("k scenario=page"));
	CHECK_CONTAINS(err, "unknown scenario 'page'");
	CHECK(!parse64("k scenario=page_faults"));
	CHECK_CONTAINS(err, "unknown scenario 'page_faults'");
}

static void df_spellings(void)
{
	CHECK(parse64("k df=ist"));
	CHECK_EQ_U64(cfg.df, DF_SAFE);
	CHECK(parse32("k df=task"));
	CHECK_EQ_U64(cfg.df, DF_SAFE);

	CHECK(!parse64("k df=task"));
	CHECK_CONTAINS(err, "i386 mechanism");
	CHECK_STR(err, "df=task is the i386 mechanism; this kernel is x86_64: "
	               "use df=safe, df=ist or df=stack");

	CHECK(!parse32("k df=ist"));
	CHECK_STR(err, "df=ist is the x86_64 mechanism; this kernel is i386: "
	               "use df=safe, df=task or df=stack");
}

static void too_long(void)
{
	/* 64 characters is the limit: "scenario=" + 55 = 64 is parsed (and is an
	 * unknown scenario), one more is too long. */
	char line[200];
	char value[80];

	memset(value, 'x', 55);
	value[55] = '\0';
	snprintf(line, sizeof line, "k scenario=%s", value);
	CHECK(!parse64(line));
	CHECK_CONTAINS(err, "unknown scenario 'xxxx");

	snprintf(line, sizeof line, "k scenario=%sy", value);
	CHECK(!parse64(line));
	CHECK_CONTAINS(err, "too long");
	CHECK_STR(err, "argument 'scenario=xxxxxxxxxxxxxxx...' is too long "
	               "(limit 64 characters)");
	CHECK_EQ_U64(cfg.scenario, SCENARIO_NONE);
}

static void errors_keep_what_was_valid(void)
{
	/* exit=on is honoured next to a typo, before or after it */
	CHECK(!parse64("k scenario=bogus exit=on"));
	CHECK(cfg.exit_when_done);
	CHECK_CONTAINS(err, "unknown scenario 'bogus'");
	CHECK(!parse64("k exit=on handlers=bogus df=stack"));
	CHECK(cfg.exit_when_done);
	CHECK_EQ_U64(cfg.df, DF_STACK);

	/* the first error is the one reported */
	CHECK(!parse64("k colour=red scenario=bogus nonsense"));
	CHECK_STR(err, "unknown option 'colour' (valid: scenario handlers df exit break)");
	CHECK(!parse64("k nonsense colour=red"));
	CHECK_CONTAINS(err, "malformed argument 'nonsense'");

	/* ... also when a later one is the other arch's df spelling, whose
	 * message is built in two steps */
	CHECK(!parse64("k handlers=bogus df=task"));
	CHECK_STR(err, "unknown handlers 'bogus' (valid: all df none)");
	CHECK(!parse32("k exit=maybe df=ist"));
	CHECK_STR(err, "unknown exit 'maybe' (valid: on off)");
}

static void small_err_buffer(void)
{
	char small[9];
	struct kconfig c;

	memset(small, 'X', sizeof small);
	CHECK(!cmdline_parse("k scenario=bogus", "x86_64", "ist", &c, small, 8));
	CHECK_STR(small, "unknown");
	CHECK(small[8] == 'X');

	/* the two-step df message too */
	memset(small, 'X', sizeof small);
	CHECK(!cmdline_parse("k df=task", "x86_64", "ist", &c, small, 8));
	CHECK_STR(small, "df=task");
	CHECK(small[8] == 'X');

	memset(small, 'X', sizeof small);
	CHECK(!cmdline_parse("k df=task", "x86_64", "ist", &c, small, 1));
	CHECK_STR(small, "");
	CHECK(small[1] == 'X');
}

/* break=on|off: the magic breakpoint before the fault (debug-bochs). */
static void magic_break_switch(void)
{
	CHECK(parse64("k scenario=page_fault break=on"));
	CHECK(cfg.magic_break);
	CHECK(!cfg.exit_when_done);
	CHECK(parse32("k scenario=stack_overflow break=off exit=on"));
	CHECK(!cfg.magic_break);
	CHECK(cfg.exit_when_done);
	CHECK(!parse64("k break=maybe"));
	CHECK_STR(err, "unknown break 'maybe' (valid: on off)");
	CHECK(!parse64("k break=on break=on"));
	CHECK_STR(err, "option 'break' is given twice");
	CHECK(!parse64("k colour=red"));
	CHECK_STR(err, "unknown option 'colour' (valid: scenario handlers df exit break)");
}

/* Found by tests/fuzz: with no room for a message, a bad line still fails. */
static void zero_size_err_buffer(void)
{
	struct kconfig c;
	char none[1] = { 'X' };

	CHECK(!cmdline_parse("/boot/faultline.elf scenario=no_such_thing", "x86_64", "ist",
	                     &c, none, 0));
	CHECK(none[0] == 'X');                      /* nothing written */
	CHECK(cmdline_parse("k scenario=page_fault", "x86_64", "ist", &c, none, 0));
}

static void arguments_without_path(void)
{
	CHECK_STR(cmdline_arguments("/boot/faultline.elf scenario=bogus"), "scenario=bogus");
	CHECK_STR(cmdline_arguments("  build/i386/faultline.elf\tx=1 y"), "x=1 y");
	CHECK_STR(cmdline_arguments("scenario=page_fault"), "scenario=page_fault");
	CHECK_STR(cmdline_arguments("/boot/faultline.elf"), "");
	CHECK_STR(cmdline_arguments(""), "");
}

void test_cmdline(void)
{
	zero_size_err_buffer();
	arguments_without_path();
	arch_only_scenarios();
	magic_break_switch();
	empty();
	valid_lines();
	every_scenario();
	errors();
	df_spellings();
	too_long();
	errors_keep_what_was_valid();
	small_err_buffer();
}
