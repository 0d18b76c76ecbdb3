/*
 * paging.c (x86_64) - 4-level page tables that identity-map the first 16 MiB
 * with 4 KiB pages, minus page 0 and each stack's guard page.
 *
 * 4 KiB granularity is what makes a guard page possible (the boot tables use
 * 2 MiB pages). Entries are PML4 -> PDPT -> PD -> PT (SDM Vol. 3A 4.5,
 * Figures 4-8 to 4-11). Nothing above 16 MiB is mapped, so 0xdeadbeef faults.
 *
 * IA32_EFER.NXE, where the CPU has it: with 4-level paging it makes a #PF's
 * error code report instruction fetches (the I/D bit, SDM Vol. 3A 4.7), so a
 * call through a NULL pointer says "instruction fetch". No page here sets
 * the XD bit (63), so NXE forbids nothing faultline runs. The ring-3
 * scenarios' pages become user pages with arch_map_user.
 */
#include <stdint.h>
#include "paging.h"
#include "kernel/arch.h"
#include "kernel/cpuid.h"
#include "kernel/stacks.h"

#define PTE_PRESENT   (1ULL << 0)
#define PTE_WRITE     (1ULL << 1)
#define PTE_USER      (1ULL << 2)    /* U/S: ring 3 may access (SDM Vol. 3A 4.6) */
#define PTE_LARGE     (1ULL << 7)    /* PS: a 1 GiB or 2 MiB page ends the walk */
#define MSR_EFER      0xC0000080u   /* SDM Vol. 4, Table 2-2 */
#define EFER_NXE      (1ULL << 11)
#define CR4_SMEP      (1ULL << 20)
#define ENTRIES       512
#define MAPPED_BYTES  (16u << 20)
#define PAGE_TABLES   (MAPPED_BYTES / (ENTRIES * PAGE_SIZE))   /* 8 x 2 MiB */

static uint64_t pml4[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pdpt[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pd[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pt[PAGE_TABLES][ENTRIES] __attribute__((aligned(PAGE_SIZE)));

static uint64_t read_efer(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	return (uint64_t)hi << 32 | lo;
}

static void write_efer(uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(MSR_EFER), "a"((uint32_t)value),
	                 "d"((uint32_t)(value >> 32)));
}

/* Make the page that holds addr not present: any access to it then raises
 * #PF instead of reaching memory. */
static void unmap(uintptr_t addr)
{
	/* LAB 5 BEGIN: clear the page-table entry that translates addr, in the
	 * tables build_page_tables() fills. Which entry of which table
	 * translates an address: lesson 06; Intel SDM Vol. 3A 4.5 (4-level
	 * paging, Figure 4-8: how a linear address is split); AMD64 APM Vol. 2
	 * 5.3. */
	pt[(addr >> 21) & 0x1FF][(addr >> 12) & 0x1FF] = 0;
	/* LAB 5 END */
	/* LAB 5 HANDOUT:
	(void)addr;
	*/
}

/* The tables only: no control register or MSR is touched, so the host
 * tests can call it (tools/labs/lab5.py). */
static void build_page_tables(void)
{
	/* LAB 5 BEGIN: fill pml4[], pdpt[], pd[] and pt[] so that 4-level
	 * paging maps the first MAPPED_BYTES of linear addresses one to one
	 * onto the same physical addresses, in 4 KiB pages that ring 0 may
	 * read, write and execute, and nothing else; then unmap page 0 (a NULL
	 * dereference must fault) and the guard page of every stack
	 * (stack_regions[], kernel/stacks.h). The exact rules are in
	 * lessons/labs/lab5-guard-pages.md ("What to write"). Read lesson 06;
	 * Intel SDM Vol. 3A 4.5 (4-level paging, Figures 4-8 and 4-11), 4.6
	 * (access rights) and 4.7; AMD64 APM Vol. 2 5.3. */
	for (uint64_t frame = 0; frame < MAPPED_BYTES; frame += PAGE_SIZE)
		pt[frame >> 21][(frame >> 12) & 0x1FF] = frame | PTE_PRESENT | PTE_WRITE;
	for (unsigned dir = 0; dir < PAGE_TABLES; dir++)
		pd[dir] = (uintptr_t)pt[dir] | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = (uintptr_t)pd | PTE_PRESENT | PTE_WRITE;
	pml4[0] = (uintptr_t)pdpt | PTE_PRESENT | PTE_WRITE;
	unmap(0);
	for (int s = 0; s < STACK_COUNT; s++)
		unmap(stack_regions[s].guard);
	/* LAB 5 END */
	/* LAB 5 HANDOUT:
	(void)unmap;
	(void)pt;
	(void)pd;
	(void)pdpt;
	*/
}

void paging_init(void)
{
	build_page_tables();
	/* Writing CR3 also flushes every non-global TLB entry (SDM 4.10.4.1). */
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)pml4) : "memory");
	if (cpu_has(CPU_NX))
		write_efer(read_efer() | EFER_NXE);
}

/* A user page for the ring-3 scenarios. An access from CPL 3 needs U/S=1 in
 * every entry of the walk, PML4E, PDPTE, PDE and PTE (SDM Vol. 3A 4.6.1); the
 * other pages under those entries stay supervisor pages, because their own
 * PTEs say so. INVLPG drops the stale translation (4.10.4.1). */
void arch_map_user(uintptr_t addr)
{
	pml4[(addr >> 39) & 0x1FF] |= PTE_USER;
	pdpt[(addr >> 30) & 0x1FF] |= PTE_USER;
	pd[(addr >> 21) & 0x1FF] |= PTE_USER;
	pt[(addr >> 21) & 0x1FF][(addr >> 12) & 0x1FF] |= PTE_USER;
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

bool arch_pf_reports_fetch(void)
{
	return (read_efer() & EFER_NXE) || (arch_read_cr4() & CR4_SMEP);
}

/* The 4-level walk (SDM Vol. 3A 4.5): PML4, PDPT, PD, PT, each entry's bits
 * 51:12 naming the next table; identity-mapped, so an address is a pointer. */
bool arch_page_present(uintptr_t addr)
{
	const uint64_t *table = pml4;

	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = table[(addr >> shift) & 0x1FF];

		if (!(e & PTE_PRESENT))
			return false;
		if (shift == 12 || (shift <= 30 && (e & PTE_LARGE)))
			return true;
		table = (const uint64_t *)(uintptr_t)(e & 0x000FFFFFFFFFF000ULL);
	}
	return false;
}
