"""labs/symptoms.py - what each lab text's "If it goes wrong" promises, as
checks against real runs.

Each bullet of that section describes what a mistake looks like. An HTML
comment in the bullet (it does not show in rendered Markdown) ties it to the
mistakes in the catalogue (mutants.py) that produce it, and says how its
other claims are observed:

  <!-- symptom: 02-data-selector 03-not-present -->
      the mutants of this lab whose graded run shows the symptom; or
      "none (advice)" for a bullet that is advice, not a symptom.
  <!-- graded: 07-df-not-shutdown 10-unbounded-append BAD only host -->
      a claim about which of the grader's tests fail, for each mutant named:
        SELECTOR GOOD     every test selected is GOOD (and one is selected)
        SELECTOR BAD      every test selected is BAD (and one is selected)
        BAD only SELECTOR the BAD tests are all among those selected
        says "TEXT" ...   some BAD line ("name: hint") contains each TEXT
      SELECTOR: boots, host, i386, x86_64, or a "quoted" part of a test name.
  <!-- evidence: 03-not-present i386 bochs scenario=page_fault handlers=df
       df=stack shows "3rd (11) exception with no resolution" -->
      one more boot of the mutated tree, on that engine (qemu, bochs, kvm),
      whose outcome, engine evidence, detail, screen (COM1) and engine log
      together contain each TEXT. Before the kernel command line: "-d ITEMS"
      adds QEMU log items (e.g. -d int, to see each exception), and
      args="..." passes emulator arguments (e.g. args="-cpu Broadwell").

A comment outside the bullets (below a table, say) makes the section's prose
an item checked the same way.

Then every `code` span of a bullet must be observed: in a BAD line of one
of its mutants (case-insensitive; "..." stands for any text), or in what one
of its evidence boots showed. A span outside the bullet's bold lead may
instead name something: text that occurs in the sources (kernel/, arch/,
drivers/, tools/, the Makefile), or a command (make, nm, or a program in
tools/). The bold text is the symptom itself, so its spans must be observed.

Python 3 standard library only. tools/try-mutant runs the mutants and the
evidence boots (try_mutant(..., evidence=...)); tests/test_labs.py checks.
"""

import os
import re
import shlex
import subprocess

from . import mutants

ROOT = mutants.ROOT
LABS_DIR = os.path.join(ROOT, "lessons", "labs")
SECTION = "## If it goes wrong"
ADVICE = "none (advice)"

MARKER = re.compile(r"<!--\s*(symptom|graded|evidence):\s*(.*?)\s*-->", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)
CODE = re.compile(r"(`+)(.+?)\1", re.S)
SELECTORS = ("boots", "host", "i386", "x86_64")
ENGINES = ("qemu", "bochs", "kvm")
NAME_DIRS = ("kernel", "arch", "drivers", "tools")
NAME_FILES = ("Makefile", "bochsrc")
COMMANDS = ("make", "nm")


class SymptomError(ValueError):
    """A marker that cannot be read."""


class Evidence:
    """One boot of a mutated tree, and the texts it must show."""

    def __init__(self, mutant, arch, engine, cmdline, texts, log_items=(), args=None,
                 where=""):
        self.mutant = mutant
        self.arch = arch
        self.engine = engine
        self.cmdline = cmdline          # "scenario=x key=value ..."
        self.texts = tuple(texts)
        self.log_items = tuple(log_items)
        self.args = args
        self.where = where

    @property
    def key(self):
        """Boots that differ only in the texts they look for are one boot."""
        return (self.arch, self.engine, self.cmdline, self.log_items, self.args)

    def scenario_kargs(self):
        words = self.cmdline.split()
        scenario = next((w.split("=", 1)[1] for w in words if w.startswith("scenario=")), None)
        kargs = " ".join(w for w in words if not w.startswith("scenario="))
        return scenario, kargs

    def describe(self):
        extra = "".join([" -d " + ",".join(self.log_items) if self.log_items else "",
                         " args=%r" % self.args if self.args else ""])
        return "%s on %s %s%s: %s" % (self.mutant, self.arch, self.engine, extra, self.cmdline)


