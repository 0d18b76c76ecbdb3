/*
 * menu.h - the interactive menu's logic: which choice a key leads to, and
 * what the chosen scenario is expected to do. Pure (no I/O): the host unit
 * tests drive it key by key; kernel/menu_screen.c draws it.
 */
#ifndef KERNEL_MENU_H
#define KERNEL_MENU_H

#include <stddef.h>
#include "config.h"
#include "escalation.h"

/* What the menu lets a learner pick: the command line's three choices. */
struct menu_choice {
	enum scenario scenario;
	enum handlers handlers;
	enum df_mode df;
};

enum menu_action {
	MENU_SAME,               /* the key changed nothing: no redraw */
	MENU_CHANGED,            /* redraw */
	MENU_RUN,                /* Enter: run the choice */
};

/* The first choice: the first scenario arch_name runs, with the handlers
 * and df the command line gave (so "handlers=none" alone preselects it). */
struct menu_choice menu_first(const struct kconfig *cfg, const char *arch_name);

/* Apply one key (enum key, drivers/keyboard/scancode.h): Up/k and Down/j
 * move to the previous/next scenario arch_name runs (wrapping round), h
 * cycles handlers all -> df -> none, d cycles df safe -> stack, Enter runs. */
enum menu_action menu_key(struct menu_choice *c, int key, const char *arch_name);

/* What the choice should end in, by the model the fault screen's "path"
 * line uses (escalation_chain(), kernel/escalation.h): the scenario's first
 * exception, the gates handlers= leaves, and whether the stack is usable. */
enum menu_outcome {
	EXPECT_CAUGHT,           /* a handler runs: vector, on stack */
	EXPECT_TRIPLE_FAULT,     /* the chain ends in shutdown */
	EXPECT_NOT_MODELLED,     /* the model does not describe it: why */
};

struct menu_expectation {
	enum menu_outcome outcome;
	unsigned vector;             /* EXPECT_CAUGHT: the vector caught */
	const char *stack;           /* EXPECT_CAUGHT: "kernel" or df_stack_name */
	const char *why;             /* EXPECT_NOT_MODELLED */
	char path[96];               /* the replay, "#PF -> no gate: #GP = #DF" */
};

/* df_stack_name: the arch's #DF stack as result lines name it ("df-task",
 * "ist1"). */
void menu_expect(const struct menu_choice *c, const char *arch_name,
                 const char *df_stack_name, struct menu_expectation *e);

/* The expectation in one line for the screen:
 *   "caught: #DF Double Fault, on the ist1 stack"
 *   "triple fault: the CPU shuts down, the machine resets"
 *   "not from the model: <why>" */
void menu_expect_text(const struct menu_expectation *e, char *buf, size_t size);

#endif
