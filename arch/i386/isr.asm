; isr.asm (i386) - the 32 exception entry stubs, their common path, and the
; entry point of the #DF task.
;
; Without a privilege change the CPU pushes EFLAGS, CS, EIP and, for some
; vectors, an error code (Intel SDM Vol. 3A 6.12.1, Figure 6-4); from ring 3
; it first switches to the TSS's SS0:ESP0 and pushes the old SS and ESP. Each stub
; pushes a 0 where the CPU pushed no error code, then its vector; the common
; path saves the general registers with PUSHAD and calls C with a pointer to
; the frame (struct isr_frame in isr.h).
;
; The stubs themselves are in kernel/isr_stubs.inc, shared with the other arch.

extern exception_entry
extern double_fault_task
global isr_stub_table
global df_task_entry

%include "kernel/isr_stubs.inc"

section .text
bits 32

ISR_STUBS

KERNEL_DS equ 0x10                  ; SEL_KERNEL_DATA in gdt.h

isr_common:
    pushad                          ; EAX ECX EDX EBX ESP EBP ESI EDI
    ; From ring 3, DS and ES still hold the user data selector: the CPU
    ; switches CS and SS only (SDM Vol. 3A 6.12.1). The kernel's C code
    ; uses its own.
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov eax, esp
    cld                             ; the C ABI expects DF=0
    push eax                        ; struct isr_frame *
    call exception_entry            ; reports and never returns
.hang:
    cli
    hlt
    jmp .hang

; The #DF task starts here, on its own stack, after a hardware task switch
; through the task gate in IDT[8] (SDM 7.3). The CPU pushed the error code
; (always 0 for #DF) onto this task's stack; an IRQ that came through the
; same gate pushed none, so C gets where it would be, not its value. CR2 is
; read before anything else can fault and overwrite it.
df_task_entry:
    mov eax, cr2
    mov edx, esp                    ; where the error code is, if any
    push edx                        ; double_fault_task(cr2, &error_code)
    push eax
    call double_fault_task          ; reports and never returns
.hang:
    cli
    hlt
    jmp .hang

section .rodata
align 4
ISR_STUB_TABLE dd
