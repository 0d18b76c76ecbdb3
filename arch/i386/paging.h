/*
 * paging.h - build the kernel's page tables with unmapped guard pages.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

void paging_init(void);

#endif
