/*
 * arch/regs.h (x86_64) - names and counts the shared fault screen uses.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define ARCH_NAME          "x86_64"
#define ARCH_DF_SAFE_NAME  "ist"      /* df=ist: #DF on the IST1 stack */
#define ARCH_DF_STACK_NAME "ist1"     /* TSS.ist[0], named IST1 by the SDM */
#define ARCH_IP_NAME       "RIP"
#define ARCH_SP_NAME       "RSP"
#define ARCH_RING0_SP_NAME "RSP0"     /* the TSS field of the ring-0 stack */
#define ARCH_FLAGS_NAME    "RFLAGS"
#define ARCH_GPR_BP        6          /* gpr[] index of the frame pointer (EBP/RBP) */
#define ARCH_GPR_COUNT     15         /* RAX..R15 without RSP (shown in the frame) */

#endif
