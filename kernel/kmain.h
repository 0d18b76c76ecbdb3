/*
 * kmain.h - what the shared kernel knows about this boot.
 */
#ifndef KERNEL_KMAIN_H
#define KERNEL_KMAIN_H

#include <stdint.h>
#include "config.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

/* Called by the arch entry code with EAX and EBX as the loader left them. */
void kmain(uint32_t magic, uintptr_t multiboot_info) __attribute__((noreturn));

/* The configuration parsed from the command line. */
extern struct kconfig kernel_config;

/* What exit=on hands the emulator (QEMU exits with (code << 1) | 1). */
enum exit_code { EXIT_CAUGHT = 1, EXIT_BAD_INPUT = 2, EXIT_NO_FAULT = 3 };

/* Print a result line (dim) and flush COM1; the caller goes on. */
void kernel_result_line(const char *result_line);

/* Print the result line, flush COM1, then halt or leave the emulator; after
 * a scenario the menu ran, ask for a key and go back to the menu. */
void kernel_finish(const char *result_line, int exit_code) __attribute__((noreturn));

#endif
