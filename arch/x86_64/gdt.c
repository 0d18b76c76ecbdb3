/*
 * gdt.c (x86_64) - the Global Descriptor Table: null, 64-bit code, data, TSS,
 * a not-present slot, and ring-3 64-bit code and data for the user scenarios.
 *
 * Segmentation is mostly off in 64-bit mode (SDM Vol. 3A 3.2.4), but CS must
 * still name a code descriptor with L=1, and the TSS (which holds the IST) can
 * only be loaded through a GDT descriptor. After LGDT, the segment registers
 * still hold the old descriptors' cached values until they are reloaded.
 */
#include "gdt.h"
#include "kernel/arch.h"
#include "descriptor.h"
#include "kernel/segment.h"
#include <arch/selectors.h>

enum { GDT_NULL, GDT_CODE, GDT_DATA, GDT_TSS_LO, GDT_TSS_HI, GDT_NOT_PRESENT,
       GDT_USER_CODE, GDT_USER_DATA, GDT_ENTRIES };

_Static_assert(GDT_NOT_PRESENT * 8 == ARCH_SEL_NOT_PRESENT,
               "arch/selectors.h names the not-present slot");
_Static_assert(GDT_USER_CODE * 8 == GDT_OFFSET_USER_CODE, "gdt.h names the user code slot");
_Static_assert(GDT_USER_DATA * 8 == GDT_OFFSET_USER_DATA, "gdt.h names the user data slot");

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct gdt_pointer) == 10, "LGDT takes a 10-byte operand in 64-bit mode");

static void reload_segments(void)
{
	/* A far return pops RIP then CS: the only way to reload CS in 64-bit code. */
	__asm__ volatile("pushq %[cs]\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movw %[ds], %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 : : [cs] "i"(SEL_KERNEL_CODE), [ds] "i"(SEL_KERNEL_DATA)
	                 : "rax", "memory");
}

void gdt_install(uintptr_t tss_base, uint32_t tss_limit)
{
	struct desc16 tss = make_tss_descriptor(tss_base, tss_limit);
	struct gdt_pointer ptr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };

	gdt[GDT_NULL] = 0;
	gdt[GDT_CODE] = make_segment(0, 0xFFFFF, DESC_KERNEL_CODE64);
	gdt[GDT_DATA] = make_segment(0, 0xFFFFF, DESC_KERNEL_DATA);
	gdt[GDT_TSS_LO] = tss.lo;
	gdt[GDT_TSS_HI] = tss.hi;
	/* For the #NP and #SS scenarios: a data segment marked not present. */
	gdt[GDT_NOT_PRESENT] = make_segment(0, 0xFFFFF, DESC_KERNEL_DATA & ~DESC_PRESENT);
	/* LAB 6 BEGIN: the code and data segments the ring-3 scenarios run
	 * in, in the slots at the offsets gdt.h names: flat like the
	 * kernel's, but usable at CPL 3 (kernel/segment.h has the bits). What
	 * gives running code its CPL, and which segments may code at CPL 3
	 * load into SS and DS? Lesson 11; SDM Vol. 3A 3.4.5 (Figure 3-8),
	 * 5.5, 5.6 and 5.7; 5.2.1 for 64-bit code. */
	/* The kernel's flat segments with DPL 3: code at CPL 3 may load only
	 * data segments of DPL 3 (SDM Vol. 3A 5.6), SS's DPL must equal the
	 * CPL (5.7), and IRET's new CPL is the popped CS's RPL, which must
	 * equal its non-conforming segment's DPL (5.5; IRET in Vol. 2A). */
	gdt[GDT_USER_CODE] = make_segment(0, 0xFFFFF,
	                                  (DESC_KERNEL_CODE64 & ~DESC_DPL(3)) | DESC_DPL(3));
	gdt[GDT_USER_DATA] = make_segment(0, 0xFFFFF,
	                                  (DESC_KERNEL_DATA & ~DESC_DPL(3)) | DESC_DPL(3));
	/* LAB 6 END */
	__asm__ volatile("lgdt %0" : : "m"(ptr) : "memory");
	reload_segments();
}

void gdt_set_tss(uintptr_t tss_base, uint32_t tss_limit)
{
	struct desc16 tss = make_tss_descriptor(tss_base, tss_limit);

	gdt[GDT_TSS_LO] = tss.lo;       /* available (not busy): LTR may load it */
	gdt[GDT_TSS_HI] = tss.hi;
}

bool arch_gdt_entry(unsigned index, uint64_t *desc)
{
	if (index >= GDT_ENTRIES)
		return false;
	*desc = gdt[index];
	return true;
}
