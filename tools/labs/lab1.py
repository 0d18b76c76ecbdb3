"""Lab 1: install the #DF handler (lessons/labs/lab1-double-fault-handler.md)."""

from .checks import Test, expect_caught, lesson

TRIPLE = lesson("03-triple-fault")
DF_HANDLER = lesson("04-double-fault-handler")

LAB = {"number": 1, "points": 40, "minutes": None, "title": "install the #DF handler",
       "doc": "lessons/labs/lab1-double-fault-handler.md", "lessons": (TRIPLE, DF_HANDLER)}


def tests():
    t = []
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "page_fault handlers=df df=stack: caught as #DF", 10,
                      expect_caught(8, "#DF", stack="kernel"), (TRIPLE, DF_HANDLER),
                      boot=("page_fault", "handlers=df df=stack")))
    for arch in ("i386", "x86_64"):
        t.append(Test(1, arch, "page_fault: still caught as #PF, CR2 0xdeadbeef", 10,
                      expect_caught(14, "#PF", stack="kernel", cr2=0xdeadbeef),
                      (DF_HANDLER,), boot=("page_fault", "")))
    return t
