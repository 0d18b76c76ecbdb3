"""labs/pristine.py - grade a submission against a pristine tree.

A student hands in a whole tree (a directory, a tarball, a zip, a git
repository at a tag or branch) or just their files. The grader trusts it
for exactly the files its lab lets a student change, student_files(lab):
the files of the instructor's tree that hold that lab's solution markers
(`LAB n BEGIN:`, or `TODO (lab n):` in a tree that is itself a handout;
tools/handout's markers). Those files are laid over a copy of the
instructor's tree (the one this grader belongs to) and that copy is graded
by its own, pristine tools/grade, the way Pintos grades against pristine
tests. Everything else the submission holds (the grader, the tests, the
expected outcomes, the Makefile) is ignored, and the result says which of
its files differed from the handout and were ignored.

Nothing a submission holds can stop the grading: a tarball that does not
unpack, a path that climbs out (`../x`, `/etc/x`), a link, a file that is
not C, a build that hangs (every build, compile and boot is bounded) all
end in a result with 0 points for what could not run and a note saying
why. Files are read from the archive or git objects, never unpacked or
checked out: a member's name only selects which student file it is.

    from labs import pristine
    pristine.student_files(4)            # ['kernel/backtrace.c', ...]
    doc = pristine.grade_submission(4, "alice.tgz", student="alice")
    doc["score"], doc["max_score"], doc["ignored"], doc["notes"]

Python 3 standard library only.
"""

import hashlib
import importlib.util
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from importlib.machinery import SourceFileLoader

from . import checks
from . import lab as lab_info
from . import tests as lab_tests

ROOT = checks.ROOT
ARCHES = ("i386", "x86_64")
MARKED_SUFFIXES = (".c", ".h", ".asm", ".inc")
MAX_FILE = 1 << 20              # a student's source file larger than this is not read
GRADE_TIMEOUT = float(os.environ.get("FAULTLINE_SUBMISSION_TIMEOUT") or 900)
SKIP_DIRS = (".git", "build", "__pycache__", "__MACOSX")
NOTE_NAMES = 12                 # names listed in a note before "and N more"


class SubmissionError(Exception):
    """The submission cannot be read at all (not a tarball, no such revision)."""


# --------------------------------------------------------------------------
# What a student may change
# --------------------------------------------------------------------------

def _marker(lab):
    return re.compile(r"^\s*(/\*|;) (LAB %d BEGIN:|TODO \(lab %d\):)" % (lab, lab), re.M)


def tree_files(root=ROOT):
    """The tree's files, relative: those git knows of (tracked, and new but
    not ignored) where root is a git work tree, else every file but build/,
    .git and caches (an unpacked Gradescope zip has no git)."""
    if os.path.exists(os.path.join(root, ".git")) and shutil.which("git"):
        proc = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                               "--exclude-standard"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        if proc.returncode == 0:
            return sorted(n for n in proc.stdout.decode("utf-8").split("\0")
                          if n and os.path.isfile(os.path.join(root, n)))
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames
                if not f.endswith((".pyc", "~", ".swp"))]
    return sorted(out)


def student_files(lab, root=ROOT):
    """The files lab lets a student change: those of the tree at root that
    hold its solution markers (or, in a handout, its TODOs)."""
    marker = _marker(lab)
    out = []
    for rel in tree_files(root):
        if not rel.endswith(MARKED_SUFFIXES):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                if marker.search(f.read()):
                    out.append(rel)
        except OSError:
            continue
    return out


# --------------------------------------------------------------------------
# Reading a submission: names and bytes, never unpacked
# --------------------------------------------------------------------------

def _safe_name(name):
    """The member name as a clean relative path, or None when it is absolute
    or climbs out (../), which no student file can be."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _skipped(rel):
    parts = rel.split("/")
    return (any(p in SKIP_DIRS for p in parts[:-1]) or parts[-1] in (".git", ".DS_Store")
            or parts[-1].endswith((".pyc", "~", ".swp")))


class Source:
    """A submission's files: names (relative, '/'), read(name) -> bytes, and
    what was refused while listing them (unsafe: links, climbing names)."""

    kind = "?"

    def __init__(self, path):
        self.path = path
        self.unsafe = []
        self.files = {}             # clean name -> whatever read() needs

    def names(self):
        return sorted(self.files)

    def read(self, name):
        raise NotImplementedError


class DirSource(Source):
    kind = "directory"

    def __init__(self, path):
        super().__init__(path)
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS
                           and not os.path.islink(os.path.join(dirpath, d))]
            for f in filenames:
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                if _skipped(rel):
                    continue
                if os.path.islink(full) or not os.path.isfile(full):
                    self.unsafe.append(rel + " (a link or special file)")
                    continue
                self.files[rel] = full

    def read(self, name):
        with open(self.files[name], "rb") as f:
            return f.read(MAX_FILE + 1)


class ArchiveSource(Source):
    """A tarball or a zip: members read one at a time, under a lock (the
    class grader's threads share nothing else)."""

    def __init__(self, path):
        super().__init__(path)
        self.lock = threading.Lock()

    def read(self, name):
        with self.lock:
            try:
                with self.open_member(name) as f:
                    return f.read(MAX_FILE + 1)
            except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError,
                    RuntimeError) as exc:
                raise SubmissionError("%s: %s" % (name, exc))


