/*
 * isr.h (i386) - the frame isr.asm builds on the handler's stack.
 */
#ifndef I386_ISR_H
#define I386_ISR_H

#include <stddef.h>
#include <stdint.h>

struct isr_frame {
	/* PUSHAD (SDM Vol. 2B, PUSHA/PUSHAD), last push first; esp_at_pushad is
	 * ESP as it was before PUSHAD, i.e. pointing at the vector. */
	uint32_t edi, esi, ebp, esp_at_pushad, ebx, edx, ecx, eax;
	/* pushed by the stub (error_code: by the CPU for some vectors) */
	uint32_t vector, error_code;
	/* pushed by the CPU; ESP and SS follow only on a privilege change
	 * (struct isr_frame_outer) */
	uint32_t eip, cs, eflags;
};

/* From ring 3 the CPU switched to SS0:ESP0 and pushed the old SS:ESP first
 * (SDM Vol. 3A 6.12.1, Figure 6-4): two more words above EFLAGS. */
struct isr_frame_outer {
	struct isr_frame inner;
	uint32_t esp, ss;
};

_Static_assert(sizeof(struct isr_frame) == 13 * 4, "isr.asm pushes 13 words");
_Static_assert(offsetof(struct isr_frame, vector) == 8 * 4, "PUSHAD saves 8 registers");

void exception_entry(struct isr_frame *frame) __attribute__((noreturn));
/* error_code: where the CPU pushed it, at this task's stack top (not read
 * when an IRQ, which pushes none, came through the task gate). */
void double_fault_task(uint32_t cr2, const uint32_t *error_code) __attribute__((noreturn));

#endif
