/*
 * i386_names.h - renames for i386 code in the host test binary.
 *
 * arch/i386/descriptor.c and arch/x86_64/descriptor.c both define
 * make_int_gate (each kernel links only one back end). The unit tests link
 * both, so arch/i386/descriptor.c is compiled with `-include` of this file and
 * test_gates_i386.c includes it before the i386 header: every i386 encoder
 * gets an i386_ prefix and nothing clashes.
 */
#ifndef TESTS_UNIT_I386_NAMES_H
#define TESTS_UNIT_I386_NAMES_H

#define make_int_gate  i386_make_int_gate
#define make_task_gate i386_make_task_gate
#define gate_type      i386_gate_type
#define gate_selector  i386_gate_selector

/* arch/i386/divide64.c: the compiler's 64-bit division helpers. The host's
 * own runtime may define the same names; the tests call the i386 ones. */
#define divide64_unsigned i386_divide64_unsigned
#define __udivdi3      i386_udivdi3
#define __umoddi3      i386_umoddi3
#define __divdi3       i386_divdi3
#define __moddi3       i386_moddi3

#endif
