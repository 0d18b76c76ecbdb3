/*
 * tss.h (i386) - the 32-bit Task State Segment (Intel SDM Vol. 3A 7.2.1,
 * Figure 7-2). On a task switch the CPU saves the running task's registers
 * in its TSS and loads the new task's registers from the other.
 */
#ifndef I386_TSS_H
#define I386_TSS_H

#include <stddef.h>
#include <stdint.h>

struct tss32 {
	uint16_t back_link, reserved0;   /* previous task's selector, when nested */
	uint32_t esp0;
	uint16_t ss0, reserved1;
	uint32_t esp1;
	uint16_t ss1, reserved2;
	uint32_t esp2;
	uint16_t ss2, reserved3;
	uint32_t cr3;
	uint32_t eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, reserved4;
	uint16_t cs, reserved5;
	uint16_t ss, reserved6;
	uint16_t ds, reserved7;
	uint16_t fs, reserved8;
	uint16_t gs, reserved9;
	uint16_t ldt, reserved10;
	uint16_t trap, iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss32) == 104, "the 32-bit TSS is 104 bytes (SDM Figure 7-2)");
_Static_assert(offsetof(struct tss32, cr3) == 0x1C, "CR3 at offset 0x1C");
_Static_assert(offsetof(struct tss32, eip) == 0x20, "EIP at offset 0x20");
_Static_assert(offsetof(struct tss32, es) == 0x48, "ES at offset 0x48");
_Static_assert(offsetof(struct tss32, iomap_base) == 0x66, "I/O map base at offset 0x66");

#define EFLAGS_RESERVED1 (1u << 1)     /* always 1 */
#define EFLAGS_NT        (1u << 14)    /* nested task: IRET returns via back_link */

extern struct tss32 main_tss;  /* where the CPU saves the interrupted state */
extern struct tss32 df_tss;    /* the #DF task: its EIP, ESP, CR3 */

/* Fill both TSSes, load the GDT that describes them and LTR the main one.
 * Call after paging_init(): a task switch loads CR3 from the new TSS. */
void tss_install(void);

#endif
