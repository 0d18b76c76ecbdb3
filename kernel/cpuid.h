/*
 * cpuid.h - which optional features this processor has, from CPUID
 * (SDM Vol. 2A, CPUID; AMD64 APM Vol. 3, CPUID).
 */
#ifndef KERNEL_CPUID_H
#define KERNEL_CPUID_H

#include <stdbool.h>
#include <stdint.h>

/* The features faultline turns on when the CPU has them. */
enum cpu_feature {
	CPU_SMEP,       /* CPUID.(EAX=07H,ECX=0):EBX[7]: CR4.SMEP */
	CPU_NX,         /* CPUID.80000001H:EDX[20]: IA32_EFER.NXE */
};

bool cpu_has(enum cpu_feature f);

#endif
