/*
 * paging.c (i386) - 32-bit paging that identity-maps the first 16 MiB with
 * 4 KiB pages, minus page 0 and each stack's guard page.
 *
 * Two levels: a page directory of 1024 entries, each naming a page table of
 * 1024 entries that map 4 KiB each (SDM Vol. 3A 4.3, Figures 4-2 and 4-4).
 * Nothing above 16 MiB is mapped, so 0xdeadbeef faults. The kernel runs at
 * the same addresses before and after CR0.PG, so turning paging on is safe.
 *
 * CR4.SMEP, where the CPU has it: with 32-bit paging it is the only way a
 * #PF's error code says "instruction fetch" (the I/D bit is reported only
 * with CR4.SMEP=1, or with PAE paging and EFER.NXE=1: SDM Vol. 3A 4.7). SMEP
 * forbids ring 0 to fetch from user pages (4.6.1); the only user pages, made
 * by arch_map_user for the ring-3 scenarios, hold code that only ring 3 runs.
 */
#include <stdint.h>
#include "paging.h"
#include "kernel/arch.h"
#include "kernel/cpuid.h"
#include "kernel/stacks.h"

#define PTE_PRESENT   (1u << 0)
#define PTE_WRITE     (1u << 1)
#define PTE_USER      (1u << 2)    /* U/S: ring 3 may access (SDM Vol. 3A 4.6) */
#define CR0_WP        (1u << 16)   /* honour read-only pages in ring 0 too */
#define CR0_PG        (1u << 31)
#define CR4_SMEP      (1u << 20)   /* supervisor-mode execution prevention */
#define ENTRIES       1024
#define MAPPED_BYTES  (16u << 20)
#define PAGE_TABLES   (MAPPED_BYTES / (ENTRIES * PAGE_SIZE))   /* 4 x 4 MiB */

static uint32_t page_directory[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint32_t page_tables[PAGE_TABLES][ENTRIES] __attribute__((aligned(PAGE_SIZE)));

/* Make the page that holds addr not present: any access to it then raises
 * #PF instead of reaching memory. */
static void unmap(uintptr_t addr)
{
	/* LAB 5 BEGIN: clear the page-table entry that translates addr, in the
	 * tables build_page_tables() fills. Which directory entry and which
	 * table entry translate an address: lesson 06; Intel SDM Vol. 3A 4.3
	 * (32-bit paging, Figure 4-2: how a linear address is split). */
	page_tables[addr >> 22][(addr >> 12) & 0x3FF] = 0;
	/* LAB 5 END */
	/* LAB 5 HANDOUT:
	(void)addr;
	*/
}

/* The tables only: no control register is touched, so the host tests can
 * call it (tools/labs/lab5.py). */
static void build_page_tables(void)
{
	/* LAB 5 BEGIN: fill page_directory[] and page_tables[] so that 32-bit
	 * paging maps the first MAPPED_BYTES of linear addresses one to one
	 * onto the same physical addresses, in 4 KiB pages that ring 0 may
	 * read, write and execute, and nothing else; then unmap page 0 (a NULL
	 * dereference must fault) and the guard page of every stack
	 * (stack_regions[], kernel/stacks.h). The exact rules are in
	 * lessons/labs/lab5-guard-pages.md ("What to write"). Read lesson 06;
	 * Intel SDM Vol. 3A 4.3 (32-bit paging, Figures 4-2 and 4-4), 4.6
	 * (access rights) and 4.7. */
	for (uint32_t frame = 0; frame < MAPPED_BYTES; frame += PAGE_SIZE)
		page_tables[frame >> 22][(frame >> 12) & 0x3FF] = frame | PTE_PRESENT | PTE_WRITE;
	for (unsigned dir = 0; dir < PAGE_TABLES; dir++)
		page_directory[dir] = (uint32_t)(uintptr_t)page_tables[dir] | PTE_PRESENT | PTE_WRITE;
	unmap(0);
	for (int s = 0; s < STACK_COUNT; s++)
		unmap(stack_regions[s].guard);
	/* LAB 5 END */
	/* LAB 5 HANDOUT:
	(void)unmap;
	(void)page_tables;
	*/
}

void paging_init(void)
{
	uintptr_t cr0;

	build_page_tables();
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)page_directory) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
	if (cpu_has(CPU_SMEP))
		arch_write_cr4(arch_read_cr4() | CR4_SMEP);
}

/* A user page for the ring-3 scenarios. With 32-bit paging an access from
 * CPL 3 needs U/S=1 in both the directory entry and the table entry (SDM Vol.
 * 3A 4.6.1); the other pages under the directory entry stay supervisor pages,
 * because their table entries say so. INVLPG drops the stale translation
 * (4.10.4.1). */
void arch_map_user(uintptr_t addr)
{
	page_directory[addr >> 22] |= PTE_USER;
	page_tables[addr >> 22][(addr >> 12) & 0x3FF] |= PTE_USER;
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

bool arch_pf_reports_fetch(void)
{
	return (arch_read_cr4() & CR4_SMEP) != 0;
}

bool arch_page_present(uintptr_t addr)
{
	uint32_t pde = page_directory[addr >> 22];

	if (!(pde & PTE_PRESENT))
		return false;
	return (((const uint32_t *)(uintptr_t)(pde & ~0xFFFu))[(addr >> 12) & 0x3FF]
	        & PTE_PRESENT) != 0;
}
