/*
 * backtrace.h - the call chain from frame pointers: the kernel is built with
 * -fno-omit-frame-pointer (Makefile), so every function's prologue saves
 * the caller's BP and points BP at its own frame (lesson 09, "The trace").
 */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKTRACE_MAX_ENTRIES 12   /* distinct entries kept */
/* Frames walked at most: a kernel stack (16 KiB, kernel/stacks.h) holds at
 * most 2048 of the smallest frames (i386: saved EBP and return address, 8
 * bytes), so no chain on one stack is cut short and a "(xN)" count is the
 * real depth. kernel/backtrace.c checks the arithmetic. */
#define BACKTRACE_MAX_FRAMES  2048

/* One entry: a return address and how many times in a row it appeared
 * (recursion collapses to one entry). */
struct bt_entry {
	uintptr_t pc;
	unsigned repeat;
};

/* Walk from ip (the interrupted instruction) and bp (its frame pointer).
 * out[0] is ip; each later entry is the return address of one frame, from
 * the innermost outwards. A return address equal to the last entry's adds
 * one to its repeat count instead of a new entry. The walk stops:
 *   - before reading a frame where readable(addr) is false (readable says
 *     whether the two words at addr may be read: the kernel passes "on one
 *     of the kernel's stacks");
 *   - at a return address of 0 (not kept);
 *   - after a frame whose saved BP is not above its own BP (callers' frames
 *     lie higher up the stack: anything else is a loop or garbage);
 *   - after BACKTRACE_MAX_FRAMES frames, or when a new entry would not fit
 *     in BACKTRACE_MAX_ENTRIES.
 * Pure apart from the memory it is allowed to read. Returns the number of
 * entries (at least 1). */
unsigned backtrace_walk(uintptr_t ip, uintptr_t bp, bool (*readable)(uintptr_t addr),
                        struct bt_entry out[BACKTRACE_MAX_ENTRIES]);

/* "recurse+0x40 < recurse+0x55 (x97) < kmain+0x1a0": each entry named with
 * name(pc, buf, size) (symbol_format in the kernel), " < " between
 * entries, " (xN)" after one that repeats N > 1 times. Writes at most size
 * bytes, NUL included (nothing when size is 0): a longer trace is cut. */
void backtrace_format(const struct bt_entry *e, unsigned n,
                      void (*name)(uintptr_t pc, char *buf, size_t size),
                      char *buf, size_t size);

#endif
