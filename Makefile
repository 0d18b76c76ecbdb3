# faultline - a teaching kernel for x86 exceptions, double and triple faults.
#
#   make ARCH=i386|x86_64 [target]       `make help` lists every target.
#
# One tree, two architectures: the shared kernel/ and drivers/ are compiled
# with exactly one back end, arch/$(ARCH)/, whose include/ directory goes on
# the include path so <arch/...> means that back end. Outputs go to
# build/$(ARCH)/.

ARCHES    := i386 x86_64
ARCH_GOALS := all kernel iso run run-bochs debug-bochs debug
ALL_GOALS := $(or $(MAKECMDGOALS),all)

# A wrong ARCH, or none where one is needed, is one clear line.
ifneq ($(ARCH),)
  ifeq ($(filter $(ARCH),$(ARCHES)),)
    $(error ARCH=$(ARCH) is not supported: use ARCH=i386 or ARCH=x86_64)
  endif
else ifneq ($(filter $(ARCH_GOALS),$(ALL_GOALS)),)
  $(error ARCH is not set: use ARCH=i386 or ARCH=x86_64 (see make help))
endif

BUILD_ROOT ?= build
BUILD     := $(BUILD_ROOT)/$(ARCH)
KERNEL    := $(BUILD)/faultline.elf
ISO       := $(BUILD)/faultline.iso
KARGS_ISO := $(BUILD)/faultline-kargs.iso

# Two toolchains build the kernel (TOOLCHAIN=gcc or clang; default: gcc
# when it and GNU ld target x86 here, else clang): GNU cc with -m32/-m64 and
# GNU ld (binutils), or clang with --target=i686-elf/x86_64-elf, ld.lld and
# the LLVM binutils. Neither needs a C library or gcc-multilib: the kernel
# is freestanding and brings what a compiler may call: kernel/mem.c (memset
# and friends) and, on i386, arch/i386/divide64.c (64-bit division).
NASM      := nasm
PYTHON    := python3
HOST_IS_X86_GCC := $(shell gcc -dumpmachine 2>/dev/null | grep -Eq '^(x86_64|i[3-6]86)' \
                     && ld -V 2>/dev/null | grep -q elf_i386 && echo yes)
TOOLCHAIN ?= $(if $(HOST_IS_X86_GCC),gcc,clang)
ifeq ($(TOOLCHAIN),gcc)
  KCC     := gcc
  LD      := ld
  OBJCOPY := objcopy
  NM      := nm
  TARGET_i386   := -m32
  TARGET_x86_64 := -m64
else ifeq ($(TOOLCHAIN),clang)
  KCC     := clang
  LD      := ld.lld
  OBJCOPY := llvm-objcopy
  NM      := llvm-nm
  TARGET_i386   := --target=i686-elf
  TARGET_x86_64 := --target=x86_64-elf
else
  $(error TOOLCHAIN=$(TOOLCHAIN) is not supported: use TOOLCHAIN=gcc or TOOLCHAIN=clang)
endif
export NM

# A build without one of its tools stops at once, naming them, instead of at
# the first recipe that needs one. (macOS: Homebrew's llvm is keg-only, so
# llvm-objcopy and llvm-nm are not on PATH until its bin/ is.)
on_path = $(shell command -v $(1) 2>/dev/null)
ifneq ($(ARCH),)
  ifneq ($(filter $(ARCH_GOALS),$(ALL_GOALS)),)
    MISSING_TOOLS := $(strip $(foreach t,$(KCC) $(LD) $(OBJCOPY) $(NM) $(NASM),$(if $(call on_path,$(t)),,$(t))))
    ifneq ($(MISSING_TOOLS),)
      $(error TOOLCHAIN=$(TOOLCHAIN) needs $(MISSING_TOOLS), not found on PATH: run tools/setup (macOS: PATH="$$(brew --prefix llvm)/bin:$$PATH"))
    endif
  endif
endif

# Quiet by default ("CC kernel/kmain.c"); make V=1 prints whole commands.
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @echo "  $(1)	$(2)"
endif

# Frame pointers in every function, leaves included, and no tail calls: the
# fault screen's backtrace then shows every caller (kernel/backtrace.c).
WARNINGS  := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-builtin -nostdlib \
             -fno-pic -fno-pie -fno-stack-protector \
             -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
             -fno-asynchronous-unwind-tables -mgeneral-regs-only \
             -I. -Iarch/$(ARCH)/include -MMD -MP
