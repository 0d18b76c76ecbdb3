"""Grading a class: pristine grading, Gradescope, GitHub Classroom, grade-class.

Lab 4 throughout (its host tests need no boot; its boots are few and fast).
A "solution" submission is the lab 4 handout with this tree's three lab 4
files; a "mutant" one has a wrong solution from lessons/labs/mutants/lab4/.

- A submission that rewrites the grader's lab 4 tests to pass everything
  (and the Makefile) still gets the mutant's score, with a note naming the
  ignored files; the same rewrite does fool the grader in its own tree.
- run_autograder, run against a directory laid out as Gradescope lays it
  out, writes a results.json with the documented fields for a passing and a
  failing submission.
- Every command-grader step of the lab 4 GitHub Classroom workflow exits 0
  on the solution and non-zero on a mutant.
- tools/grade-class grades a mixed directory (a directory, a mutant
  tarball, a git repository at a tag, a broken tarball, garbage instead of
  C, a tarball whose members climb out, a file whose compile hangs) into a
  gradebook with the right points.

Run alone: python3 -m unittest tests.test_classroom -v
"""

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import labs  # noqa: E402
from labs import mutants, pristine  # noqa: E402

LAB = 4
STUDENT = ("kernel/backtrace.c", "kernel/exceptions.c", "kernel/symbols.c")
MUTANT = "01-pf-present-swapped"      # wrong in the host tests and on both arches' screens
MUTANT_HOST_SCORE = 40                # its lab 4 host points (of 65)
MUTANT_SCORE = 90                     # its lab 4 points (of 125)
TIMEOUT = 600


def run(cmd, cwd=ROOT, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def mutant(name):
    return next(m for m in mutants.catalogue(LAB) if m.name == name)


def parse_workflow(text):
    """The subset of YAML the workflows use (block mappings and lists of
    mappings, plain and double-quoted scalars, flow lists): a dict."""
    lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]

    def scalar(v):
        v = v.strip()
        if v.startswith('"') and v.endswith('"'):
            return json.loads(v)
        if v.startswith("[") and v.endswith("]"):
            return [x.strip() for x in v[1:-1].split(",")]
        return v

    def block(i, indent):
        if lines[i].lstrip().startswith("- "):
            out = []
            while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) == indent \
                    and lines[i].lstrip().startswith("- "):
                lines[i] = lines[i].replace("- ", "  ", 1)
                item, i = block(i, indent + 2)
                out.append(item)
            return out, i
        out = {}
        while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) == indent:
            key, _, value = lines[i].strip().partition(":")
            i += 1
            if value.strip():
                out[key] = scalar(value)
            else:
                out[key], i = block(i, len(lines[i]) - len(lines[i].lstrip()))
        return out, i

    return block(0, 0)[0]


