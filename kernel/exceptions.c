/*
 * exceptions.c - the exception table and the pure decoders built on it.
 */
#include "exceptions.h"
#include "format.h"

#define F EXC_FAULT
#define T EXC_TRAP
#define A EXC_ABORT
#define I EXC_INTERRUPT
#define R EXC_RESERVED
#define BEN EXC_BENIGN
#define CON EXC_CONTRIBUTORY

/* SDM Vol. 3A Table 6-1; error codes per 6.15's per-vector entries;
 * classes per Table 6-4 (whose "page faults" class holds #PF and #VE, and
 * whose contributory class #CP joined the SDM's five). #HV, #VC and #SX are
 * AMD's vectors (SEV-SNP, SEV-ES, SVM), which Intel's table does not list;
 * they are benign here, as every vector Table 6-4 does not name as
 * contributory or a page fault. No scenario raises them. */
const struct exception_info exception_table[EXCEPTION_COUNT] = {
	[0]  = { "#DE", "Divide Error",                F, false, CON },
	[1]  = { "#DB", "Debug",                       EXC_FAULT_OR_TRAP, false, BEN },
	[2]  = { "NMI", "Non-Maskable Interrupt",      I, false, BEN },
	[3]  = { "#BP", "Breakpoint",                  T, false, BEN },
	[4]  = { "#OF", "Overflow",                    T, false, BEN },
	[5]  = { "#BR", "BOUND Range Exceeded",        F, false, BEN },
	[6]  = { "#UD", "Invalid Opcode",              F, false, BEN },
	[7]  = { "#NM", "Device Not Available",        F, false, BEN },
	[8]  = { "#DF", "Double Fault",                A, true,  EXC_DOUBLE_FAULT },
	[9]  = { "CSO", "Coprocessor Segment Overrun", A, false, BEN },
	[10] = { "#TS", "Invalid TSS",                 F, true,  CON },
	[11] = { "#NP", "Segment Not Present",         F, true,  CON },
	[12] = { "#SS", "Stack-Segment Fault",         F, true,  CON },
	[13] = { "#GP", "General Protection",          F, true,  CON },
	[14] = { "#PF", "Page Fault",                  F, true,  EXC_PAGE_FAULT },
	[15] = { "#15", "Reserved",                    R, false, BEN },
	[16] = { "#MF", "x87 Floating-Point Error",    F, false, BEN },
	[17] = { "#AC", "Alignment Check",             F, true,  BEN },
	[18] = { "#MC", "Machine Check",               A, false, BEN },
	[19] = { "#XM", "SIMD Floating-Point",         F, false, BEN },
	[20] = { "#VE", "Virtualization Exception",    F, false, EXC_PAGE_FAULT },
	[21] = { "#CP", "Control Protection",          F, true,  CON },
	[22] = { "#22", "Reserved",                    R, false, BEN },
	[23] = { "#23", "Reserved",                    R, false, BEN },
	[24] = { "#24", "Reserved",                    R, false, BEN },
	[25] = { "#25", "Reserved",                    R, false, BEN },
	[26] = { "#26", "Reserved",                    R, false, BEN },
	[27] = { "#27", "Reserved",                    R, false, BEN },
	[28] = { "#HV", "Hypervisor Injection",        F, false, BEN },
	[29] = { "#VC", "VMM Communication",           F, true,  BEN },
	[30] = { "#SX", "Security Exception",          F, true,  BEN },
	[31] = { "#31", "Reserved",                    R, false, BEN },
};

static const struct exception_info not_an_exception = {
	"#??", "Not an exception vector", R, false, BEN
};

const struct exception_info *exception_info(unsigned vector)
{
	return vector < EXCEPTION_COUNT ? &exception_table[vector] : &not_an_exception;
}

const char *exception_kind_name(enum exception_kind kind)
{
	static const char *const names[] = {
		[EXC_FAULT] = "fault", [EXC_TRAP] = "trap", [EXC_ABORT] = "abort",
		[EXC_FAULT_OR_TRAP] = "fault or trap",
		[EXC_INTERRUPT] = "interrupt", [EXC_RESERVED] = "reserved",
	};
	return names[kind];
}