class TarSource(ArchiveSource):
    kind = "tarball"

    def __init__(self, path):
        super().__init__(path)
        try:
            self.tar = tarfile.open(path)
            members = self.tar.getmembers()
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise SubmissionError("the tarball %s does not unpack: %s"
                                  % (os.path.basename(path), " ".join(str(exc).split())[:160]))
        for m in members:
            if m.isdir():
                continue
            rel = _safe_name(m.name)
            if rel is None:
                self.unsafe.append(m.name + " (outside the tree)")
            elif not m.isfile():
                self.unsafe.append(m.name + " (a link or special file)")
            elif not _skipped(rel):
                self.files[rel] = m

    def open_member(self, name):
        return self.tar.extractfile(self.files[name])


class ZipSource(ArchiveSource):
    kind = "zip"

    def __init__(self, path):
        super().__init__(path)
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SubmissionError("the zip %s does not open: %s" % (os.path.basename(path), exc))
        for info in infos:
            if info.is_dir():
                continue
            rel = _safe_name(info.filename)
            if rel is None:
                self.unsafe.append(info.filename + " (outside the tree)")
            elif (info.external_attr >> 16) & 0o170000 == 0o120000:
                self.unsafe.append(info.filename + " (a link)")
            elif not _skipped(rel):
                self.files[rel] = info

    def open_member(self, name):
        return self.zip.open(self.files[name])


class GitSource(Source):
    """A repository at a revision (a tag, a branch, a commit): its blobs,
    read with git cat-file; the work tree is never looked at."""
    kind = "git"

    def __init__(self, path, rev):
        super().__init__(path)
        self.rev = rev
        proc = subprocess.run(["git", "-C", path, "ls-tree", "-r", "-z", "--full-tree", rev],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60)
        if proc.returncode != 0:
            raise SubmissionError("no revision %r in the repository %s: %s" % (
                rev, os.path.basename(path.rstrip("/")),
                proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]))
        for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
            if not entry:
                continue
            meta, name = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if _skipped(name):
                continue
            if kind != "blob" or mode not in ("100644", "100755"):
                self.unsafe.append(name + " (a link or submodule)")
            else:
                self.files[name] = sha

    def read(self, name):
        proc = subprocess.run(["git", "-C", self.path, "cat-file", "blob", self.files[name]],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60)
        return proc.stdout[:MAX_FILE + 1]


TARBALLS = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")


def open_submission(path, rev=None):
    """A Source for path: a git repository at rev (when rev is given), a
    directory, a tarball or a zip. SubmissionError when it cannot be read."""
    if rev:
        if not os.path.isdir(path):
            raise SubmissionError("%s is not a git repository (--rev %s)" % (path, rev))
        return GitSource(path, rev)
    if os.path.isdir(path):
        return DirSource(path)
    if not os.path.isfile(path):
        raise SubmissionError("no such submission: %s" % path)
    if path.endswith(".zip"):
        return ZipSource(path)
    if path.endswith(TARBALLS) or tarfile.is_tarfile(path):
        return TarSource(path)
    raise SubmissionError("%s is not a directory, a tarball (%s) or a zip"
                          % (os.path.basename(path), ", ".join(TARBALLS)))


def locate(names, wanted):
    """(prefix, {student file: name in the submission}). The prefix is the
    directory the tree sits in (faultline-lab4/, or none), the one holding
    most student files at their paths; a student file not found there is
    taken by its file name alone when that is unambiguous (files uploaded
    flat, as Gradescope's upload page does)."""
    names = set(names)
    counts = {}
    for n in names:
        for w in wanted:
            if n == w or n.endswith("/" + w):
                prefix = n[:len(n) - len(w)]
                counts[prefix] = counts.get(prefix, 0) + 1
    prefix = max(counts, key=lambda p: (counts[p], -len(p))) if counts else ""
    found = {w: prefix + w for w in wanted if prefix + w in names}
    bases = [posixpath.basename(w) for w in wanted]
    for w in wanted:
        base = posixpath.basename(w)
        if w in found or bases.count(base) != 1:
            continue
        same = [n for n in names if posixpath.basename(n) == base]
        if len(same) == 1:
            found[w] = same[0]
    return prefix, found


