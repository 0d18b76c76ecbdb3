"""Lab 2: the x86_64 TSS with IST1 (lessons/labs/lab2-tss-and-ist.md)."""

import faultline_scenarios as fs
from .checks import Test, died_starting, expect_caught, expect_triple_fault, lesson

IST = lesson("07-tss-and-ist")
GUARD = lesson("06-stack-overflow-and-guard-pages")
TRIPLE = lesson("03-triple-fault")

LAB = {"number": 2, "points": 30, "minutes": None, "title": "the x86_64 TSS with IST1",
       "doc": "lessons/labs/lab2-tss-and-ist.md", "lessons": (IST,)}


def ist_setup_problem(result, ctx):
    """What the kernel read back after start-up (TR, the TSS, IST1, IDT[8]'s
    IST field) says is wrong with the #DF stack switch, or None."""
    s = result.get("setup") or {}
    if not s:
        return None
    if s.get("tr") == 0:
        return "TR is 0x0000 after start-up: the task register was never loaded, so the " \
               "CPU has no TSS to take IST1 from"
    if s.get("idt8_ist") == 0:
        return "IDT[8]'s IST field is 0: #DF does not switch stacks"
    if s.get("idt8_ist") not in (None, 1):
        return "IDT[8]'s IST field is %d: the CPU takes TSS.ist[%d], not IST1" % (
            s["idt8_ist"], s["idt8_ist"] - 1)
    if s.get("tss") is not None and s.get("ist1") == 0:
        return "IST1 (TSS.ist[0], at offset 0x24) is 0: the CPU would push #DF's frame " \
               "below address 0 (is the stack's top in another slot?)"
    regions = ctx.get("df_stack", {}).get("x86_64")
    if s.get("ist1") is not None and regions and s["ist1"] != regions[1]:
        low, high = regions
        where = ("the bottom of the #DF stack: the frame would go into its guard page"
                 if s["ist1"] == low else "not the top of the #DF stack (0x%x)" % high)
        return "IST1 is 0x%x, %s" % (s["ist1"], where)
    return None


def expect_df_on_ist1(**kw):
    base = expect_caught(8, "#DF", stack=fs.SAFE_STACK["x86_64"], **kw)

    def check(result, ctx):
        hint = base(result, ctx)
        if hint and not died_starting(result):
            specific = ist_setup_problem(result, ctx)
            if specific:
                return "%s (%s)" % (specific, hint)
        return hint
    return check


def tests():
    return [
        Test(2, "x86_64", "stack_overflow: #DF on IST1, CR2 in the guard page", 10,
             expect_df_on_ist1(cr2=fs.GUARD_PAGE), (IST, GUARD), boot=("stack_overflow", "")),
        Test(2, "x86_64", "page_fault handlers=df: #DF on IST1", 10,
             expect_df_on_ist1(), (IST,), boot=("page_fault", "handlers=df")),
        Test(2, "x86_64", "stack_overflow df=stack: still a triple fault", 10,
             expect_triple_fault, (IST, TRIPLE), boot=("stack_overflow", "df=stack")),
    ]
