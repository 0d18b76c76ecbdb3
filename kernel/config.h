/*
 * config.h - what the kernel command line selects: a scenario, which exception
 * handlers are installed, and where #DF runs. Parsed by cmdline.c, a pure
 * function the host unit tests call directly.
 */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum scenario {
	SCENARIO_NONE,           /* no scenario given: show the menu */
	SCENARIO_PAGE_FAULT,
	SCENARIO_STACK_OVERFLOW,
	SCENARIO_DIVIDE_ERROR,
	SCENARIO_BREAKPOINT,
	SCENARIO_INVALID_OPCODE,
	SCENARIO_GENERAL_PROTECTION,
	SCENARIO_DEBUG,
	SCENARIO_OVERFLOW,
	SCENARIO_BOUND_RANGE,
	SCENARIO_DEVICE_NOT_AVAILABLE,
	SCENARIO_INVALID_TSS,
	SCENARIO_SEGMENT_NOT_PRESENT,
	SCENARIO_STACK_SEGMENT,
	SCENARIO_X87_ERROR,
	SCENARIO_SIMD_ERROR,
	SCENARIO_MISSING_GATE,   /* ud2 with IDT[6] removed: #GP(IDT 6, EXT) */
	SCENARIO_NULL_CALL,      /* a call through a NULL pointer: a fetch #PF */
	SCENARIO_TIMER_IRQ,      /* the BIOS's PIC mapping, IF=1: IRQ 0 on vector 8 */
	SCENARIO_NESTED_FAULT,   /* the reporter faults: the nested-fault guard */
	/* From ring 3 (kernel/ring3.c): the CPU switches to the TSS's ring-0 stack. */
	SCENARIO_USER_PAGE_FAULT,   /* a user write to unmapped 0xdeadbeef: #PF, U=1 */
	SCENARIO_USER_PRIVILEGED,   /* hlt at CPL 3: #GP(0) */
	SCENARIO_USER_INT,          /* int 3 through a DPL-0 gate: #GP(IDT 3) */
	SCENARIO_USER_INT_ALLOWED,  /* int 3 through a DPL-3 gate: #BP, delivered */
	SCENARIO_ALIGNMENT_CHECK,   /* CR0.AM, EFLAGS.AC, a misaligned load: #AC */
	SCENARIO_BAD_RSP0,          /* TSS.ESP0/RSP0 at the stack's bottom: #DF */
	SCENARIO_COUNT
};

/* Which IDT gates are present. */
enum handlers {
	HANDLERS_ALL,            /* all 32 exception vectors */
	HANDLERS_DF,             /* only #DF (vector 8) */
	HANDLERS_NONE,           /* an IDT with no present gate at all */
	HANDLERS_COUNT
};

/* Where the #DF handler runs. */
enum df_mode {
	DF_SAFE,                 /* a known-good stack: task gate (i386) or IST1 (x86_64) */
	DF_STACK,                /* an ordinary gate: on whatever stack faulted */
	DF_MODE_COUNT
};

struct kconfig {
	enum scenario scenario;
	enum handlers handlers;
	enum df_mode df;
	bool exit_when_done;     /* exit=on: leave the emulator after the report */
	bool magic_break;        /* break=on: xchg bx,bx just before the fault */
};

#define CMDLINE_MAX     512  /* longest command line we keep */
#define CMDLINE_ARG_MAX 64   /* longest single key=value argument */
#define CMDLINE_ERR_MAX 448  /* "unknown scenario" lists every name */

/* Parse a multiboot command line. The first word is skipped when it holds no
 * '=' (GRUB and QEMU put the kernel's path there). arch_name and
 * arch_df_safe_name say which arch-specific spelling of df=safe is accepted
 * ("task" on i386, "ist" on x86_64); the other arch's spelling is a clear error.
 * On error, returns false with a message in err; cfg still holds every
 * argument that was valid, so exit=on is honoured even next to a typo. */
bool cmdline_parse(const char *cmdline, const char *arch_name,
                   const char *arch_df_safe_name, struct kconfig *cfg,
                   char *err, size_t err_size);

/* The command line without the image path GRUB or QEMU put first (the same
 * first word cmdline_parse skips): what the user actually typed. */
const char *cmdline_arguments(const char *cmdline);

/* The names used on the command line and in the result line. */
const char *scenario_name(enum scenario s);
const char *scenario_summary(enum scenario s);
const char *handlers_name(enum handlers h);
const char *df_mode_name(enum df_mode d);

/* Whether handlers=h puts a gate on exception vector `vector`: all of them,
 * only #DF (8), or none. The IDT builders and the reporter both ask this. */
bool handlers_has_gate(enum handlers h, unsigned vector);

/* The exception vector scenario s raises first on arch_name (invalid_tss:
 * #TS on i386, where IRET raises it; #UD on x86_64, whose delivery does). */
unsigned scenario_vector(enum scenario s, const char *arch_name);

/* Whether scenario s runs its faulting code in ring 3. */
bool scenario_in_ring3(enum scenario s);

/* Whether this arch can run scenario s (some need 32-bit code). */
bool scenario_on_arch(enum scenario s, const char *arch_name);

/* The scenarios this arch runs, space-separated, for error messages. */
void cmdline_list_scenarios(const char *arch_name, char *buf, size_t size);

#endif
