; user.asm (x86_64) - the way into ring 3, and the code that runs there.
;
; ring3_iret(ip, sp, flags, cs, ss), SysV ABI (RDI, RSI, RDX, RCX, R8):
; build the frame IRETQ pops, RIP, CS, RFLAGS, RSP, SS (SDM Vol. 2A, IRET;
; Vol. 3A 6.14.2, Figure 6-9 is the same frame pushed the other way), load
; DS and ES with the user data selector (IRETQ would load null into FS or GS
; if either held a segment whose DPL is below the new CPL), zero the general
; registers, and IRETQ.

%define UAX rax
%define USP rsp

global ring3_iret

section .text
bits 64
ring3_iret:
    mov ds, r8w
    mov es, r8w
    push r8                         ; SS
    push rsi                        ; RSP
    push rdx                        ; RFLAGS
    push rcx                        ; CS
    push rdi                        ; RIP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    iretq

%include "kernel/user_code.inc"
