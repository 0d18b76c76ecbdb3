"""Lab 3: the i386 #DF TSS and task gate (lessons/labs/lab3-tss-and-task-gate.md)."""

import faultline_scenarios as fs
from .checks import Test, expect_caught, expect_screen, lesson

TASK = lesson("08-tss-and-task-gate")

LAB = {"number": 3, "points": 30, "minutes": None, "title": "the i386 #DF TSS and task gate",
       "doc": "lessons/labs/lab3-tss-and-task-gate.md", "lessons": (TASK,)}


def tests():
    safe = fs.SAFE_STACK["i386"]
    return [
        Test(3, "i386", "stack_overflow: #DF in the #DF task, IP in recurse", 10,
             expect_caught(8, "#DF", stack=safe, function="recurse"), (TASK,),
             boot=("stack_overflow", "")),
        Test(3, "i386", "page_fault handlers=df: #DF in the #DF task", 10,
             expect_caught(8, "#DF", stack=safe), (TASK,), boot=("page_fault", "handlers=df")),
        Test(3, "i386", "stack_overflow screen: back-link 0x18, EFLAGS.NT=1", 10,
             expect_screen("back-link 0x18", "EFLAGS.NT=1"), (TASK,),
             boot=("stack_overflow", "")),
    ]
