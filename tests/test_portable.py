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
import grub_iso  # noqa: E402
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


class NoBiosGrub(unittest.TestCase):
    """ARM64 hosts and macOS have no BIOS GRUB packaged: make all builds the
    kernels and no ISOs. What needs an ISO (Bochs, the QEMU GRUB boots) is
    skipped in one line each, and the -kernel boots still run."""

    def test_what_is_missing_is_named(self):
        with mock.patch.object(grub_iso, "mkrescue", return_value=None), \
                mock.patch.object(grub_iso, "platform_dir", return_value=None):
            why = grub_iso.bios_grub_missing()
        self.assertIn("grub-mkrescue", why)
        self.assertIn("i386-pc", why)
        self.assertEqual(len(why.splitlines()), 1)

    def test_bochs_is_unavailable_and_the_matrix_skips_the_iso_boots(self):
        sys.path.insert(0, os.path.join(ROOT, "tests"))
        import boot_matrix as bm
        why = "this host has no BIOS GRUB (test)"
        with mock.patch.object(grub_iso, "bios_grub_missing", return_value=why):
            self.assertIn(why, engines.get("bochs").unavailable())
            skipped = []
            column = bm.build_cases(["i386", "x86_64"], "qemu", None, skipped)
            kept = bm.without_iso_cases(column, "qemu", grub_iso.bios_grub_missing(), skipped)
        self.assertTrue(any(c.boot == "iso" for c in column))
        self.assertFalse(any(c.boot == "iso" for c in kept))
        self.assertEqual(len(kept), len([c for c in column if c.boot != "iso"]))
        self.assertEqual(len(skipped), 1)
        self.assertRegex(skipped[0], r"^SKIP qemu: \d+ GRUB ISO cases not booted: .*\(test\)")
        # With GRUB, nothing changes.
        self.assertIs(bm.without_iso_cases(column, "qemu", None, []), column)


