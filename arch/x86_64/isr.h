/*
 * isr.h (x86_64) - the frame isr.asm builds on the handler's stack.
 */
#ifndef X86_64_ISR_H
#define X86_64_ISR_H

#include <stddef.h>
#include <stdint.h>

struct isr_frame {
	/* pushed by isr_common, last push first */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	/* pushed by the stub (error_code: by the CPU for some vectors) */
	uint64_t vector, error_code;
	/* pushed by the CPU (SDM Vol. 3A 6.14.2, Figure 6-9) */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct isr_frame) == 22 * 8, "isr.asm pushes 22 words");
_Static_assert(offsetof(struct isr_frame, vector) == 15 * 8, "15 registers below the vector");

void exception_entry(struct isr_frame *frame) __attribute__((noreturn));

#endif
