/*
 * menu_screen.c - the interactive menu: the scenarios this arch runs, the
 * handlers= and df= choices, and what the highlighted choice is expected to
 * do, driven from the PS/2 keyboard, polled (interrupts stay off).
 *
 * The logic is kernel/menu.c (pure); this file draws it and reads keys. The
 * screen fits 80x25 and, like every screen, goes to COM1 as well: it is
 * drawn again only when a key changed something, so the serial log gets
 * one copy per change, the highlighted scenario marked with '>' and each
 * current value in [brackets].
 */
#include "arch.h"
#include "console.h"
#include "exceptions.h"
#include "kmain.h"
#include "menu.h"
#include "menu_screen.h"
#include "reset.h"
#include "drivers/keyboard/i8042.h"
#include "drivers/keyboard/scancode.h"

#define GRID_ROWS   9           /* scenarios per column */
#define GRID_COLS   3
#define GRID_WIDTH  26          /* columns of the screen per grid column */
#define LABEL       10          /* "handlers  " */
#define CHOICES     20          /* "[all]  df   none    " */
#define ATTR_PICKED VGA_ATTR(VGA_BLACK, VGA_LIGHT_GREY)

_Static_assert(SCENARIO_COUNT - 1 <= GRID_ROWS * GRID_COLS,
               "every scenario must fit in the menu's grid");
_Static_assert(GRID_COLS * GRID_WIDTH <= VGA_COLS, "the grid must fit 80 columns");

#define NO_SCENARIO_LINE "FAULTLINE-RESULT outcome=no_fault arch=" ARCH_NAME \
                         " reason=no_scenario"

static const char *const handlers_help[HANDLERS_COUNT] = {
	[HANDLERS_ALL]  = "a gate for each of the 32 exception vectors",
	[HANDLERS_DF]   = "only #DF's gate (vector 8)",
	[HANDLERS_NONE] = "no gate at all: an empty IDT",
};

static const char *const df_help[DF_MODE_COUNT] = {
	[DF_SAFE]  = "#DF on the " ARCH_DF_STACK_NAME " stack (df=" ARCH_DF_SAFE_NAME ")",
	[DF_STACK] = "#DF on whatever stack faulted",
};

static bool from_menu;

static int name_length(enum scenario s)
{
	int n = 0;

	for (const char *p = scenario_name(s); *p != '\0'; p++)
		n++;
	return n;
}

static void draw_grid(const struct menu_choice *c)
{
	enum scenario cell[GRID_ROWS * GRID_COLS];
	int n = 0;

	for (int s = SCENARIO_NONE + 1; s < SCENARIO_COUNT; s++)
		if (scenario_on_arch((enum scenario)s, ARCH_NAME))
			cell[n++] = (enum scenario)s;
	for (int row = 0; row < GRID_ROWS; row++) {
		for (int col = 0; col < GRID_COLS; col++) {
			int i = col * GRID_ROWS + row;
			if (i >= n)
				break;
			bool picked = cell[i] == c->scenario;
			bool last = col == GRID_COLS - 1 || i + GRID_ROWS >= n;

			console_attr(picked ? ATTR_PICKED : ATTR_VALUE);
			console_printf("%s%s", picked ? " > " : "   ", scenario_name(cell[i]));
			console_attr(ATTR_TEXT);
			if (!last)           /* no trailing blanks on COM1 */
				console_printf("%*s", GRID_WIDTH - 3 - name_length(cell[i]), "");
		}
		console_write("\n");
	}
}

/* "handlers  [all]  df   none      a gate for ..." */
static void draw_choice(const char *label, const char *const *names, int count,
                        int current, const char *help)
{
	int width = 0;

	console_attr(ATTR_LABEL);
	console_printf("%-*s", LABEL, label);
	for (int i = 0; i < count; i++) {
		console_attr(i == current ? ATTR_PICKED : ATTR_TEXT);
		console_printf(i == current ? "[%s]" : " %s ", names[i]);
		console_attr(ATTR_TEXT);
		console_write(" ");
		for (const char *s = names[i]; *s != '\0'; s++)
			width++;
		width += 3;
	}
	console_printf("%*s%s\n", width < CHOICES ? CHOICES - width : 0, "", help);
}

