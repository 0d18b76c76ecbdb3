/*
 * symbols.c - look addresses up in the kernel's built-in symbol table.
 */
#include "format.h"
#include "symbols.h"

/* No function of ours is this long: past it, an address is not "in" the
 * nearest symbol (it is in data, or in another image). */
#define SYMBOL_MAX_OFFSET 0x10000

const struct ksym *symbol_lookup(const struct ksym *tab, unsigned n, uintptr_t addr,
                                 uintptr_t max_offset)
{
	/* LAB 4 BEGIN: find the function addr lies in: of tab[0..n), sorted by
	 * address, the entry that starts at or below addr and is the last to do
	 * so; NULL when addr lies before the first entry, or more than
	 * max_offset bytes past the start of that entry. tab holds every
	 * function of the kernel, sorted, so there is no need to look at each
	 * one. Read lesson 09 ("Symbols"), kernel/symbols.h, tools/mksyms. */
	unsigned below = 0, above = n;   /* tab[0..below) start <= addr; tab[above..n) > addr */

	while (below < above) {
		unsigned mid = below + (above - below) / 2;

		if (tab[mid].addr > addr)
			above = mid;
		else
			below = mid + 1;
	}
	if (below > 0 && addr - tab[below - 1].addr <= max_offset)
		return tab + below - 1;
	return (const struct ksym *)0;
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	(void)tab;
	(void)n;
	(void)addr;
	(void)max_offset;
	return NULL;
	*/
}

void symbol_format(uintptr_t addr, char *buf, size_t size)
{
	/* LAB 4 BEGIN: write addr into buf (at most size bytes, the NUL
	 * included) as the fault screen names it: the name of the kernel
	 * function it lies in (kernel_symbols[], kernel_symbol_count entries;
	 * SYMBOL_MAX_OFFSET), followed by its offset into that function unless
	 * it is the function's first byte, or the bare address when no function
	 * holds it; in the form lessons/labs/lab4-page-fault-handler.md ("What
	 * to write") gives. Read lesson 09 ("Symbols"). */
	const struct ksym *fn = symbol_lookup(kernel_symbols, kernel_symbol_count, addr,
	                                      SYMBOL_MAX_OFFSET);

	if (!fn)
		fmt_snprintf(buf, size, "0x%lx", (unsigned long)addr);
	else if (addr - fn->addr == 0)
		fmt_snprintf(buf, size, "%s", fn->name);
	else
		fmt_snprintf(buf, size, "%s+0x%lx", fn->name, (unsigned long)(addr - fn->addr));
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	fmt_snprintf(buf, size, "0x%lx (no symbols yet: lab 4)", (unsigned long)addr);
	*/
}
