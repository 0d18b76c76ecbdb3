/*
 * menu.c - the interactive menu's state machine and its expected outcome.
 *
 * Pure: no I/O, no globals. The expectation is not a second model of the
 * CPU: it calls escalation_chain(), the replay of the SDM's exception-pair
 * rules that draws the fault screen's "path" line, with the same inputs the
 * configuration gives it, so the menu and the fault screen cannot disagree.
 */
#include "exceptions.h"
#include "format.h"
#include "menu.h"
#include "drivers/keyboard/scancode.h"

/* The next scenario arch_name runs after (step 1) or before (step -1)
 * `from`, wrapping round and never landing on SCENARIO_NONE. */
static enum scenario step_scenario(enum scenario from, int step, const char *arch_name)
{
	int s = (int)from;

	for (int tries = 0; tries < SCENARIO_COUNT; tries++) {
		s += step;
		if (s <= SCENARIO_NONE)
			s = SCENARIO_COUNT - 1;
		else if (s >= SCENARIO_COUNT)
			s = SCENARIO_NONE + 1;
		if (scenario_on_arch((enum scenario)s, arch_name))
			return (enum scenario)s;
	}
	return from;
}

struct menu_choice menu_first(const struct kconfig *cfg, const char *arch_name)
{
	struct menu_choice c = { SCENARIO_NONE, cfg->handlers, cfg->df };

	c.scenario = step_scenario(SCENARIO_NONE, 1, arch_name);
	return c;
}

enum menu_action menu_key(struct menu_choice *c, int key, const char *arch_name)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		c->scenario = step_scenario(c->scenario, -1, arch_name);
		return MENU_CHANGED;
	case KEY_DOWN:
	case 'j':
		c->scenario = step_scenario(c->scenario, 1, arch_name);
		return MENU_CHANGED;
	case 'h':
		c->handlers = (enum handlers)((c->handlers + 1) % HANDLERS_COUNT);
		return MENU_CHANGED;
	case 'd':
		c->df = (enum df_mode)((c->df + 1) % DF_MODE_COUNT);
		return MENU_CHANGED;
	case KEY_ENTER:
		return MENU_RUN;
	default:
		return MENU_SAME;
	}
}

/* Scenarios the model does not describe (tools/faultline_scenarios.py
 * CHAIN_MODEL_SKIPS holds the same ones, bar missing_gate, which the menu
 * models by leaving out the gate the scenario removes). */
static const char *not_modelled(enum scenario s)
{
	switch (s) {
	case SCENARIO_TIMER_IRQ:
		return "an interrupt, not an exception: IRQ 0 arrives through IDT[8],"
		       " the #DF gate";
	case SCENARIO_INVALID_TSS:
		return "the TSS itself is what fails, and the model has no TSS";
	case SCENARIO_NESTED_FAULT:
		return "#UD is caught, then the fault reporter faults on purpose";
	default:
		return NULL;
	}
}

void menu_expect(const struct menu_choice *c, const char *arch_name,
                 const char *df_stack_name, struct menu_expectation *e)
{
	bool gates[EXCEPTION_COUNT];
	unsigned first = scenario_vector(c->scenario, arch_name);

	*e = (struct menu_expectation){ .outcome = EXPECT_NOT_MODELLED };
	e->why = not_modelled(c->scenario);
	if (e->why != NULL)
		return;
	for (unsigned v = 0; v < EXCEPTION_COUNT; v++)
		gates[v] = handlers_has_gate(c->handlers, v);
	if (c->scenario == SCENARIO_MISSING_GATE)
		gates[VECTOR_UD] = false;          /* the scenario empties IDT[6] */
	/* Both scenarios leave the stack a frame is pushed on unusable: the
	 * kernel stack's guard page, or the ring-0 stack TSS.ESP0/RSP0 names. */
	bool frame_push_faults = c->scenario == SCENARIO_STACK_OVERFLOW ||
	                         c->scenario == SCENARIO_BAD_RSP0;
	unsigned end = escalation_chain(first, gates, frame_push_faults,
	                                c->df == DF_SAFE, e->path, sizeof e->path);
	if (end == ESCALATION_SHUTDOWN) {
		e->outcome = EXPECT_TRIPLE_FAULT;
		return;
	}
	e->outcome = EXPECT_CAUGHT;
	e->vector = end;
	e->stack = end == VECTOR_DF && c->df == DF_SAFE ? df_stack_name : "kernel";
}

void menu_expect_text(const struct menu_expectation *e, char *buf, size_t size)
{
	const struct exception_info *x = exception_info(e->vector);

	switch (e->outcome) {
	case EXPECT_CAUGHT:
		fmt_snprintf(buf, size, "caught: %s %s, on the %s stack", x->mnemonic,
		             x->name, e->stack);
		break;
	case EXPECT_TRIPLE_FAULT:
		fmt_snprintf(buf, size, "triple fault: the CPU shuts down, the machine resets");
		break;
	default:
		fmt_snprintf(buf, size, "not from the model: %s", e->why);
		break;
	}
}
