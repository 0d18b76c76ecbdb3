/*
 * test_menu.c - the interactive menu's logic (kernel/menu.c) and the scan
 * code decoder it reads keys through (drivers/keyboard/scancode.c).
 */
#include "check.h"
#include "kernel/config.h"
#include "kernel/menu.h"
#include "drivers/keyboard/scancode.h"

static enum key feed(struct scancode_decoder *d, const uint8_t *bytes, size_t n)
{
	enum key last = KEY_NONE;

	for (size_t i = 0; i < n; i++) {
		enum key k = scancode_decode(d, bytes[i]);
		if (k != KEY_NONE)
			last = k;
	}
	return last;
}

static void scancodes(void)
{
	struct scancode_decoder d = { 0, 0 };
	static const uint8_t up[] = { 0xE0, 0x48 }, up_release[] = { 0xE0, 0xC8 };
	static const uint8_t pause[] = { 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5 };
	static const uint8_t fake_shift_up[] = { 0xE0, 0x2A, 0xE0, 0x48 };

	CHECK_EQ_U64(feed(&d, up, 2), KEY_UP);
	CHECK_EQ_U64(feed(&d, up_release, 2), KEY_NONE);
	CHECK_EQ_U64(scancode_decode(&d, 0x50), KEY_DOWN);         /* keypad 2 */
	CHECK_EQ_U64(scancode_decode(&d, 0x1C), KEY_ENTER);
	CHECK_EQ_U64(feed(&d, (const uint8_t[]){ 0xE0, 0x1C }, 2), KEY_ENTER);  /* keypad */
	CHECK_EQ_U64(scancode_decode(&d, 0x24), 'j');
	CHECK_EQ_U64(scancode_decode(&d, 0x25), 'k');
	CHECK_EQ_U64(scancode_decode(&d, 0x23), 'h');
	CHECK_EQ_U64(scancode_decode(&d, 0x20), 'd');
	CHECK_EQ_U64(scancode_decode(&d, 0x10), 'q');
	CHECK_EQ_U64(scancode_decode(&d, 0x0B), '0');
	CHECK_EQ_U64(scancode_decode(&d, 0x39), ' ');
	CHECK_EQ_U64(scancode_decode(&d, 0x01), KEY_ESCAPE);
	CHECK_EQ_U64(scancode_decode(&d, 0x3B), KEY_OTHER);        /* F1 */
	CHECK_EQ_U64(scancode_decode(&d, 0xA4), KEY_NONE);         /* j released */
	CHECK_EQ_U64(scancode_decode(&d, 0xFA), KEY_NONE);         /* ACK */
	CHECK_EQ_U64(scancode_decode(&d, 0xAA), KEY_NONE);         /* self-test passed */
	CHECK_EQ_U64(feed(&d, pause, sizeof pause), KEY_NONE);     /* no make code inside */
	CHECK_EQ_U64(scancode_decode(&d, 0x24), 'j');              /* and back in step */
	CHECK_EQ_U64(feed(&d, fake_shift_up, sizeof fake_shift_up), KEY_UP);
}

