"""The classroom labs (lessons/labs/): the proof that every handout works.

For every lab n, `tools/handout --lab n` makes a tree that builds on both
arches, in which `tools/grade --lab n` scores below full marks with at least
one BAD (and exits non-zero), and in which no line of lab n's solution
appears anywhere. On this tree, `tools/grade` scores full marks on every lab.
Also: the marker parser on small texts, --tar and --git. Every wrong
solution of the catalogue (lessons/labs/mutants/) costs points with a hint
that names it (MutantCatalogue), and every symptom that a lab's "If it goes
wrong" promises is what those wrong solutions really show (LabSymptoms).

The five handouts are built and graded in parallel, QEMU only; run alone:
  python3 -m unittest tests.test_labs -v
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from importlib.machinery import SourceFileLoader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDOUT = os.path.join(ROOT, "tools", "handout")
GRADE = os.path.join(ROOT, "tools", "grade")
LABS = (1, 2, 3, 4, 5, 6)   # tools/labs/lab1.py .. lab6.py
ARCHES = ("i386", "x86_64")
STEP_TIMEOUT = 600      # no single build or grade may hang the suite


def load_tool(path, name):
    loader = SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


handout = load_tool(HANDOUT, "faultline_handout")
grade = load_tool(GRADE, "faultline_grade")
import labs  # noqa: E402  (grade put tools/ on the path)
from labs import lab4, checks  # noqa: E402


def run(cmd, cwd=ROOT):
    p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=STEP_TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# The marker parser, on small texts
# --------------------------------------------------------------------------

NESTED = """\
static int f(int cfg)
{
	/* LAB 1 BEGIN: write f.
	 * Lesson 04. */
	int x = 1;
	/* LAB 2 BEGIN: add the cfg. */
	x = x + cfg * 40;
	/* LAB 2 END */
	/* LAB 2 HANDOUT:
	(void)cfg;
	*/
	return x * 1000;
	/* LAB 1 END */
	/* LAB 1 HANDOUT:
	(void)cfg;
	return 0;
	*/
}
"""


class Markers(unittest.TestCase):
    def render(self, lab, text=NESTED, syntax=None):
        syntax = syntax or handout.C_SYNTAX
        return handout.render(handout.parse(text, "t.c", syntax), lab, syntax)

    def test_outer_lab_removes_the_inner_one_too(self):
        out = self.render(1)
        self.assertIn("\t/* TODO (lab 1): write f.\n\t * Lesson 04. */\n\t(void)cfg;\n"
                      "\treturn 0;\n}", out)
        for gone in ("x * 1000", "cfg * 40", "LAB", "TODO (lab 2)"):
            self.assertNotIn(gone, out)

    def test_inner_lab_keeps_the_outer_solution(self):
        out = self.render(2)
        self.assertIn("\tint x = 1;\n\t/* TODO (lab 2): add the cfg. */\n\t(void)cfg;\n"
                      "\treturn x * 1000;\n}", out)
        self.assertNotIn("cfg * 40", out)
        self.assertNotIn("LAB", out)

    def test_other_labs_lose_only_their_markers(self):
        out = self.render(3)
        self.assertEqual(out, "static int f(int cfg)\n{\n\tint x = 1;\n\tx = x + cfg * 40;\n"
                              "\treturn x * 1000;\n}\n")

    def test_solution_lines(self):
        nodes = handout.parse(NESTED, "t.c")
        lines = [handout.significant(l) for l in handout.solution_lines(nodes, 1)]
        self.assertEqual([l for l in lines if l],
                         ["int x = 1;", "x = x + cfg * 40;", "return x * 1000;"])
        self.assertEqual([handout.significant(l) for l in handout.solution_lines(nodes, 2)],
                         ["x = x + cfg * 40;"])

    def test_nasm(self):
        text = ("    mov eax, 1\n    ; LAB 3 BEGIN: load the task register\n"
                "    ltr ax\n    ; LAB 3 END\n    ; LAB 3 HANDOUT:\n    ;   nop\n"
                "    ; LAB 3 HANDOUT END\n    ret\n")
        out = self.render(3, text, handout.NASM_SYNTAX)
        self.assertEqual(out, "    mov eax, 1\n    ; TODO (lab 3): load the task register\n"
                              "      nop\n    ret\n")
        self.assertEqual(self.render(1, text, handout.NASM_SYNTAX),
                         "    mov eax, 1\n    ltr ax\n    ret\n")

    def test_bad_markers(self):
        bad = {
            "no END": "/* LAB 1 BEGIN: x */\ncode;\n",
            "END of another lab": "/* LAB 1 BEGIN: x */\ncode;\n/* LAB 2 END */\n",
            "END alone": "code;\n/* LAB 1 END */\n",
            "stray HANDOUT": "code;\n/* LAB 1 HANDOUT:\nx;\n*/\n",
            "unclosed HANDOUT": "/* LAB 1 BEGIN: x */\nc;\n/* LAB 1 END */\n/* LAB 1 HANDOUT:\nx;\n",
            "no such lab": "/* LAB 9 BEGIN: x */\nc;\n/* LAB 9 END */\n",
            "malformed": "/* LAB 1 BEGIN x */\nc;\n",
        }
        for what, text in bad.items():
            with self.subTest(what):
                with self.assertRaises(handout.MarkerError):
                    handout.parse(text, "t.c")

    def test_the_tree_has_every_lab_and_builds_unchanged(self):
        """Each lab has solution lines in the tree; every marked file, with
        the markers dropped, is the same code (markers are comments only)."""
        files = handout.tree_files(ROOT)
        for lab in LABS:
            with self.subTest(lab=lab):
                self.assertTrue(handout.lab_solution(lab, ROOT, files),
                                "no LAB %d regions in the tree" % lab)
        for rel in files:
            syntax = handout.syntax_for(rel)
            if syntax is None:
                continue
            with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
                text = f.read()
            if "LAB " not in text:
                continue
            kept = handout.render(handout.parse(text, rel, syntax), None, syntax)
            self.assertLessEqual(len(kept.splitlines()), len(text.splitlines()))
            self.assertNotRegex(kept, r"LAB \d+ (BEGIN|END|HANDOUT)")


class Grader(unittest.TestCase):
    """tools/grade's judging, on made-up boots (no emulator)."""

    def result(self, **kw):
        r = {"arch": "x86_64", "emulator": "qemu", "outcome": "caught", "vector": 8,
             "name": "#DF", "stack": "ist1", "cr2": "0x10df78", "symbol": "recurse+0x40",
             "ip": "0x1033b0", "serial": "", "detail": None, "reason": None}
        r.update(kw)
        return r

    def judge(self, test, result=None, broken=None, status="ok"):
        ran = {("qemu", test.arch) + test.boot: (status, result)}
        return grade.judge(test, ("qemu",), broken or {}, ran, {},
                           {"guard": {"x86_64": 0x10d000, "i386": 0x10c000}})

    def find(self, lab, words):
        return next(t for t in labs.tests() if t.lab == lab and words in t.name
                    and t.arch in ("x86_64", "i386"))

    def test_good_bad_missing(self):
        t = self.find(2, "CR2 in the guard page")
        self.assertEqual(self.judge(t, self.result()), ("GOOD", None))
        status, hint = self.judge(t, self.result(outcome="triple_fault", vector=None,
                                                 evidence="Triple fault"))
        self.assertEqual(status, "BAD")
        self.assertIn("triple fault (QEMU TCG: Triple fault)", hint)
        self.assertIn("lessons/07-tss-and-ist/", hint)
        status, hint = self.judge(t, self.result(stack="kernel"))
        self.assertIn("stack=kernel, expected stack=ist1", hint)
        status, hint = self.judge(t, self.result(cr2="0xdeadbeef"))
        self.assertIn("not in the kernel stack's guard page", hint)
        status, hint = self.judge(t, "qemu-system-x86_64 not found: run tools/setup",
                                  status="missing")
        self.assertEqual(status, "MISSING")
        status, hint = self.judge(t, None, broken={"x86_64": "tss.c:20:2: error: x"})
        self.assertEqual((status, hint), ("BAD", "the x86_64 build failed: tss.c:20:2: error: x"))

    def test_triple_fault_before_the_scenario_earns_nothing(self):
        # A kernel that dies while starting up (here: at LTR) never ran the
        # scenario: "still a triple fault" must not be awarded.
        t = self.find(2, "still a triple fault")
        died = self.result(outcome="triple_fault", vector=None, evidence="Triple fault",
                           scenario_started=False,
                           startup={"steps": ["paging", "GDT", "TSS"], "stopped_at": "TSS"})
        status, hint = self.judge(t, died)
        self.assertEqual(status, "BAD")
        self.assertIn("died while starting up, before the scenario ran: your code broke boot "
                      "in step 'TSS'", hint)
        self.assertIn("the LTR in tss_install(), arch/x86_64/tss.c", hint)
        self.assertEqual(self.judge(t, dict(died, scenario_started=True)), ("GOOD", None))

    def test_first_error(self):
        text = ("  CC\tkernel/kmain.c\narch/x86_64/tss.c: In function 'tss_install':\n"
                "arch/x86_64/tss.c:23:2: error: expected ';' before '}' token\n"
                "make: *** [Makefile:140: build/x86_64/obj/arch/x86_64/tss.o] Error 1\n")
        self.assertEqual(checks.first_error(text),
                         "arch/x86_64/tss.c:23:2: error: expected ';' before '}' token")

    def test_pf_contract(self):
        self.assertEqual(lab4.pf_expected(0x2), "supervisor data write, page not present")
        self.assertEqual(lab4.pf_expected(0x1f),
                         "user instruction fetch, protection violation, reserved bit set")
        self.assertEqual(lab4.pf_expected(0x0, False),
                         "supervisor read or instruction fetch, page not present")
        self.assertEqual(sorted(c for c, reported in lab4.PF_BASIC + lab4.PF_OTHER
                                if reported), list(range(32)))

    def test_points(self):
        # Each lab module declares its points; its tests add up to them, and
        # its handout text says so.
        for n in LABS:
            with self.subTest(lab=n):
                info = labs.lab(n)
                self.assertEqual(sum(t.points for t in labs.tests(n)), info["points"])
                with open(os.path.join(ROOT, info["doc"]), encoding="utf-8") as f:
                    self.assertIn("%d points" % info["points"], f.read())


