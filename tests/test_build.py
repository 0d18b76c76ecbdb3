"""Tests of the build's promises: clear errors for a bad ARCH, images in the
formats the loaders need, a valid multiboot header, a GRUB config that boots
at once when asked to. Run after both arches are built (make test does)."""
import os
import re
import struct
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import faultline_scenarios  # noqa: E402
import grub_iso  # noqa: E402
import host  # noqa: E402  (the nm that reads x86 ELF on this host)
MULTIBOOT_MAGIC = 0x1BADB002


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def elf_class(path):
    with open(path, "rb") as f:
        head = f.read(5)
    assert head[:4] == b"\x7fELF", path
    return {1: 32, 2: 64}[head[4]]


class MakefileArch(unittest.TestCase):
    def test_wrong_arch_is_one_clear_line(self):
        p = make("ARCH=arm64", "kernel")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ARCH=arm64 is not supported: use ARCH=i386 or ARCH=x86_64", p.stdout)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1, p.stdout)

    def test_missing_arch_names_the_valid_values(self):
        p = make("kernel")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ARCH is not set: use ARCH=i386 or ARCH=x86_64", p.stdout)

    def test_run_without_arch_is_refused(self):
        p = make("run")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ARCH is not set", p.stdout)

    def test_help_lists_every_target(self):
        p = make("help")
        self.assertEqual(p.returncode, 0)
        with open(os.path.join(ROOT, "Makefile")) as f:
            makefile = f.read()
        phony = re.search(r"(?m)^\.PHONY:((?:.*\\\n)*.*)$", makefile).group(1)
        targets = set(phony.replace("\\", " ").split()) - {"help"}
        self.assertGreater(len(targets), 15)
        for target in sorted(targets):
            self.assertRegex(p.stdout, r"(?m)^  %s\b" % re.escape(target), target)

    def test_help_lists_every_scenario(self):
        # make help is where a student looks for SCENARIO= values: a scenario
        # added to the kernel must be named there too.
        p = make("help")
        self.assertEqual(p.returncode, 0)
        start = p.stdout.index("\n  SCENARIO=")
        section = p.stdout[start:p.stdout.index("KARGS=", start)]
        words = set(re.findall(r"[a-z0-9_]+", section))
        for name in sorted(faultline_scenarios.SCENARIOS):
            self.assertIn(name, words, "make help's SCENARIO= list lacks %s" % name)


