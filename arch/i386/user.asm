; user.asm (i386) - the way into ring 3, and the code that runs there.
;
; ring3_iret(ip, sp, flags, cs, ss), cdecl: build the frame IRET pops on a
; return to a less privileged level, EIP, CS, EFLAGS, ESP, SS (SDM Vol. 2A,
; IRET; Vol. 3A 6.12.1, Figure 6-4 is the same frame pushed the other way),
; load the data segment registers with the user data selector (IRET would
; load null into any whose DPL is below the new CPL), zero the general
; registers, and IRET.

%define UAX eax
%define USP esp

global ring3_iret

section .text
bits 32
ring3_iret:
    mov ebx, esp
    mov eax, [ebx + 20]             ; ss: the user data selector
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push eax                        ; SS
    push dword [ebx + 8]            ; ESP
    push dword [ebx + 12]           ; EFLAGS
    push dword [ebx + 16]           ; CS
    push dword [ebx + 4]            ; EIP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    iret

%include "kernel/user_code.inc"