class Graded:
    """A claim about a mutant's graded tests."""

    def __init__(self, mutants_, kind, selector=None, texts=(), where=""):
        self.mutants = tuple(mutants_)
        self.kind = kind                # "GOOD", "BAD", "only", "says"
        self.selector = selector
        self.texts = tuple(texts)
        self.where = where


class Item:
    """A bullet of the section (or, when it carries markers, its prose)."""

    def __init__(self, lab, path, line, text, bullet=True):
        self.lab = lab
        self.path = path
        self.line = line
        self.text = text
        self.bullet = bullet
        self.symptoms = None            # None: no marker; () for advice
        self.graded = []
        self.evidence = []

    @property
    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, ROOT), self.line)

    @property
    def visible(self):
        return COMMENT.sub(" ", self.text)

    @property
    def lead(self):
        """The bold text: what the symptom is."""
        return " ".join(re.findall(r"\*\*(.+?)\*\*", self.visible, re.S))

    def spans(self):
        """Every `code` span: (text, in_lead), whitespace collapsed."""
        lead_spans = {norm(m.group(2)) for m in CODE.finditer(self.lead)}
        return [(norm(m.group(2)), norm(m.group(2)) in lead_spans)
                for m in CODE.finditer(self.visible)]

    def mutants(self):
        """Every mutant the item's markers name."""
        out = list(self.symptoms or ())
        for g in self.graded:
            out += g.mutants
        out += [e.mutant for e in self.evidence]
        return list(dict.fromkeys(out))


def norm(text):
    return re.sub(r"\s+", " ", text).strip()


def lab_texts(root=LABS_DIR):
    """{lab number: path of its text}."""
    out = {}
    for name in sorted(os.listdir(root)):
        m = re.match(r"lab(\d+)-.*\.md$", name)
        if m:
            out[int(m.group(1))] = os.path.join(root, name)
    return out


def section(text):
    """(first line number, lines) of the "If it goes wrong" section."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == SECTION:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("## ")),
                       len(lines))
            return i + 2, lines[i + 1:end]
    return None, []


def items(lab, path):
    """The section's bullets, and its prose as one more item if that carries
    markers. SymptomError for a marker that cannot be read."""
    with open(path, encoding="utf-8") as f:
        first, lines = section(f.read())
    out, prose, current = [], [], None
    for n, line in enumerate(lines, first or 0):
        if line.startswith("- "):
            current = Item(lab, path, n, line)
            out.append(current)
        elif current is not None and line.startswith(" ") and line.strip():
            current.text += "\n" + line
        else:
            current = None
            prose.append(line)
    text = "\n".join(prose)
    if MARKER.search(text):
        out.append(Item(lab, path, first, text, bullet=False))
    for item in out:
        for kind, body in MARKER.findall(item.text):
            parse_marker(item, kind, norm(body))
    return out


def parse_marker(item, kind, body):
    where = item.where
    try:
        words = shlex.split(body)
    except ValueError as exc:
        raise SymptomError("%s: %s marker: %s" % (where, kind, exc))
    if kind == "symptom":
        if item.symptoms is not None:
            raise SymptomError("%s: two symptom markers" % where)
        item.symptoms = () if body == ADVICE else tuple(words)
        if not words:
            raise SymptomError("%s: a symptom marker names no mutant" % where)
    elif kind == "graded":
        item.graded.append(parse_graded(words, where))
    else:
        item.evidence += parse_evidence(words, where)


def parse_graded(words, where):
    names = []
    while words and re.match(r"\d+-", words[0]):
        names.append(words.pop(0))
    if not names:
        raise SymptomError("%s: a graded marker names no mutant" % where)
    if words[:1] == ["says"] and len(words) > 1:
        return Graded(names, "says", texts=words[1:], where=where)
    if words[:2] == ["BAD", "only"] and len(words) == 3:
        return Graded(names, "only", selector=words[2], where=where)
    if len(words) == 2 and words[1] in ("GOOD", "BAD"):
        return Graded(names, words[1], selector=words[0], where=where)
    raise SymptomError("%s: graded: expected 'SELECTOR GOOD|BAD', 'BAD only SELECTOR' or "
                       "'says \"TEXT\"', got %r" % (where, " ".join(words)))


def parse_evidence(words, where):
    if len(words) < 4 or "shows" not in words:
        raise SymptomError("%s: evidence: expected 'MUTANT ARCH ENGINE [-d ITEMS] "
                           "[args=\"...\"] CMDLINE... shows \"TEXT\"...'" % where)
    cut = words.index("shows")
    head, texts = words[:cut], words[cut + 1:]
    mutant, arch, engine, rest = head[0], head[1], head[2], head[3:]
    if engine not in ENGINES:
        raise SymptomError("%s: evidence: unknown engine %r" % (where, engine))
    log_items, args = (), None
    while rest and (rest[0] == "-d" or rest[0].startswith("args=")):
        if rest[0] == "-d":
            log_items = tuple(rest[1].split(","))
            rest = rest[2:]
        else:
            args = rest[0][len("args="):]
            rest = rest[1:]
    if not texts or not any(w.startswith("scenario=") for w in rest):
        raise SymptomError("%s: evidence for %s: no scenario= or no text" % (where, mutant))
    return [Evidence(mutant, arch, engine, " ".join(rest), texts, log_items, args, where)]


def all_items(root=LABS_DIR):
    """Every lab's items, in lab order."""
    out = []
    for lab, path in sorted(lab_texts(root).items()):
        out += items(lab, path)
    return out


