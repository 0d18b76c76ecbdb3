#!/usr/bin/env python3
"""Unit tests of tools/run-scenario's logic (tools/faultline_scenarios.py).

No emulator needed, except the last class, which fakes one with a tiny shell
script to exercise run_qemu's process handling.

  python3 -m unittest discover -s tests -p 'test_*.py'
  python3 tests/test_run_scenario.py
"""

import importlib.machinery
import importlib.util
import io
import json
import os
import shutil
import stat
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(HERE), "tools")
sys.path.insert(0, TOOLS)

import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
import grub_iso  # noqa: E402
from engines import base, kvm as engines_kvm  # noqa: E402

QEMU = engines.get("qemu")


def load_run_scenario():
    """Import tools/run-scenario (no .py suffix) as a module."""
    path = os.path.join(TOOLS, "run-scenario")
    loader = importlib.machinery.SourceFileLoader("run_scenario_cli", path)
    spec = importlib.util.spec_from_loader("run_scenario_cli", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


CAUGHT = ("FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=page_fault handlers=all "
          "df=safe vector=14 name=#PF error_code=0x2 stack=kernel ip=0x101a2c "
          "sp=0x10cfd8 handler_sp=0x10cf40 cr2=0xdeadbeef")
ERROR = ("FAULTLINE-RESULT outcome=error arch=i386 reason=\"unknown scenario 'foo' "
         "(valid: page_fault stack_overflow divide_error)\"")


class ParseResultLine(unittest.TestCase):
    def test_caught_fields(self):
        f = fs.parse_result_line(CAUGHT)
        self.assertEqual(f["outcome"], "caught")
        self.assertEqual(f["arch"], "x86_64")
        self.assertEqual(f["vector"], "14")
        self.assertEqual(f["name"], "#PF")
        self.assertEqual(f["error_code"], "0x2")
        self.assertEqual(f["stack"], "kernel")
        self.assertEqual(f["ip"], "0x101a2c")
        self.assertEqual(f["handler_sp"], "0x10cf40")
        self.assertEqual(f["cr2"], "0xdeadbeef")
        self.assertEqual(len(f), 13)

    def test_quoted_value_with_spaces(self):
        f = fs.parse_result_line(ERROR)
        self.assertEqual(f["outcome"], "error")
        self.assertEqual(f["reason"], "unknown scenario 'foo' (valid: page_fault "
                                      "stack_overflow divide_error)")

    def test_quoted_value_then_more_fields(self):
        f = fs.parse_result_line('FAULTLINE-RESULT reason="a b" outcome=error x=1')
        self.assertEqual(f, {"reason": "a b", "outcome": "error", "x": "1"})

    def test_quote_inside_quoted_value(self):
        # The kernel does not escape: a '"' not followed by a blank is kept.
        f = fs.parse_result_line('FAULTLINE-RESULT outcome=error reason="bad \'a"b\' here"')
        self.assertEqual(f["reason"], "bad 'a\"b' here")

    def test_empty_quoted_value(self):
        self.assertEqual(fs.parse_result_line('FAULTLINE-RESULT outcome=error reason=""')
                         ["reason"], "")

    def test_bare_reason(self):
        f = fs.parse_result_line("FAULTLINE-RESULT outcome=no_fault arch=i386 "
                                 "reason=no_scenario")
        self.assertEqual(f["reason"], "no_scenario")

    def test_carriage_return_and_blanks(self):
        f = fs.parse_result_line("FAULTLINE-RESULT outcome=caught  vector=3\r")
        self.assertEqual(f, {"outcome": "caught", "vector": "3"})

    def test_missing_line(self):
        self.assertIsNone(fs.parse_result_line(None))
        self.assertIsNone(fs.parse_result_line(""))
        self.assertIsNone(fs.parse_result_line("some other line"))
        self.assertIsNone(fs.parse_result_line("FAULTLINE-RESULTS outcome=caught"))

    def test_garbage(self):
        for bad in ("FAULTLINE-RESULT outcome=caught vector",
                    "FAULTLINE-RESULT outcome=caught =14",
                    "FAULTLINE-RESULT outcome=error reason=\"never closed",
                    "FAULTLINE-RESULT outcome=caught outcome=error",
                    "FAULTLINE-RESULT vector=14 name=#PF",
                    "FAULTLINE-RESULT \x00\x01garbage"):
            with self.subTest(bad=bad):
                with self.assertRaises(fs.ResultLineError):
                    fs.parse_result_line(bad)

    def test_find_last_complete_line(self):
        serial = ("booting\r\nFAULTLINE-RESULT outcome=error reason=first\r\n"
                  "more\r\n" + CAUGHT + "\r\n")
        self.assertEqual(fs.find_result_line(serial), CAUGHT)

    def test_incomplete_line_is_not_a_result(self):
        self.assertIsNone(fs.find_result_line("text\r\n" + CAUGHT))
        self.assertIsNone(fs.find_result_line("FAULTLINE-RESULT outcome=ca"))
        self.assertFalse(fs.has_complete_result_line(b"x\nFAULTLINE-RESULT outcome=caught"))
        self.assertTrue(fs.has_complete_result_line(b"x\nFAULTLINE-RESULT outcome=caught\n"))

    def test_result_prefix_must_start_the_line(self):
        self.assertIsNone(fs.find_result_line("command line: FAULTLINE-RESULT x=1\n"))

    def test_bytes_and_cr(self):
        self.assertEqual(fs.clean_serial(b"a\r\nb\r\n"), "a\nb\n")
        self.assertEqual(fs.find_result_line(ERROR.encode() + b"\r\n"), ERROR)


class Classify(unittest.TestCase):
    CAUGHT_FIELDS = {"outcome": "caught", "vector": "14"}

    def test_engine_evidence_wins_over_result_line_and_timeout(self):
        self.assertEqual(fs.classify(self.CAUGHT_FIELDS, False, 0, triple_fault="Triple fault"),
                         ("triple_fault", "Triple fault"))
        self.assertEqual(fs.classify(None, True, -9, triple_fault="Triple fault")[0],
                         "triple_fault")

    def test_engine_failure_is_an_error_naming_it(self):
        outcome, detail = fs.classify(None, True, -9, failure="KVM internal error (x)")
        self.assertEqual((outcome, detail), ("error", "KVM internal error (x)"))

    def test_kernel_word_alone_is_not_a_triple_fault(self):
        # Only the engine's evidence counts.
        outcome, detail = fs.classify({"outcome": "triple_fault"}, False, 0)
        self.assertEqual(outcome, "error")
        self.assertIn("triple_fault", detail)

    def test_kernel_outcomes(self):
        for outcome in ("caught", "error", "no_fault"):
            with self.subTest(outcome=outcome):
                self.assertEqual(fs.classify({"outcome": outcome}, False, -9), (outcome, None))

    def test_result_line_beats_timeout(self):
        self.assertEqual(fs.classify(self.CAUGHT_FIELDS, True, -9)[0], "caught")

    def test_timeout(self):
        self.assertEqual(fs.classify(None, True, -9), ("timeout", None))

    def test_error_without_result_line(self):
        outcome, detail = fs.classify(None, False, 3, log_tail=["qemu: bad option"])
        self.assertEqual(outcome, "error")
        self.assertIn("status 3", detail)
        self.assertIn("qemu: bad option", detail)

    def test_interesting_log_lines_drop_register_dumps(self):
        log = "CPU Reset (CPU 0)\nEAX=00000000 EBX=1\nES =0000 0\nsomething odd\n"
        self.assertEqual(fs.interesting_log_lines(log), ["something odd"])


class Evidence(unittest.TestCase):
    """Each engine's own words for a triple fault, and for breaking down."""

    def test_qemu_log(self):
        log = "CPU Reset (CPU 0)\nEAX=00000000\nTriple fault\nCPU Reset (CPU 0)\n"
        self.assertEqual(engines.get("qemu").triple_fault({"log_text": log}), "Triple fault")
        self.assertIsNone(engines.get("qemu").triple_fault({"log_text": "CPU Reset\n"}))

    def test_bochs_log(self):
        # reset_on_triple_fault=0 with panic reporting, and the resetting form.
        panic = "00067420484p[CPU0  ] >>PANIC<< exception(): 3rd (13) exception with no resolution"
        reset = ("00067420484i[CPU0  ] exception(): 3rd (14) exception with no resolution, "
                 "shutdown status is 00h, resetting")
        for line, vector in ((panic, 13), (reset, 14)):
            self.assertEqual(engines.get("bochs").triple_fault({"log_text": line + "\n"}),
                             "3rd (%d) exception with no resolution" % vector)
        # Bochs's shutdown port is not a triple fault.
        shutdown = "00067838159p[UNMAP ] >>PANIC<< Shutdown port: shutdown requested"
        self.assertIsNone(engines.get("bochs").triple_fault({"log_text": shutdown}))

    def test_kvm_shutdown_exit(self):
        kvm = engines.get("kvm")
        log = ("kvm_run_exit cpu_index 0, reason 2\n" * 3
               + "kvm_run_exit cpu_index 0, reason 8\n")
        self.assertEqual(kvm.triple_fault({"log_text": log}),
                         "KVM_EXIT_SHUTDOWN (QEMU trace: kvm_run_exit cpu_index 0, reason 8)")
        for other in ("kvm_run_exit cpu_index 0, reason 2\n",
                      "kvm_run_exit cpu_index 0, reason 80\n", "Triple fault\n", ""):
            self.assertIsNone(kvm.triple_fault({"log_text": other}), other)

    KVM_ERROR = """KVM internal error. Suberror: 1
extra data[0]: 0x0000000000000001
emulation failure
RAX=0000000000103220 RBX=0000000000106060 RCX=0000000000000700 RDX=00000000000003d5
RIP=000000000010322c RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
Code=80 3d 06 ee 00 00 00 74 03 66 87 db <cc> c3 66 90 80 3d 06 ee
"""

    def test_kvm_internal_error(self):
        kvm = engines.get("kvm")
        self.assertEqual(kvm.failure({"stderr_text": self.KVM_ERROR}),
                         "KVM internal error (suberror 1: emulation failure) at RIP=0x10322c, "
                         "instruction bytes cc c3 66 90 80 3d")
        self.assertIsNone(kvm.failure({"stderr_text": "qemu: warning: pni\n"}))
        self.assertIsNone(engines.get("qemu").failure({"stderr_text": self.KVM_ERROR}))


class Startup(unittest.TestCase):
    def test_started(self):
        serial = ("faultline i386: start-up: paging GDT TSS IDT ok\r\n"
                  "faultline i386: scenario=page_fault handlers=all df=safe: running\r\n")
        self.assertEqual(fs.parse_startup(serial),
                         {"steps": ["paging", "GDT", "TSS", "IDT"], "done": True,
                          "stopped_at": None, "scenario_started": True})

    def test_died_while_starting(self):
        st = fs.parse_startup("faultline i386: start-up: paging GDT TSS")
        self.assertEqual((st["stopped_at"], st["done"], st["scenario_started"]),
                         ("TSS", False, False))

    def test_no_startup_line(self):
        # The menu and the bad-command-line screen return before start-up.
        self.assertEqual(fs.parse_startup(" faultline x86_64: bad kernel command line\n"),
                         {"steps": [], "done": False, "stopped_at": None,
                          "scenario_started": False})


class Setup(unittest.TestCase):
    """The lines the kernel prints after start-up: what #DF will use, read
    back from the CPU's tables."""

    def test_x86_64(self):
        serial = ("faultline x86_64: start-up: paging GDT TSS IDT ok\r\n"
                  "faultline x86_64: TR 0x18: TSS 0x11f000 limit 0x67, IST1 0x10e000; "
                  "IDT[8] IST 1\r\n"
                  "faultline x86_64: guard pages: kernel 0x10e000 unmapped ist1 0x10b000 "
                  "MAPPED\r\n")
        self.assertEqual(fs.parse_setup(serial),
                         {"tr": 0x18, "tss": 0x11f000, "limit": 0x67, "ist1": 0x10e000,
                          "idt8_ist": 1, "guards": {"kernel": (0x10e000, False),
                                                    "ist1": (0x10b000, True)}})
        no_tr = fs.parse_setup("faultline x86_64: TR 0x0000: no TSS loaded (LTR); "
                               "IDT[8] no gate\n")
        self.assertEqual(no_tr, {"tr": 0, "tss": None, "limit": None, "ist1": None,
                                 "idt8_ist": None})
        past = fs.parse_setup("faultline x86_64: TR 0x18: TSS 0x11f000 limit 0x23, IST1 "
                              "past the limit; IDT[8] IST 1\n")
        self.assertEqual((past["limit"], past["ist1"]), (0x23, None))

    def test_i386(self):
        serial = ("faultline i386: TR 0x18; IDT[8] task gate -> TSS 0x20, which holds\r\n"
                  "  EIP 0x104d8f ESP 0x10d000 EFLAGS 0x2 CR3 0x117000 CS 0x8 SS 0x10\r\n")
        self.assertEqual(fs.parse_setup(serial),
                         {"tr": 0x18, "idt8": "task gate", "sel": 0x20, "eip": 0x104d8f,
                          "esp": 0x10d000, "eflags": 2, "cr3": 0x117000, "cs": 8, "ss": 0x10})
        self.assertEqual(fs.parse_setup("faultline i386: TR 0x18; IDT[8] interrupt gate\n"),
                         {"tr": 0x18, "idt8": "interrupt gate"})
        # A task gate whose selector names no descriptor (arch/i386/cpu.c).
        self.assertEqual(fs.parse_setup("faultline i386: TR 0x18; IDT[8] task gate -> 0x0: "
                                        "no such TSS\n"),
                         {"tr": 0x18, "idt8": "task gate", "sel": 0})
        self.assertEqual(fs.parse_setup("no such lines"), {})


class Cr2(unittest.TestCase):
    GUARD = 0x10d000

    def test_frame_range(self):
        # x86_64 aligns RSP down to 16, then six 8-byte slots; i386 four 4-byte ones.
        self.assertEqual(fs.pf_frame_range("x86_64", 0x10df88), (0x10df50, 0x10df80))
        self.assertEqual(fs.pf_frame_range("i386", 0x10cf78), (0x10cf68, 0x10cf78))

    def test_frame_push_is_the_second_fault(self):
        ok = fs.cr2_problems(fs.FRAME_PUSH, "x86_64", 0x10df78, 0x10df80, self.GUARD)
        self.assertEqual(ok, [])
        bad = fs.cr2_problems(fs.FRAME_PUSH, "x86_64", 0x10df80, 0x10df80, self.GUARD)
        self.assertEqual(len(bad), 1)
        self.assertIn("not the second #PF's address", bad[0])

    def test_first_fault(self):
        self.assertEqual(fs.cr2_problems(fs.FIRST_FAULT, "x86_64", 0x10df80, 0x10df80,
                                         self.GUARD), [])
        self.assertIn("second #PF's address",
                      fs.cr2_problems(fs.FIRST_FAULT, "x86_64", 0x10df70, 0x10df80,
                                      self.GUARD)[0])
        # A push at an aligned sp faults at sp - 8, where the frame's first
        # push goes too: the first and second addresses are one.
        self.assertEqual(fs.cr2_problems(fs.FIRST_FAULT, "x86_64", 0x10df78, 0x10df80,
                                         self.GUARD), [])
        self.assertIn("second #PF's address",
                      fs.cr2_problems(fs.FIRST_FAULT, "x86_64", 0x10df78, 0x10df88,
                                      self.GUARD)[0])

    def test_guard_page_and_exact(self):
        self.assertIn("not in the guard page",
                      fs.cr2_problems(fs.GUARD_PAGE, "i386", 0x10e000, 0x10e000, self.GUARD)[0])
        self.assertIn("no symbol", fs.cr2_problems(fs.GUARD_PAGE, "i386", 1, 1, None)[0])
        self.assertEqual(fs.cr2_problems("0xdeadbeef", "i386", 0xdeadbeef, 0, None), [])
        self.assertEqual(fs.cr2_problems("0xdeadbeef", "i386", None, 0, None),
                         ["cr2=None, expected 0xdeadbeef"])
        self.assertEqual(fs.cr2_problems(None, "i386", None, None, None), [])

    def test_rule_follows_the_configuration(self):
        self.assertEqual(fs.expected_outcome("x86_64", "stack_overflow")["cr2"], fs.FRAME_PUSH)
        # No #PF gate: no frame is pushed; CR2 is the faulting instruction's
        # own address, which depends on the compiler's code: the guard page.
        self.assertEqual(fs.expected_outcome("x86_64", "stack_overflow", "df")["cr2"],
                         fs.GUARD_PAGE)


NM = """\
                 U undefined_thing
00100000 T _start
00100010 T scenario_name
00101000 t scenario_page_fault
00101010 t recurse
00101050 r some_rodata
00101060 T scenario_run
00106000 b df_stack
00109000 B kernel_stack
garbage line here with words
"""


class Symbolize(unittest.TestCase):
    def setUp(self):
        self.symbols = fs.parse_nm(NM)

    def test_parse_nm_skips_undefined_and_garbage(self):
        names = [s[2] for s in self.symbols]
        self.assertNotIn("undefined_thing", names)
        self.assertEqual(names[0], "_start")
        self.assertEqual(len(self.symbols), 8)

    def test_inside_function(self):
        self.assertEqual(fs.symbolize("0x101005", self.symbols), "scenario_page_fault+0x5")
        self.assertEqual(fs.symbolize(0x101024, self.symbols), "recurse+0x14")

    def test_exact_start(self):
        self.assertEqual(fs.symbolize("0x101010", self.symbols), "recurse+0x0")

    def test_only_text_symbols(self):
        # 0x101055 is past the rodata symbol r at 0x101050: still recurse.
        self.assertEqual(fs.symbolize("0x101055", self.symbols), "recurse+0x45")
        # B/b symbols never name an ip.
        self.assertEqual(fs.symbolize("0x109010", self.symbols), "scenario_run+0x7fb0")

    def test_below_first_symbol_and_missing_ip(self):
        self.assertIsNone(fs.symbolize("0xfff00", self.symbols))
        self.assertIsNone(fs.symbolize(None, self.symbols))
        self.assertIsNone(fs.symbolize("not-hex", self.symbols))
        self.assertIsNone(fs.symbolize("0x101000", []))

    def test_64bit_addresses(self):
        syms = fs.parse_nm("ffffffff80001000 T hi\n0000000000100000 T lo\n")
        self.assertEqual(fs.symbolize("0xffffffff80001234", syms), "hi+0x234")

    def test_symbol_address_and_function(self):
        self.assertEqual(fs.symbol_address("kernel_stack", self.symbols), 0x109000)
        self.assertIsNone(fs.symbol_address("nope", self.symbols))
        self.assertEqual(fs.symbol_function("recurse+0x24"), "recurse")
        self.assertIsNone(fs.symbol_function(None))


class ExpectedTable(unittest.TestCase):
    def test_handlers_none_is_triple_fault_everywhere(self):
        for arch in fs.ARCHES:
            for scenario in fs.SCENARIOS:
                if arch not in fs.scenario_arches(scenario):
                    continue
                for df in fs.DF_MODES:
                    with self.subTest(arch=arch, scenario=scenario, df=df):
                        self.assertEqual(fs.expected_outcome(arch, scenario, "none", df),
                                         {"outcome": "triple_fault"})

    def test_page_fault_handlers_none(self):
        for arch in fs.ARCHES:
            self.assertEqual(fs.expected_outcome(arch, "page_fault", "none")["outcome"],
                             "triple_fault")

    def test_stack_overflow_default_is_df_on_safe_stack(self):
        x = fs.expected_outcome("x86_64", "stack_overflow")
        self.assertEqual((x["outcome"], x["vector"], x["name"], x["stack"]),
                         ("caught", 8, "#DF", "ist1"))
        i = fs.expected_outcome("i386", "stack_overflow")
        self.assertEqual((i["outcome"], i["vector"], i["name"], i["stack"]),
                         ("caught", 8, "#DF", "df-task"))
        self.assertEqual(i["cr2"], fs.FRAME_PUSH)
        self.assertEqual(i["function"], "recurse")

    def test_stack_overflow_df_on_stack_is_triple_fault(self):
        for arch in fs.ARCHES:
            for handlers in ("all", "df"):
                self.assertEqual(
                    fs.expected_outcome(arch, "stack_overflow", handlers, "stack")["outcome"],
                    "triple_fault")

    def test_arch_spelling_of_safe(self):
        self.assertEqual(fs.expected_outcome("i386", "stack_overflow", "all", "task")["stack"],
                         "df-task")
        self.assertEqual(fs.expected_outcome("x86_64", "stack_overflow", "all", "ist")["stack"],
                         "ist1")
        with self.assertRaises(ValueError):
            fs.expected_outcome("i386", "stack_overflow", "all", "ist")
        with self.assertRaises(ValueError):
            fs.expected_outcome("x86_64", "stack_overflow", "all", "task")

    def test_handlers_df_is_double_fault(self):
        for arch in fs.ARCHES:
            for df, stack in (("safe", fs.SAFE_STACK[arch]), ("stack", "kernel")):
                e = fs.expected_outcome(arch, "general_protection", "df", df)
                self.assertEqual((e["vector"], e["name"], e["stack"], e["error_code"]),
                                 (8, "#DF", stack, "0x0"))
        e = fs.expected_outcome("i386", "page_fault", "df", "safe")
        self.assertEqual(e["cr2"], "0xdeadbeef")

    def test_handlers_all_own_vector(self):
        want = {"page_fault": (14, "#PF", "0x2"), "divide_error": (0, "#DE", None),
                "breakpoint": (3, "#BP", None), "invalid_opcode": (6, "#UD", None),
                "general_protection": (13, "#GP", "0xfff8")}
        for arch in fs.ARCHES:
            for scenario, (vector, name, code) in want.items():
                for df in fs.DF_MODES:
                    e = fs.expected_outcome(arch, scenario, "all", df)
                    self.assertEqual((e["outcome"], e["vector"], e["name"], e["stack"],
                                      e["error_code"]),
                                     ("caught", vector, name, "kernel", code))

    def test_table_is_complete_and_json(self):
        table = fs.expected_table()
        json.dumps(table)
        self.assertEqual(len(table["configurations"]), 6)
        self.assertEqual([s["scenario"] for s in table["scenarios"]], list(fs.SCENARIOS))
        for s in table["scenarios"]:
            self.assertEqual(sorted(s["expected"]), sorted(fs.scenario_arches(s["scenario"])))
            for arch in s["expected"]:
                self.assertEqual(len(s["expected"][arch]), 6)

    def test_every_vector_is_covered_or_explained(self):
        rows = fs.vector_coverage()
        self.assertEqual([r["vector"] for r in rows], list(range(32)))
        for r in rows:
            for arch in fs.ARCHES:
                cell = r[arch]
                self.assertTrue(cell["scenario"] or cell["why"], (r["vector"], arch))
        by = {r["vector"]: r for r in rows}
        self.assertEqual(by[4]["i386"]["scenario"], "overflow")
        self.assertIn("INTO is invalid in 64-bit mode", by[4]["x86_64"]["why"])
        self.assertEqual(by[10]["i386"]["scenario"], "invalid_tss")
        self.assertEqual(by[10]["x86_64"]["scenario"], "invalid_tss")
        self.assertEqual(by[13]["i386"]["scenario"], "general_protection")
        self.assertEqual(by[14]["x86_64"]["scenario"], "page_fault")
        self.assertEqual(by[8]["x86_64"]["scenario"], "stack_overflow")
        self.assertEqual(by[17]["i386"]["scenario"], "alignment_check")
        self.assertEqual(by[15]["i386"]["why"], "reserved by Intel")
        # i386 raises 16 vectors on purpose, x86_64 14 (#AC from ring 3).
        for arch, n in (("i386", 16), ("x86_64", 14)):
            self.assertEqual(sum(1 for r in rows if r[arch]["scenario"]), n, arch)

    def test_deviations(self):
        self.assertEqual(fs.expected_outcome("x86_64", "simd_error", emulator="qemu"),
                         {"outcome": "no_fault", "reason": "scenario_returned",
                          "deviations": ["tcg-no-xm"]})
        bochs = fs.expected_outcome("x86_64", "simd_error", emulator="bochs")
        self.assertEqual((bochs["outcome"], bochs["vector"], bochs["name"]),
                         ("caught", 19, "#XM"))
        self.assertNotIn("deviations", bochs)
        # KVM's deviations belong to one provider: PVM, not hardware VMX.
        pvm = fs.expected_outcome("x86_64", "stack_overflow", emulator="kvm", provider="pvm")
        self.assertEqual((pvm["cr2"], pvm["deviations"]), (fs.FIRST_FAULT, ["kvm-df-keeps-cr2"]))
        vmx = fs.expected_outcome("x86_64", "stack_overflow", emulator="kvm", provider="vmx")
        self.assertEqual(vmx, fs.expected_outcome("x86_64", "stack_overflow"))
        self.assertEqual(fs.expected_outcome("i386", "page_fault", "none", emulator="kvm",
                                             provider="pvm"),
                         {"outcome": "triple_fault", "startup_stopped_at": "paging",
                          "deviations": ["pvm-no-32bit-paging"]})
        # A deviation in one configuration only.
        df = fs.expected_outcome("x86_64", "stack_overflow", "df", emulator="kvm",
                                 provider="pvm")
        self.assertNotIn("deviations", df)

    def test_every_deviation_is_documented(self):
        for d in fs.DEVIATIONS:
            with self.subTest(d["id"]):
                self.assertIn(d["engine"], engines.names())
                self.assertRegex(d["manual"], r"(SDM|APM) Vol\. \d")
                self.assertTrue(d["what"] and d["seen"])
                for sc in d["scenarios"]:
                    self.assertIn(sc, fs.SCENARIOS)

    def test_i386_only_scenarios(self):
        self.assertEqual(fs.expected_outcome("x86_64", "overflow"), {"outcome": "error"})
        self.assertEqual(fs.expected_outcome("i386", "invalid_tss")["error_code"], "0xfff8")
        reasons = [c["reason_contains"] for c in fs.validation_cases("x86_64")]
        self.assertIn("scenario=bound_range exists only on i386: BOUND is invalid in "
                      "64-bit mode (#UD); 32-bit and compatibility-mode code have it", reasons)

    def test_validation_cases_use_the_other_arch_spelling(self):
        i386 = {c["kargs"] for c in fs.validation_cases("i386")}
        x86 = {c["kargs"] for c in fs.validation_cases("x86_64")}
        self.assertIn("df=ist", i386)
        self.assertIn("df=task", x86)

    def test_unknown_inputs_rejected(self):
        with self.assertRaises(ValueError):
            fs.expected_outcome("arm", "page_fault")
        with self.assertRaises(ValueError):
            fs.expected_outcome("i386", "bogus")
        with self.assertRaises(ValueError):
            fs.expected_outcome("i386", "page_fault", "maybe")


class CommandLines(unittest.TestCase):
    def test_cmdline(self):
        self.assertEqual(fs.build_cmdline("page_fault", "handlers=none"),
                         "scenario=page_fault handlers=none")
        self.assertEqual(fs.build_cmdline("page_fault", None), "scenario=page_fault")
        self.assertEqual(fs.build_cmdline("page_fault", ""), "scenario=page_fault")
        self.assertEqual(fs.build_cmdline(None, "scenario=x df=stack"), "scenario=x df=stack")
        self.assertEqual(fs.build_cmdline(None, None), "")

    def test_cmdline_is_not_validated(self):
        self.assertEqual(fs.build_cmdline("bogus", "nonsense colour=red"),
                         "scenario=bogus nonsense colour=red")

    def test_boot_timeouts(self):
        kvm = engines.get("kvm")
        spec = lambda **kw: engines.base.Spec("x86_64", **kw)  # noqa: E731
        self.assertEqual(QEMU.boot_timeout(spec()), 10.0)
        self.assertEqual(kvm.boot_timeout(spec()), 10.0)                  # microvm
        self.assertEqual(kvm.boot_timeout(spec(machine="pc")), 30.0)      # SeaBIOS under PVM
        self.assertEqual(kvm.boot_timeout(spec(machine="pc", timeout=4.0)), 4.0)
        self.assertEqual(engines.get("bochs").boot_timeout(spec()), 30.0)

    def test_the_engine_picks_the_timeout(self):
        """run_scenario and the VGA capture leave an unset timeout to the
        engine's boot_timeout (KVM on pc: 30 s), never its plain default."""
        import vga_screen
        seen = []

        class Engine(engines.base.Engine):
            name, title, boots = "fake", "Fake", ("kernel",)

            def check(self, *a, **k):
                pass

            def version(self):
                return "fake 1"

            def run(self, spec):
                seen.append(spec.timeout)
                return engines.base.new_run(["fake"])

            def capture_vga(self, spec, screendump=False):
                return self.run(spec)

            def triple_fault(self, run):
                return None

        real = engines.get
        fake = Engine()
        engines.get = lambda name: fake if name == "fake" else real(name)
        try:
            fs.run_scenario("x86_64", scenario="page_fault", emulator="fake")
            vga_screen.capture("fake", "x86_64", "scenario=page_fault")
            fs.run_scenario("x86_64", scenario="page_fault", emulator="fake", timeout=3.0)
        finally:
            engines.get = real
        self.assertEqual(seen, [None, None, 3.0])

    def test_qemu_command_kernel(self):
        cmd = QEMU.command("x86_64", "/tmp/q.log", kernel="k.elf",
                                    cmdline="scenario=page_fault df=ist",
                                    emulator_args="-smp 1 -name 'a b'")
        self.assertEqual(cmd[0], "qemu-system-x86_64")
        for opt in ("-no-reboot", "-monitor", "-display"):
            self.assertIn(opt, cmd)
        self.assertEqual(cmd[cmd.index("-D") + 1], "/tmp/q.log")
        self.assertEqual(cmd[cmd.index("-d") + 1], "cpu_reset,guest_errors,int")
        self.assertEqual(cmd[cmd.index("-serial") + 1], "stdio")
        self.assertEqual(cmd[cmd.index("-device") + 1], "isa-debug-exit,iobase=0xf4,iosize=0x04")
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "k.elf")
        self.assertEqual(cmd[cmd.index("-append") + 1], "scenario=page_fault df=ist")
        self.assertEqual(cmd[-4:], ["-smp", "1", "-name", "a b"])
        self.assertNotIn("-cdrom", cmd)

    def test_qemu_command_iso_and_i386(self):
        cmd = QEMU.command("i386", "l", iso="x.iso")
        self.assertEqual(cmd[0], "qemu-system-i386")
        self.assertEqual(cmd[cmd.index("-cdrom") + 1], "x.iso")
        self.assertNotIn("-kernel", cmd)
        self.assertNotIn("-append", cmd)
        with self.assertRaises(ValueError):
            QEMU.command("i386", "l")

    def test_empty_append_is_kept(self):
        cmd = QEMU.command("i386", "l", kernel="k")
        self.assertEqual(cmd[cmd.index("-append") + 1], "")

    def test_accelerator_is_the_engine(self):
        tcg = QEMU.command("i386", "l", kernel="k")
        self.assertEqual(tcg[tcg.index("-accel") + 1], "tcg")
        kvm = engines.get("kvm").command("x86_64", "l", kernel="k", machine="microvm")
        self.assertEqual(kvm[kvm.index("-accel") + 1], "kvm")
        self.assertEqual(kvm[kvm.index("-trace") + 1], "kvm_run_exit")
        self.assertEqual(engines.get("kvm").default_machine, "microvm")
        # Asking TCG for KVM through extra arguments would read the wrong evidence.
        for extra in ("-accel kvm", "-enable-kvm", "-M pc,accel=kvm"):
            with self.assertRaisesRegex(ValueError, "--emulator kvm"):
                QEMU.command("i386", "l", kernel="k", emulator_args=extra)

    def test_grub_cfg(self):
        cfg = grub_iso.grub_cfg("scenario=page_fault handlers=none")
        self.assertIn("set timeout=0\n", cfg)
        self.assertIn("set default=0\n", cfg)
        self.assertIn("menuentry \"faultline\" {", cfg)
        self.assertIn("multiboot /boot/faultline.elf scenario=page_fault handlers=none\n", cfg)
        self.assertIn("\tboot\n", cfg)
        self.assertIn("multiboot /boot/faultline.elf\n", grub_iso.grub_cfg(""))
        self.assertIn("multiboot /boot/faultline.elf 'a$b' 'it'\\''s'\n",
                      grub_iso.grub_cfg("a$b it's"))

    def test_boot_image_prefers_qemu_copy(self):
        d = tempfile.mkdtemp()
        try:
            open(os.path.join(d, "faultline.elf"), "w").close()
            self.assertEqual(fs.boot_image(d), os.path.join(d, "faultline.elf"))
            open(os.path.join(d, "faultline-qemu.elf"), "w").close()
            self.assertEqual(fs.boot_image(d), os.path.join(d, "faultline-qemu.elf"))
            self.assertEqual(fs.symbol_elf(d), os.path.join(d, "faultline.elf"))
        finally:
            shutil.rmtree(d)