# --------------------------------------------------------------------------
# The handouts, built and graded; the full tree, graded
# --------------------------------------------------------------------------

def make_and_grade(tmp, lab):
    """Handout of lab in tmp/labN, both arches built, graded. A dict of
    what happened."""
    out = os.path.join(tmp, "lab%d" % lab)
    info = {"dir": out}
    info["handout"] = run([sys.executable, HANDOUT, "--lab", str(lab), "--out", out])
    if info["handout"][0] != 0:
        return info
    for arch in ARCHES:
        info["build " + arch] = run(["make", "--no-print-directory", "-C", out,
                                     "ARCH=" + arch, "all"])
    grade_json = os.path.join(tmp, "lab%d-grade.json" % lab)
    info["grade"] = run([sys.executable, os.path.join(out, "tools", "grade"), "--lab", str(lab),
                         "--json", grade_json], cwd=out)
    info["json"] = _load(grade_json)
    return info


def grade_full_tree(tmp):
    grade_json = os.path.join(tmp, "full-grade.json")
    status, text = run([sys.executable, GRADE, "--json", grade_json])
    return {"grade": (status, text), "json": _load(grade_json)}


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Handouts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="faultline-labs-")
        # One worker more than CPUs: part of each job waits on QEMU.
        jobs = (os.cpu_count() or 1) + 1
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            labs = {lab: pool.submit(make_and_grade, cls.tmp, lab)
                    for lab in sorted(LABS)}
            full = pool.submit(grade_full_tree, cls.tmp)
            cls.labs = {lab: f.result() for lab, f in labs.items()}
            cls.full = full.result()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def lab(self, lab):
        info = self.labs[lab]
        status, text = info["handout"]
        self.assertEqual(status, 0, "tools/handout --lab %d failed:\n%s" % (lab, text))
        return info

    def check_builds(self, lab):
        info = self.lab(lab)
        for arch in ARCHES:
            status, text = info["build " + arch]
            self.assertEqual(status, 0, "the lab %d handout does not build on %s:\n%s"
                             % (lab, arch, text[-3000:]))

    def check_grade_not_full(self, lab):
        info = self.lab(lab)
        status, text = info["grade"]
        self.assertNotEqual(status, 0, "grade passed on the lab %d handout:\n%s" % (lab, text))
        self.assertRegex(text, r"(?m)^  BAD   lab%d/" % lab, text)
        self.assertRegex(text, r"(?m)^lab%d: \d+/\d+ points$" % lab, text)
        doc = info["json"]
        self.assertIsNotNone(doc, "no JSON from grade:\n%s" % text)
        self.assertLess(doc["score"], doc["max_score"], text)
        statuses = [t["status"] for t in doc["labs"][str(lab)]["tests"]]
        self.assertIn("BAD", statuses)
        self.assertNotIn("MISSING", statuses, text)
        for t in doc["labs"][str(lab)]["tests"]:
            if t["status"] == "BAD":
                self.assertIn("lessons/", t["hint"], "a BAD hint names no lesson: %r" % t)

    def check_no_solution(self, lab):
        info = self.lab(lab)
        solution = handout.lab_solution(lab, ROOT)
        self.assertTrue(solution)
        self.assertEqual(handout.find_leaks(info["dir"], solution), [],
                         "lab %d's solution lines are in its handout" % lab)
        # ... and the handout says what to write instead.
        todo = "TODO (lab %d):" % lab
        found = []
        for rel in solution:
            with open(os.path.join(info["dir"], rel), encoding="utf-8") as f:
                if todo in f.read():
                    found.append(rel)
        self.assertEqual(sorted(found), sorted(solution))
        self.assertFalse(os.path.exists(os.path.join(info["dir"], "tests", "test_labs.py")))
        self.assertFalse(os.path.exists(os.path.join(info["dir"], ".git")))

    def test_full_tree_scores_full_marks(self):
        status, text = self.full["grade"]
        self.assertEqual(status, 0, text)
        doc = self.full["json"]
        self.assertIsNotNone(doc, text)
        self.assertEqual(sorted(doc["labs"]), [str(n) for n in LABS])
        for n in LABS:
            lab = doc["labs"][str(n)]
            self.assertEqual(lab["score"], lab["max_score"], text)
            self.assertGreater(lab["max_score"], 0)
        self.assertEqual(doc["score"], doc["max_score"])
        self.assertRegex(text, r"(?m)^Score: (\d+)/\1$")
        self.assertNotRegex(text, r"(?m)^  (BAD|MISSING) ")


