/*
 * multiboot.h - the part of the Multiboot 0.6.96 information structure we
 * read: the flags word and the command line (present when flags bit 2 is set).
 */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_INFO_CMDLINE (1u << 2)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;        /* physical address of a NUL-terminated string */
};

_Static_assert(sizeof(struct multiboot_info) == 20, "multiboot info prefix is 5 words");

#endif
