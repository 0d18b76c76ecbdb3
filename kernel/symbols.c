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
	unsigned lo = 0, hi = n;

	/* Binary search for the last entry with tab[i].addr <= addr. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (tab[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr - tab[lo - 1].addr > max_offset)
		return NULL;
	return &tab[lo - 1];
}

void symbol_format(uintptr_t addr, char *buf, size_t size)
{
	const struct ksym *s = symbol_lookup(kernel_symbols, kernel_symbol_count, addr,
	                                     SYMBOL_MAX_OFFSET);

	if (s == NULL)
		fmt_snprintf(buf, size, "0x%lx", (unsigned long)addr);
	else if (addr == s->addr)
		fmt_snprintf(buf, size, "%s", s->name);
	else
		fmt_snprintf(buf, size, "%s+0x%lx", s->name, (unsigned long)(addr - s->addr));
}
