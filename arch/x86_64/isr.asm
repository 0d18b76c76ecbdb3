; isr.asm (x86_64) - the 32 exception entry stubs and their common path.
;
; The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an error
; code (Intel SDM Vol. 3A 6.14.2, Figure 6-9). Each stub makes the frame
; uniform by pushing a 0 where the CPU pushed no error code, then its vector
; number; the common path saves the general registers and calls C with a
; pointer to the whole frame (struct isr_frame in isr.h).
;
; The stubs themselves are in kernel/isr_stubs.inc, shared with the other arch.

extern exception_entry
global isr_stub_table

%include "kernel/isr_stubs.inc"

section .text
bits 64

ISR_STUBS

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                    ; struct isr_frame *
    cld                             ; the C ABI expects DF=0
    ; 15 registers + vector + error code + 5 CPU words = 22 words: the CPU
    ; aligned RSP to 16 before pushing (SDM 6.14.2), so RSP is aligned here.
    call exception_entry            ; reports and never returns
.hang:
    cli
    hlt
    jmp .hang

section .rodata
align 8
ISR_STUB_TABLE dq
