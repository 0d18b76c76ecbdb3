/*
 * menu_screen.h - the interactive menu a boot with no scenario shows.
 */
#ifndef KERNEL_MENU_SCREEN_H
#define KERNEL_MENU_SCREEN_H

#include <stdbool.h>
#include "config.h"

/* Show the menu and let the keyboard drive it; return once Enter picks a
 * scenario, with cfg's scenario, handlers and df set as picked. Every draw
 * ends in the result line "outcome=no_fault reason=no_scenario", as the
 * static list did. With no keyboard controller, or with exit=on, it draws
 * once, says why it takes no keys (no controller), and finishes there. */
void menu_choose(struct kconfig *cfg);

/* Whether this boot's scenario was picked in the menu (not given on the
 * command line): then a finished report leads back to the menu. */
bool menu_ran_scenario(void);

/* After a scenario the menu ran has been reported: ask for a key, then
 * reset the machine, which boots into the menu again. */
void menu_return(void) __attribute__((noreturn));

#endif
