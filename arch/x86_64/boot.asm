; boot.asm (x86_64) - multiboot entry in 32-bit protected mode, then long mode.
;
; A multiboot loader (GRUB, or QEMU -kernel) starts us in 32-bit protected
; mode with paging off, EAX = magic and EBX = the multiboot info. Long mode
; (Intel SDM Vol. 3A 9.8.5, AMD64 APM Vol. 2 14.6) needs: PAE paging with a
; PML4 in CR3, EFER.LME, then CR0.PG; a far jump to a 64-bit code segment
; finishes the switch. These boot page tables identity-map the first 4 GiB
; with 2 MiB pages, just enough to reach kmain and the loader's data;
; paging.c replaces them with 4 KiB tables that leave the guard pages unmapped.


CR0_PE      equ 1 << 0
CR0_PG      equ 1 << 31
CR4_PAE     equ 1 << 5
MSR_EFER    equ 0xC0000080
EFER_LME    equ 1 << 8
PAGE_P      equ 1 << 0              ; present
PAGE_RW     equ 1 << 1              ; writable
PAGE_PS     equ 1 << 7              ; 2 MiB page (in a page-directory entry)

KERNEL_CS   equ 0x08                ; selectors in boot_gdt below (same as gdt.c)
KERNEL_DS   equ 0x10
KERNEL_STACK_TOP equ kernel_stack + 4096 + 16384   ; see kernel/stacks.c

extern kmain
extern kernel_stack
global _start

%include "kernel/multiboot_header.inc"

section .bss
align 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096           ; four page directories: 4 x 1 GiB

section .rodata
align 8
boot_gdt:
    dq 0                            ; null descriptor
    dq 0x00AF9A000000FFFF           ; 0x08: 64-bit ring-0 code (DESC_KERNEL_CODE64)
    dq 0x00CF92000000FFFF           ; 0x10: ring-0 data (DESC_KERNEL_DATA)
boot_gdt_ptr:
    dw $ - boot_gdt - 1
    dq boot_gdt

no_long_mode_msg: db "faultline x86_64: this CPU has no long mode; try ARCH=i386", 0

section .text
bits 32
_start:
    cli
    mov esp, KERNEL_STACK_TOP
    mov esi, eax                    ; keep magic and info for kmain
    mov edi, ebx

    ; CPUID 0x80000001 EDX bit 29 says long mode exists (SDM Vol. 2A, CPUID).
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages.
    mov eax, boot_pdpt
    or eax, PAGE_P | PAGE_RW
    mov [boot_pml4], eax
    mov ecx, 0
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PAGE_P | PAGE_RW
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jne .fill_pdpt
    mov ecx, 0
.fill_pd:                           ; entry i maps physical i * 2 MiB
    mov eax, ecx
    shl eax, 21
    or eax, PAGE_P | PAGE_RW | PAGE_PS
    mov [boot_pd + ecx * 8], eax
    mov eax, ecx                    ; physical bits 32+ of the entry
    shr eax, 11
    mov [boot_pd + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 4 * 512
    jne .fill_pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE
    mov cr0, eax                    ; now in compatibility mode (IA-32e, 32-bit code)

    lgdt [boot_gdt_ptr]
    jmp KERNEL_CS:long_mode_entry

.no_long_mode:                      ; say so on the screen rather than fault
    mov ebx, no_long_mode_msg
    mov edx, 0xB8000
.print:
    mov al, [ebx]
    test al, al
    jz .halt
    mov ah, 0x4F                    ; white on red
    mov [edx], ax
    inc ebx
    add edx, 2
    jmp .print
.halt:
    hlt
    jmp .halt

bits 64
long_mode_entry:
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, KERNEL_STACK_TOP
    mov eax, esi                    ; kmain(magic, multiboot_info): SysV ABI
    mov esi, edi                    ; puts the arguments in RDI and RSI
    mov edi, eax
    xor ebp, ebp                    ; terminate frame-pointer chains here
    call kmain
.hang:
    cli
    hlt
    jmp .hang
