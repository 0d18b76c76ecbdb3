/*
 * exceptions.h - the 32 architecture-defined exception vectors, in one table.
 *
 * Intel SDM Vol. 3A Table 6-1 ("Protected-Mode Exceptions and Interrupts")
 * lists them; the IDT stubs, the gate installer and the fault
 * screen all read this table, so a vector's facts are written once.
 */
#ifndef KERNEL_EXCEPTIONS_H
#define KERNEL_EXCEPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXCEPTION_COUNT 32
#define VECTOR_DE  0
#define VECTOR_BP  3
#define VECTOR_UD  6
#define VECTOR_DF  8
#define VECTOR_TS 10
#define VECTOR_NP 11
#define VECTOR_SS 12
#define VECTOR_GP 13
#define VECTOR_PF 14
#define VECTOR_AC 17

/* Table 6-1's "Type": #DB is a fault for some causes (an instruction or data
 * breakpoint) and a trap for others (single-step, a data watchpoint). */
enum exception_kind { EXC_FAULT, EXC_TRAP, EXC_FAULT_OR_TRAP, EXC_ABORT, EXC_INTERRUPT,
                      EXC_RESERVED };

/* How an exception combines with a second one during its delivery (SDM Vol. 3A
 * 6.15, Table 6-5; AMD64 APM Vol. 2, 8.2.9): benign + anything is delivered
 * serially, contributory + contributory and page fault + (page fault or
 * contributory) become #DF, and a contributory exception or page fault while
 * delivering #DF shuts down (Intel's "Interrupt 8"; delivery can raise no
 * other kind: escalation.h). */
enum exception_class { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT, EXC_DOUBLE_FAULT };

struct exception_info {
	const char *mnemonic;          /* "#PF" */
	const char *name;              /* "Page Fault" */
	enum exception_kind kind;
	bool has_error_code;           /* the CPU pushes an error code */
	enum exception_class dfclass;
};

extern const struct exception_info exception_table[EXCEPTION_COUNT];

/* The table entry for a vector; a neutral entry for vectors >= 32. */
const struct exception_info *exception_info(unsigned vector);
const char *exception_kind_name(enum exception_kind kind);

/* Page-fault error code bits, SDM Vol. 3A 4.7 (Figure 4-12). */
#define PF_ERR_PRESENT  (1u << 0)   /* 0: not-present page, 1: protection violation */
#define PF_ERR_WRITE    (1u << 1)   /* 0: read, 1: write */
#define PF_ERR_USER     (1u << 2)   /* 0: supervisor mode, 1: user mode */
#define PF_ERR_RSVD     (1u << 3)   /* a reserved bit was set in a paging entry */
#define PF_ERR_FETCH    (1u << 4)   /* I/D: instruction fetch; reported only with
                                       CR4.SMEP=1, or CR4.PAE=1 and EFER.NXE=1 */
#define PF_ERR_PK       (1u << 5)   /* protection keys (PKRU/PKRS) forbade it */
#define PF_ERR_SS       (1u << 6)   /* a shadow-stack access (CET) */
#define PF_ERR_HLAT     (1u << 7)   /* during HLAT paging (VMX guests) */
#define PF_ERR_SGX      (1u << 15)  /* an SGX access-control violation */

/* Selector error code bits, SDM Vol. 3A 6.13 (Figure 6-6). */
#define SEL_ERR_EXT     (1u << 0)   /* raised by an event external to the program */
#define SEL_ERR_IDT     (1u << 1)   /* the index names an IDT gate */
#define SEL_ERR_TI      (1u << 2)   /* with IDT=0: 1 = LDT, 0 = GDT */
#define SEL_ERR_INDEX(e) (((e) >> 3) & 0x1fff)

/* Put a #PF error code into words: "supervisor data write, page not
 * present". fetch_reported: whether the paging mode reports instruction
 * fetches (arch_pf_reports_fetch()); when it does not, a code without the
 * write bit is a "read or instruction fetch". */
void decode_pf_error(uintptr_t err, bool fetch_reported, char *buf, size_t size);
/* "GDT index 4 (selector 0x20)", "IDT vector 14, external". */
void decode_selector_error(uintptr_t err, char *buf, size_t size);
/* Dispatch on the vector: #PF bits, selector codes, #DF's always-zero code. */
void decode_error_code(unsigned vector, uintptr_t err, bool pf_fetch_reported,
                       char *buf, size_t size);

#endif