class Images(unittest.TestCase):
    def path(self, arch, name):
        p = os.path.join(ROOT, "build", arch, name)
        if not os.path.exists(p):
            self.fail("%s missing: run make ARCH=%s first" % (p, arch))
        return p

    def test_elf_classes(self):
        self.assertEqual(elf_class(self.path("i386", "faultline.elf")), 32)
        self.assertEqual(elf_class(self.path("x86_64", "faultline.elf")), 64)
        # QEMU -kernel refuses ELF64: the relabelled copy must be ELF32.
        self.assertEqual(elf_class(self.path("x86_64", "faultline-qemu.elf")), 32)

    def test_multiboot_header_in_first_8k(self):
        for arch in ("i386", "x86_64"):
            with open(self.path(arch, "faultline.elf"), "rb") as f:
                data = f.read(8192)
            for off in range(0, len(data) - 12, 4):
                magic, flags, checksum = struct.unpack_from("<III", data, off)
                if magic == MULTIBOOT_MAGIC:
                    self.assertEqual((magic + flags + checksum) & 0xFFFFFFFF, 0, arch)
                    break
            else:
                self.fail("%s: no multiboot header in the first 8 KiB" % arch)

    def test_symbols_kept_for_tests_and_debuggers(self):
        nm = host.nm_tool()
        for arch in ("i386", "x86_64"):
            out = subprocess.run([nm, self.path(arch, "faultline.elf")],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout
            for sym in ("kmain", "fault_report", "recurse", "scenario_page_fault",
                        "kernel_stack"):
                self.assertRegex(out, r"(?m) %s$" % sym, arch)
        out = subprocess.run([nm, self.path("i386", "faultline.elf")],
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        self.assertRegex(out, r"(?m) (df_task_entry|double_fault_task)$")

    def test_iso_is_small(self):
        why = grub_iso.bios_grub_missing()
        if why:
            self.skipTest(why)      # make all said so, and built the kernels only
        for arch in ("i386", "x86_64"):
            size = os.path.getsize(self.path(arch, "faultline.iso"))
            self.assertLess(size, 1 << 20, "%s ISO is %d bytes" % (arch, size))


class GrubConfig(unittest.TestCase):
    def cfg(self, *args):
        return subprocess.run([os.path.join(ROOT, "tools", "mkgrubcfg"), *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def test_boot_mode_starts_at_once(self):
        p = self.cfg("--arch", "i386", "--boot", "scenario=page_fault handlers=none")
        self.assertEqual(p.returncode, 0)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "set timeout=0")
        self.assertIn("  multiboot /boot/faultline.elf scenario=page_fault handlers=none", lines)

    def test_menu_offers_every_scenario(self):
        p = self.cfg("--arch", "x86_64")
        for s in ("page_fault", "stack_overflow", "divide_error", "breakpoint",
                  "invalid_opcode", "general_protection"):
            self.assertIn("scenario=" + s, p.stdout)
        self.assertIn("IST1", p.stdout)

    def test_bad_arch_rejected(self):
        p = self.cfg("--arch", "arm")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--arch must be i386 or x86_64", p.stderr)


if __name__ == "__main__":
    unittest.main()


# What a host with only the LLVM toolchain has: no gcc, no GNU ld, no GNU
# binutils, no gcc-multilib (an ARM laptop, macOS).
LLVM_ONLY = ("clang", "ld.lld", "llvm-objcopy", "llvm-nm", "nasm", "make", "python3",
             "env", "sh", "bash", "mkdir", "rm", "cp", "mv", "cat", "cmp", "grep", "sed",
             "tr", "sort", "uname", "dirname", "basename", "true", "echo", "test", "awk")


class Toolchains(unittest.TestCase):
    """Both toolchains build both arches with -Werror; the clang one with
    GNU ld, gcc and gcc-multilib hidden from PATH, chosen automatically."""

    def test_clang_and_lld_alone(self):
        import shutil
        import tempfile
        work = tempfile.mkdtemp(prefix="faultline-llvm-")
        try:
            bindir = os.path.join(work, "bin")
            os.makedirs(bindir)
            for tool in LLVM_ONLY:
                path = shutil.which(tool)
                if path is None:
                    self.skipTest("%s is not installed" % tool)
                os.symlink(path, os.path.join(bindir, tool))
            env = dict(os.environ, PATH=bindir)
            for hidden in ("gcc", "cc", "ld", "objcopy", "nm", "as"):
                self.assertIsNone(shutil.which(hidden, path=bindir), hidden)
            for arch in ("i386", "x86_64"):
                p = subprocess.run(["make", "--no-print-directory", "ARCH=" + arch,
                                    "BUILD_ROOT=" + os.path.join(work, "build"), "V=1",
                                    "kernel"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
                self.assertEqual(p.returncode, 0, p.stdout[-3000:])
                self.assertIn("clang", p.stdout)
                self.assertIn("ld.lld", p.stdout)
                self.assertIn("-Werror", p.stdout)
                elf = os.path.join(work, "build", arch, "faultline.elf")
                self.assertEqual(elf_class(elf), 32 if arch == "i386" else 64)
            self.assertEqual(elf_class(os.path.join(work, "build", "x86_64",
                                                    "faultline-qemu.elf")), 32)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_i386_kernel_has_what_64_bit_division_calls(self):
        # A lab solution may divide a uint64_t on i386: each compiler turns
        # that into calls (__udivdi3 ...) that arch/i386/divide64.c must
        # define, since the kernel links no libgcc. Compile such code with
        # each toolchain here and look the calls up in the i386 kernel.
        import shutil
        import tempfile
        code = ("typedef unsigned long long u64; typedef long long s64;\n"
                "u64 uq(u64 a, u64 b) { return a / b; }\n"
                "u64 ur(u64 a, u64 b) { return a % b; }\n"
                "s64 sq(s64 a, s64 b) { return a / b; }\n"
                "s64 sr(s64 a, s64 b) { return a % b; }\n")
        compilers = [c for c in (["gcc", "-m32"], ["clang", "--target=i686-elf"])
                     if shutil.which(c[0])]
        if not compilers:
            self.skipTest("neither gcc nor clang is installed")
        nm = shutil.which("nm") or shutil.which("llvm-nm")
        kernel = subprocess.run([nm, os.path.join(ROOT, "build", "i386", "faultline.elf")],
                                stdout=subprocess.PIPE, text=True, check=True).stdout
        defined = {line.split()[-1] for line in kernel.splitlines()
                   if len(line.split()) == 3 and line.split()[1] == "T"}
        with tempfile.TemporaryDirectory() as d:
            src, obj = os.path.join(d, "div.c"), os.path.join(d, "div.o")
            with open(src, "w") as f:
                f.write(code)
            for cc in compilers:
                subprocess.run(cc + ["-O2", "-ffreestanding", "-fno-pic", "-c", src, "-o", obj],
                               check=True)
                out = subprocess.run([nm, "-u", obj], stdout=subprocess.PIPE, text=True,
                                     check=True).stdout
                calls = {line.split()[-1] for line in out.splitlines() if line.strip()}
                self.assertTrue(calls, "%s divided 64 bits with no call?" % cc[0])
                self.assertEqual(calls - defined, set(), cc[0])

    def test_unknown_toolchain_is_one_clear_line(self):
        p = make("ARCH=i386", "TOOLCHAIN=msvc", "kernel")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("TOOLCHAIN=msvc is not supported: use TOOLCHAIN=gcc or TOOLCHAIN=clang",
                      p.stdout)
