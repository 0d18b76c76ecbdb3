; minimal.asm - the baseline for tools/bench: a multiboot kernel that only
; sets up COM1, prints one result line and halts. Booted exactly like
; faultline (QEMU -kernel, the GRUB ISO, Bochs), it measures what the
; emulator and the loader cost, so the ratio faultline/minimal is faultline's
; own overhead. 32-bit code: qemu-system-x86_64 -kernel boots it the same way.

%include "kernel/multiboot_header.inc"

COM1 equ 0x3F8

section .text
bits 32
global _start
_start:
    mov dx, COM1 + 3                ; LCR: DLAB, then 8N1 (Bochs starts at 5 bits)
    mov al, 0x80
    out dx, al
    mov dx, COM1                    ; divisor 1: 115200 baud
    mov al, 1
    out dx, al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al
    mov esi, line
.next:
    lodsb
    test al, al
    jz .drain
    mov ah, al
    mov dx, COM1 + 5
.wait:                              ; LSR bit 5: transmit holding register empty
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .next
.drain:
    mov dx, COM1 + 5
.empty:                             ; LSR bit 6: transmitter empty
    in al, dx
    test al, 0x40
    jz .empty
.halt:
    cli
    hlt
    jmp .halt

section .rodata
line: db "FAULTLINE-RESULT outcome=no_fault arch=minimal reason=minimal", 13, 10, 0