static void keys(void)
{
	struct kconfig cfg = { SCENARIO_NONE, HANDLERS_NONE, DF_STACK, false, false };
	struct menu_choice c = menu_first(&cfg, "x86_64");

	/* The command line's handlers and df carry over. */
	CHECK_EQ_U64(c.scenario, SCENARIO_PAGE_FAULT);
	CHECK_EQ_U64(c.handlers, HANDLERS_NONE);
	CHECK_EQ_U64(c.df, DF_STACK);

	/* Up from the first wraps to the last; Down from the last to the first. */
	CHECK_EQ_U64(menu_key(&c, KEY_UP, "x86_64"), MENU_CHANGED);
	CHECK_EQ_U64(c.scenario, SCENARIO_COUNT - 1);
	CHECK_EQ_U64(menu_key(&c, 'j', "x86_64"), MENU_CHANGED);
	CHECK_EQ_U64(c.scenario, SCENARIO_PAGE_FAULT);

	/* x86_64 skips the i386-only scenarios; i386 stops at them. */
	c.scenario = SCENARIO_DEBUG;
	menu_key(&c, KEY_DOWN, "x86_64");
	CHECK_EQ_U64(c.scenario, SCENARIO_DEVICE_NOT_AVAILABLE);
	menu_key(&c, 'k', "x86_64");
	CHECK_EQ_U64(c.scenario, SCENARIO_DEBUG);
	menu_key(&c, 'j', "i386");
	CHECK_EQ_U64(c.scenario, SCENARIO_OVERFLOW);

	/* h cycles all -> df -> none -> all, d safe -> stack -> safe. */
	static const enum handlers h_cycle[] = { HANDLERS_DF, HANDLERS_NONE, HANDLERS_ALL };
	c.handlers = HANDLERS_ALL;
	c.df = DF_SAFE;
	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ_U64(menu_key(&c, 'h', "i386"), MENU_CHANGED);
		CHECK_EQ_U64(c.handlers, h_cycle[i]);
		CHECK_EQ_U64(menu_key(&c, 'd', "i386"), MENU_CHANGED);
		CHECK_EQ_U64(c.df, i % 2 == 0 ? DF_STACK : DF_SAFE);
	}
	menu_key(&c, 'd', "i386");         /* back to safe */
	CHECK_EQ_U64(c.df, DF_SAFE);

	/* Enter runs; other keys change nothing (no redraw). */
	struct menu_choice before = c;
	CHECK_EQ_U64(menu_key(&c, KEY_ENTER, "i386"), MENU_RUN);
	CHECK_EQ_U64(menu_key(&c, 'x', "i386"), MENU_SAME);
	CHECK_EQ_U64(menu_key(&c, KEY_OTHER, "i386"), MENU_SAME);
	CHECK_EQ_U64(menu_key(&c, KEY_LEFT, "i386"), MENU_SAME);
	CHECK(c.scenario == before.scenario && c.handlers == before.handlers
	      && c.df == before.df);
}

/* What tools/faultline_scenarios.py architectural_outcome() says for the
 * story scenarios, in every configuration, on both arches: "triple", or
 * the vector caught and its stack ("safe": the arch's #DF stack). */
struct story_case {
	enum scenario scenario;
	enum handlers handlers;
	enum df_mode df;
	int vector;                  /* -1: triple fault */
	bool on_safe_stack;
};

static const struct story_case story[] = {
	{ SCENARIO_PAGE_FAULT, HANDLERS_ALL, DF_SAFE, 14, false },
	{ SCENARIO_PAGE_FAULT, HANDLERS_ALL, DF_STACK, 14, false },
	{ SCENARIO_PAGE_FAULT, HANDLERS_DF, DF_SAFE, 8, true },
	{ SCENARIO_PAGE_FAULT, HANDLERS_DF, DF_STACK, 8, false },
	{ SCENARIO_PAGE_FAULT, HANDLERS_NONE, DF_SAFE, -1, false },
	{ SCENARIO_PAGE_FAULT, HANDLERS_NONE, DF_STACK, -1, false },
	{ SCENARIO_STACK_OVERFLOW, HANDLERS_ALL, DF_SAFE, 8, true },
	{ SCENARIO_STACK_OVERFLOW, HANDLERS_ALL, DF_STACK, -1, false },
	{ SCENARIO_STACK_OVERFLOW, HANDLERS_DF, DF_SAFE, 8, true },
	{ SCENARIO_STACK_OVERFLOW, HANDLERS_DF, DF_STACK, -1, false },
	{ SCENARIO_STACK_OVERFLOW, HANDLERS_NONE, DF_SAFE, -1, false },
	{ SCENARIO_DIVIDE_ERROR, HANDLERS_ALL, DF_SAFE, 0, false },
	{ SCENARIO_DIVIDE_ERROR, HANDLERS_DF, DF_STACK, 8, false },
	{ SCENARIO_BREAKPOINT, HANDLERS_DF, DF_SAFE, 8, true },
	{ SCENARIO_INVALID_OPCODE, HANDLERS_NONE, DF_STACK, -1, false },
	{ SCENARIO_GENERAL_PROTECTION, HANDLERS_DF, DF_SAFE, 8, true },
	{ SCENARIO_MISSING_GATE, HANDLERS_ALL, DF_SAFE, 13, false },
	{ SCENARIO_MISSING_GATE, HANDLERS_DF, DF_STACK, 8, false },
	{ SCENARIO_NULL_CALL, HANDLERS_ALL, DF_SAFE, 14, false },
	{ SCENARIO_USER_PAGE_FAULT, HANDLERS_ALL, DF_SAFE, 14, false },
	{ SCENARIO_USER_INT, HANDLERS_ALL, DF_SAFE, 13, false },
	{ SCENARIO_USER_INT_ALLOWED, HANDLERS_ALL, DF_SAFE, 3, false },
	{ SCENARIO_ALIGNMENT_CHECK, HANDLERS_ALL, DF_STACK, 17, false },
	{ SCENARIO_BAD_RSP0, HANDLERS_ALL, DF_SAFE, 8, true },
	{ SCENARIO_BAD_RSP0, HANDLERS_ALL, DF_STACK, -1, false },
};

