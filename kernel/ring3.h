/*
 * ring3.h - run code in ring 3, and the routines that run there
 * (kernel/user_code.inc; not to be called from ring 0: their pages are user
 * pages, and with CR4.SMEP ring 0 may not even fetch them).
 */
#ifndef KERNEL_RING3_H
#define KERNEL_RING3_H

/* Map the user pages, then IRET to code at CPL 3 on the user stack. */
void ring3_run(void (*code)(void)) __attribute__((noreturn));

void user_page_fault(void);
void user_privileged(void);
void user_int(void);
void user_int_allowed(void);
void user_alignment_check(void);

#endif