class GitWorktree(unittest.TestCase):
    """In a git worktree (or submodule) .git is a file naming the real git
    directory. tools/handout took the tree for one without git and copied
    that file: the handout then was the developer's repository, and
    `handout --git` committed the handout onto the developer's branch."""

    def test_handout_lists_no_git_file(self):
        import importlib.machinery
        import importlib.util
        if shutil.which("git") is None:
            self.skipTest("git is not installed")
        work = tempfile.mkdtemp(prefix="faultline-wt-")
        self.addCleanup(shutil.rmtree, work, True)
        repo, tree = os.path.join(work, "repo"), os.path.join(work, "tree")
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        os.makedirs(repo)
        with open(os.path.join(repo, "a.c"), "w") as f:
            f.write("int a;\n")
        for cmd in (["git", "init", "-q"], ["git", "add", "a.c"], ["git", "commit", "-qm", "a"],
                    ["git", "worktree", "add", "-q", tree]):
            subprocess.run(cmd, cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.assertTrue(os.path.isfile(os.path.join(tree, ".git")))
        loader = importlib.machinery.SourceFileLoader(
            "handout_for_test", os.path.join(ROOT, "tools", "handout"))
        spec = importlib.util.spec_from_loader(loader.name, loader)
        handout = importlib.util.module_from_spec(spec)
        loader.exec_module(handout)
        self.assertEqual(handout.tree_files(tree), ["a.c"])


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


class KargsFloppy(unittest.TestCase):
    """tools/mkkargs pads with dd (macOS has no truncate) and counts bytes,
    not characters, whatever the locale."""

    def test_one_sector_then_zeros(self):
        work = tempfile.mkdtemp(prefix="faultline-kargs-")
        self.addCleanup(shutil.rmtree, work, True)
        img = os.path.join(work, "kargs.img")
        args = "scenario=page_fault note=\u00e9'x"
        env = dict(os.environ, LC_ALL="C.UTF-8")
        subprocess.run([os.path.join(ROOT, "tools", "mkkargs"), img, args], env=env, check=True)
        with open(img, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 1474560)
        line = ("set kargs='%s'\n" % args.replace("'", "'\\''")).encode("utf-8")
        self.assertEqual(data[:len(line)], line)
        self.assertEqual(data[len(line):512], b"\n" * (512 - len(line)))
        self.assertEqual(data[512:], bytes(len(data) - 512))


class FuzzWithoutLibFuzzer(unittest.TestCase):
    """Apple's clang has no libFuzzer runtime: on macOS make fuzz (and make
    test's fuzz step) is one SKIP line, not a failure. On Linux a missing
    runtime is a missing package, and still fails, in one line."""

    def run_sh(self, host_os):
        bindir = tempfile.mkdtemp(prefix="faultline-fuzz-")
        self.addCleanup(shutil.rmtree, bindir, True)
        clang = fake_tool(bindir, "clang",
                          'case " $* " in *fsanitize=fuzzer*) echo "ld: library not found for '
                          '-lclang_rt.fuzzer_osx" >&2; exit 1 ;; esac; exit 0\n')
        env = dict(os.environ, CLANG=clang, FAULTLINE_HOST_OS=host_os,
                   FUZZ_OUT=os.path.join(bindir, "out"))
        p = subprocess.run([os.path.join(ROOT, "tests", "fuzz", "run.sh"), "1"], cwd=ROOT,
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        return p.returncode, p.stdout.strip().splitlines()

    def test_macos_skips_in_one_line(self):
        status, lines = self.run_sh("Darwin")
        self.assertEqual(status, 0, lines)
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^SKIP fuzz: .* has no libFuzzer runtime")
        self.assertEqual(lines[1], "0 passed, 0 failed")

    def test_linux_fails_naming_the_package(self):
        status, lines = self.run_sh("Linux")
        self.assertEqual(status, 1, lines)
        self.assertRegex(lines[0], r"^FAIL fuzz: .*libclang-rt-dev")
        self.assertEqual(lines[-1], "0 passed, 3 failed")


# ---------------------------------------------------------------------------
# The lint: host shell scripts (and the Makefiles' recipes) in forms that
# GNU userland and bash 5 accept and macOS's BSD userland and /bin/bash 3.2
# do not. A line may keep one where it is justified: `# portable: why` on
# the line itself or on the line before.
# ---------------------------------------------------------------------------

# (what, regex, the portable way). Matched against code with comments removed.
GNU_ONLY = (
    ("sed -i without a suffix", r"\bsed\b(?:\s+-[A-Za-z]+)*\s+-[A-Za-z]*i(?:\s|$)",
     "BSD sed takes the next word as the backup suffix: sed -i.bak, or a temporary file"),
    ("sed -r", r"\bsed\b[^|;&]*\s-[A-Za-z]*r\b", "sed -E"),
    ("GNU BRE \\+ \\? \\| in sed", r"\bsed\b.*\\[+?|]", "sed -E with + ? |"),
    ("grep -P", r"\bgrep\b[^|;&]*\s-[A-Za-z]*P", "grep -E; BSD grep has no Perl regexps"),
    ("readlink -f", r"\breadlink\s+(?:-\w+\s+)*-\w*f", "cd \"$(dirname ...)\" && pwd -P, or Python"),
    ("stat -c", r"\bstat\s+(?:-c|--format|--printf)", "wc -c < file, or Python os.stat"),
    ("date -d or %N", r"\bdate\b[^|;&]*(?:\s-d\s|\s--date|%N)", "Python, or date +%s alone"),
    ("mktemp -p/--tmpdir/--suffix", r"\bmktemp\b[^|;&]*\s(?:-p\b|--tmpdir|--suffix)",
     "mktemp -d \"${TMPDIR:-/tmp}/name.XXXXXX\""),
    ("xargs -r", r"\bxargs\b[^|;&]*\s(?:-r\b|--no-run-if-empty)", "test for empty input first"),
    ("find -printf", r"\bfind\b[^|;&]*\s-printf\b", "find ... -exec, or Python"),
    ("cp --parents", r"\bcp\b[^|;&]*--parents", "mkdir -p, then cp"),
    ("timeout", r"(?<![\w=.$/-])timeout\s+-?[\dA-Za-z-]",
     "no timeout(1) on macOS (coreutils' is gtimeout): bound it in Python"),
    ("nproc", r"(?<![\w-])nproc\b", "getconf _NPROCESSORS_ONLN, or Python os.cpu_count()"),
    ("head with a negative count", r"\bhead\s+(?:-\w+\s+)*-[nc]\s*-\d", "sed '$d', or awk"),
    ("du -b", r"\bdu\b[^|;&]*\s-[A-Za-z]*b", "wc -c"),
    ("sort -V", r"\bsort\b[^|;&]*\s-[A-Za-z]*V", "sort -t. -k1,1n -k2,2n"),
    ("base64 -w", r"\bbase64\b[^|;&]*\s-w", "base64 | tr -d '\\n'"),
    ("tac", r"(?<![\w.-])tac\b(?![\w.-])", "tail -r is BSD's, sed -n '1!G;h;$p' both"),
    ("truncate", r"(?<![\w.-])truncate\s", "macOS has no truncate: dd ... seek=SIZE count=0"),
    ("stty -F", r"\bstty\s+-F", "stty ... < DEVICE (BSD's is -f)"),
    ("echo -e", r"\becho\s+-e\b", "printf"),
    ("/proc", r"/proc/", "Linux only: give a fallback, and say so with # portable:"),
)

# Features of bash 4 and later; macOS's /bin/bash is 3.2.
BASH4 = (
    ("declare -A/-n/-g", r"\b(?:declare|typeset|local)\s+-[A-Za-z]*[Ang]\b", "bash 4"),
    ("mapfile/readarray", r"\b(?:mapfile|readarray)\b", "a while read loop"),
    ("${v,,} / ${v^^}", r"\$\{[#!]?\w+(?:\[[^]]*\])?(?:,|\^)", "tr '[:upper:]' '[:lower:]'"),
    ("|&", r"\|&", "2>&1 |"),
    ("&>>", r"&>>", ">>file 2>&1"),
    ("negative array index", r"\$\{\w+\[-\d+\]\}", "${a[${#a[@]}-1]}"),
    ("coproc", r"\bcoproc\b", "bash 4"),
    ("globstar", r"\bglobstar\b", "find"),
    ("${v@Q} transformations", r"\$\{\w+@[QEPAaUuLK]\}", "printf %q"),
    ("wait -n", r"\bwait\s+-n\b", "bash 4.3"),
    ("test -v", r"(?:\[\[|\btest|\[)\s+-v\s", "[ -n \"${v+set}\" ]"),
    ("case fall-through ;& ;;&", r";;&|\s;&\s*$", "bash 4"),
    ("bash 5 variables", r"\$\{?(?:EPOCHSECONDS|EPOCHREALTIME|SRANDOM|BASH_ARGV0)\b", "date +%s"),
    ("brace expansion with a step", r"\{-?\d+\.\.-?\d+\.\.-?\d+\}", "a while loop"),
    ("printf %(...)T", r"%\([^)]*\)T", "date"),
)

# Under set -u, bash before 4.4 calls an empty array unbound: "${a[@]}"
# stops the script. ${a[@]+"${a[@]}"} is the form every bash accepts.
GUARDED_ARRAY = re.compile(r'\$\{(\w+)\[([@*])\]\+"\$\{\1\[\2\]\}"\}')
ARRAY_EXPANSION = re.compile(r"\$\{(\w+)\[[@*]\]\}")
SET_U = re.compile(r"(?m)^\s*set\s+(?:-[A-Za-z]*u|-o\s+nounset)")
# "# portable: never empty: a b (why)": arrays a script always fills before use.
NEVER_EMPTY = re.compile(r"#\s*portable:\s*never empty:\s*([\w ]+)")
ALLOW = re.compile(r"#\s*portable:\s*\S")


def host_shell_scripts():
    """Every file that the host runs with sh or bash: by its #! line."""
    found = []
    for top in ("tools", "tests", ".ci"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "corpus", "golden")]
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    with open(path, encoding="utf-8") as f:
                        first = f.readline()
                except (OSError, UnicodeDecodeError):
                    continue
                if re.match(r"#!.*\b(?:ba)?sh\b", first):
                    found.append(path)
    return sorted(found)


def makefiles():
    return [os.path.join(ROOT, "Makefile"), os.path.join(ROOT, "tests", "unit", "Makefile.inc")]


def strip_comment(line):
    """The code of a shell line: a # that starts a word starts a comment
    ('$#' and '${#a[@]}' do not)."""
    return re.sub(r"(?:^|\s)#.*$", "", line)


def shell_lines(path):
    """(number, code, allowed) of each line the shell runs. For a Makefile,
    only recipe lines and $(shell ...) calls are shell."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    is_make = os.path.basename(path) in ("Makefile", "Makefile.inc")
    out = []
    for i, line in enumerate(lines):
        allowed = bool(ALLOW.search(line) or (i and ALLOW.search(lines[i - 1])))
        if is_make:
            if line.startswith("\t"):
                code = line
            elif "$(shell" in line:
                code = line[line.index("$(shell"):]
            else:
                continue
            code = re.sub(r"(?:^|\s)#.*$", "", code)
        else:
            code = strip_comment(line)
        out.append((i + 1, code, allowed))
    return out


def lint(path, rules, arrays=False):
    """["file:line: what (the portable way)"] for each rule broken in path."""
    rel = os.path.relpath(path, ROOT)
    problems = []
    set_u = False
    never_empty = set()
    if arrays:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        set_u = bool(SET_U.search(text))
        for m in NEVER_EMPTY.finditer(text):
            never_empty.update(m.group(1).split())
    for number, code, allowed in shell_lines(path):
        if allowed:
            continue
        for what, rx, instead in rules:
            if re.search(rx, code):
                problems.append("%s:%d: %s (instead: %s): %s" % (rel, number, what, instead,
                                                                   code.strip()))
        if set_u:
            rest = GUARDED_ARRAY.sub("", code)
            for m in ARRAY_EXPANSION.finditer(rest):
                if m.group(1) in never_empty:
                    continue
                problems.append('%s:%d: "${%s[@]}" under set -u: an error when empty in bash '
                                '< 4.4 (instead: ${%s[@]+"${%s[@]}"}, or "# portable: never '
                                'empty: %s" where it cannot be): %s'
                                % (rel, number, m.group(1), m.group(1), m.group(1), m.group(1),
                                   code.strip()))
    return problems


class ShellLint(unittest.TestCase):
    def test_it_finds_the_host_scripts(self):
        names = {os.path.relpath(p, ROOT) for p in host_shell_scripts()}
        for script in ("tools/setup", "tools/run-qemu", "tools/run-bochs", "tools/mkkargs",
                       "tools/mkgrubcfg", "tools/bochs-screen", "tests/fuzz/run.sh", ".ci/run"):
            self.assertIn(script, names)

    def test_no_gnu_only_userland(self):
        problems = []
        for path in host_shell_scripts() + makefiles():
            problems += lint(path, GNU_ONLY)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_no_bash_4_in_scripts(self):
        problems = []
        for path in host_shell_scripts():
            problems += lint(path, BASH4, arrays=True)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_the_lint_catches_what_it_should(self):
        # Each rule, on a line that breaks it: the lint is not vacuous.
        samples = {
            "sed -i without a suffix": "sed -i 's/a/b/' f",
            "sed -r": "sed -r 's/a+/b/' f",
            "GNU BRE \\+ \\? \\| in sed": r"sed 's/a\+/b/' f",
            "grep -P": "grep -oP '\\d+' f",
            "readlink -f": 'here=$(readlink -f "$0")',
            "stat -c": "stat -c %s f",
            "date -d or %N": "date +%s%N",
            "mktemp -p/--tmpdir/--suffix": "mktemp -p /tmp",
            "xargs -r": "find . | xargs -r rm",
            "find -printf": "find . -printf '%p'",
            "cp --parents": "cp --parents a/b c",
            "timeout": "timeout 5 qemu-system-i386",
            "nproc": "make -j$(nproc)",
            "head with a negative count": "head -n -1 f",
            "du -b": "du -sb f",
            "sort -V": "sort -V f",
            "base64 -w": "base64 -w0 f",
            "tac": "tac f",
            "truncate": "truncate -s 1M f",
            "stty -F": "stty -F /dev/pts/1 raw",
            "echo -e": "echo -e 'a\\tb'",
            "/proc": "cat /proc/cpuinfo",
            "declare -A/-n/-g": "declare -A seen",
            "mapfile/readarray": "mapfile -t lines < f",
            "${v,,} / ${v^^}": 'x=${name,,}',
            "|&": "make |& tee log",
            "&>>": "make &>> log",
            "negative array index": 'last=${a[-1]}',
            "coproc": "coproc cat",
            "globstar": "shopt -s globstar",
            "${v@Q} transformations": 'echo ${v@Q}',
            "wait -n": "wait -n",
            "test -v": "[[ -v name ]]",
            "case fall-through ;& ;;&": "  a) x ;;&",
            "bash 5 variables": "echo $EPOCHSECONDS",
            "brace expansion with a step": "echo {1..9..2}",
            "printf %(...)T": "printf '%(%s)T'",
        }
        rules = {what: rx for what, rx, _ in GNU_ONLY + BASH4}
        self.assertEqual(sorted(samples), sorted(rules))
        for what, line in samples.items():
            self.assertRegex(line, rules[what], what)
        # ... and passes the portable forms.
        for line in ("sed -i.bak 's/a/b/' f", "sed -E 's/a+/b/' f", "grep -E 'a|b' f",
                     "set timeout=0", 'echo "${#line}"', "[ $# -eq 2 ]",
                     "stty raw -echo < \"$pty\"", "dd if=/dev/null of=f bs=1 seek=9 count=0"):
            for what, rx in rules.items():
                self.assertNotRegex(strip_comment(line), rx, (what, line))

    def test_the_array_rule(self):
        work = tempfile.mkdtemp(prefix="faultline-lint-")
        self.addCleanup(shutil.rmtree, work, True)
        path = os.path.join(work, "s")
        with open(path, "w") as f:
            f.write('#!/usr/bin/env bash\nset -eu\na=()\necho "${a[@]}"\n'
                    'echo ${a[@]+"${a[@]}"}\necho "${#a[@]}"\n'
                    'echo "${b[*]}"  # portable: b is never empty\n'
                    '# portable: never empty: c d (filled above)\necho "${c[@]}" "${d[*]}"\n'
                    'echo "${e[@]}"\n')
        problems = lint(path, BASH4, arrays=True)
        self.assertEqual([p.split(":")[1] for p in problems], ["4", "10"], problems)


if __name__ == "__main__":
    unittest.main()
