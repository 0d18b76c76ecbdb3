/*
 * backtrace.h - the call chain from frame pointers (the kernel is built with
 * -fno-omit-frame-pointer): each frame's BP points at the caller's saved BP,
 * with the return address one word above it.
 */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKTRACE_MAX_ENTRIES 12   /* distinct entries kept */
#define BACKTRACE_MAX_FRAMES  512  /* frames walked at most */

/* One entry: a return address and how many times in a row it appeared
 * (recursion collapses to one entry). */
struct bt_entry {
	uintptr_t pc;
	unsigned repeat;
};

/* Walk from ip (the interrupted instruction) and bp (its frame pointer).
 * readable(addr) says whether two words at addr may be read: the walk stops
 * there, at a non-increasing BP, or at the limits above. Pure apart from the
 * memory it is allowed to read. Returns the number of entries. */
unsigned backtrace_walk(uintptr_t ip, uintptr_t bp, bool (*readable)(uintptr_t addr),
                        struct bt_entry out[BACKTRACE_MAX_ENTRIES]);

/* "recurse+0x40 < recurse+0x55 (x97) < kmain+0x1a0", naming each pc with
 * name(pc, buf, size) (symbol_format in the kernel). */
void backtrace_format(const struct bt_entry *e, unsigned n,
                      void (*name)(uintptr_t pc, char *buf, size_t size),
                      char *buf, size_t size);

#endif