def evidence_for(mutant, all_=None):
    """The evidence boots the lab texts ask of this mutant (a Mutant)."""
    all_ = all_items() if all_ is None else all_
    return [e for item in all_ if item.lab == mutant.lab for e in item.evidence
            if e.mutant == mutant.name]


# --------------------------------------------------------------------------
# Checking, against try_mutant()'s results
# --------------------------------------------------------------------------

def pattern(quote):
    """A quote as a regex: case-insensitive, "..." any text, any blank run
    for a blank."""
    parts = [r"\s+".join(re.escape(w) for w in p.split()) for p in quote.split("...")]
    return re.compile(".*?".join(parts), re.I | re.S)


def found(quote, texts):
    rx = pattern(quote)
    return any(rx.search(t or "") for t in texts)


def bad_lines(result):
    """What the grader printed for each BAD test: "name: hint"."""
    return ["%s: %s" % (t["name"], t["hint"]) for t in result.get("tests", ())
            if t["status"] == "BAD"]


def selected(test_name, selector):
    m = re.match(r"lab\d+/(\w+): (.*)$", test_name)
    kind, name = (m.group(1), m.group(2)) if m else ("", test_name)
    if selector == "boots":
        return kind != "host"
    if selector in SELECTORS:
        return kind == selector
    return selector.lower() in test_name.lower()


def graded_problems(claim, results):
    out = []
    for name in claim.mutants:
        r = results.get(name)
        if r is None or "tests" not in r:
            out.append("%s: %s was not graded (%s)" % (claim.where, name,
                                                       (r or {}).get("why", "no result")))
            continue
        tests = r["tests"]
        if claim.kind == "says":
            lines = bad_lines(r)
            for text in claim.texts:
                if not found(text, lines):
                    out.append("%s: no BAD line of %s says %r" % (claim.where, name, text))
            continue
        chosen = [t for t in tests if selected(t["name"], claim.selector)]
        if claim.kind in ("GOOD", "BAD"):
            wrong = [t["name"] for t in chosen if t["status"] != claim.kind]
            if not chosen or wrong:
                out.append("%s: %s: expected every %s test %s; %s" % (
                    claim.where, name, claim.selector, claim.kind,
                    "none is selected" if not chosen else "not: " + "; ".join(wrong)))
        else:
            bad = [t["name"] for t in tests if t["status"] == "BAD"]
            outside = [n for n in bad if not selected(n, claim.selector)]
            if not bad or outside:
                out.append("%s: %s: expected BAD only among the %s tests; %s" % (
                    claim.where, name, claim.selector,
                    "nothing is BAD" if not bad else "also BAD: " + "; ".join(outside)))
    return out


