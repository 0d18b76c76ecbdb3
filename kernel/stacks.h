/*
 * stacks.h - the kernel's stacks, each with an unmapped guard page below it.
 *
 * A stack grows down; the page just below its lowest byte is left unmapped by
 * the paging code, so running off the end faults at once (#PF with CR2 in the
 * guard page) instead of silently overwriting whatever lies below. The #DF
 * stack is the known-good stack: IST1 on x86_64, the #DF task's stack on i386.
 * The user stack is where ring-3 code runs; a fault there switches to the
 * kernel stack that the TSS names (ESP0/RSP0).
 * blog_os's #DF stack has no guard page; ours does.
 */
#ifndef KERNEL_STACKS_H
#define KERNEL_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE          4096u
#define KERNEL_STACK_SIZE  (16u * 1024)
#define DF_STACK_SIZE      (8u * 1024)
#define USER_STACK_SIZE    (4u * 1024)

/* STACK_USER is the ring-3 scenarios' stack (its pages are user pages,
 * U/S=1); it comes last, so the screens of the ring-0 scenarios, which
 * leave it out (stacks_shown), list exactly the stacks they always did. */
enum stack_id { STACK_KERNEL, STACK_DF, STACK_USER, STACK_COUNT };

struct stack_region {
	const char *name;        /* "kernel", "ist1", "df-task" or "user": the result line's word */
	uintptr_t guard;         /* lowest address of the unmapped guard page */
	uintptr_t bottom;        /* lowest usable byte (= guard + PAGE_SIZE) */
	uintptr_t top;           /* one past the highest byte: the initial SP */
};

/* Filled in by stacks_init(); the #DF stack's name comes from the back end. */
extern struct stack_region stack_regions[STACK_COUNT];


void stacks_init(const char *df_stack_name);

/* How many of stack_regions[] the screens list: all of them when the
 * scenario runs code in ring 3, else all but STACK_USER. */
int stacks_shown(bool ring3);

/* The stack whose usable range holds addr, or NULL. */
const struct stack_region *stack_containing(uintptr_t addr);
/* The stack whose guard page holds addr, or NULL. */
const struct stack_region *stack_guard_containing(uintptr_t addr);

#endif