static void draw_expectation(const struct menu_choice *c)
{
	struct menu_expectation e;
	char text[160];

	menu_expect(c, ARCH_NAME, ARCH_DF_STACK_NAME, &e);
	menu_expect_text(&e, text, sizeof text);
	console_attr(ATTR_LABEL);
	console_printf("%-*s", LABEL, "expected");
	console_attr(e.outcome == EXPECT_TRIPLE_FAULT ? ATTR_ERROR : ATTR_NOTE);
	console_wrapped(text, LABEL);
	console_attr(ATTR_LABEL);
	console_printf("%-*s", LABEL, "path");
	console_attr(ATTR_TEXT);
	console_printf("%s\n", e.outcome == EXPECT_NOT_MODELLED ? "(the model does not apply)"
	               : e.path);
}

static void draw(const struct menu_choice *c, enum i8042_state keyboard)
{
	const char *handlers[HANDLERS_COUNT], *df[DF_MODE_COUNT];

	for (int i = 0; i < HANDLERS_COUNT; i++)
		handlers[i] = handlers_name((enum handlers)i);
	for (int i = 0; i < DF_MODE_COUNT; i++)
		df[i] = df_mode_name((enum df_mode)i);
	console_clear();
	console_banner(ATTR_TITLE, " faultline %s: exceptions, double faults, triple faults",
	               ARCH_NAME);
	if (keyboard == I8042_READY)
		console_printf("Up/Down or k/j: scenario   h: handlers   d: #DF stack"
		               "   Enter: run it\n\n");
	else
		console_printf("No keyboard controller %s (port 0x64): no keys. Give a\n"
		               "scenario on the command line instead (make run SCENARIO=...).\n",
		               keyboard == I8042_ABSENT ? "is there" : "answers");
	draw_grid(c);
	console_attr(ATTR_LABEL);
	console_printf("\n%-*s", LABEL, "scenario");
	console_attr(ATTR_VALUE);
	console_printf("%s", scenario_name(c->scenario));
	console_attr(ATTR_TEXT);
	console_printf(": %s\n", scenario_summary(c->scenario));
	draw_choice("handlers", handlers, HANDLERS_COUNT, c->handlers,
	            handlers_help[c->handlers]);
	draw_choice("df", df, DF_MODE_COUNT, c->df, df_help[c->df]);
	console_write("\n");
	draw_expectation(c);
	console_printf("\nThe same from the command line:\n"
	               "  make ARCH=%s run SCENARIO=%s KARGS=\"handlers=%s df=%s\"\n",
	               ARCH_NAME, scenario_name(c->scenario), handlers_name(c->handlers),
	               df_mode_name(c->df));
}

/* The next key pressed; bytes that make no key (releases, prefixes) are
 * read and passed over. */
static int keyboard_wait(void)
{
	static struct scancode_decoder decoder;
	uint8_t byte;

	for (;;)
		if (i8042_read(&byte)) {
			enum key k = scancode_decode(&decoder, byte);

			if (k != KEY_NONE)
				return (int)k;
		}
}

void menu_choose(struct kconfig *cfg)
{
	struct menu_choice c = menu_first(cfg, ARCH_NAME);
	enum i8042_state keyboard = i8042_init();
	enum menu_action action = MENU_CHANGED;

	while (action != MENU_RUN) {
		if (action == MENU_CHANGED) {
			draw(&c, keyboard);
			if (keyboard != I8042_READY || cfg->exit_when_done)
				kernel_finish(NO_SCENARIO_LINE, EXIT_NO_FAULT);
			kernel_result_line(NO_SCENARIO_LINE);
		}
		action = menu_key(&c, keyboard_wait(), ARCH_NAME);
	}
	cfg->scenario = c.scenario;
	cfg->handlers = c.handlers;
	cfg->df = c.df;
	from_menu = true;
	console_clear();         /* from here on, as if the command line had said it */
}

bool menu_ran_scenario(void)
{
	return from_menu;
}

void menu_return(void)
{
	console_attr(ATTR_NOTE);
	console_write("Press a key to reset the machine and return to the menu.");
	console_attr(ATTR_TEXT);
	console_flush();
	keyboard_wait();
	console_write("\n");
	machine_reset();
}