def evidence_text(boot):
    """What one evidence boot showed (try_mutant's record of it)."""
    return "\n".join(str(boot.get(k) or "") for k in ("summary", "evidence", "detail",
                                                       "serial", "log"))


def evidence_problems(ev, results):
    r = results.get(ev.mutant) or {}
    boot = (r.get("evidence") or {}).get(ev.key)
    if boot is None:
        return ["%s: the evidence boot %s did not run (%s)" % (
            ev.where, ev.describe(), r.get("why", "no result"))]
    text = evidence_text(boot)
    return ["%s: %s shows no %r (it showed: %s)" % (ev.where, ev.describe(), t, boot["summary"])
            for t in ev.texts if not found(t, [text])]


_sources = None


def source_text(root=ROOT):
    """Every tracked source file under kernel/, arch/, drivers/, tools/, and
    the Makefile: where a name in a lab text must occur."""
    global _sources
    if _sources is None:
        names = []
        proc = subprocess.run(["git", "-C", root, "ls-files", "-z", "--"]
                              + list(NAME_DIRS) + list(NAME_FILES),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if proc.returncode == 0:
            names = [n for n in proc.stdout.decode().split("\0") if n]
        else:                               # no git: every file there
            names = [f for f in NAME_FILES if os.path.isfile(os.path.join(root, f))]
            for top in NAME_DIRS:
                for dirpath, _dirs, files in os.walk(os.path.join(root, top)):
                    names += [os.path.relpath(os.path.join(dirpath, f), root) for f in files]
        parts = []
        for rel in names:
            try:
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    parts.append(f.read())
            except (OSError, UnicodeDecodeError):
                continue
        _sources = "\n".join(parts)
    return _sources


def is_name(span, root=ROOT):
    """A span that names something: occurs in the sources, is a file or
    directory of the tree, or is a command."""
    if "/" in span and os.path.exists(os.path.join(root, span.rstrip("/"))):
        return True
    m = re.match(r"([A-Za-z_]\w*)\(\)$", span)
    if m:                                   # a function: called or defined
        return re.search(r"\b%s\(" % m.group(1), source_text(root)) is not None
    words = span.split()
    if words and (words[0] in COMMANDS or (words[0].startswith("tools/")
                                           and os.path.isfile(os.path.join(root, words[0])))):
        return True
    return span in source_text(root)


def item_problems(item, results, lab_mutants):
    """Why an item's promises do not hold, as a list of lines."""
    out = []
    if item.bullet and item.symptoms is None:
        return ["%s: no <!-- symptom: ... --> marker: which mutants show this?" % item.where]
    for name in item.mutants():
        if name not in lab_mutants:
            out.append("%s: no mutant %s in lessons/labs/mutants/lab%d/" % (
                item.where, name, item.lab))
    if out:
        return out
    lines = [l for name in (item.symptoms or ()) for l in bad_lines(results.get(name) or {})]
    for name in item.symptoms or ():
        r = results.get(name)
        if r is None or not r.get("proven"):
            out.append("%s: %s is not proven: %s" % (item.where, name,
                                                     (r or {}).get("why", "no result")))
    shown = []
    for ev in item.evidence:
        boot = ((results.get(ev.mutant) or {}).get("evidence") or {}).get(ev.key)
        if boot:
            shown.append(evidence_text(boot))
        out += evidence_problems(ev, results)
    for claim in item.graded:
        out += graded_problems(claim, results)
    for span, in_lead in item.spans():
        if found(span, lines) or found(span, shown):
            continue
        if in_lead:
            out.append("%s: `%s` (the symptom) is in no BAD line of %s%s" % (
                item.where, span, " ".join(item.symptoms or ()) or "(no mutant)",
                " nor in what its evidence boots showed" if item.evidence else ""))
        elif not is_name(span):
            out.append("%s: `%s` is in no BAD line of %s, in no evidence, and names nothing "
                       "in the sources" % (item.where, span,
                                           " ".join(item.symptoms or ()) or "(no mutant)"))
    return out
