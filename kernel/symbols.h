/*
 * symbols.h - the kernel's own function names, built into its image, so the
 * fault screen can say "recurse+0x40" instead of a bare address.
 *
 * The Makefile links twice: once with an empty table, then with the table
 * tools/mksyms writes from that first image's `nm`. The table lives in its
 * own section right after .text, so the code (and every function address)
 * is the same in both links.
 */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uintptr_t addr;
	const char *name;
};

/* Sorted by address; generated (build/$ARCH/symtab.c). */
extern const struct ksym kernel_symbols[];
extern const unsigned kernel_symbol_count;

/* The symbol at or below addr in tab[0..n), or NULL (before the first, or
 * more than max_offset past the start of the nearest one). Pure. */
const struct ksym *symbol_lookup(const struct ksym *tab, unsigned n, uintptr_t addr,
                                 uintptr_t max_offset);

/* "name+0xoff" for addr from the kernel's table, or "0x..." when unknown. */
void symbol_format(uintptr_t addr, char *buf, size_t size);

#endif
