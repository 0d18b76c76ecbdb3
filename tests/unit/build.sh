#!/bin/sh
# build.sh - build and run the host unit tests of faultline's pure C code:
# `make unit-test`, whose one recipe is tests/unit/Makefile.inc.
#
#   sh tests/unit/build.sh [MAKE VARIABLES]   (from anywhere; runs from the repo root)
#   CC=clang sh tests/unit/build.sh
#
# The compiler is the host's own ($CC, else cc) on any CPU: the tests are
# plain C, with no -m32 and nothing x86 about the host. The last line of
# output is "N passed, N failed"; the exit status is nonzero on any failure.
set -eu
cd "$(dirname "$0")/../.."
exec make --no-print-directory unit-test "$@"