class Classroom(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="faultline-classroom-test-")
        cls.handout = os.path.join(cls.tmp, "handout")
        status, out = run([sys.executable, os.path.join(ROOT, "tools", "handout"), "--lab",
                           str(LAB), "--out", cls.handout])
        assert status == 0, out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def submission(self, name, mutant_name=None):
        """The handout with this tree's lab 4 files (and a mutant applied)."""
        dest = os.path.join(self.tmp, name)
        shutil.copytree(self.handout, dest)
        for rel in STUDENT:
            shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
        if mutant_name:
            mutants.apply(mutant(mutant_name), dest)
        return dest

    # ----------------------------------------------------------------------
    def test_student_files_come_from_the_markers(self):
        self.assertEqual(pristine.student_files(LAB), list(STUDENT))
        self.assertEqual(pristine.student_files(LAB, self.handout), list(STUDENT),
                         "a handout names the same files by its TODOs")
        for n in labs.numbers():
            allowed = set(pristine.student_files(n))
            for m in mutants.catalogue(n):
                for rel, _, _ in m.hunks:
                    self.assertIn(rel, allowed, "%r changes a file lab %d does not let a "
                                  "student change" % (m, n))

    def test_locate(self):
        wanted = ["arch/i386/idt.c", "arch/x86_64/idt.c", "kernel/escalation.c"]
        prefix, found = pristine.locate(
            ["faultline-lab1/arch/i386/idt.c", "faultline-lab1/arch/x86_64/idt.c",
             "faultline-lab1/Makefile", "escalation.c"], wanted)
        self.assertEqual(prefix, "faultline-lab1/")
        self.assertEqual(found, {"arch/i386/idt.c": "faultline-lab1/arch/i386/idt.c",
                                 "arch/x86_64/idt.c": "faultline-lab1/arch/x86_64/idt.c",
                                 "kernel/escalation.c": "escalation.c"})
        # idt.c alone is ambiguous (two arches): never guessed.
        self.assertEqual(pristine.locate(["idt.c"], wanted)[1], {})
        for bad in ("../x.c", "/etc/passwd", "a/../../b", "C:/x"):
            self.assertIsNone(pristine._safe_name(bad), bad)

    def test_a_rewritten_grader_is_ignored(self):
        """The mutant also rewrites the lab's tests to pass everything, and the
        Makefile: graded pristinely it gets the mutant's score all the same."""
        sub = self.submission("tampered", MUTANT)
        with open(os.path.join(sub, "tools", "labs", "lab4.py"), "a") as f:
            f.write("\n\n_tests = tests\n\n\ndef tests():\n    out = _tests()\n"
                    "    for t in out:\n        t.check = lambda *a: None\n    return out\n")
        with open(os.path.join(sub, "Makefile"), "a") as f:
            f.write("\n# the student was here\n")
        # In its own tree the rewrite fools the grader: full marks.
        status, out = run([sys.executable, "tools/grade", "--lab", "4", "--group", "host"],
                          cwd=sub)
        self.assertIn("lab4: 65/65 points", out)
        self.assertEqual(status, 0)
        # Pristinely, its true score and a note naming what was ignored.
        result = os.path.join(self.tmp, "tampered.json")
        status, out = run([sys.executable, "tools/grade", "--lab", "4", "--group", "host",
                           "--submission", sub, "--json", result])
        self.assertEqual(status, 1, out)
        with open(result) as f:
            doc = json.load(f)
        self.assertEqual((doc["score"], doc["max_score"]), (MUTANT_HOST_SCORE, 65), out)
        self.assertEqual(doc["ignored"], ["Makefile", "tools/labs/lab4.py"])
        self.assertEqual(doc["taken"], list(STUDENT))
        self.assertRegex(out, r"NOTE  ignored .*: Makefile, tools/labs/lab4\.py")
        self.assertTrue(any(mutant(MUTANT).hint.lower() in (t["hint"] or "").lower()
                            for t in doc["tests"]))

    # ----------------------------------------------------------------------
    def test_gradescope_run_autograder(self):
        """The zip laid out as Gradescope does (source/, submission/,
        results/, run_autograder at the root), graded twice."""
        zip_path = os.path.join(self.tmp, "lab4.zip")
        status, out = run([sys.executable, "tools/gradescope", "--lab", "4", "--out", zip_path])
        self.assertEqual(status, 0, out)
        root = os.path.join(self.tmp, "autograder")
        source = os.path.join(root, "source")
        with zipfile.ZipFile(zip_path) as z:
            names = z.namelist()
            for info in z.infolist():           # as unzip does: with the permission bits
                z.extract(info, source)
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(os.path.join(source, info.filename), stat.S_IMODE(mode))
        for needed in ("setup.sh", "run_autograder", "lab", "faultline/tools/grade",
                       "faultline/kernel/symbols.c"):
            self.assertIn(needed, names)
        shutil.copy2(os.path.join(source, "run_autograder"), root)   # Gradescope's image build
        env = dict(os.environ, AUTOGRADER_ROOT=root)
        if run(["tools/setup", "--check"])[0] == 0:     # setup.sh installs only what is missing
            status, out = run(["bash", os.path.join(source, "setup.sh")], env=env)
            self.assertEqual(status, 0, out)
        else:
            status, out = run(["bash", "-n", os.path.join(source, "setup.sh")])
            self.assertEqual(status, 0, out)

        for name, files_from, score, failed in (("solution", None, 125, 0),
                                                ("mutant", MUTANT, MUTANT_SCORE, None)):
            with self.subTest(name):
                sub = os.path.join(root, "submission")
                shutil.rmtree(sub, ignore_errors=True)
                shutil.rmtree(os.path.join(root, "results"), ignore_errors=True)
                os.makedirs(sub)
                tree = self.submission("gs-" + name, files_from)
                for rel in STUDENT:             # uploaded flat, as the upload page does
                    shutil.copy2(os.path.join(tree, rel), sub)
                status, out = run([os.path.join(root, "run_autograder")], cwd=root, env=env)
                self.assertEqual(status, 0, out)
                with open(os.path.join(root, "results", "results.json")) as f:
                    doc = json.load(f)
                self.check_results_json(doc, score, failed)

    def check_results_json(self, doc, score, failed):
        self.assertEqual(doc["score"], score)
        self.assertIsInstance(doc["execution_time"], int)
        self.assertIn("faultline lab 4", doc["output"])
        tests = doc["tests"]
        self.assertEqual(len(tests), len(labs.tests(LAB)))
        self.assertEqual(sum(t["max_score"] for t in tests), 125)
        self.assertEqual(sum(t["score"] for t in tests), score)
        for t in tests:
            self.assertTrue({"name", "score", "max_score", "status", "output",
                             "visibility"} <= set(t), t)
            self.assertIn(t["status"], ("passed", "failed"))
            self.assertIn(t["visibility"], ("visible", "hidden", "after_due_date",
                                            "after_published"))
            self.assertEqual(t["status"] == "passed", t["score"] == t["max_score"])
        bad = [t for t in tests if t["status"] == "failed"]
        if failed is not None:
            self.assertEqual(len(bad), failed)
        else:
            self.assertTrue(bad)
            self.assertTrue(any(mutant(MUTANT).hint.lower() in t["output"].lower()
                                for t in bad), [t["output"] for t in bad])
            self.assertTrue(all("lessons/09-reading-the-fault-screen/" in t["output"]
                                for t in bad))

    # ----------------------------------------------------------------------
    def test_github_classroom_workflow(self):
        status, out = run([sys.executable, "tools/github-classroom", "--check"])
        self.assertEqual(status, 0, out)
        with open(os.path.join(ROOT, "tools", "classroom", "lab4-autograding.yml")) as f:
            wf = parse_workflow(f.read())
        self.assertEqual(wf["name"], "Autograding Tests")          # the reporter needs both
        self.assertEqual(list(wf["jobs"]), ["run-autograding-tests"])
        steps = wf["jobs"]["run-autograding-tests"]["steps"]
        graders = [s for s in steps
                   if s.get("uses") == "classroom-resources/autograding-command-grader@v1"]
        reporter = steps[-1]
        self.assertEqual(reporter["uses"], "classroom-resources/autograding-grading-reporter@v1")
        ids = [s["id"] for s in graders]
        self.assertEqual(reporter["with"]["runners"], ",".join(ids))
        self.assertEqual(sorted(reporter["env"]), sorted(i.upper() + "_RESULTS" for i in ids))
        for s in graders:
            self.assertEqual(reporter["env"][s["id"].upper() + "_RESULTS"],
                             "${{steps.%s.outputs.result}}" % s["id"])
        self.assertEqual(sum(int(s["with"]["max-score"]) for s in graders), 125)
        self.assertEqual(len(graders), len(labs.groups(LAB)))

        good = self.submission("wf-solution")
        bad = self.submission("wf-mutant", MUTANT)
        for tree in (good, bad):            # the handout's builds, so make is incremental
            pristine.copy_builds(tree)
        for s in graders:
            cmd = s["with"]["command"]
            with self.subTest(cmd):
                self.assertGreaterEqual(int(s["with"]["timeout"]), 1)
                group = re.search(r"--group (\S+)", cmd).group(1)
                points = sum(t.points for t in labs.tests(LAB) if t.arch == group)
                self.assertEqual(int(s["with"]["max-score"]), points)
                status, out = run(["bash", "-c", cmd], cwd=good)
                self.assertEqual(status, 0, out)
                status, out = run(["bash", "-c", cmd], cwd=bad)
                self.assertNotEqual(status, 0, out)
                self.assertIn(mutant(MUTANT).hint, out)

    # ----------------------------------------------------------------------
    def test_grade_class_mixed_directory(self):
        subs = os.path.join(self.tmp, "class")
        os.makedirs(subs)
        # alice: a directory, the solution.
        shutil.move(self.submission("alice"), os.path.join(subs, "alice"))
        # bob: a tarball of a mutant, the tree inside faultline-lab4/.
        with tarfile.open(os.path.join(subs, "bob.tgz"), "w:gz") as tar:
            tar.add(self.submission("bob", MUTANT), arcname="faultline-lab4")
        # carol: a git repository; the tag is the solution, a later commit breaks it.
        carol = self.submission("carol-repo")
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", carol]
        for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "lab 4"],
                    ["tag", "lab4-final"]):
            self.assertEqual(run(git + cmd)[0], 0)
        with open(os.path.join(carol, "kernel", "symbols.c"), "w") as f:
            f.write("this is not C\n")
        self.assertEqual(run(git + ["commit", "-qam", "after the deadline"])[0], 0)
        shutil.move(carol, os.path.join(subs, "carol"))
        # dave: a tarball that does not unpack.
        with open(os.path.join(subs, "dave.tar.gz"), "wb") as f:
            f.write(b"\x1f\x8b" + os.urandom(3000))
        # erin: bytes, not C, in every lab 4 file.
        erin = self.submission("erin")
        for rel in STUDENT:
            with open(os.path.join(erin, rel), "wb") as f:
                f.write(os.urandom(4000))
        shutil.move(erin, os.path.join(subs, "erin"))
        # frank: the solution in a tarball whose other members climb out.
        frank = self.submission("frank")
        escape = os.path.join(self.tmp, "escaped.c")
        with tarfile.open(os.path.join(subs, "frank.tar"), "w") as tar:
            tar.add(frank, arcname="frank")
            for name in ("../../" + os.path.relpath(escape, "/"), escape, "frank/../../x.c"):
                info = tarfile.TarInfo(name)
                info.size = 3
                tar.addfile(info, fileobj=__import__("io").BytesIO(b"bad"))
            link = tarfile.TarInfo("frank/kernel/link.c")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(link)
        # gina: kernel/exceptions.c includes a FIFO: its host compiles never end.
        gina = self.submission("gina")
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        with open(os.path.join(gina, "kernel", "exceptions.c"), "a") as f:
            f.write('\n#include "%s"\n' % fifo)
        shutil.move(gina, os.path.join(subs, "gina"))

        out_dir = os.path.join(self.tmp, "grades")
        env = dict(os.environ, FAULTLINE_COMPILE_TIMEOUT="4")
        status, out = run([sys.executable, "tools/grade-class", "--lab", "4", subs, "--group",
                           "host", "--rev", "lab4-final", "--jobs", "2", "--out", out_dir],
                          env=env)
        self.assertEqual(status, 1, out)            # dave could not be graded
        self.assertEqual(len(re.findall(r"^\[\d/7\] ", out, re.M)), 7, out)
        self.assertFalse(os.path.exists(escape))
        with open(os.path.join(out_dir, "gradebook.csv"), newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        host_tests = [t.label for t in labs.tests(LAB) if t.arch == "host"]
        self.assertEqual(header, ["student", "lab", "points", "max"] + host_tests + ["notes"])
        got = {r[0]: (int(r[2]), int(r[3])) for r in rows[1:]}
        self.assertEqual(got, {"alice": (65, 65), "bob": (MUTANT_HOST_SCORE, 65),
                               "carol": (65, 65), "dave": (0, 65), "erin": (0, 65),
                               "frank": (65, 65), "gina": (30, 65)}, out)
        notes = {r[0]: r[-1] for r in rows[1:]}
        self.assertIn("does not unpack", notes["dave"])
        self.assertIn("refused", notes["frank"])
        self.assertEqual(notes["alice"], "")
        for row in rows[1:]:            # the test columns add up to the points
            self.assertEqual(sum(int(x) for x in row[4:-1]), int(row[2]))
        with open(os.path.join(out_dir, "gina.json")) as f:
            gina_doc = json.load(f)
        self.assertTrue(any("did not finish within 4 s" in (t["hint"] or "")
                            for t in gina_doc["tests"]), gina_doc["tests"])
        with open(os.path.join(out_dir, "erin.json")) as f:
            erin_doc = json.load(f)
        self.assertTrue(all("does not build on the host" in t["hint"]
                            for t in erin_doc["tests"]))


if __name__ == "__main__":
    unittest.main()