def _add_lab_tests():
    for lab in LABS:
        for kind in ("builds", "grade_not_full", "no_solution"):
            def test(self, lab=lab, kind=kind):
                getattr(self, "check_" + kind)(lab)
            test.__name__ = "test_lab%d_%s" % (lab, kind)
            setattr(Handouts, test.__name__, test)


_add_lab_tests()


# --------------------------------------------------------------------------
# The catalogue of wrong solutions: each loses points, with a hint naming it
# --------------------------------------------------------------------------

try_mutant = load_tool(os.path.join(ROOT, "tools", "try-mutant"), "faultline_try_mutant")
from labs import mutants, symptoms  # noqa: E402

MIN_MUTANTS = 6
_graded = None


def graded_catalogue():
    """Every mutant of the catalogue, graded once for MutantCatalogue and
    LabSymptoms both: {path: try_mutant() result}, with the evidence boots
    the labs' texts ask of each mutant (tools/labs/symptoms.py)."""
    global _graded
    if _graded is None:
        try:
            items = symptoms.all_items()
        except symptoms.SymptomError:
            items = []              # LabSymptoms.test_markers_parse says why
        catalogue = mutants.catalogue()
        jobs = os.cpu_count() or 1
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            runs = pool.map(lambda m: try_mutant.try_mutant(
                m, evidence=symptoms.evidence_for(m, items)), catalogue)
            _graded = {m.path: r for m, r in zip(catalogue, runs)}
        boots = [b for r in _graded.values() for b in (r.get("evidence") or {}).values()]
        print("\n%d mutants graded, %d evidence boots (%.1f s of them), in %.1f s"
              % (len(_graded), len(boots), sum(b.get("seconds") or 0 for b in boots),
                 time.monotonic() - start), file=sys.stderr)
    return _graded