static void expectations(void)
{
	static const struct { const char *arch, *df_stack; } arches[] = {
		{ "i386", "df-task" }, { "x86_64", "ist1" },
	};
	struct menu_expectation e;
	char text[160];

	for (size_t a = 0; a < 2; a++)
		for (size_t i = 0; i < sizeof story / sizeof story[0]; i++) {
			const struct story_case *t = &story[i];
			struct menu_choice c = { t->scenario, t->handlers, t->df };

			menu_expect(&c, arches[a].arch, arches[a].df_stack, &e);
			if (t->vector < 0) {
				CHECK_EQ_U64(e.outcome, EXPECT_TRIPLE_FAULT);
				continue;
			}
			CHECK_EQ_U64(e.outcome, EXPECT_CAUGHT);
			CHECK_EQ_U64(e.vector, t->vector);
			CHECK_STR(e.stack, t->on_safe_stack ? arches[a].df_stack : "kernel");
		}

	/* The texts, and the path the fault screen would print. */
	struct menu_choice c = { SCENARIO_STACK_OVERFLOW, HANDLERS_ALL, DF_SAFE };
	menu_expect(&c, "x86_64", "ist1", &e);
	menu_expect_text(&e, text, sizeof text);
	CHECK_STR(text, "caught: #DF Double Fault, on the ist1 stack");
	CHECK_STR(e.path, "#PF -> frame push faults: #PF = #DF");
	c.df = DF_STACK;
	menu_expect(&c, "i386", "df-task", &e);
	menu_expect_text(&e, text, sizeof text);
	CHECK_STR(text, "triple fault: the CPU shuts down, the machine resets");
	CHECK_STR(e.path, "#PF -> frame push faults: #PF = #DF -> frame push faults: #PF"
	          " -> shutdown");
	c = (struct menu_choice){ SCENARIO_MISSING_GATE, HANDLERS_ALL, DF_SAFE };
	menu_expect(&c, "i386", "df-task", &e);
	CHECK_STR(e.path, "#UD -> no gate: #GP");

	/* Where the model does not apply, it says so, for every configuration. */
	c = (struct menu_choice){ SCENARIO_TIMER_IRQ, HANDLERS_NONE, DF_STACK };
	menu_expect(&c, "i386", "df-task", &e);
	CHECK_EQ_U64(e.outcome, EXPECT_NOT_MODELLED);
	menu_expect_text(&e, text, sizeof text);
	CHECK(strncmp(text, "not from the model: an interrupt", 32) == 0);
	c.scenario = SCENARIO_INVALID_TSS;
	menu_expect(&c, "x86_64", "ist1", &e);
	CHECK_EQ_U64(e.outcome, EXPECT_NOT_MODELLED);
	c.scenario = SCENARIO_NESTED_FAULT;
	menu_expect(&c, "x86_64", "ist1", &e);
	CHECK_EQ_U64(e.outcome, EXPECT_NOT_MODELLED);
}

void test_menu(void)
{
	scancodes();
	keys();
	expectations();
}