# --------------------------------------------------------------------------
# What the handout held: to say which other files a submission changed
# --------------------------------------------------------------------------

_handouts = {}
_handouts_lock = threading.Lock()


def _load_handout_tool():
    path = os.path.join(ROOT, "tools", "handout")
    loader = SourceFileLoader("faultline_handout_tool", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def handout_digests(lab):
    """{file: sha256} of lab's handout as tools/handout makes it from this
    tree, made once per process; None when it cannot be made here (the
    tree is a handout itself)."""
    with _handouts_lock:
        if lab not in _handouts:
            tmp = tempfile.mkdtemp(prefix="faultline-pristine-handout-")
            try:
                tool = _load_handout_tool()
                out = os.path.join(tmp, "h")
                saved, sys.stderr = sys.stderr, io.StringIO()     # its redaction notes
                try:
                    tool.make_handout(lab, out, root=ROOT, quiet=True)
                finally:
                    sys.stderr = saved
                digests = {}
                for rel in tree_files(out):
                    with open(os.path.join(out, rel), "rb") as f:
                        digests[rel.replace(os.sep, "/")] = hashlib.sha256(f.read()).hexdigest()
                _handouts[lab] = digests
            except Exception:       # noqa: BLE001  a handout tree, a marker problem: no comparison
                _handouts[lab] = None
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return _handouts[lab]


def ignored_files(source, prefix, taken, lab):
    """The submission's files, other than the student files taken, that
    differ from the handout or are not in it: graded with the instructor's
    copy instead. (Without a handout to compare: every other file.)"""
    digests = handout_digests(lab)
    used = set(taken.values())
    out = []
    for name in source.names():
        if name in used:
            continue
        rel = name[len(prefix):] if name.startswith(prefix) else name
        if digests is not None and rel in digests:
            try:
                data = source.read(name)
            except SubmissionError:
                data = b""
            if hashlib.sha256(data).hexdigest() == digests[rel]:
                continue
        out.append(rel)
    return out


def _names(items):
    items = list(items)
    shown = ", ".join(items[:NOTE_NAMES])
    if len(items) > NOTE_NAMES:
        shown += " and %d more" % (len(items) - NOTE_NAMES)
    return shown


# --------------------------------------------------------------------------
# The pristine copy, and grading it
# --------------------------------------------------------------------------

def copy_pristine(dest, root=ROOT):
    """The instructor's tree into dest, and its arch builds (mtimes kept, so
    make rebuilds only what the submission brought)."""
    for rel in tree_files(root):
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), target)
    copy_builds(dest, root)


def copy_builds(dest, root=ROOT):
    """root's build/i386 and build/x86_64 into dest (mtimes kept: make is
    incremental there), file by file. A file that goes away meanwhile is
    skipped: make test runs other groups at the same time, and make run,
    run-bochs and run-qemu rewrite their logs and run.iso in build/<arch>/."""
    for arch in ARCHES:
        src = os.path.join(root, "build", arch)
        for dirpath, _dirnames, filenames in os.walk(src):
            out = os.path.join(dest, "build", arch, os.path.relpath(dirpath, src))
            os.makedirs(out, exist_ok=True)
            for name in filenames:
                try:
                    shutil.copy2(os.path.join(dirpath, name), os.path.join(out, name),
                                 follow_symlinks=False)
                except FileNotFoundError:
                    pass


def lay_over(source, lab, dest, root=ROOT):
    """Write the submission's student files over the copy at dest (a student
    file it lacks is removed: what needs it cannot build). Returns a dict:
    taken, missing, ignored, unsafe, notes."""
    wanted = student_files(lab, root)
    prefix, found = locate(source.names(), wanted)
    out = {"taken": [], "missing": [], "notes": [], "unsafe": list(source.unsafe)}
    for w in wanted:
        target = os.path.join(dest, w)
        data = None
        if w in found:
            try:
                data = source.read(found[w])
            except SubmissionError as exc:
                out["notes"].append("%s could not be read: %s" % (w, exc))
            if data is not None and len(data) > MAX_FILE:
                out["notes"].append("%s is larger than %d bytes: not read" % (w, MAX_FILE))
                data = None
        if data is None:
            out["missing"].append(w)
            if os.path.exists(target):
                os.remove(target)
            continue
        with open(target, "wb") as f:
            f.write(data)
        out["taken"].append(w)
        if found[w] != prefix + w:
            out["notes"].append("%s taken from %s" % (w, found[w]))
    out["ignored"] = ignored_files(source, prefix, found, lab)
    if out["missing"]:
        out["notes"].append("missing from the submission (what needs them scores 0): %s"
                            % _names(out["missing"]))
    if out["ignored"]:
        out["notes"].append("ignored (lab %d grades only %s; these were graded with the "
                            "instructor's copy): %s" % (lab, ", ".join(wanted),
                                                        _names(out["ignored"])))
    if out["unsafe"]:
        out["notes"].append("refused (never read): %s" % _names(out["unsafe"]))
    return out