class MutantCatalogue(unittest.TestCase):
    """lessons/labs/mutants/: every plausible wrong solution there, applied to
    a copy of this solved tree, must cost points, and a BAD test's hint must
    name the mistake (its "Hint:" text). tools/try-mutant runs the same."""

    results = {}

    @classmethod
    def setUpClass(cls):
        cls.results = graded_catalogue()

    def test_every_lab_has_enough_mutants(self):
        for lab in LABS:
            with self.subTest(lab=lab):
                self.assertGreaterEqual(len(mutants.catalogue(lab)), MIN_MUTANTS)

    def check_mutant(self, path):
        r = self.results[path]
        self.assertTrue(r["proven"], "%s: %s\n%s" % (os.path.relpath(path, ROOT), r["why"],
                                                      r.get("output", "")[-3000:]))

    def test_format(self):
        with self.assertRaises(mutants.MutantError):
            mutants.parse("# Mistake: x\n@@ a.c\n-old\n")          # no Hint
        with self.assertRaises(mutants.MutantError):
            mutants.parse("# Mistake: x\n# Hint: y\n")                # no hunk
        m = mutants.parse("# Mistake: x\n# Hint: y\n# Engines: qemu bochs\n@@ a.c\n-o\n+n\n")
        self.assertEqual((m.engines, m.hunks), (("qemu", "bochs"), [("a.c", "o\n", "n\n")]))

    def test_apply_never_writes_into_a_linked_source(self):
        """try-mutant's copies hard-link the sources: applying a mutant must
        leave the instructor's file as it was."""
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "orig"))
            os.makedirs(os.path.join(d, "copy"))
            orig, copy = os.path.join(d, "orig", "a.c"), os.path.join(d, "copy", "a.c")
            with open(orig, "w") as f:
                f.write("keep\nold\n")
            os.chmod(orig, 0o640)
            os.link(orig, copy)
            mutants.apply(mutants.parse("# Mistake: x\n# Hint: y\n@@ a.c\n-old\n+new\n"),
                          os.path.join(d, "copy"))
            with open(orig) as f:
                self.assertEqual(f.read(), "keep\nold\n")
            with open(copy) as f:
                self.assertEqual(f.read(), "keep\nnew\n")
            self.assertEqual(os.stat(copy).st_mode & 0o777, 0o640)
            self.assertEqual(os.listdir(os.path.join(d, "copy")), ["a.c"])


