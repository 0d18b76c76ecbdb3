#!/usr/bin/env bash
# run.sh - build the libFuzzer targets of faultline's pure C code and run
# each one for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]    (default 5 s per target, all targets)
#   tests/fuzz/run.sh 600                      a longer hunt
#   tests/fuzz/run.sh 30 cmdline               one target
#
# Targets: cmdline (cmdline_parse), format (fmt_snprintf, fmt_line_break),
# exceptions (decode_error_code and the #PF/selector decoders). Each is built
# with clang -fsanitize=fuzzer,address,undefined into build/fuzz/, and runs on
# a scratch copy of its seed corpus (build/fuzz/corpus/<target>/; the seeds
# in tests/fuzz/corpus/ are never written). A target passes when libFuzzer
# exits 0: no crash, no sanitizer report, no violated property, no timeout.
# A crash leaves its reproducer in build/fuzz/ and the path is printed.
# The last line is "N passed, N failed"; the exit status is 1 on any failure.
#
# Environment: CLANG (default clang), FUZZ_CFLAGS (extra compiler flags),
# FUZZ_KEEP_CORPUS=1 (keep the scratch corpus of the previous run instead of
# starting again from the seeds).
#
# libFuzzer is a runtime that comes with clang on Linux (Debian:
# libclang-rt-dev). Apple's clang on macOS ships none: there the run is one
# SKIP line and "0 passed, 0 failed" (Homebrew's llvm has the runtime).
# Written for bash 3.2 (macOS's /bin/bash) too.
set -u
cd "$(dirname "$0")/../.." || exit 2

SECONDS_PER_TARGET=${1:-5}
case "$SECONDS_PER_TARGET" in
  ''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$SECONDS_PER_TARGET'" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
# portable: never empty: ALL_TARGETS TARGETS CFLAGS
ALL_TARGETS=(cmdline format exceptions)
TARGETS=("${@:-${ALL_TARGETS[@]}}")

CLANG=${CLANG:-clang}
# FUZZ_OUT: another directory for the probe and the targets (the portability
# test's fake clang must not share build/fuzz with make test's real run).
OUT=${FUZZ_OUT:-build/fuzz}
# shellcheck disable=SC2054  # the commas are -fsanitize= syntax
CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -I. -Iarch/x86_64/include
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
        -fno-omit-frame-pointer)
# shellcheck disable=SC2206
EXTRA_CFLAGS=(${FUZZ_CFLAGS:-})

sources() {
  case "$1" in
    cmdline)    echo "kernel/cmdline.c kernel/format.c" ;;
    format)     echo "kernel/format.c" ;;
    exceptions) echo "kernel/exceptions.c kernel/format.c" ;;
    *)          return 1 ;;
  esac
}

# Extra libFuzzer options per target: command lines longer than the kernel's
# CMDLINE_MAX (512) are worth trying; the parser assumes no limit.
options() {
  case "$1" in
    cmdline) echo "-max_len=2048" ;;
    *)       echo "" ;;
  esac
}

mkdir -p "$OUT"
passed=0
failed=0

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "run.sh: $CLANG not found: install clang (tools/setup)" >&2
  echo "0 passed, ${#TARGETS[@]} failed"
  exit 1
fi

# Can this clang link a fuzzer at all? A target that builds nothing else
# tells a missing runtime apart from a broken target. (FAULTLINE_HOST_OS
# fakes uname -s for the tests.)
host_os=${FAULTLINE_HOST_OS:-$(uname -s)}
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
  > "$OUT/probe.c"
if ! "$CLANG" "${CFLAGS[@]}" ${EXTRA_CFLAGS[@]+"${EXTRA_CFLAGS[@]}"} -o "$OUT/probe" "$OUT/probe.c" \
     >"$OUT/probe.log" 2>&1; then
  if [ "$host_os" = Darwin ]; then
    echo "SKIP fuzz: $CLANG has no libFuzzer runtime (Apple's clang ships none; Homebrew's llvm has it: put \$(brew --prefix llvm)/bin first in PATH)"
    echo "0 passed, 0 failed"
    exit 0
  fi
  echo "FAIL fuzz: $CLANG cannot link -fsanitize=fuzzer,address,undefined: is libclang_rt.fuzzer installed (Debian: libclang-rt-dev; tools/setup)? See $OUT/probe.log"
  echo "0 passed, ${#TARGETS[@]} failed"
  exit 1
