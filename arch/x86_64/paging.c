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
 * the XD bit (63), so NXE forbids nothing faultline runs.
 */
#include <stdint.h>
#include "paging.h"
#include "kernel/arch.h"
#include "kernel/cpuid.h"
#include "kernel/stacks.h"

#define PTE_PRESENT   (1ULL << 0)
#define PTE_WRITE     (1ULL << 1)
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

static void unmap(uintptr_t addr)
{
	uintptr_t page = addr / PAGE_SIZE;

	pt[page / ENTRIES][page % ENTRIES] = 0;
}

void paging_init(void)
{
	for (uintptr_t i = 0; i < PAGE_TABLES * ENTRIES; i++)
		pt[i / ENTRIES][i % ENTRIES] = (i * PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
	unmap(0);                       /* a NULL dereference faults */
	/* LAB 5 BEGIN: unmap the guard page of every stack (STACK_COUNT of
	 * them in stack_regions[], kernel/stacks.h): its .guard address, so
	 * that running off the end of a stack faults instead of overwriting
	 * what lies below it. Lesson 06; SDM Vol. 3A 4.5 (Figure 4-11: the
	 * present bit). */
	for (int s = 0; s < STACK_COUNT; s++)
		unmap(stack_regions[s].guard);
	/* LAB 5 END */
	for (unsigned t = 0; t < PAGE_TABLES; t++)
		pd[t] = (uintptr_t)pt[t] | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = (uintptr_t)pd | PTE_PRESENT | PTE_WRITE;
	pml4[0] = (uintptr_t)pdpt | PTE_PRESENT | PTE_WRITE;
	/* Writing CR3 also flushes every non-global TLB entry (SDM 4.10.4.1). */
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)pml4) : "memory");
	if (cpu_has(CPU_NX))
		write_efer(read_efer() | EFER_NXE);
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