def _add_mutant_tests():
    for m in mutants.catalogue():
        def test(self, path=m.path):
            self.check_mutant(path)
        test.__name__ = "test_lab%d_%s" % (m.lab, m.name.replace("-", "_"))
        test.__doc__ = "lab%d/%s: %s" % (m.lab, m.name, m.mistake)
        setattr(MutantCatalogue, test.__name__, test)


_add_mutant_tests()


# --------------------------------------------------------------------------
# What the labs' texts say goes wrong, against the mutants' real runs
# --------------------------------------------------------------------------

class LabSymptoms(unittest.TestCase):
    """Each bullet of a lab's "If it goes wrong" names the mutants that show
    its symptom; its quotes of the grader are in their BAD lines, and its
    claims about engines are what extra boots of the mutated trees showed
    (tools/labs/symptoms.py). Issue 11, point 3: every symptom a lab text
    promises is checked against a real run. Reuses MutantCatalogue's runs."""

    def items(self, lab=None):
        return [i for i in symptoms.all_items() if lab is None or i.lab == lab]

    def test_markers_parse(self):
        try:
            found = symptoms.all_items()
        except symptoms.SymptomError as exc:
            self.fail(str(exc))
        for lab in LABS:
            self.assertTrue([i for i in found if i.lab == lab and i.bullet],
                            "lab %d has no bullets under %r" % (lab, symptoms.SECTION))

    def test_every_bullet_names_its_mutants(self):
        problems = []
        for item in self.items():
            names = {m.name for m in mutants.catalogue(item.lab)}
            if item.bullet and item.symptoms is None:
                problems.append("%s: no <!-- symptom: ... --> marker" % item.where)
            problems += ["%s: no mutant lab%d/%s" % (item.where, item.lab, n)
                         for n in item.mutants() if n not in names]
        self.assertEqual(problems, [], "\n".join(problems))

    def test_advice_is_rare(self):
        advice = [i.where for i in self.items() if i.symptoms == ()]
        self.assertLessEqual(len(advice), len(LABS), "\n".join(advice))

    def test_every_mutant_has_its_symptom_in_the_text(self):
        """A mistake the grader catches is one a student can look up."""
        for lab in LABS:
            named = {n for i in self.items(lab) for n in (i.symptoms or ())}
            missing = [m.name for m in mutants.catalogue(lab) if m.name not in named]
            with self.subTest(lab=lab):
                self.assertEqual(missing, [], "lab %d's text describes no symptom of %s"
                                 % (lab, ", ".join(missing)))

    def check_lab(self, lab):
        results = graded_catalogue()
        ran = {os.path.splitext(os.path.basename(p))[0]: r for p, r in results.items()
               if mutants.load(p).lab == lab}
        names = [m.name for m in mutants.catalogue(lab)]
        problems = []
        for item in self.items(lab):
            problems += symptoms.item_problems(item, ran, names)
        self.assertEqual(problems, [], "\n".join(problems))


