"""tools/setup on every platform it knows: the platform it detects (hosts
faked with FAULTLINE_OS_RELEASE or --platform), the packages it would
install for the same capabilities, and clear answers for hosts it does not
know. Only this machine's own platform is really installed from (CI does)."""

import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP = os.path.join(ROOT, "tools", "setup")

# A package (or one of several) per capability, for each platform.
CAPABILITIES = {
    "assembler": ("nasm",),
    "emulator": ("qemu-system-x86", "qemu"),
    "debugger": ("gdb", "gdb-multiarch", "x86_64-elf-gdb"),
    "clang and ld.lld": ("lld",),
    "git": ("git",),
    "ISO tools": ("xorriso", "libisoburn"),
}


def setup(*args, os_release=None):
    env = dict(os.environ)
    if os_release is not None:
        f = tempfile.NamedTemporaryFile("w", delete=False)
        with f:
            f.write(os_release)
        env["FAULTLINE_OS_RELEASE"] = f.name
    p = subprocess.run(["bash", SETUP] + list(args), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    if os_release is not None:
        os.unlink(f.name)
    return p.returncode, p.stdout


class Setup(unittest.TestCase):
    def test_every_platform_lists_the_same_capabilities(self):
        for platform in ("debian", "ubuntu-22.04", "ubuntu-24.04", "fedora", "arch", "macos"):
            with self.subTest(platform=platform):
                status, out = setup("--platform", platform, "--list")
                self.assertEqual(status, 0, out)
                self.assertIn("setup: platform %s" % platform, out)
                packages = [l for l in out.splitlines() if not l.startswith("setup:")]
                for what, names in CAPABILITIES.items():
                    self.assertTrue(any(n in packages for n in names), (what, packages))

    def test_every_platform_on_arm64_too(self):
        for platform in ("debian", "ubuntu-22.04", "ubuntu-24.04", "fedora", "arch", "macos"):
            with self.subTest(platform=platform):
                status, out = setup("--platform", platform, "--machine", "aarch64", "--list")
                self.assertEqual(status, 0, out)
                self.assertIn("host CPU aarch64", out)
                packages = [l for l in out.splitlines() if not l.startswith("setup:")]
                for what, names in CAPABILITIES.items():
                    self.assertTrue(any(n in packages for n in names), (what, packages))

    def test_debian_on_arm64_has_no_bios_grub_and_an_x86_gdb(self):
        # grub-pc-bin is built for amd64 and i386 only: asking apt for it on
        # arm64 would fail the whole install. The host gdb there is ARM's.
        status, out = setup("--platform", "debian", "--machine", "aarch64", "--list")
        packages = [l for l in out.splitlines() if not l.startswith("setup:")]
        self.assertNotIn("grub-pc-bin", packages)
        self.assertNotIn("gdb", packages)
        self.assertIn("gdb-multiarch", packages)
        self.assertIn("no BIOS GRUB package", out)
        status, out = setup("--platform", "debian", "--machine", "x86_64", "--list")
        packages = [l for l in out.splitlines() if not l.startswith("setup:")]
        self.assertIn("grub-pc-bin", packages)
        self.assertIn("gdb", packages)
        self.assertNotIn("host CPU", out)

    def test_detects_from_os_release(self):
        for text, want in (('ID=debian\nVERSION_ID="12"\n', "debian"),
                           ('ID=ubuntu\nVERSION_ID="22.04"\n', "ubuntu-22.04"),
                           ('ID=ubuntu\nVERSION_ID="24.04"\n', "ubuntu-24.04"),
                           ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "ubuntu-24.04"),
                           ('ID=fedora\nVERSION_ID=40\n', "fedora"),
                           ('ID=arch\n', "arch")):
            with self.subTest(want=want):
                status, out = setup("--list", os_release=text)
                self.assertEqual(status, 0, out)
                self.assertIn("setup: platform %s," % want, out)

    def test_what_a_platform_lacks_is_said(self):
        self.assertIn("Bochs is not in Arch's repositories", setup("--platform", "arch",
                                                                   "--list")[1])
        self.assertIn("QEMU -kernel boots do not", setup("--platform", "macos", "--list")[1])

    def test_unknown_host_and_bad_options(self):
        status, out = setup("--list", os_release="ID=gentoo\n")
        self.assertEqual(status, 1)
        self.assertIn("not one faultline knows how to set up (unknown:gentoo)", out)
        self.assertIn("docker build", out)
        status, out = setup("--bogus")
        self.assertEqual(status, 2)
        self.assertIn("unknown option '--bogus'", out)
        status, out = setup("--machine")
        self.assertEqual(status, 2)
        self.assertIn("--machine needs a CPU name", out)

    def test_faked_platform_without_its_tools(self):
        # --check for a platform whose package tool this host lacks says so.
        for platform, tool in (("arch", "pacman"), ("fedora", "rpm"), ("macos", "brew")):
            if shutil.which(tool):
                continue
            with self.subTest(platform=platform):
                status, out = setup("--platform", platform, "--check")
                self.assertEqual(status, 1, out)
                self.assertIn("%s not found: is this really %s?" % (tool, platform), out)
                self.assertIn("the packages it needs:", out)

    def test_this_host_checks(self):
        status, out = setup("--check")
        self.assertIn(status, (0, 1), out)
        self.assertRegex(out, r"setup: platform \S+, packages by ")
