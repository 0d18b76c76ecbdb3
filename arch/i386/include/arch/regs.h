/*
 * arch/regs.h (i386) - names and counts the shared fault screen uses.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define ARCH_NAME          "i386"
#define ARCH_DF_SAFE_NAME  "task"     /* df=task: #DF through a task gate */
#define ARCH_DF_STACK_NAME "df-task"  /* the #DF task's stack, in results */
#define ARCH_IP_NAME       "EIP"
#define ARCH_SP_NAME       "ESP"
#define ARCH_RING0_SP_NAME "ESP0"     /* the TSS field of the ring-0 stack */
#define ARCH_FLAGS_NAME    "EFLAGS"
#define ARCH_GPR_BP        6          /* gpr[] index of the frame pointer (EBP/RBP) */
#define ARCH_GPR_COUNT     7          /* EAX..EDI without ESP (shown in the frame) */

#endif