void decode_pf_error(uintptr_t err, bool fetch_reported, char *buf, size_t size)
{
	/* LAB 4 BEGIN: put the #PF error code err into words, in buf (at most
	 * size bytes, the NUL included): who made the access, what kind of
	 * access it was, why it faulted, then the rarer causes that are set,
	 * exactly in the form lessons/labs/lab4-page-fault-handler.md ("What to
	 * write") gives. fetch_reported says whether the paging mode in use
	 * reports instruction fetches in the error code at all. Read lesson 09,
	 * Intel SDM Vol. 3A 4.7 (Figure 4-12) and "Interrupt 14" in 6.15, AMD64
	 * APM Vol. 2 8.4.2. */
	const char *access = (err & PF_ERR_FETCH) ? "instruction fetch"
	                     : (err & PF_ERR_WRITE) ? "data write"
	                     : fetch_reported ? "data read" : "read or instruction fetch";

	fmt_snprintf(buf, size, "%s %s, %s%s%s%s%s%s",
	             (err & PF_ERR_USER) ? "user" : "supervisor", access,
	             (err & PF_ERR_PRESENT) ? "protection violation" : "page not present",
	             (err & PF_ERR_RSVD) ? ", reserved bit set" : "",
	             (err & PF_ERR_PK) ? ", protection key" : "",
	             (err & PF_ERR_SS) ? ", shadow stack" : "",
	             (err & PF_ERR_HLAT) ? ", HLAT" : "",
	             (err & PF_ERR_SGX) ? ", SGX" : "");
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	(void)fetch_reported;
	fmt_snprintf(buf, size, "error code 0x%lx (not decoded yet: lab 4)",
	             (unsigned long)err);
	*/
}

void decode_selector_error(uintptr_t err, char *buf, size_t size)
{
	/* LAB 4 BEGIN: put the selector error code err of #TS, #NP, #SS or #GP
	 * into words, in buf (at most size bytes, the NUL included): which
	 * table the index names (GDT, LDT or IDT) and which entry, the
	 * selector it stands for, and whether an event external to the
	 * program was being delivered; exactly in the form lessons/labs/
	 * lab4-page-fault-handler.md ("What to write") gives. Read lesson 09
	 * ("Decoding error codes") and lesson 03, Intel SDM Vol. 3A 6.13
	 * ("Error Code", Figure 6-6) and 3.4.2 (segment selectors). */
	unsigned entry = SEL_ERR_INDEX(err);
	const char *ext = (err & SEL_ERR_EXT) ? ", external event" : "";

	if (err == 0)
		fmt_snprintf(buf, size, "no selector (error code 0)");
	else if ((err & SEL_ERR_IDT) && entry < EXCEPTION_COUNT)
		fmt_snprintf(buf, size, "IDT vector %u (%s)%s", entry,
		             exception_info(entry)->mnemonic, ext);
	else if (err & SEL_ERR_IDT)
		fmt_snprintf(buf, size, "IDT vector %u%s", entry, ext);
	else    /* the selector is index * 8 + TI; its RPL is not in the code */
		fmt_snprintf(buf, size, "%s index %u (selector 0x%x)%s",
		             (err & SEL_ERR_TI) ? "LDT" : "GDT", entry,
		             (unsigned)(err & 0xfffc), ext);
	/* LAB 4 END */
	/* LAB 4 HANDOUT:
	fmt_snprintf(buf, size, "selector error code 0x%lx (not decoded yet: lab 4)",
	             (unsigned long)err);
	*/
}

void decode_error_code(unsigned vector, uintptr_t err, bool pf_fetch_reported,
                       char *buf, size_t size)
{
	const struct exception_info *e = exception_info(vector);

	if (!e->has_error_code)
		fmt_snprintf(buf, size, "none (%s pushes no error code)", e->mnemonic);
	else if (vector == VECTOR_PF)
		decode_pf_error(err, pf_fetch_reported, buf, size);
	else if (vector == VECTOR_DF)
		fmt_snprintf(buf, size, "%s", err == 0 ? "always 0 for #DF"
		                                       : "nonzero: #DF's code should be 0");
	else if (vector >= VECTOR_TS && vector <= VECTOR_GP)
		decode_selector_error(err, buf, size);
	else if (vector == VECTOR_AC)   /* SDM Vol. 3A 6.15, Interrupt 17 */
		fmt_snprintf(buf, size, "%s", err == 0 ? "always 0: the address is not reported"
		             : "nonzero: #AC's code should be 0 (or EXT)");
	else    /* #CP, #VC, #SX codes have their own meanings */
		fmt_snprintf(buf, size, "%s-specific code: see the SDM's entry for %s",
		             e->mnemonic, e->mnemonic);
}