LDFLAGS   := -nostdlib -z max-page-size=0x1000 --build-id=none -z noexecstack -T arch/$(ARCH)/linker.ld

ifeq ($(ARCH),i386)
  # i486: no CMOV and friends, so the kernel runs on every 32-bit CPU model
  # QEMU offers (the 486 and Pentium included).
  CFLAGS  += $(TARGET_i386) -march=i486
  LDFLAGS += -m elf_i386
  NASMFMT := elf32
else
  # No red zone: an exception at the same privilege level pushes its frame
  # right below RSP, over the 128 bytes the SysV ABI would let us use.
  CFLAGS  += $(TARGET_x86_64) -mno-red-zone -mcmodel=small
  LDFLAGS += -m elf_x86_64
  NASMFMT := elf64
endif

SRCS_C    := $(wildcard kernel/*.c drivers/*/*.c arch/$(ARCH)/*.c)
SRCS_ASM  := $(wildcard arch/$(ARCH)/*.asm)
OBJS      := $(patsubst %.c,$(BUILD)/obj/%.o,$(SRCS_C)) \
             $(patsubst %.asm,$(BUILD)/obj/%.asm.o,$(SRCS_ASM))

# GRUB: BIOS only (i386-pc), and only the modules a multiboot boot needs
# (tools/grub-modules, shared with tools/run-scenario). The part_* modules are
# there because the ISO's partmap.lst names them: without them GRUB prints
# "file not found" errors on the screen before booting.
# Fedora calls the tool grub2-mkrescue. Where there is no BIOS GRUB at all
# (macOS), `all` builds the kernels and says in one line that the ISOs are
# skipped: QEMU -kernel boots need none.
GRUB_MODULES := $(shell cat tools/grub-modules)
GRUB_BIN     := $(firstword $(foreach t,grub-mkrescue grub2-mkrescue,$(call on_path,$(t))))
GRUB_DIR     := $(firstword $(wildcard /usr/lib/grub/i386-pc /usr/share/grub/i386-pc))
GRUB_MKRESCUE = $(GRUB_BIN) -d $(GRUB_DIR) \
                --install-modules="$(GRUB_MODULES)" --fonts= --locales= --themes=
HAVE_GRUB    := $(and $(GRUB_BIN),$(GRUB_DIR),$(call on_path,xorriso))
NO_GRUB      := no BIOS GRUB here (grub-mkrescue for i386-pc, xorriso): the ISOs, make run's \
                GRUB menu and Bochs need it; QEMU -kernel boots do not (tools/run-scenario, \
                make run, which then boots with -kernel). tools/setup says what to install

.PHONY: all kernel iso run run-bochs debug-bochs debug help clean test unit-test setup \
        screenshots golden-update fuzz flake-check bench compile-commands conformance
.DEFAULT_GOAL := all
# A recipe that fails leaves no half-written target behind (symtab.c,
# pass1.code, an ISO) for the next make to take as up to date.
.DELETE_ON_ERROR:

ifneq ($(HAVE_GRUB),)
all: kernel iso $(KARGS_ISO)
else
all: kernel
	@echo "make: ISOs skipped: $(strip $(NO_GRUB))"
endif

# On x86_64 QEMU's -kernel refuses ELF64 ("Cannot load x86-64 image, give a
# 32bit one"): faultline-qemu.elf is the same image relabelled as ELF32.
# GRUB loads the ELF64 directly.
ifeq ($(ARCH),x86_64)
kernel: $(KERNEL) $(BUILD)/faultline-qemu.elf
else
kernel: $(KERNEL)
endif

# Two links: the first with an empty symbol table, the second with the table
# tools/mksyms writes from the first (kernel/symbols.h). The table sits right
# after .text, so no function moves between them; the check after the second
# link proves it: the code symbols (nm types t and T, what mksyms reads) of
# both links, compared line by line.
CODE_SYMBOLS = $(NM) -n $(1) | awk '$$2 == "t" || $$2 == "T"'
$(BUILD)/symtab0.c: tools/mksyms
	@mkdir -p $(dir $@)
	$(Q)tools/mksyms --empty > $@

$(BUILD)/pass1.elf: $(OBJS) $(BUILD)/obj/symtab0.o arch/$(ARCH)/linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/obj/symtab0.o

$(BUILD)/symtab.c: $(BUILD)/pass1.elf tools/mksyms
	$(call say,SYMS,$@)
	$(Q)tools/mksyms $< > $@

# The first link's code symbols, for the check after the second link (a
# pipe hides nm's failure: an empty list stops the build here instead).
$(BUILD)/pass1.code: $(BUILD)/pass1.elf
	$(Q)$(call CODE_SYMBOLS,$<) > $@
	$(Q)test -s $@ || { echo "$(NM) found no code symbols in $<" >&2; exit 1; }

$(BUILD)/obj/symtab%.o: $(BUILD)/symtab%.c
	$(Q)$(KCC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/symtab.o: $(BUILD)/symtab.c
	$(Q)$(KCC) $(CFLAGS) -c $< -o $@

$(KERNEL): $(BUILD)/pass1.elf $(BUILD)/obj/symtab.o $(BUILD)/pass1.code
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(BUILD)/obj/symtab.o
	$(Q)$(call CODE_SYMBOLS,$@) | cmp -s - $(BUILD)/pass1.code \
	  || { echo "symbol table: functions moved between the two links" >&2; rm -f $@; exit 1; }

$(BUILD)/faultline-qemu.elf: $(KERNEL)
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(KCC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.asm.o: %.asm Makefile
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(NASM) -f $(NASMFMT) -g -F dwarf -w+all -Werror -I./ -MD $(@:.o=.d) -o $@ $<

# make_iso(iso, mkgrubcfg options): the kernel plus a generated grub.cfg.
# GRUB needs no DWARF: the ISO's copy drops it (GDB and Bochs read the
# symbols from $(KERNEL) on the host), which keeps the ISO under 1 MiB.
define make_iso
	@$(if $(HAVE_GRUB),true,echo "make: $(strip $(NO_GRUB))" >&2; exit 1)
	@rm -rf $(1).d && mkdir -p $(1).d/boot/grub
	$(call say,ISO,$(1))
	$(Q)$(OBJCOPY) --strip-debug $(KERNEL) $(1).d/boot/faultline.elf
	$(Q)tools/mkgrubcfg --arch $(ARCH) $(2) > $(1).d/boot/grub/grub.cfg
	$(Q)$(GRUB_MKRESCUE) -o $(1) $(1).d 2>$(1).log || { cat $(1).log; exit 1; }
endef

# The menu ISO: every scenario as a GRUB menu entry.
iso: $(ISO)

$(ISO): $(KERNEL) tools/mkgrubcfg tools/grub-modules
	$(call make_iso,$@,)

# The ISO Bochs boots: the command line comes from a floppy (tools/mkkargs),
# so one ISO serves every scenario.
$(KARGS_ISO): $(KERNEL) tools/mkgrubcfg tools/grub-modules
	$(call make_iso,$@,--kargs-floppy)

# make run [SCENARIO=name] [KARGS="..."] [ACCEL=kvm] [LOOP=0|1]: with a
# scenario, an ISO whose only job is to boot that command line at once;
# without, the menu ISO, whose first entry is the kernel's own menu.
# ACCEL=kvm runs it on the host's hypervisor instead of QEMU's TCG, with
# QEMU's -kernel: GRUB crawls under nested KVM (tools/run-qemu).
SCENARIO ?=
KARGS    ?=
ACCEL    ?= tcg
# Where the screen goes (tools/display.py): auto, window, terminal or serial.
VIEW     ?= auto
RUN_CMDLINE = $(strip $(if $(SCENARIO),scenario=$(SCENARIO)) $(KARGS))
# LOOP=1: reboots allowed (QEMU without -no-reboot): a triple fault resets the
# machine, the reset loop, and the kernel's menu comes back; a key after a
# caught fault resets it too. The default: 1 for the menu (no SCENARIO or
# KARGS), 0 when the command line names a scenario: QEMU then stops at a
# triple fault and make run explains it.
LOOP     ?= $(if $(RUN_CMDLINE),0,1)
RUN_LOOP  = $(if $(filter 1,$(LOOP)),--loop)
ifneq ($(filter run,$(ALL_GOALS)),)
  ifeq ($(filter $(ACCEL),tcg kvm),)
    $(error ACCEL=$(ACCEL) is not supported: use ACCEL=tcg (QEMU's software CPU, the default) or ACCEL=kvm)
  endif
endif

# QEMU's -kernel needs an ELF32: x86_64's relabelled copy.
QEMU_IMAGE = $(if $(filter x86_64,$(ARCH)),$(BUILD)/faultline-qemu.elf,$(KERNEL))

# Where there is no BIOS GRUB (ARM hosts, macOS) TCG boots with -kernel too:
# the same kernel and command line, without the GRUB menu.
run: kernel
ifeq ($(ACCEL),kvm)
	tools/run-qemu --arch $(ARCH) --kernel $(QEMU_IMAGE) --cmdline "$(RUN_CMDLINE)" --accel kvm --view $(VIEW) $(RUN_LOOP)
else ifeq ($(HAVE_GRUB),)
	@echo "make: no BIOS GRUB here: QEMU boots the kernel itself (-kernel)$(if $(RUN_CMDLINE),,; no GRUB menu: the kernel's own menu picks a scenario, SCENARIO=name boots one)"
	tools/run-qemu --arch $(ARCH) --kernel $(QEMU_IMAGE) --cmdline "$(RUN_CMDLINE)" --accel $(ACCEL) --view $(VIEW) $(RUN_LOOP)
else ifeq ($(RUN_CMDLINE),)
	@$(MAKE) --no-print-directory ARCH=$(ARCH) iso
	tools/run-qemu --arch $(ARCH) --iso $(ISO) --accel $(ACCEL) --view $(VIEW) $(RUN_LOOP)
else
	$(call make_iso,$(BUILD)/run.iso,--boot "$(RUN_CMDLINE)")
	tools/run-qemu --arch $(ARCH) --iso $(BUILD)/run.iso --cmdline "$(RUN_CMDLINE)" --accel $(ACCEL) --view $(VIEW) $(RUN_LOOP)
endif

# make debug [SCENARIO=name] [KARGS="..."]: QEMU stopped at its first
# instruction, GDB attached with build/$(ARCH)/gdbinit (symbols, breakpoints
# on the #DF entry and fault_report).
debug: kernel
	tools/run-gdb --arch $(ARCH) --cmdline "$(RUN_CMDLINE)"

# make run-bochs / debug-bochs [SCENARIO=name] [KARGS="..."] [WALK=name] [RESET=1]
BOCHS_FLAGS = $(if $(RUN_CMDLINE),--cmdline "$(RUN_CMDLINE)") $(if $(filter 1,$(RESET)),--reset) \
              --view $(VIEW)

run-bochs: kernel $(KARGS_ISO)
	tools/run-bochs --arch $(ARCH) $(BOCHS_FLAGS)

debug-bochs: kernel $(KARGS_ISO)
	tools/run-bochs --arch $(ARCH) $(BOCHS_FLAGS) $(if $(WALK),--walk $(WALK),--debug)

# ---- tests -------------------------------------------------------------
# Host unit tests of the pure code, then the boot matrix, for both arches.
include tests/unit/Makefile.inc

unit-test: build/host/unit_tests
	build/host/unit_tests

test:
	@tools/run-tests

# make fuzz [FUZZ_SECONDS=600]: libFuzzer on the pure C code (tests/fuzz/),
# FUZZ_SECONDS per target; make test runs 5 s each through tools/run-tests.
FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# make flake-check [FLAKE_ARGS="-n 5 --emulator qemu"]: the boot matrix N
# times, listing every result that changed between runs.
flake-check:
	@for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a all || exit 1; done
	tools/flake-check $(FLAKE_ARGS)

# make bench: boot-to-result times against a minimal kernel, matrix and
# build times, sizes (tools/bench/bench; writes build/bench.json).
bench:
	tools/bench/bench $(BENCH_ARGS)

# make conformance: every scenario on every engine, beside what the manuals
# require (tools/conformance; writes build/conformance.md and .json).
conformance:
	@for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a all || exit 1; done
	tools/conformance

# compile_commands.json for editors (clangd), from this Makefile's commands.
compile-commands:
	tools/compile-commands

# Classroom labs (lessons/labs/): make handout LAB=n writes the student tree
# of lab n to build/handout/labN/ (tools/handout; HANDOUT_ARGS="--tar f.tgz",
# "--git"); make grade [LAB=n] builds both arches and grades (tools/grade);
# make grade-class LAB=n SUBMISSIONS=dir grades a class pristinely
# (tools/grade-class); make gradescope LAB=n writes Gradescope's autograder
# zip (tools/gradescope). The GitHub Classroom workflows are in
# tools/classroom/ (lessons/INSTRUCTORS.md).
.PHONY: handout grade grade-class gradescope
LAB_NUMBERS := 1 2 3 4 5 6
check_lab = $(if $(filter $(LAB),$(LAB_NUMBERS)),,$(error $(if $(LAB),LAB=$(LAB) is not a lab,LAB is not set): use LAB=1..6 (lessons/labs/README.md)))

handout:
	$(check_lab)
	tools/handout --lab $(LAB) $(HANDOUT_ARGS)

grade:
	$(if $(LAB),$(check_lab))
	tools/grade $(if $(LAB),--lab $(LAB)) $(if $(EMULATOR),--emulator $(EMULATOR)) $(GRADE_ARGS)

grade-class:
	$(check_lab)
	$(if $(SUBMISSIONS),,$(error SUBMISSIONS is not set: a directory of submissions, one per student))
	tools/grade-class --lab $(LAB) $(SUBMISSIONS) $(GRADE_ARGS)

gradescope:
	$(check_lab)
	tools/gradescope --lab $(LAB)

# PNGs of the real screens (QEMU screendump) for the lessons: lessons/screenshots/
screenshots:
	@for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a kernel || exit 1; done
	tools/screenshots

# Rewrite tests/golden/*.txt from the current build's VGA screens; prints what changed
golden-update:
	@for a in $(ARCHES); do $(MAKE) --no-print-directory ARCH=$$a all || exit 1; done
	tools/golden --update

setup:
	tools/setup

clean:
	rm -rf build

help:
	@echo "faultline: make ARCH=i386|x86_64 <target> [SCENARIO=name] [KARGS=\"...\"]"
	@echo ""
	@echo "Targets that need ARCH:"
	@echo "  all (default)   build the kernel ELF and the GRUB ISO into build/\$$ARCH/"
	@echo "  kernel          build/\$$ARCH/faultline.elf (x86_64 also faultline-qemu.elf)"
	@echo "  iso             build/\$$ARCH/faultline.iso, a GRUB menu of every scenario"
	@echo "  run             boot in QEMU (a window, else this terminal: VIEW); SCENARIO and"
	@echo "                  KARGS pick the command line; without them GRUB's menu, whose"
	@echo "                  first entry is the kernel's menu (keys: Up/Down or k/j, h, d,"
	@echo "                  Enter); ACCEL=kvm on the host's hypervisor (/dev/kvm)"
	@echo "  debug           QEMU stopped at start, GDB attached (build/\$$ARCH/gdbinit:"
	@echo "                  symbols, breakpoints on the #DF entry and fault_report)"
	@echo "  run-bochs       boot in Bochs, running at once; Ctrl-C for its debugger;"
	@echo "                  a triple fault stops at the faulting instruction (RESET=1:"
	@echo "                  reset as real hardware does)"
	@echo "  debug-bochs     Bochs with kernel symbols, stopped just before the fault"
	@echo "                  (break=on), breakpoints on the #DF entry and fault_report;"
	@echo "                  WALK=name runs a walk-through from tools/bochs/ instead"
	@echo ""
	@echo "Targets for both arches:"
	@echo "  test            unit tests, tooling tests, lessons, labs + the boot matrix"
	@echo "                  on i386 and x86_64 on every engine (QEMU TCG, Bochs, KVM"
	@echo "                  where /dev/kvm opens), in groups side by side (one per"
	@echo "                  core); each group's wall and CPU time, then 'N passed, N failed'"
	@echo "  unit-test       only the host unit tests of the pure code"
	@echo "  bench           boot times against a minimal kernel, matrix and build"
	@echo "                  times, sizes; a table and build/bench.json"
	@echo "  conformance     every scenario on every engine beside what the manuals"
	@echo "                  require: build/conformance.md (README: the table)"
	@echo "  compile-commands  compile_commands.json for editors (clangd)"
	@echo "  grade           build both arches and grade the labs (LAB=n: one lab;"
	@echo "                  EMULATOR=qemu|bochs|kvm|both): GOOD/BAD per test, a score,"
	@echo "                  build/grade.json"
	@echo "  handout         LAB=n: the student tree of lab n, in build/handout/labN/"
	@echo "  grade-class     LAB=n SUBMISSIONS=dir: grade every submission in dir over a"
	@echo "                  pristine copy of this tree, one per CPU at a time: build/class/labN/"
	@echo "                  gradebook.csv and a JSON per student (GRADE_ARGS=\"--rev TAG\")"
	@echo "  gradescope      LAB=n: Gradescope's autograder, build/gradescope/labN.zip"
	@echo "  fuzz            libFuzzer on the pure C code, FUZZ_SECONDS per target (default 60)"
	@echo "  flake-check     the boot matrix 3 times (FLAKE_ARGS), listing changed results"
	@echo "  screenshots     PNGs of the real screens into lessons/screenshots/"
	@echo "  golden-update   rewrite tests/golden/ from the current build (shows the diff)"
	@echo "  setup           install what faultline needs (tools/setup --list: platforms)"
	@echo "  clean           remove build/"
	@echo ""
	@echo "Variables:"
	@echo "  ARCH=i386|x86_64              which back end to build"
	@echo "  SCENARIO=page_fault|stack_overflow|divide_error|breakpoint|invalid_opcode|"
	@echo "           general_protection, or one per vector: debug overflow bound_range"
	@echo "           device_not_available invalid_tss segment_not_present stack_segment"
	@echo "           x87_error simd_error; missing_gate null_call timer_irq nested_fault;"
	@echo "           from ring 3: user_page_fault user_privileged user_int"
	@echo "           user_int_allowed alignment_check bad_rsp0 (README)"
	@echo "  KARGS=\"handlers=all|df|none df=safe|stack exit=on break=on\""
	@echo "  WALK=i386-task-gate|x86_64-ist|triple-fault   (debug-bochs)"
	@echo "  ACCEL=tcg|kvm                  (run) QEMU's software CPU (default) or KVM"
	@echo "  LOOP=0|1                       (run) 1: reboots allowed, a triple fault resets"
	@echo "                                 the machine (the reset loop) back to the menu;"
	@echo "                                 default 1 without SCENARIO/KARGS, else 0"
	@echo "  EMULATOR=qemu|bochs|kvm|both   (grade) the engines a test must pass on"
	@echo "  RESET=1                        (run-bochs, debug-bochs)"
	@echo "  VIEW=auto|window|terminal|serial  (run, run-bochs, debug-bochs) where the"
	@echo "                                 screen goes; auto: a window if one opens"
	@echo "  TOOLCHAIN=gcc|clang            compiler and linker (default: gcc with GNU"
	@echo "                                 ld for x86 if here, else clang + ld.lld)"
	@echo "  BUILD_ROOT=build               where build/\$$ARCH/ goes (per toolchain, say)"
	@echo "  V=1                            print whole build commands"
	@echo "  FUZZ_SECONDS=60                (fuzz) seconds per target"
	@echo "  FLAKE_ARGS=\"-n 3\"              (flake-check) runs, --emulator, --filter"
	@echo "  BENCH_ARGS=\"--reps 5\"          (bench) --reps N, --skip-matrix"
	@echo "  LAB=1..6                       (handout, grade, grade-class, gradescope)"
	@echo "                                 lessons/labs/README.md"
	@echo "  HANDOUT_ARGS, GRADE_ARGS       (handout) --tar FILE, --git; (grade) --emulator,"
	@echo "                                 --group; (grade-class) --rev, --jobs, --out"
	@echo "  SUBMISSIONS=dir                (grade-class) one entry per student: directories,"
	@echo "                                 tarballs, zips, git repositories"
	@echo ""
	@echo "Headless, one scenario, JSON out:"
	@echo "  tools/run-scenario --arch x86_64 --scenario stack_overflow --kargs df=stack"
	@echo "  tools/run-scenario --arch i386 --emulator bochs --scenario page_fault"
	@echo "  tools/run-scenario --arch x86_64 --emulator kvm --scenario page_fault"

-include $(OBJS:.o=.d)
