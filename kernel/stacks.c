/*
 * stacks.c - storage for the kernel, #DF and user stacks, and lookups that
 * tell the fault screen which stack an address belongs to.
 */
#include <stddef.h>
#include "stacks.h"

/* One page-aligned block per stack: guard page first, stack above it. */
struct guarded_stack_16k {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[KERNEL_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

struct guarded_stack_8k {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[DF_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

struct guarded_stack_4k {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[USER_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

_Static_assert(sizeof(struct guarded_stack_4k) == PAGE_SIZE + USER_STACK_SIZE,
               "guard page and stack must be contiguous");
_Static_assert(sizeof(struct guarded_stack_16k) == PAGE_SIZE + KERNEL_STACK_SIZE,
               "guard page and stack must be contiguous");
_Static_assert(sizeof(struct guarded_stack_8k) == PAGE_SIZE + DF_STACK_SIZE,
               "guard page and stack must be contiguous");

/* The boot stack: the arch entry loads SP with the end of kernel_stack. */
__attribute__((section(".bss.stacks"))) struct guarded_stack_16k kernel_stack;
__attribute__((section(".bss.stacks"))) static struct guarded_stack_8k df_stack;
/* In .bss proper, after the kernel's own stacks: they keep their addresses. */
static struct guarded_stack_4k user_stack;

struct stack_region stack_regions[STACK_COUNT];

static struct stack_region region(const char *name, uint8_t *guard, uint8_t *stack,
                                  size_t size)
{
	return (struct stack_region){
		.name = name,
		.guard = (uintptr_t)guard,
		.bottom = (uintptr_t)stack,
		.top = (uintptr_t)stack + size,
	};
}

void stacks_init(const char *df_stack_name)
{
	stack_regions[STACK_KERNEL] = region("kernel", kernel_stack.guard,
	                                     kernel_stack.stack, KERNEL_STACK_SIZE);
	stack_regions[STACK_DF] = region(df_stack_name, df_stack.guard,
	                                 df_stack.stack, DF_STACK_SIZE);
	stack_regions[STACK_USER] = region("user", user_stack.guard, user_stack.stack,
	                                   USER_STACK_SIZE);
}

int stacks_shown(bool ring3)
{
	return ring3 ? STACK_COUNT : STACK_USER;
}

const struct stack_region *stack_containing(uintptr_t addr)
{
	for (int i = 0; i < STACK_COUNT; i++)
		if (addr >= stack_regions[i].bottom && addr <= stack_regions[i].top)
			return &stack_regions[i];
	return NULL;
}

const struct stack_region *stack_guard_containing(uintptr_t addr)
{
	for (int i = 0; i < STACK_COUNT; i++)
		if (addr >= stack_regions[i].guard && addr < stack_regions[i].bottom)
			return &stack_regions[i];
	return NULL;
}
