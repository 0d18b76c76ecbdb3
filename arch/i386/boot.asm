; boot.asm (i386) - multiboot entry: set up the stack and call kmain.
;
; A multiboot loader (GRUB, or QEMU -kernel) starts us in 32-bit protected
; mode with flat segments, paging off, EAX = magic and EBX = the multiboot
; info (Multiboot 0.6.96, 3.2). paging.c turns paging on later, from C.

KERNEL_STACK_TOP equ kernel_stack + 4096 + 16384   ; see kernel/stacks.c

extern kmain
extern kernel_stack
global _start

%include "kernel/multiboot_header.inc"

section .text
bits 32
_start:
    cli
    mov esp, KERNEL_STACK_TOP
    xor ebp, ebp                    ; terminate frame-pointer chains here
    push ebx                        ; kmain(magic, multiboot_info), cdecl
    push eax
    call kmain
.hang:
    cli
    hlt
    jmp .hang