class CommandLineInterface(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_run_scenario()

    def run_cli(self, argv):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = self.cli.main(argv)
            except SystemExit as exc:  # argparse
                status = exc.code
        return status, out.getvalue(), err.getvalue()

    def test_list(self):
        status, out, _ = self.run_cli(["--list"])
        self.assertEqual(status, 0)
        table = json.loads(out)
        pf = [s for s in table["scenarios"] if s["scenario"] == "page_fault"][0]
        self.assertEqual(pf["expected"]["i386"]["handlers=none df=safe"]["outcome"],
                         "triple_fault")

    def test_arch_required(self):
        status, _, err = self.run_cli(["--scenario", "page_fault"])
        self.assertEqual(status, 2)
        self.assertIn("--arch", err)

    def test_bochs_refuses_kernel_option(self):
        status, out, err = self.run_cli(["--arch", "i386", "--emulator", "bochs",
                                         "--kernel", "/nonexistent.elf"])
        self.assertEqual(status, 2)
        self.assertIn("--kernel is for QEMU", err)
        self.assertEqual(out, "")

    def test_bochs_missing_build(self):
        d = tempfile.mkdtemp()
        try:
            status, _, err = self.run_cli(["--arch", "x86_64", "--emulator", "bochs",
                                           "--build-dir", d])
        finally:
            os.rmdir(d)
        self.assertEqual(status, 2)
        self.assertIn("faultline-kargs.iso not found", err)

    def test_missing_build(self):
        d = tempfile.mkdtemp()
        try:
            status, out, err = self.run_cli(["--arch", "i386", "--build-dir", d,
                                             "--scenario", "page_fault"])
        finally:
            shutil.rmtree(d)
        if shutil.which("qemu-system-i386") is None:
            self.assertIn("qemu-system-i386 not found", err)
        else:
            self.assertIn("faultline.elf not found", err)
            self.assertIn("make ARCH=i386", err)
        self.assertEqual(status, 2)
        self.assertEqual(out, "")


def load_boot_matrix():
    path = os.path.join(HERE, "boot_matrix.py")
    spec = importlib.util.spec_from_file_location("boot_matrix", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MATRIX_NM = """\
00102030 t scenario_page_fault
00102040 t recurse
00102080 t scenario_stack_overflow
00109000 B kernel_stack
"""


class MatrixChecks(unittest.TestCase):
    """Every check of tests/boot_matrix.py can fail: mutate a good result."""

    @classmethod
    def setUpClass(cls):
        cls.bm = load_boot_matrix()
        cls.symbols = fs.parse_nm(MATRIX_NM)
        cls.cases = {c.name: c for c in cls.bm.build_cases(["i386", "x86_64"], "qemu")}

    def result(self, line, **over):
        fields = fs.parse_result_line(line)
        r = {"outcome": fields["outcome"], "fields": fields, "result_line": line,
             "vector": int(fields["vector"]) if "vector" in fields else None,
             "symbol": fs.symbolize(fields.get("ip"), self.symbols), "detail": None,
             "serial": line + "\n", "scenario_started": True,
             "flags": "0x46", "rf": 0,      # QEMU's TCG: RF clear (tcg-no-rf)
             "startup": {"steps": ["paging", "GDT", "TSS", "IDT"], "done": True,
                         "stopped_at": None, "scenario_started": True},
             "setup": {"guards": {"kernel": (0x10d000, False), "ist1": (0x10a000, False)}}}
        for key in ("name", "error_code", "stack", "ip", "sp", "cr2", "reason"):
            r[key] = fields.get(key)
        r.update(over)
        if "ip" in over:
            r["symbol"] = fs.symbolize(over["ip"], self.symbols)
        return r

    def check(self, name, result, trace=True):
        case = self.cases[name]
        if trace and case.expect.get("function"):
            # What the kernel's backtrace line looks like on a good screen.
            result = dict(result, serial="trace  %s+0x10 < kmain+0x20\n%s"
                          % (case.expect["function"], result["serial"]))
        return self.bm.check(case, result, self.symbols)

    def test_missing_trace_fails(self):
        name = "qemu/x86_64/page_fault handlers=all df=stack"
        line = ("FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=page_fault "
                "handlers=all df=stack vector=14 name=#PF error_code=0x2 stack=kernel "
                "ip=0x101a2c sp=0x10cfd8 handler_sp=0x10cf40 cr2=0xdeadbeef")
        problems = self.check(name, self.result(line), trace=False)
        self.assertIn("does not name scenario_page_fault", " ".join(problems))

    def test_i386_stack_overflow_df_task(self):
        name = "qemu/i386/stack_overflow handlers=all df=safe"
        line = ("FAULTLINE-RESULT outcome=caught arch=i386 scenario=stack_overflow "
                "handlers=all df=safe vector=8 name=#DF error_code=0x0 stack=df-task "
                "ip=0x102049 sp=0x109fe8 handler_sp=0x108db4 cr2=0x109fe4")
        # The engine's chain (tools/chain.py) and the screen's path line.
        path = "#PF -> frame push faults: #PF = #DF"
        chain = {"path": path, "steps": []}
        serial = "path    %s\n%s\n" % (path, line)
        self.assertEqual(self.check(name, self.result(line, chain=chain, serial=serial)), [])
        for m in ({"chain": None}, {"chain": {"path": "#PF -> no gate: #GP = #DF"}},
                  {"serial": "path    #PF -> no gate: #GP = #DF\n%s\n" % line},
                  {"serial": line + "\n"}):
            with self.subTest(mutation=m):
                self.assertNotEqual(self.check(name, self.result(
                    line, **dict({"chain": chain, "serial": serial}, **m))), [])
        mutations = [
            {"outcome": "triple_fault"}, {"outcome": "timeout"}, {"vector": 14},
            {"name": "#PF"}, {"stack": "kernel"}, {"error_code": "0x8"},
            {"cr2": "0x10a000"}, {"cr2": "0x108fff"}, {"ip": "0x102030"},
            {"sp": "0x10e000"}, {"sp": "0x108ffc"},
        ]
        for m in mutations:
            with self.subTest(mutation=m):
                self.assertNotEqual(self.check(name, self.result(
                    line, **dict({"chain": chain, "serial": serial}, **m))), [])
        for key, value in (("arch", "x86_64"), ("scenario", "page_fault"),
                           ("handlers", "df"), ("df", "stack")):
            with self.subTest(field=key):
                r = self.result(line, chain=chain, serial=serial)
                r["fields"] = dict(r["fields"], **{key: value})
                self.assertNotEqual(self.check(name, r), [])

    def test_page_fault_pf(self):
        name = "qemu/x86_64/page_fault handlers=all df=stack"
        line = ("FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=page_fault "
                "handlers=all df=stack vector=14 name=#PF error_code=0x2 stack=kernel "
                "ip=0x102035 sp=0x10dd58 handler_sp=0x10dca0 cr2=0xdeadbeef")
        self.assertEqual(self.check(name, self.result(line)), [])
        for m in ({"cr2": "0xdeadbee0"}, {"error_code": "0x0"}, {"stack": "ist1"},
                  {"ip": "0x102045"}, {"rf": 1}):
            with self.subTest(mutation=m):
                self.assertNotEqual(self.check(name, self.result(line, **m)), [])

    def test_null_call(self):
        # No function holds IP 0: the screen must name the caller from [SP].
        name = "qemu/x86_64/null_call handlers=all df=safe"
        line = ("FAULTLINE-RESULT outcome=caught arch=x86_64 scenario=null_call "
                "handlers=all df=safe vector=14 name=#PF error_code=0x10 stack=kernel "
                "ip=0x0 sp=0x10dd58 handler_sp=0x10dca0 cr2=0x0 flags=0x46")
        sp_line = "  the return address at [SP], if a call got here: scenario_null_call+0x19\n"
        good = self.result(line, serial="trace  0x0 < kmain+0x20\n" + sp_line + line + "\n")
        self.assertEqual(self.bm.check(self.cases[name], good, self.symbols), [])
        for m in ({"serial": "trace  0x0 < kmain+0x20\n" + line + "\n"}, {"ip": "0x4"},
                  {"error_code": "0x0"}, {"cr2": "0x10"}):
            with self.subTest(mutation=m):
                self.assertNotEqual(self.bm.check(self.cases[name], dict(good, **m),
                                                  self.symbols), [])

    def test_triple_fault_case(self):
        name = "qemu/x86_64/page_fault handlers=none df=safe"
        good = {"outcome": "triple_fault", "scenario_started": True,
                "setup": {"guards": {"kernel": (0x10d000, False)}},
                "chain": {"path": "#PF -> no gate: #GP = #DF -> delivery raised: #GP -> shutdown"}}
        self.assertEqual(self.bm.check(self.cases[name], good, self.symbols), [])
        # The chain in the engine's log must be the one the rules give.
        for chain in (None, {"path": "#PF -> no gate: #GP = #DF"},
                      {"path": "#PF -> frame push faults: #PF = #DF -> no gate: #GP -> shutdown"}):
            with self.subTest(chain=chain):
                self.assertIn("chain", " ".join(self.bm.check(
                    self.cases[name], dict(good, chain=chain), self.symbols)))
        # A guard page left mapped shows in what the kernel read back.
        mapped = dict(good, setup={"guards": {"kernel": (0x10d000, False),
                                              "ist1": (0x10a000, True)}})
        self.assertIn("guard pages", " ".join(self.bm.check(self.cases[name], mapped,
                                                            self.symbols)))
        # A kernel that died while starting up never ran the scenario: its
        # triple fault proves nothing about it.
        died = {"outcome": "triple_fault", "scenario_started": False,
                "startup": {"steps": ["paging", "GDT", "TSS"], "stopped_at": "TSS"}}
        self.assertIn("start-up stopped at 'TSS'",
                      " ".join(self.bm.check(self.cases[name], died, self.symbols)))
        line = "FAULTLINE-RESULT outcome=caught arch=x86_64 vector=8"
        self.assertNotEqual(self.check(name, self.result(line)), [])

    def test_validation_case(self):
        name = "qemu/i386/cmdline scenario=stack_overflow df=ist"
        line = ('FAULTLINE-RESULT outcome=error arch=i386 reason="df=ist is the x86_64 '
                'mechanism; this kernel is i386: use df=safe, df=task or df=stack"')
        self.assertEqual(self.check(name, self.result(line)), [])
        self.assertNotEqual(self.check(name, self.result(line, reason="something else")), [])
        self.assertNotEqual(self.check(name, self.result(line, outcome="triple_fault")), [])
        name = "qemu/i386/cmdline (empty)"
        line = "FAULTLINE-RESULT outcome=no_fault arch=i386 reason=no_scenario"
        self.assertEqual(self.check(name, self.result(line)), [])
        self.assertNotEqual(self.check(name, self.result(line, reason="no_scenarios")), [])

    def test_case_list(self):
        names = list(self.cases)
        self.assertEqual(len(names), len(set(names)))
        # Per arch: the 6 story scenarios x 6 configurations, the per-vector
        # scenarios x 2 configurations, nested_fault, the own df spelling, the validation
        # cases and 2 ISO boots.
        # Plus, in QEMU, 4 CPU models x 5 scenarios and 2 memory sizes x 4.
        # QEMU: CPU models (5 on i386, 4 on x86_64) x 6 scenarios and 2 memory
        # sizes x 5 (no x87_error).
        # The ring-3 scenarios: 5 x 2 configurations, bad_rsp0 x 2 (df=safe, stack).
        per_arch = {"i386": 36 + 12 * 2 + 1 + 1 + 8 + 2 + 5 * 6 + 2 * 5 + 5 * 2 + 2,
                    "x86_64": 36 + 10 * 2 + 1 + 1 + 10 + 2 + 4 * 6 + 2 * 5 + 5 * 2 + 2}
        self.assertEqual(len(names), sum(per_arch.values()))
        self.assertIn("qemu/x86_64/stack_overflow handlers=all df=safe", names)
        self.assertIn("qemu/i386/iso page_fault handlers=none", names)
        self.assertIn("qemu/x86_64/stack_overflow df=ist", names)


class KvmColumn(unittest.TestCase):
    """The KVM column of the matrix: run where /dev/kvm opens, one clear line
    where it does not, and a provider's column deviation boots one proof."""

    @classmethod
    def setUpClass(cls):
        cls.bm = load_boot_matrix()

    def test_unavailable_kvm_is_one_skip_line(self):
        kvm = engines.get("kvm")
        saved = kvm.unavailable
        kvm.unavailable = lambda: "KVM: /dev/kvm does not exist: test"
        try:
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                status = self.bm.main(["--emulator", "kvm"])
        finally:
            kvm.unavailable = saved
        self.assertEqual(status, 2)                  # nothing else to run
        self.assertEqual(out.getvalue().splitlines(),
                         ["SKIP kvm: the whole column not run: KVM: /dev/kvm does not exist: test"])

    def test_pvm_column_boots_one_proof_for_i386(self):
        skipped = []
        cases = self.bm.build_cases(["i386", "x86_64"], "kvm", "pvm", skipped)
        i386 = [c.label for c in cases if c.arch == "i386" and c.config]
        self.assertEqual(i386, ["page_fault handlers=all df=safe"])
        self.assertEqual(len(skipped), 1)
        self.assertIn("pvm-no-32bit-paging", skipped[0])
        x86 = [c for c in cases if c.arch == "x86_64" and c.config]
        self.assertEqual(len(x86), len([c for c in self.bm.scenario_cases("qemu", "x86_64")]))
        # Hardware KVM: the whole column, expecting the manuals everywhere.
        skipped = []
        vmx = self.bm.build_cases(["i386"], "kvm", "vmx", skipped)
        self.assertEqual(skipped, [])
        self.assertFalse(any(c.expect.get("deviations") for c in vmx))


FAKE_EMULATOR = """#!/bin/sh
# A stand-in for QEMU: prints serial text, maybe a result line, then
# behaves as told by $1.
printf 'booting\\r\\n'
case "$1" in
  result-then-hang) printf '%s\\r\\n' "$2"; exec sleep 30 ;;
  result-partial) printf 'FAULTLINE-RESULT outcome=cau'; exec sleep 30 ;;
  hang) exec sleep 30 ;;
  exit3) echo 'qemu: something broke' >&2; exit 3 ;;
  kvm-error) printf 'KVM internal error. Suberror: 1\\nemulation failure\\n' >&2; exec sleep 30 ;;
esac
"""


class RunProcess(unittest.TestCase):
    """The QEMU engine's process handling, with a shell script as the emulator."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.fake = os.path.join(self.dir, "fake-qemu")
        with open(self.fake, "w") as f:
            f.write(FAKE_EMULATOR)
        os.chmod(self.fake, os.stat(self.fake).st_mode | stat.S_IXUSR)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def boot(self, argv, timeout, grace=0.0, engine=QEMU):
        proc, run = engine._boot([self.fake] + argv,
                                 base.Spec("x86_64", timeout=timeout, grace=grace))
        base.reap(proc)
        run["exit_status"] = proc.returncode
        return run

    def test_result_line_stops_the_run_and_kills(self):
        run = self.boot(["result-then-hang", CAUGHT], timeout=10, grace=0.1)
        self.assertFalse(run["timed_out"])
        self.assertTrue(run["result_seen"])
        self.assertLess(run["seconds"], 5)
        self.assertEqual(run["exit_status"], -9)   # killed, and reaped
        self.assertEqual(fs.find_result_line(run["serial_bytes"]), CAUGHT)
        self.assertEqual(base.live_processes(), set())

    def test_incomplete_result_line_times_out(self):
        run = self.boot(["result-partial"], timeout=0.5, grace=0.1)
        self.assertTrue(run["timed_out"])
        self.assertIsNone(fs.find_result_line(run["serial_bytes"]))
        self.assertEqual(fs.classify(None, run["timed_out"], run["exit_status"])[0], "timeout")

    def test_timeout_kills(self):
        run = self.boot(["hang"], timeout=0.3)
        self.assertTrue(run["timed_out"])
        self.assertEqual(run["exit_status"], -9)

    def test_exit_without_result(self):
        run = self.boot(["exit3"], timeout=5)
        self.assertFalse(run["timed_out"])
        self.assertEqual(run["exit_status"], 3)
        self.assertEqual(fs.clean_serial(run["serial_bytes"]), "booting\n")
        self.assertIn("something broke", run["stderr_text"])

    def test_kvm_internal_error_stops_the_boot_at_once(self):
        # QEMU pauses the guest and waits; the engine must not wait for its timeout.
        run = self.boot(["kvm-error"], timeout=20, engine=engines.get("kvm"))
        self.assertFalse(run["timed_out"])
        self.assertLess(run["seconds"], 5)
        self.assertIn("KVM internal error", engines.get("kvm").failure(run))


class Conformance(unittest.TestCase):
    """tools/conformance: the table of what the manuals require and what each
    engine does, and the copy of it in the README."""

    @classmethod
    def setUpClass(cls):
        loader = importlib.machinery.SourceFileLoader("conformance",
                                                      os.path.join(TOOLS, "conformance"))
        spec = importlib.util.spec_from_loader("conformance", loader)
        cls.mod = importlib.util.module_from_spec(spec)
        loader.exec_module(cls.mod)

    def test_readme_table_is_current(self):
        self.assertEqual(self.mod.readme_table(), self.mod.readme_text(),
                         "README's conformance table is stale: tools/conformance "
                         "--update-readme")

    def test_cells(self):
        manual = {"what": "#GP", "error_code": "0x33", "rf": 1, "cr2": None}
        self.assertEqual(self.mod.render_cell(manual, manual, []), "#GP err 0x33 RF1 =")
        tcg = dict(manual, error_code="0x32", rf=0)
        self.assertEqual(self.mod.render_cell(tcg, manual, ["tcg-no-rf", "tcg-no-ext"]),
                         "#GP err 0x32 RF0 ≠ tcg-no-rf tcg-no-ext")
        self.assertEqual(self.mod.render_cell(tcg, manual, []), "#GP err 0x32 RF0 !")

    def test_observed_classifies_cr2(self):
        # x86_64 stack overflow: RSP 0x10df80; the SS slot of the #PF frame
        # 0x10df78 is the second #PF (frame push), 0x10df80 the first.
        r = {"arch": "x86_64", "scenario": "stack_overflow", "outcome": "caught",
             "name": "#DF", "error_code": "0x0", "rf": 1, "sp": "0x10df80",
             "fields": {"handlers": "all", "df": "safe"}}
        self.assertEqual(self.mod.observed(dict(r, cr2="0x10df78"), 0x10d000)["cr2"],
                         "frame push")
        self.assertEqual(self.mod.observed(dict(r, cr2="0x10df80"), 0x10d000)["cr2"],
                         "first #PF")
        self.assertEqual(self.mod.observed({"outcome": "error", "detail":
                                            "KVM internal error (x)"}, None),
                         {"what": "KVM error"})

    def test_every_row_has_a_manual_value(self):
        for row, manual, per in self.mod.expected_rows(list(engines.all_engines()),
                                                       {"kvm": "pvm"}):
            self.assertTrue(manual["what"], row)
            self.assertEqual(set(per), set(engines.names()))
            self.assertFalse(any(c.endswith("!") for c in per.values()), (row, per))


class RunReport(unittest.TestCase):
    """tools/run-report: what `make run` tells the learner afterwards."""

    @classmethod
    def setUpClass(cls):
        loader = importlib.machinery.SourceFileLoader("run_report",
                                                      os.path.join(TOOLS, "run-report"))
        spec = importlib.util.spec_from_loader("run_report", loader)
        cls.mod = importlib.util.module_from_spec(spec)
        loader.exec_module(cls.mod)

    def report(self, emulator, arch, log="", stderr="", serial=""):
        d = tempfile.mkdtemp()
        try:
            paths = []
            for name, text in (("log", log), ("stderr", stderr), ("serial", serial)):
                paths.append(os.path.join(d, name))
                with open(paths[-1], "w") as f:
                    f.write(text)
            return "\n".join(self.mod.report(engines.get(emulator), arch, *paths))
        finally:
            shutil.rmtree(d)

    def test_triple_fault(self):
        text = self.report("qemu", "x86_64", log="CPU Reset (CPU 0)\nTriple fault\n",
                           serial="faultline x86_64: start-up: paging GDT TSS IDT ok\r\n"
                                  "faultline x86_64: scenario=page_fault handlers=none "
                                  "df=safe: running\r\n")
        self.assertIn("TRIPLE FAULT", text)
        self.assertIn("QEMU TCG's own evidence:\n  Triple fault", text)
        # The curses screen is gone by now: the report names the serial log
        # and quotes the kernel's last lines from it (lesson 03 relies on it).
        self.assertRegex(text, r"last lines on COM1 \(all of it in \S+/serial\):\n"
                               r"  faultline x86_64: start-up: paging GDT TSS IDT ok\n"
                               r"  faultline x86_64: scenario=page_fault handlers=none "
                               r"df=safe: running$")

    def test_triple_fault_tells_the_chain(self):
        # QEMU's -d int log of a real x86_64 stack_overflow df=stack boot
        # (tests/fixtures/chain): the steps, worded with the rules. The report
        # places addresses with the current build's symbols, so this log must
        # come from a build with today's layout (the ring-3 pages moved the
        # stacks: it was regenerated then, with qemu -d cpu_reset,int).
        with open(os.path.join(HERE, "fixtures", "chain",
                               "qemu-x86_64-stack_overflow-df_stack-current.log")) as f:
            log = f.read()
        text = self.report("qemu", "x86_64", log=log)
        self.assertIn("how it came to this, step by step (QEMU TCG's log", text)
        self.assertRegex(text, r"\n  #PF at \S+ writing 0x110ff0\b")
        self.assertIn("\n  -> delivering #PF: pushing its frame faulted (#PF at 0x110fe8", text)
        self.assertIn("-> #DF (page fault, then page fault: Table 6-5)", text)
        self.assertIn("\n  -> delivering #DF: pushing its frame faulted (#PF) -> triple fault: "
                      "shutdown", text)

    def test_kvm_tells_no_chain(self):
        text = self.report("kvm", "x86_64", log="kvm_run_exit cpu_index 0, reason 8\n")
        self.assertNotIn("step by step", text)

    def test_triple_fault_with_nothing_on_com1(self):
        text = self.report("qemu", "i386", log="Triple fault\n")
        self.assertIn("TRIPLE FAULT", text)
        self.assertNotIn("last lines on COM1", text)

    def test_died_while_starting_up(self):
        text = self.report("kvm", "i386", log="kvm_run_exit cpu_index 0, reason 8\n",
                           serial="faultline i386: start-up: paging")
        self.assertIn("died in\nits start-up step 'paging'", text)
        self.assertNotIn("TRIPLE FAULT", text)

    def test_engine_breakdown(self):
        text = self.report("kvm", "x86_64", stderr=Evidence.KVM_ERROR)
        self.assertIn("KVM stopped working: KVM internal error", text)
        self.assertIn("not the CPU", text)

    def test_result_line(self):
        self.assertIn(CAUGHT, self.report("qemu", "x86_64", serial=CAUGHT + "\r\n"))


class Engines(unittest.TestCase):
    def test_registry(self):
        self.assertEqual(engines.names(), ("qemu", "bochs", "kvm"))
        with self.assertRaisesRegex(fs.ToolError, "valid: qemu, bochs, kvm"):
            engines.get("vmware")
        self.assertEqual(engines.parse_list("both"), ("qemu", "bochs"))
        self.assertEqual(engines.parse_list("all"), ("qemu", "bochs", "kvm"))
        self.assertEqual(engines.parse_list("kvm,qemu"), ("kvm", "qemu"))
        with self.assertRaises(fs.ToolError):
            engines.parse_list("qemu,nope")

    def test_every_engine_implements_the_interface(self):
        for e in engines.all_engines():
            with self.subTest(e.name):
                for method in ("version", "check", "run", "capture_vga", "triple_fault"):
                    self.assertIsNot(getattr(type(e), method), getattr(base.Engine, method))
                self.assertTrue(e.title and e.boots and e.default_timeout > 0)

    def test_kvm_device_problems(self):
        self.assertIn("does not exist", engines_kvm.device_problem("/nonexistent/kvm"))
        path = os.path.join(tempfile.mkdtemp(), "kvm")
        try:
            open(path, "w").close()
            self.assertIn("does not answer KVM_GET_API_VERSION",
                          engines_kvm.device_problem(path))
        finally:
            shutil.rmtree(os.path.dirname(path))

    def test_kvm_provider(self):
        d = tempfile.mkdtemp()
        try:
            self.assertEqual(engines_kvm.provider(d)[1], "unknown")
            os.mkdir(os.path.join(d, "kvm_amd"))
            self.assertEqual(engines_kvm.provider(d)[:2], ("kvm_amd", "svm"))
            os.mkdir(os.path.join(d, "kvm_pvm"))
            self.assertEqual(engines_kvm.provider(d)[:2], ("kvm_pvm", "pvm"))
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
