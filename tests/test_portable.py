"""Nothing in the build, the tools or the tests may assume the host is x86
Linux (issue 13): students run faultline on ARM64 Linux, on macOS (BSD
userland, bash 3.2 as /bin/bash) and under WSL2. What a test can tell here,
on one Debian x86 host, it tells by faking the host in-process (the KVM
engine on an ARM CPU, on macOS), by putting fake tools first on PATH (an
ARM host's gdb, Apple's clang without libFuzzer), and by reading the host
scripts for the GNU-only and bash-4-only forms that work here and break
there (the lint below)."""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import engines  # noqa: E402
import host  # noqa: E402
from engines import kvm  # noqa: E402


def fake_tool(bindir, name, script):
    """A shell script called name in bindir."""
    path = os.path.join(bindir, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class KvmOnOtherHosts(unittest.TestCase):
    """On an ARM64 host /dev/kvm opens and answers KVM_GET_API_VERSION, but it
    runs ARM guests: the engine must say it is unavailable, and why, before
    it ever tries the device."""

    def unavailable(self, system="Linux", machine="x86_64"):
        engine = kvm.Kvm()          # a fresh one: ENGINE caches the device's answer
        with mock.patch("platform.system", return_value=system), \
                mock.patch("platform.machine", return_value=machine), \
                mock.patch.object(kvm, "device_problem", return_value=None) as device:
            return engine.unavailable(), device.called

    def test_arm64_linux_is_refused_with_the_reason(self):
        why, tried_device = self.unavailable(machine="aarch64")
        self.assertIn("aarch64", why)
        self.assertIn("not x86", why)
        self.assertIn("--emulator qemu", why)
        self.assertTrue(why.startswith("KVM: "), why)
        self.assertEqual(len(why.splitlines()), 1)
        self.assertFalse(tried_device, "the device was opened on an ARM host")

    def test_macos_is_refused_on_either_cpu(self):
        for machine in ("arm64", "x86_64"):
            with self.subTest(machine=machine):
                why, tried_device = self.unavailable(system="Darwin", machine=machine)
                self.assertIn("Darwin", why)
                self.assertFalse(tried_device)

    def test_x86_linux_goes_on_to_the_device(self):
        for machine in ("x86_64", "i686", "amd64"):
            with self.subTest(machine=machine):
                why, tried_device = self.unavailable(machine=machine)
                self.assertIsNone(why)
                self.assertTrue(tried_device)

    def test_the_engine_everyone_uses_asks_the_host(self):
        # boot_matrix, run-scenario, run-qemu --accel kvm and the grader all
        # ask engines.get("kvm").unavailable().
        with mock.patch("platform.machine", return_value="aarch64"):
            self.assertIn("not x86", engines.get("kvm").unavailable())
            with self.assertRaises(engines.base.ToolError):
                engines.get("kvm").check("x86_64")


class HostTools(unittest.TestCase):
    """Which nm, size, linker and GDB the tools use on a host that is not x86."""

    def setUp(self):
        host.gdb_tool.cache_clear()
        host.gnu_x86_toolchain.cache_clear()
        self.addCleanup(host.gdb_tool.cache_clear)
        self.addCleanup(host.gnu_x86_toolchain.cache_clear)
        self.bindir = tempfile.mkdtemp(prefix="faultline-host-")
        self.addCleanup(shutil.rmtree, self.bindir, True)

    def test_machine_names(self):
        for m in ("x86_64", "AMD64", "i386", "i686"):
            self.assertTrue(host.is_x86(m), m)
        for m in ("aarch64", "arm64", "armv7l", "riscv64", "ppc64le"):
            self.assertFalse(host.is_x86(m), m)

    def test_an_arm_hosts_gdb_is_passed_over(self):
        # Debian arm64: gdb is ARM-only, gdb-multiarch knows x86.
        fake_tool(self.bindir, "gdb", 'echo \'Undefined item: "i386:x86-64".\'; exit 1\n')
        fake_tool(self.bindir, "gdb-multiarch",
                  'echo \'The target architecture is set to "i386:x86-64".\'\n')
        with mock.patch.dict(os.environ, {"PATH": self.bindir}):
            os.environ.pop("GDB", None)
            self.assertEqual(host.gdb_tool(), "gdb-multiarch")

    def test_no_x86_gdb_is_none_and_says_what_to_install(self):
        fake_tool(self.bindir, "gdb", 'echo \'Undefined item: "i386:x86-64".\'; exit 1\n')
        with mock.patch.dict(os.environ, {"PATH": self.bindir}):
            os.environ.pop("GDB", None)
            self.assertIsNone(host.gdb_tool())
            self.assertIn("gdb-multiarch", host.gdb_missing())

    def test_without_gnu_x86_binutils_the_llvm_ones(self):
        # An ARM host's gcc makes ARM code: the Makefile picks clang there,
        # and the tools read the ELF with llvm-nm, llvm-size and ld.lld.
        fake_tool(self.bindir, "gcc", "echo aarch64-linux-gnu\n")
        fake_tool(self.bindir, "ld", "echo 'GNU ld'; echo '  Supported emulations:'; "
                                     "echo '   aarch64linux'\n")
        for tool in ("nm", "llvm-nm", "size", "llvm-size", "ld.lld"):
            fake_tool(self.bindir, tool, "exit 0\n")
        with mock.patch.dict(os.environ, {"PATH": self.bindir}):
            os.environ.pop("NM", None)
            os.environ.pop("SIZE", None)
            self.assertFalse(host.gnu_x86_toolchain())
            self.assertEqual(host.nm_tool(), "llvm-nm")
            self.assertEqual(host.size_tool(), "llvm-size")
            self.assertEqual(host.x86_linker(), "ld.lld")
            os.environ["NM"] = "nm"
            self.assertEqual(host.nm_tool(), "nm")


if __name__ == "__main__":
    unittest.main()