def blank_result(lab, groups, why):
    """Every test of the lab (groups) at 0, each saying why it did not run."""
    tests = [t for t in lab_tests(lab) if not groups or t.arch in groups]
    return [{"name": t.label, "points": 0, "max": t.points, "status": "BAD", "hint": why}
            for t in tests]


def grade_copy(tree, lab, groups=(), emulator="qemu", jobs=None, timeout=GRADE_TIMEOUT):
    """Run the copy's own (pristine) tools/grade on it, bounded. Returns
    (tests, None) or (None, why it gave no result)."""
    result = os.path.join(tree, "build", "submission-grade.json")
    cmd = [sys.executable, os.path.join(tree, "tools", "grade"), "--lab", str(lab),
           "--emulator", emulator, "--json", result]
    for g in groups:
        cmd += ["--group", g]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    status, text = checks.run_bounded(cmd, timeout, cwd=tree)
    if status is None:
        return None, "the grading did not finish within %g s (stopped)" % timeout
    try:
        with open(result) as f:
            doc = json.load(f)
        return doc["labs"][str(lab)]["tests"], None
    except (OSError, ValueError, KeyError) as exc:
        tail = " | ".join(text.strip().splitlines()[-3:])
        return None, "the grader gave no result (%s): %s" % (exc, tail)


def grade_submission(lab, path, rev=None, student=None, groups=(), emulator="qemu",
                     jobs=None, timeout=GRADE_TIMEOUT, keep=None):
    """Grade the submission at path (rev: a git revision) for lab, pristinely.
    Never raises for anything the submission holds. Returns a dict: student,
    lab, title, score, max_score, tests (name, points, max, status, hint),
    taken, missing, ignored, notes, seconds, submission."""
    start = time.monotonic()
    doc = {"student": student or submission_name(path), "lab": lab,
           "title": lab_info(lab)["title"], "submission": path, "rev": rev,
           "groups": list(groups), "taken": [], "missing": [], "ignored": [], "notes": []}
    work = keep or tempfile.mkdtemp(prefix="faultline-submission-")
    tree = os.path.join(work, "tree")
    tests, why = None, None
    try:
        source = open_submission(path, rev)
        copy_pristine(tree)
        laid = lay_over(source, lab, tree)
        for key in ("taken", "missing", "ignored", "notes"):
            doc[key] = laid[key]
        if not laid["taken"]:
            why = "none of lab %d's files (%s) is in the submission" % (
                lab, ", ".join(student_files(lab)))
        else:
            tests, why = grade_copy(tree, lab, groups, emulator, jobs, timeout)
    except SubmissionError as exc:
        why = str(exc)
    except (OSError, subprocess.SubprocessError, UnicodeError) as exc:
        why = "the submission could not be prepared: %s" % exc
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    if tests is None:
        tests = blank_result(lab, groups, why)
        doc["notes"].insert(0, "not graded: %s" % why)
    doc["tests"] = tests
    doc["score"] = sum(t["points"] for t in tests)
    doc["max_score"] = sum(t["max"] for t in tests)
    doc["seconds"] = round(time.monotonic() - start, 1)
    return doc


def submission_name(path):
    base = os.path.basename(os.path.normpath(path))
    for ext in TARBALLS + (".zip",):
        if base.endswith(ext):
            return base[:-len(ext)]
    return base


# --------------------------------------------------------------------------
# Gradescope's results.json
# --------------------------------------------------------------------------

def gradescope_results(doc, visibility="visible"):
    """The result in Gradescope's results.json format: a test per check with
    name, score, max_score, status ("passed"/"failed"), output (the hint) and
    visibility; score, execution_time and output (the notes) at the top.
    The format: https://gradescope-autograders.readthedocs.io/en/latest/specs/
    ("Output format"); visibility is one of visible, hidden, after_due_date,
    after_published."""
    tests = []
    for n, t in enumerate(doc["tests"], 1):
        good = t["status"] == "GOOD"
        output = "GOOD" if good else "%s: %s" % (t["status"], t.get("hint") or "")
        tests.append({"name": t["name"], "number": str(n), "score": t["points"],
                      "max_score": t["max"], "status": "passed" if good else "failed",
                      "output": output, "visibility": visibility})
    lines = ["faultline lab %d (%s): %d/%d points" % (doc["lab"], doc["title"], doc["score"],
                                                        doc["max_score"])]
    lines += doc["notes"]
    return {"score": doc["score"], "execution_time": int(round(doc.get("seconds", 0))),
            "output": "\n".join(lines), "visibility": visibility,
            "stdout_visibility": "hidden", "tests": tests}
