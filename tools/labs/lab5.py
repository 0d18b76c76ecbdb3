"""Lab 5: guard pages (lessons/labs/lab5-guard-pages.md)."""

import faultline_scenarios as fs
from .checks import Test, expect_caught, lesson

GUARD = lesson("06-stack-overflow-and-guard-pages")

LAB = {"number": 5, "points": 20, "minutes": None, "title": "guard pages", "doc": "lessons/labs/lab5-guard-pages.md",
       "lessons": (GUARD,)}


def tests():
    return [Test(5, arch, "stack_overflow: #DF, CR2 in the guard page", 10,
                 expect_caught(8, "#DF", stack=fs.SAFE_STACK[arch], cr2=fs.GUARD_PAGE),
                 (GUARD,), boot=("stack_overflow", ""))
            for arch in ("i386", "x86_64")]