def _add_symptom_tests():
    for lab in LABS:
        def test(self, lab=lab):
            self.check_lab(lab)
        test.__name__ = "test_lab%d_promises_hold" % lab
        setattr(LabSymptoms, test.__name__, test)


_add_symptom_tests()


class SymptomChecker(unittest.TestCase):
    """tools/labs/symptoms.py on made-up texts and results: it finds a
    broken promise (so LabSymptoms can fail)."""

    TEXT = """# Lab 9

## If it goes wrong

- **The grader says `IDT[8] is ... after start-up`.** `df_gate()` and
  `no_such_name_here` are names.
  <!-- symptom: 01-a -->
  <!-- graded: 01-a BAD only host -->
  <!-- evidence: 01-a i386 bochs scenario=page_fault handlers=df
       shows "3rd (11) exception" -->
- **No marker here.**

## Next
"""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-symptoms-")
        self.path = os.path.join(self.tmp, "lab9-x.md")
        with open(self.path, "w") as f:
            f.write(self.TEXT)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def result(self, hint, status_host="BAD", status_boot="GOOD", shown="3rd (11) exception"):
        ev = symptoms.items(9, self.path)[0].evidence[0]
        return {"01-a": {"proven": True, "tests": [
            {"name": "lab9/host: df_gate", "status": status_host, "hint": hint},
            {"name": "lab9/i386: page_fault", "status": status_boot,
             "hint": "x" if status_boot == "BAD" else None}],
            "evidence": {ev.key: {"summary": "triple fault", "log": shown}}}}

    def problems(self, **kw):
        first, second = symptoms.items(9, self.path)
        return (symptoms.item_problems(first, self.result(**kw), ["01-a"]),
                symptoms.item_problems(second, {}, ["01-a"]))

    def test_parse(self):
        first, second = symptoms.items(9, self.path)
        self.assertEqual((first.symptoms, second.symptoms), (("01-a",), None))
        self.assertEqual([(g.kind, g.selector) for g in first.graded], [("only", "host")])
        ev = first.evidence[0]
        self.assertEqual((ev.arch, ev.engine, ev.cmdline, ev.texts),
                         ("i386", "bochs", "scenario=page_fault handlers=df",
                          ("3rd (11) exception",)))
        self.assertEqual(ev.scenario_kargs(), ("page_fault", "handlers=df"))
        self.assertEqual(first.spans(), [("IDT[8] is ... after start-up", True),
                                         ("df_gate()", False), ("no_such_name_here", False)])
        with self.assertRaises(symptoms.SymptomError):
            symptoms.parse_graded(["01-a", "sometimes"], "x")
        with self.assertRaises(symptoms.SymptomError):
            symptoms.parse_evidence(["01-a", "i386", "vbox", "scenario=x", "shows", "y"], "x")

    def test_quotes(self):
        self.assertTrue(symptoms.found("IDT[8] is ... after start-up",
                                       ["IDT[8] is EMPTY\n after  start-up (read back)"]))
        self.assertFalse(symptoms.found("IDT[8] is ... after start-up", ["IDT[8] is empty"]))

    def test_a_kept_promise(self):
        first, second = self.problems(hint="IDT[8] is empty after start-up")
        self.assertEqual([p for p in first if "no_such_name_here" not in p], [])
        self.assertEqual(len(second), 1)
        self.assertIn("no <!-- symptom", second[0])

    def test_broken_promises(self):
        first, _ = self.problems(hint="IDT[8] holds a gate", status_boot="BAD",
                                 shown="3rd (13) exception")
        text = "\n".join(first)
        self.assertIn("`IDT[8] is ... after start-up` (the symptom) is in no BAD line", text)
        self.assertIn("expected BAD only among the host tests; also BAD: lab9/i386", text)
        self.assertIn("shows no '3rd (11) exception'", text)
        self.assertIn("`no_such_name_here` is in no BAD line", text)
        self.assertNotIn("df_gate()", text)


