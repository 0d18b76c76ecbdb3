"""labs/mutants.py - the catalogue of plausible wrong solutions.

Each lab keeps, in lessons/labs/mutants/labN/, the mistakes students really
make in its code, one file each. `make test` applies every one to a copy of
the solved tree and proves that the grader takes points away with a hint
that names the cause (tests/test_labs.py, tools/try-mutant). A mutant file:

    # Mistake: the gate's selector is the data segment's, not the code segment's
    # Hint: not a code segment
    # Engines: qemu
    @@ arch/example/idt.c
    -	gate = make_gate(handler, CODE_SELECTOR);
    +	gate = make_gate(handler, DATA_SELECTOR);

(The example is made up: a docstring that quoted a real solution line would
itself leak it, and tools/handout refuses to make a handout then.)
"Mistake" says what the student did; "Hint" is text that some BAD test's
hint must contain (case-insensitive); "Engines" (optional, default qemu) is
what the grader boots with, e.g. "qemu bochs" for a mistake only Bochs
shows. Each "@@ path" starts a hunk: the "-" lines must occur exactly once
in that file, and become the "+" lines. Lines are matched exactly, tabs
included.

Python 3 standard library only.
"""

import os
import shutil
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = os.path.join(ROOT, "lessons", "labs", "mutants")


class MutantError(ValueError):
    """A mutant file that is malformed or no longer applies."""


class Mutant:
    def __init__(self, path, lab, mistake, hint, engines, hunks):
        self.path = path
        self.lab = lab
        self.mistake = mistake
        self.hint = hint
        self.engines = engines
        self.hunks = hunks          # [(file, old text, new text)]

    @property
    def name(self):
        return os.path.splitext(os.path.basename(self.path))[0]

    def __repr__(self):
        return "Mutant(lab%d/%s)" % (self.lab, self.name)


_HEADER = re.compile(r"^#\s*(Mistake|Hint|Engines):\s*(.*)$")


def parse(text, path="<mutant>", lab=0):
    """A Mutant from a file's text; MutantError when malformed."""
    fields, hunks = {}, []
    current = None
    for n, line in enumerate(text.split("\n"), 1):
        m = _HEADER.match(line)
        if m and current is None:
            key = m.group(1).lower()
            fields[key] = (fields.get(key, "") + " " + m.group(2)).strip()
        elif line.startswith("@@ "):
            current = [line[3:].strip(), [], []]
            hunks.append(current)
        elif current is not None and line[:1] in ("-", "+"):
            if line[0] == "+" and not current[1]:
                raise MutantError("%s:%d: a '+' line before any '-' line" % (path, n))
            current[1 if line[0] == "-" else 2].append(line[1:])
        elif line.strip() == "" or (line.startswith("#") and current is None):
            continue
        else:
            raise MutantError("%s:%d: expected '@@ file', '-old' or '+new': %r" % (path, n, line))
    for key in ("mistake", "hint"):
        if not fields.get(key):
            raise MutantError("%s: no '# %s:' line" % (path, key.capitalize()))
    if not hunks or any(not h[1] for h in hunks):
        raise MutantError("%s: needs at least one '@@ file' hunk with '-' lines" % path)
    engines = tuple(fields.get("engines", "qemu").split())
    return Mutant(path, lab, fields["mistake"], fields["hint"], engines,
                  [(f, "\n".join(old) + "\n", "\n".join(new) + ("\n" if new else ""))
                   for f, old, new in hunks])


def load(path):
    m = re.search(r"lab(\d+)", os.path.basename(os.path.dirname(path)))
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path, int(m.group(1)) if m else 0)


def catalogue(lab=None, root=CATALOGUE):
    """Every mutant of lab (or of every lab), sorted by lab and name."""
    out = []
    if not os.path.isdir(root):
        return out
    for d in sorted(os.listdir(root)):
        m = re.match(r"lab(\d+)$", d)
        if not m or (lab is not None and int(m.group(1)) != lab):
            continue
        for name in sorted(os.listdir(os.path.join(root, d))):
            if name.endswith(".mutant"):
                out.append(load(os.path.join(root, d, name)))
    return out


def apply(mutant, tree):
    """Rewrite the files under tree as the mutant says; MutantError when a
    hunk's old lines are not there exactly once."""
    for rel, old, new in mutant.hunks:
        path = os.path.join(tree, rel)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise MutantError("%s: %s: %s" % (mutant.path, rel, exc.strerror))
        count = text.count(old)
        if count != 1:
            raise MutantError("%s: the '-' lines occur %d times in %s, not once:\n%s"
                              % (mutant.path, count, rel, old))
        # A new file in the old one's place, never a write into it: the
        # copy's other files may be hard links to the instructor's tree
        # (tools/try-mutant), which must not change.
        tmp = path + ".mutant-tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
