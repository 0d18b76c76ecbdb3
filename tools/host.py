"""host - what the host is, and which of its tools work on x86 files.

faultline's kernel is x86 (i386 and x86_64), but the machine that builds,
boots and debugs it need not be: students run it on ARM64 laptops (Linux
and macOS) and under WSL2 as well as on x86 Linux. A host's own tools are
then the wrong ones in quiet ways: gcc and GNU ld on ARM make ARM code,
an ARM host's gdb cannot debug an x86 guest, and its /dev/kvm runs only
ARM guests. Every such question is asked here, once, so no tool guesses
from its own corner.

    host.is_x86()           is this host's CPU x86 (platform.machine())?
    host.gnu_x86_toolchain()   gcc targets x86 and GNU ld links elf_i386
                            (the Makefile's test for TOOLCHAIN=gcc)
    host.nm_tool(), host.size_tool()   an nm / size for the kernel's ELF
    host.x86_linker()       ld (GNU, x86) or ld.lld, for tools/bench
    host.gdb_tool()         a GDB that knows x86, or None

Python 3 standard library only.
"""

import os
import platform
import re
import shutil
import subprocess
from functools import lru_cache

# platform.machine() on x86: Linux and macOS say x86_64 or i686, the BSDs
# and Windows amd64 or x86. ARM64 says aarch64 (Linux) or arm64 (macOS).
X86_MACHINES = ("x86_64", "amd64", "x64", "i386", "i486", "i586", "i686", "x86")

# GDBs that may know x86, in order: a host gdb (on x86 it does), Debian's
# gdb-multiarch, and Homebrew's cross GDBs (macOS has no x86 gdb of its own).
GDB_CANDIDATES = ("gdb", "gdb-multiarch", "x86_64-elf-gdb", "i386-elf-gdb")


def is_x86(machine=None):
    """True when machine (default: this host's) is an x86 CPU."""
    if machine is None:
        machine = platform.machine()
    return machine.lower() in X86_MACHINES


def _output(cmd):
    """cmd's standard output, or "" when it cannot run."""
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


@lru_cache(maxsize=None)
def gnu_x86_toolchain():
    """gcc makes x86 code and GNU ld links elf_i386: the Makefile picks
    TOOLCHAIN=gcc only then. On ARM both exist and make ARM code; on macOS
    "gcc" is Apple's clang and ld is Apple's Mach-O linker."""
    return bool(re.match(r"(x86_64|i[3-6]86)", _output(["gcc", "-dumpmachine"]))
                and "elf_i386" in _output(["ld", "-V"]))


def binutil(name, env_var=None):
    """The program to run for binutils tool `name` (nm, size) on the kernel's
    ELF: $env_var, else GNU's where the gcc toolchain is the default (as the
    Makefile does), else llvm-NAME, else NAME. None when none is installed.
    (macOS's own nm and size are for Mach-O.)"""
    gnu, llvm = name, "llvm-" + name
    order = (gnu, llvm) if gnu_x86_toolchain() else (llvm, gnu)
    for tool in ((os.environ.get(env_var) if env_var else None),) + order:
        if tool and shutil.which(tool):
            return tool
    return None


def nm_tool():
    return binutil("nm", "NM")


def size_tool():
    return binutil("size", "SIZE")


def x86_linker():
    """"ld" where GNU ld links elf_i386, else "ld.lld" (any host), else None."""
    if gnu_x86_toolchain():
        return "ld"
    return "ld.lld" if shutil.which("ld.lld") else None


def gdb_knows_x86(gdb):
    """True when this GDB accepts x86-64 as its architecture (an ARM host's
    gdb answers 'Undefined item: "i386:x86-64".')."""
    out = _output([gdb, "-nx", "-batch", "-ex", "set architecture i386:x86-64"])
    return '"i386:x86-64"' in out and "Undefined" not in out


@lru_cache(maxsize=None)
def gdb_tool():
    """$GDB, else the first of GDB_CANDIDATES that is installed and knows
    x86; None when there is none."""
    wanted = os.environ.get("GDB")
    for gdb in ((wanted,) if wanted else GDB_CANDIDATES):
        if shutil.which(gdb) and gdb_knows_x86(gdb):
            return gdb
    return None


def gdb_missing():
    """One line for a host with no x86 GDB: what to install."""
    if os.environ.get("GDB"):
        return "GDB=%s is not installed or does not know x86" % os.environ["GDB"]
    return ("no GDB that knows x86 (tried %s): on x86 Linux install gdb, on ARM Linux "
            "gdb-multiarch, on macOS x86_64-elf-gdb (tools/setup)" % ", ".join(GDB_CANDIDATES))