class Packaging(unittest.TestCase):
    """--tar and --git, on lab 4 (no build needed to check them)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="faultline-labs-pack-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_tar(self):
        tar = os.path.join(self.tmp, "lab4.tar.gz")
        status, text = run([sys.executable, HANDOUT, "--lab", "4", "--tar", tar])
        self.assertEqual(status, 0, text)
        with tarfile.open(tar) as t:
            names = t.getnames()
            self.assertIn("faultline-lab4/kernel/exceptions.c", names)
            self.assertIn("faultline-lab4/tools/grade", names)
            src = t.extractfile("faultline-lab4/kernel/exceptions.c").read().decode()
        self.assertIn("TODO (lab 4):", src)
        for line in handout.lab_solution(4, ROOT)["kernel/exceptions.c"]:
            self.assertNotIn(line, handout.normalize(src))

    def test_git(self):
        out = os.path.join(self.tmp, "lab4")
        status, text = run([sys.executable, HANDOUT, "--lab", "4", "--out", out, "--git"])
        self.assertEqual(status, 0, text)
        status, log = run(["git", "-C", out, "log", "--format=%s"])
        self.assertEqual((status, log.strip()), (0, "lab 4 handout"))

    def test_without_git(self):
        # An unpacked tarball has no .git, and a fresh machine may have no
        # git: the handout is made from the files on disk.
        src = os.path.join(self.tmp, "tree")
        for rel in handout.tree_files(ROOT):
            os.makedirs(os.path.join(src, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, rel), os.path.join(src, rel))
        os.makedirs(os.path.join(src, "build", "junk"))
        out = os.path.join(self.tmp, "lab4")
        status, text = run([sys.executable, os.path.join(src, "tools", "handout"), "--lab", "4",
                            "--out", out], cwd=src)
        self.assertEqual(status, 0, text)
        self.assertFalse(os.path.exists(os.path.join(out, "build")))
        self.assertEqual(sorted(handout.tree_files(out)),
                         sorted(f for f in handout.tree_files(ROOT)))
        with open(os.path.join(out, "kernel", "exceptions.c")) as f:
            self.assertIn("TODO (lab 4):", f.read())

    def test_refuses_a_full_directory_and_bad_labs(self):
        os.makedirs(os.path.join(self.tmp, "full"))
        with open(os.path.join(self.tmp, "full", "x"), "w") as f:
            f.write("x")
        status, text = run([sys.executable, HANDOUT, "--lab", "1", "--out",
                            os.path.join(self.tmp, "full")])
        self.assertEqual(status, 2, text)
        status, text = run([sys.executable, HANDOUT, "--lab", str(max(LABS) + 1)])
        self.assertEqual(status, 2, text)
        status, text = run(["make", "--no-print-directory", "handout"])
        self.assertNotEqual(status, 0)
        self.assertIn("LAB is not set", text)


if __name__ == "__main__":
    unittest.main()
