"""make debug, run the way a learner would but with no one typing: QEMU
stopped at start, GDB with build/ARCH/gdbinit, continuing to the #DF entry
and the reporter. Asserts on what GDB prints."""
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def gdb_session(arch, cmdline, *commands):
    p = subprocess.run([os.path.join(ROOT, "tools", "run-gdb"), "--arch", arch,
                        "--cmdline", cmdline, "--timeout", "60", "--batch", *commands],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=90)
    return p.returncode, p.stdout


class MakeDebug(unittest.TestCase):
    def test_i386_stops_in_the_df_task_then_the_reporter(self):
        rc, out = gdb_session("i386", "scenario=stack_overflow", "continue", "continue",
                              "bt 2", "print f->vector", "print f->frame_source")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"Breakpoint 1, df_task_entry \(\) at arch/i386/isr.asm")
        self.assertRegex(out, r"Breakpoint \d, fault_report \(f=")
        self.assertRegex(out, r"#1 .* in double_fault_task \(")
        self.assertRegex(out, r"\$1 = 8\b")
        self.assertIn('"from the back-linked TSS"', out)

    def test_x86_64_stops_at_the_ist_stub_then_the_reporter(self):
        rc, out = gdb_session("x86_64", "scenario=stack_overflow", "continue",
                              "info registers rsp", "x/2i $pc", "continue", "bt 3",
                              "print f->vector")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"Breakpoint 1, isr_stub_8 \(\)")
        # Intel syntax, as in kernel/isr_stubs.inc and Bochs: not AT&T's "push $0x8"
        self.assertRegex(out, r"=> 0x[0-9a-f]+ <isr_stub_8>:\s+push\s+0x8\n")
        self.assertRegex(out, r"rsp\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <df_stack\+")   # on IST1
        self.assertRegex(out, r"#1 .* in exception_entry \(")
        self.assertRegex(out, r"\$1 = 8\b")

    def test_page_fault_reaches_the_reporter_with_cr2(self):
        rc, out = gdb_session("x86_64", "scenario=page_fault", "continue",
                              "print/x f->cr2", "print f->vector")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"\$1 = 0xdeadbeef")
        self.assertRegex(out, r"\$2 = 14\b")

    def test_gdbinit_is_arch_aware(self):
        gdb_session("i386", "", "info breakpoints")
        with open(os.path.join(ROOT, "build", "i386", "gdbinit")) as f:
            init = f.read()
        self.assertIn("set architecture i386\n", init)
        self.assertIn("set disassembly-flavor intel\n", init)
        self.assertIn("break df_task_entry", init)
        gdb_session("x86_64", "", "info breakpoints")
        with open(os.path.join(ROOT, "build", "x86_64", "gdbinit")) as f:
            init = f.read()
        self.assertIn("set architecture i386:x86-64", init)
        self.assertNotIn("df_task_entry", init)


if __name__ == "__main__":
    unittest.main()
