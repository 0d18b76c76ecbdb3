#!/bin/sh
# build.sh - build and run the host unit tests of faultline's pure C code.
#
#   bash tests/unit/build.sh        (from anywhere; runs from the repo root)
#
# One host binary, build/host/unit_tests. Both arch/*/descriptor.c define
# make_int_gate, so the i386 one is compiled on its own with
# tests/unit/i386_names.h forced in (its encoders become i386_*), then linked
# next to the x86_64 one. The kernel sources are compiled natively (64-bit):
# the encoders take explicit-width types, and <arch/regs.h> is x86_64's.
# The last line of output is "N passed, N failed"; the exit status is nonzero
# on any failure.
set -eu
cd "$(dirname "$0")/../.."

CC=${CC:-gcc}
CFLAGS="-std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 -Wmissing-prototypes -I. -Iarch/x86_64/include \
 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
OUT=build/host

mkdir -p "$OUT"
# shellcheck disable=SC2086
$CC $CFLAGS -include tests/unit/i386_names.h -c arch/i386/descriptor.c \
    -o "$OUT/i386_descriptor.o"
# shellcheck disable=SC2086
$CC $CFLAGS -o "$OUT/unit_tests" tests/unit/*.c \
    kernel/format.c kernel/cmdline.c kernel/exceptions.c kernel/segment.c \
    kernel/stacks.c kernel/fault.c arch/x86_64/descriptor.c "$OUT/i386_descriptor.o"
exec "$OUT/unit_tests"
