#!/usr/bin/env python3
"""tools/chain.py on real logs: QEMU's -d int and Bochs's debugger and log,
kept in tests/fixtures/chain/ (the tails of real boots of this kernel). The
boot matrix checks the same parser on live boots of every triple-fault and
caught-#DF case (tests/boot_matrix.py chain_problems).

  python3 -m unittest tests.test_chain -v
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import chain  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures", "chain")


def read(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return f.read()


def qemu(tag):
    return chain.chain(chain.parse_qemu(read("qemu-%s.log" % tag)))


def bochs(tag):
    return chain.chain(chain.parse_bochs(read("bochs-%s.debugger.txt" % tag),
                                         read("bochs-%s.log" % tag)))


# Where the fixtures' kernels had their stacks (nm of those builds).
SYMBOLS = [(0x10b000, "b", "df_stack"), (0x10e000, "B", "kernel_stack")]


class Rules(unittest.TestCase):
    """SDM Vol. 3A 6.15, Tables 6-4 and 6-5."""

    def test_classes(self):
        self.assertEqual([chain.exception_class(v) for v in (0, 10, 11, 12, 13, 21)],
                         ["contributory"] * 6)           # 21: #CP, as kernel/exceptions.c
        self.assertEqual(chain.exception_class(14), "page fault")
        self.assertEqual(chain.exception_class(20), "page fault")   # #VE
        self.assertEqual(chain.exception_class(8), "double fault")
        for v in (1, 2, 3, 4, 5, 6, 7, 9, 16, 17, 18, 19, 28, 29, 30):
            self.assertEqual(chain.exception_class(v), "benign", v)

    def test_pairs(self):
        self.assertEqual(chain.pair_rule(13, 11), "double fault")   # contributory, contributory
        self.assertEqual(chain.pair_rule(14, 13), "double fault")   # page fault, contributory
        self.assertEqual(chain.pair_rule(14, 14), "double fault")   # page fault, page fault
        self.assertEqual(chain.pair_rule(13, 14), "serial")         # contributory, page fault
        self.assertEqual(chain.pair_rule(3, 13), "serial")          # benign, anything
        self.assertEqual(chain.pair_rule(6, 14), "serial")
        self.assertEqual(chain.pair_rule(14, 6), "serial")          # page fault, benign
        for second in (0, 3, 13, 14):
            self.assertEqual(chain.pair_rule(8, second), "shutdown")


class Qemu(unittest.TestCase):
    def test_stack_overflow_df_stack(self):
        steps = qemu("x86_64-stack_overflow-df_stack")
        self.assertEqual(chain.path(steps), "#PF -> frame push faults: #PF = #DF -> "
                                            "frame push faults: #PF -> shutdown")
        self.assertEqual([s["during"] for s in steps], [None, 14, 8])
        self.assertEqual([s["became"] for s in steps], [14, 8, "shutdown"])
        # The first #PF's address, then the one its frame push hit: CR2 as
        # QEMU dumps it when it starts delivering #DF.
        self.assertEqual(steps[0]["cr2"], 0x10efe0)
        self.assertEqual(steps[1]["cr2"], 0x10efd8)
        self.assertEqual(steps[0]["ip"], 0x1037b4)
        lines = chain.describe(steps, lambda ip: "recurse+0x44" if ip == 0x1037b4 else None,
                               chain.stack_regions(SYMBOLS))
        self.assertEqual(lines[0], "#PF at recurse+0x44 writing 0x10efe0 "
                                   "(the kernel stack's guard page)")
        self.assertIn("delivering #PF: pushing its frame faulted (#PF at 0x10efd8, the kernel "
                      "stack's guard page) -> #DF (page fault, then page fault", lines[1])
        self.assertIn("delivering #DF: pushing its frame faulted (#PF) -> triple fault: "
                      "shutdown (a page fault while delivering #DF: 6.15, Interrupt 8)", lines[2])

    def test_no_handlers(self):
        steps = qemu("i386-page_fault-handlers_none")
        self.assertEqual(chain.path_vectors(chain.path(steps)), "#PF > #GP=#DF > #GP > shutdown")
        self.assertEqual(steps[0]["cr2"], 0xdeadbeef)
        # QEMU logs no error code for an exception that turned into #DF: say so.
        lines = chain.describe(steps)
        self.assertIn("#GP was raised (the engine logs no error code for it)", lines[1])
        self.assertIn("(a contributory exception while delivering #DF: 6.15, Interrupt 8)",
                      lines[2])

    def test_breakpoint_starts_with_a_software_interrupt(self):
        steps = qemu("x86_64-breakpoint-handlers_none")
        self.assertEqual(chain.path_vectors(chain.path(steps)),
                         "#BP > #GP > #GP=#DF > #GP > shutdown")
        self.assertTrue(steps[0]["software"])
        self.assertEqual(steps[1]["rule"], "serial")
        # QEMU 7.2's x86_64 error code 0x32 says index 6 (vector * 16): the
        # line names the entry the CPU read, IDT[3], and the engine's value.
        line = chain.describe(steps)[1]
        self.assertIn("IDT[3] is not a usable gate (#GP, error 0x32, whose index field says 6",
                      line)

    def test_caught_double_fault(self):
        events = chain.parse_qemu(read("qemu-i386-page_fault-handlers_df.log"))
        self.assertEqual(chain.chain(events), [])          # no shutdown in it
        steps = chain.chain_to_delivery(events)
        self.assertEqual(chain.path_vectors(chain.path(steps)), "#PF > #GP=#DF")
        # The kernel's own path line for the same boot compares equal.
        self.assertEqual(chain.path_vectors("#PF -> no gate: #GP = #DF"), "#PF > #GP=#DF")


class Bochs(unittest.TestCase):
    def test_no_handlers(self):
        steps = bochs("i386-page_fault-handlers_none")
        self.assertEqual(chain.path(steps),
                         "#PF -> no gate: #GP = #DF -> no gate: #GP -> shutdown")
        self.assertEqual([s["error_code"] for s in steps], [0x2, 0x73, 0x43])
        lines = chain.describe(steps)
        self.assertIn("IDT[14] is not a usable gate (#GP, error 0x73)", lines[1])
        self.assertIn("IDT[8] is not a usable gate (#GP, error 0x43)", lines[2])

    def test_stack_overflow(self):
        steps = bochs("x86_64-stack_overflow-df_stack")
        self.assertEqual(chain.path_vectors(chain.path(steps)),
                         "#PF > #PF=#DF > #PF > shutdown")
        # Bochs's log dumps the state at the shutdown: the faulting IP and
        # the last #PF's address.
        self.assertEqual(steps[0]["ip"], 0x1037b4)
        self.assertEqual(steps[-1]["cr2"], 0x10efd8)
        self.assertEqual(chain.describe(steps)[0],
                         "#PF at 0x1037b4 (error 0x2: write, page not present)")

    def test_gate_then_stack(self):
        steps = bochs("i386-stack_overflow-handlers_df-df_stack")
        self.assertEqual(chain.path(steps),
                         "#PF -> no gate: #GP = #DF -> frame push faults: #PF -> shutdown")

    def test_breakpoint(self):
        steps = bochs("x86_64-breakpoint-handlers_none")
        self.assertEqual(chain.path(steps), "#BP -> no gate: #GP -> no gate: #GP = #DF -> "
                                            "no gate: #GP -> shutdown")
        # INT3's #GP has EXT clear; the later ones, raised delivering
        # exceptions, have it set (SDM Vol. 3A 6.13).
        self.assertEqual([s["error_code"] for s in steps[1:]], [0x1a, 0x6b, 0x43])

    def test_an_old_bios_interrupt_is_not_a_delivery_in_progress(self):
        # The fixture starts with BIOS "Interrupt 0x15" lines: the #PF after
        # them was raised by an instruction, not while delivering 0x15.
        steps = bochs("i386-page_fault-handlers_none")
        self.assertIsNone(steps[0]["during"])
        self.assertEqual(steps[0]["vector"], 14)


class MadeUp(unittest.TestCase):
    def test_a_fault_after_a_delivery_that_went_through_starts_a_new_chain(self):
        # A #PF delivered (the handler ran: QEMU reset "old"), then a fresh #GP.
        log = ("check_exception old: 0xffffffff new 0xe\n"
               "     0: v=0e e=0002 i=0 cpl=0 IP=0008:00001000 pc=00001000 SP=0010:00002000 CR2=00000000\n"
               "check_exception old: 0xffffffff new 0xd\n"
               "     1: v=0d e=0000 i=0 cpl=0 IP=0008:00001100 pc=00001100 SP=0010:00001f00\n"
               "check_exception old: 0xd new 0xd\n"
               "     2: v=08 e=0000 i=0 cpl=0 IP=0008:00001100 pc=00001100 SP=0010:00001f00\n"
               "check_exception old: 0x8 new 0xd\n"
               "Triple fault\n")
        steps = chain.chain(chain.parse_qemu(log))
        self.assertEqual(chain.path_vectors(chain.path(steps)), "#GP > #GP=#DF > #GP > shutdown")
        self.assertEqual(steps[0]["ip"], 0x1100)

    def test_nothing_to_tell(self):
        self.assertEqual(chain.chain([]), [])
        self.assertIsNone(chain.path([]))
        self.assertEqual(chain.chain(chain.parse_qemu("Triple fault\n")), [])


class Model(unittest.TestCase):
    def test_model_matches_the_kernel_notation(self):
        def all_gates(v):
            return True

        def df_gate_only(v):
            return v == 8

        self.assertEqual(chain.model_path(14, all_gates, True, False),
                         "#PF -> frame push faults: #PF = #DF -> frame push faults: #PF -> shutdown")
        self.assertEqual(chain.model_path(14, all_gates, True, True),
                         "#PF -> frame push faults: #PF = #DF")
        self.assertEqual(chain.model_path(3, df_gate_only, False, True),
                         "#BP -> no gate: #GP -> no gate: #GP = #DF")
        self.assertEqual(chain.model_path(14, all_gates, False, True), "#PF")


if __name__ == "__main__":
    unittest.main()
