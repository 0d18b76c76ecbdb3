"""grub_iso - a minimal BIOS GRUB ISO that boots one kernel with one command
line (run-scenario --boot iso --kernel FILE). The build's own ISOs come from
the Makefile; both carry the same module list, tools/grub-modules.

Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess

from engines.base import ToolError

# Found as the Makefile finds them: Debian and Arch call the tool
# grub-mkrescue, Fedora grub2-mkrescue; the BIOS modules are in one of these.
MKRESCUE_NAMES = ("grub-mkrescue", "grub2-mkrescue")
PLATFORM_DIRS = ("/usr/lib/grub/i386-pc", "/usr/share/grub/i386-pc")
_GRUB_PLAIN_WORD = re.compile(r"^[A-Za-z0-9_=.,:/+@%-]+$")


def grub_quote(word):
    """Quote one word for grub.cfg so GRUB passes it through unchanged."""
    if _GRUB_PLAIN_WORD.match(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline, kernel_path="/boot/faultline.elf"):
    args = " ".join(grub_quote(w) for w in cmdline.split())
    line = "multiboot %s%s" % (kernel_path, (" " + args) if args else "")
    return ("set timeout=0\n"
            "set default=0\n"
            "menuentry \"faultline\" {\n"
            "\t%s\n"
            "\tboot\n"
            "}\n" % line)


def grub_modules():
    """The GRUB modules the ISOs carry: one list, shared with the Makefile."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grub-modules")) as f:
        return " ".join(f.read().split())


def mkrescue():
    """grub-mkrescue or grub2-mkrescue, whichever is installed; or None."""
    for name in MKRESCUE_NAMES:
        if shutil.which(name):
            return name
    return None


def platform_dir():
    """The BIOS (i386-pc) GRUB modules' directory, or None. ARM hosts and
    macOS have none packaged: only QEMU's -kernel boots work there."""
    for d in PLATFORM_DIRS:
        if os.path.isdir(d):
            return d
    return None


def bios_grub_missing():
    """None where the build makes its GRUB ISOs (as the Makefile decides:
    grub-mkrescue, the i386-pc modules, xorriso), else one line saying what
    is missing. ARM hosts and macOS have no BIOS GRUB packaged."""
    missing = [what for what, have in (("grub-mkrescue", mkrescue()),
                                       ("the i386-pc modules", platform_dir()),
                                       ("xorriso", shutil.which("xorriso"))) if not have]
    if not missing:
        return None
    return ("this host has no BIOS GRUB (%s), so the build makes no ISOs "
            "(tools/setup says what to install)" % ", ".join(missing))


def check_tools():
    """ToolError naming the first thing grub-mkrescue needs and is missing."""
    if mkrescue() is None:
        raise ToolError("grub-mkrescue not found (needed for --boot iso): run tools/setup")
    for tool in ("xorriso", "mformat"):
        if shutil.which(tool) is None:
            raise ToolError("%s not found (needed for --boot iso): run tools/setup" % tool)
    if platform_dir() is None:
        raise ToolError("no BIOS GRUB modules (%s; needed for --boot iso): run tools/setup "
                        "(there are none for ARM hosts and macOS: use --boot kernel)"
                        % " or ".join(PLATFORM_DIRS))


def mkrescue_command(iso, root):
    """The grub-mkrescue argv that makes iso from the directory root."""
    return [mkrescue(), "-o", iso, root, "--install-modules=" + grub_modules(),
            "--fonts=", "--locales=", "--themes=", "-d", platform_dir()]


def make_iso(elf, cmdline, workdir):
    """Build a minimal GRUB ISO in workdir that boots elf with cmdline.

    Returns the ISO's path; raises ToolError when grub-mkrescue fails.
    """
    root = os.path.join(workdir, "iso")
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copyfile(elf, os.path.join(root, "boot", "faultline.elf"))
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(grub_cfg(cmdline))
    iso = os.path.join(workdir, "faultline.iso")
    check_tools()
    proc = subprocess.run(mkrescue_command(iso, root), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    if proc.returncode != 0 or not os.path.exists(iso):
        tail = proc.stdout.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise ToolError("grub-mkrescue failed (status %d): %s"
                        % (proc.returncode, " | ".join(tail)))
    return iso
