/*
 * gdt.c (i386) - the Global Descriptor Table: null, flat code, flat data, two
 * TSS descriptors (one for the normal task, one for the #DF task), a
 * not-present slot, and flat ring-3 code and data for the user scenarios.
 *
 * After LGDT the segment registers still hold the old descriptors' cached
 * values (SDM Vol. 3A 3.4.3): CS is reloaded by a far jump, the rest by moves.
 */
#include "gdt.h"
#include "kernel/arch.h"
#include "kernel/segment.h"
#include <arch/selectors.h>

enum { GDT_NULL, GDT_CODE, GDT_DATA, GDT_MAIN_TSS, GDT_DF_TSS, GDT_NOT_PRESENT,
       GDT_USER_CODE, GDT_USER_DATA, GDT_ENTRIES };

_Static_assert(GDT_NOT_PRESENT * 8 == ARCH_SEL_NOT_PRESENT,
               "arch/selectors.h names the not-present slot");
_Static_assert(GDT_USER_CODE * 8 == GDT_OFFSET_USER_CODE, "gdt.h names the user code slot");
_Static_assert(GDT_USER_DATA * 8 == GDT_OFFSET_USER_DATA, "gdt.h names the user data slot");

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));

struct gdt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct gdt_pointer) == 6, "LGDT takes a 6-byte operand in 32-bit mode");

static void reload_segments(void)
{
	__asm__ volatile("ljmp %[cs], $1f\n"
	                 "1:\n\t"
	                 "movw %[ds], %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 : : [cs] "i"(SEL_KERNEL_CODE), [ds] "i"(SEL_KERNEL_DATA)
	                 : "eax", "memory");
}

void gdt_install(uintptr_t main_tss, uintptr_t df_tss, uint32_t tss_limit)
{
	struct gdt_pointer ptr = { sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };

	gdt[GDT_NULL] = 0;
	gdt[GDT_CODE] = make_segment(0, 0xFFFFF, DESC_KERNEL_CODE32);
	gdt[GDT_DATA] = make_segment(0, 0xFFFFF, DESC_KERNEL_DATA);
	gdt[GDT_MAIN_TSS] = make_segment(main_tss, tss_limit, DESC_TSS);
	gdt[GDT_DF_TSS] = make_segment(df_tss, tss_limit, DESC_TSS);
	/* For the #NP and #SS scenarios: a data segment marked not present. */
	gdt[GDT_NOT_PRESENT] = make_segment(0, 0xFFFFF, DESC_KERNEL_DATA & ~DESC_PRESENT);
	/* LAB 6 BEGIN: the code and data segments the ring-3 scenarios run
	 * in, in the slots at the offsets gdt.h names: flat like the
	 * kernel's, but usable at CPL 3 (kernel/segment.h has the bits). What
	 * gives running code its CPL, and which segments may code at CPL 3
	 * load into SS and DS? Lesson 11; SDM Vol. 3A 3.4.5 (Figure 3-8),
	 * 5.5, 5.6 and 5.7. */
	/* The kernel's flat segments with DPL 3: code at CPL 3 may load only
	 * data segments of DPL 3 (SDM Vol. 3A 5.6), SS's DPL must equal the
	 * CPL (5.7), and IRET's new CPL is the popped CS's RPL, which must
	 * equal its non-conforming segment's DPL (5.5; IRET in Vol. 2A). */
	gdt[GDT_USER_CODE] = make_segment(0, 0xFFFFF,
	                                  (DESC_KERNEL_CODE32 & ~DESC_DPL(3)) | DESC_DPL(3));
	gdt[GDT_USER_DATA] = make_segment(0, 0xFFFFF,
	                                  (DESC_KERNEL_DATA & ~DESC_DPL(3)) | DESC_DPL(3));
	/* LAB 6 END */
	__asm__ volatile("lgdt %0" : : "m"(ptr) : "memory");
	reload_segments();
}

uint64_t gdt_descriptor(uint16_t selector)
{
	unsigned index = selector >> 3;

	return index < GDT_ENTRIES ? gdt[index] : 0;
}

bool arch_gdt_entry(unsigned index, uint64_t *desc)
{
	if (index >= GDT_ENTRIES)
		return false;
	*desc = gdt[index];
	return true;
}