fi

# LeakSanitizer runs on Linux; elsewhere asking for it stops ASan at start.
leaks=0
[ "$host_os" = Linux ] && leaks=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=$leaks}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Three phases, each target's step in the background and two cores busy:
# build every target, run every built one for SECONDS, then report them in
# order. (The builds and the runs are independent per target; one after the
# other they took 32 s of make test.)
build_target() {
  # shellcheck disable=SC2086
  "$CLANG" "${CFLAGS[@]}" ${EXTRA_CFLAGS[@]+"${EXTRA_CFLAGS[@]}"} -o "$OUT/fuzz_$1" \
      "tests/fuzz/fuzz_$1.c" $2 >"$OUT/fuzz_$1.build.log" 2>&1
}

run_target() {
  t=$1
  corpus="$OUT/corpus/$t"
  if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
    rm -rf "$corpus"
  fi
  mkdir -p "$corpus"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp -p "tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
  fi
  # Reproducers go to build/fuzz/<target>-crash-<sha1> (or -timeout-, -leak-, -oom-).
  # shellcheck disable=SC2046
  "./$OUT/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$OUT/$t-" $(options "$t") \
      "$corpus" >"$OUT/fuzz_$t.log" 2>&1
  echo $? >"$OUT/fuzz_$t.status"
}

pids=""
for t in "${TARGETS[@]}"; do
  rm -f "$OUT/fuzz_$t.status" "$OUT/fuzz_$t.built"
  if srcs=$(sources "$t"); then
    ( build_target "$t" "$srcs" && : >"$OUT/fuzz_$t.built" ) &
    pids="$pids $!"
  fi
done
for pid in $pids; do wait "$pid"; done

pids=""
for t in "${TARGETS[@]}"; do
  if [ -f "$OUT/fuzz_$t.built" ]; then
    run_target "$t" &
    pids="$pids $!"
  fi
done
for pid in $pids; do wait "$pid"; done

for t in "${TARGETS[@]}"; do
  if ! sources "$t" >/dev/null; then
    echo "FAIL fuzz_$t: no such target (valid: ${ALL_TARGETS[*]})"
    failed=$((failed + 1))
    continue
  fi
  bin="$OUT/fuzz_$t"
  log="$OUT/fuzz_$t.log"
  corpus="$OUT/corpus/$t"
  if [ ! -f "$OUT/fuzz_$t.built" ]; then
    cat "$OUT/fuzz_$t.build.log"
    echo "FAIL fuzz_$t: build failed (is libclang_rt.fuzzer installed? see $OUT/fuzz_$t.build.log)"
    failed=$((failed + 1))
    continue
  fi
  status=$(cat "$OUT/fuzz_$t.status" 2>/dev/null || echo "?")

  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  corpus_size=$(find "$corpus" -type f | wc -l | tr -d ' ')   # BSD wc pads with blanks
  if [ "$status" = 0 ] && [ -z "$artifact" ]; then
    echo "PASS fuzz_$t: ${execs:-?} executions in ${SECONDS_PER_TARGET} s, corpus $corpus_size inputs"
    passed=$((passed + 1))
  else
    why=$(grep -a -m 1 -E "property violated|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:" "$log")
    echo "FAIL fuzz_$t: exit status $status after ${execs:-?} executions: ${why:-see $log}"
    grep -a -A 1 -m 1 "property violated" "$log" | sed -n 2p | cut -c 1-300
    if [ -n "$artifact" ]; then
      echo "     reproducer: $artifact"
      echo "     rerun it:   $bin $artifact"
    fi
    echo "     log: $log"
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
