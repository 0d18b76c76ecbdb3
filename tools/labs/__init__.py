"""labs - the classroom labs' graded tests, one module per lab.

Each module labN.py defines LAB (its title, handout text, lessons, time) and
tests() -> [checks.Test]. tools/grade runs them; tools/handout cuts the
solution regions out; the catalogue of wrong solutions that the grader must
catch is in lessons/labs/mutants/labN/ (mutants.py), and what each lab's
text says those mistakes look like is checked against them (symptoms.py).

    import labs
    labs.LABS[2]["title"]
    labs.tests(2)
    labs.groups(2)          # ("x86_64", "host")

What a submission may change, and grading it against a pristine tree:
labs/pristine.py.
"""

import importlib
import pkgutil
import re

_modules = None


def _load():
    global _modules
    if _modules is None:
        found = {}
        for info in pkgutil.iter_modules(__path__):
            m = re.match(r"lab(\d+)$", info.name)
            if m:
                found[int(m.group(1))] = importlib.import_module("%s.%s" % (__name__, info.name))
        _modules = dict(sorted(found.items()))
    return _modules


def numbers():
    return tuple(_load())


def lab(n):
    return _load()[n].LAB


def tests(n=None):
    """Every graded test of lab n (or of every lab), in order."""
    out = []
    for number, module in _load().items():
        if n is None or n == number:
            out += module.tests()
    return out


def groups(n):
    """Lab n's test groups, in order: the arches its boot tests run on, and
    "host" for its host tests (tools/grade --group; one GitHub Classroom
    step each)."""
    return tuple(dict.fromkeys(t.arch for t in tests(n)))


def __getattr__(name):
    if name == "LABS":
        return {n: m.LAB for n, m in _load().items()}
    raise AttributeError(name)
