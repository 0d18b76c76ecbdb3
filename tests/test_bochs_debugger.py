"""The Bochs debugger scripts, run the way a learner runs them but with no one
at the prompt: each walk-through (tools/bochs/*.rc.in) and the debug-bochs
script boot headless, and the assertions read what the debugger printed. So a
walk-through that stops showing what its comments promise fails here.

Needs the build (make ARCH=i386 all, make ARCH=x86_64 all) and bochs.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import host  # noqa: E402
from engines import base, bochs  # noqa: E402

TIMEOUT = 40


def setUpModule():
    # Bochs boots only the GRUB ISO: a host without BIOS GRUB has none.
    why = bochs.ENGINE.unavailable()
    if why:
        raise unittest.SkipTest(why)


def nm(arch):
    out = subprocess.run([host.nm_tool(), os.path.join(ROOT, "build", arch, "faultline.elf")],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines()) if len(p) == 3}


def run_debugger(arch, mode, walk=None, cmdline=None, typed=""):
    """Boot in Bochs with a bochs-rc script (--batch); `typed` is what a
    learner would type before quitting. Returns (debugger output, COM1 text,
    Bochs log)."""
    rc_args = [os.path.join(ROOT, "tools", "bochs-rc"), "--arch", arch, "--batch", mode]
    if walk:
        rc_args.append(walk)
        cmdline = subprocess.run(rc_args[:3] + ["--cmdline", "walk", walk],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="faultline-dbg-")
    rc = os.path.join(work, "script.rc")
    script = subprocess.run(rc_args, stdout=subprocess.PIPE, text=True, check=True).stdout
    assert script.endswith("quit\n"), script
    with open(rc, "w") as f:
        f.write(script[:-len("quit\n")] + typed + "quit\n")
    kargs = os.path.join(work, "kargs.img")
    base.write_kargs_floppy(kargs, cmdline)
    serial, log = os.path.join(work, "com1.txt"), os.path.join(work, "bochs.log")
    env = bochs.environment(bochs.kargs_iso(os.path.join(ROOT, "build", arch)), kargs,
                            serial, log)
    proc = bochs.start_bochs(bochs.command(rc), env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError("Bochs did not finish the script in %d s:\n%s" % (TIMEOUT, out[-2000:]))
    finally:
        base.reap(proc)
    text = base.read_text
    result = (out, text(serial).replace("\r", ""), text(log))
    for name in os.listdir(work):
        os.unlink(os.path.join(work, name))
    os.rmdir(work)
    return result


def steps_in_order(test, out, name, before):
    """Each numbered comment of tools/bochs/NAME.rc.in is printed, in order,
    and step N's words come before the output named in before[N]."""
    with open(os.path.join(ROOT, "tools", "bochs", name + ".rc.in")) as f:
        text = f.read()
    steps = re.findall(r"(?m)^# (\d+)\. (.*)$", text)
    test.assertTrue(steps)
    at = 0
    for number, words in steps:
        where = out.find("[walk %s.01] %s. %s" % (number, number, words.strip()), at)
        test.assertGreaterEqual(where, 0, "step %s missing or out of order" % number)
        at = where
        if number in before:
            test.assertLess(where, out.index(before[number], where), "step %s" % number)


def note_printed(test, out):
    """The reset-vector note, right after Bochs's "Next at t=0" line."""
    after = out[out.index("Next at t=0"):]
    test.assertRegex(after, r"^Next at t=0\n.*jmpf.*\n[0-9a-f]+: \[note\.01\] Bochs stopped at "
                     r"the CPU's reset vector, f000:fff0 \(the line above: not a prompt\)\.")
    test.assertIn("Ctrl-C stops it at a <bochs:N> prompt.", after)


class Walkthroughs(unittest.TestCase):
    def test_i386_task_gate(self):
        out, serial, log = run_debugger("i386", "walk", "i386-task-gate")
        sym = nm("i386")
        self.assertIn("(0) Magic breakpoint", out)
        self.assertRegex(out, r"\(recurse\+[0-9a-f]+\)")                 # stopped in recurse
        self.assertIn("IDT[0x08]=Task Gate target=0x0020:0x00000000, DPL=0", out)
        self.assertRegex(out, r"GDT\[0x0018\]=32-Bit TSS \(Busy\)")
        self.assertRegex(out, r"GDT\[0x0020\]=32-Bit TSS \(Available\)")
        self.assertIn("physical address not available for linear 0x%016x" % sym["kernel_stack"], out)
        self.assertRegex(out, r"\(df_task_entry\+0\): mov eax, cr2")       # in the #DF task
        self.assertIn("tr:s=0x20", out)
        self.assertRegex(out, r"eflags 0x[0-9a-f]+: .* NT ")              # nested task
        self.assertRegex(out, r"<df_tss\+0>:\s+0x0018")                   # the back-link
        # main_tss+0x20 holds the interrupted EIP: inside recurse
        m = re.search(r"<main_tss\+20>:\s+0x([0-9a-f]+)", out)
        self.assertIsNotNone(m, out[-1500:])
        eip = int(m.group(1), 16)
        self.assertTrue(sym["recurse"] <= eip < sym["recurse"] + 0x100, hex(eip))
        self.assertRegex(out, r"GDT\[0x0020\]=32-Bit TSS \(Busy\)")       # now both busy
        self.assertNotRegex(log, bochs.TRIPLE_FAULT)
        note_printed(self, out)
        steps_in_order(self, out, "i386-task-gate",
                       {"1": "(0) Magic breakpoint", "2": "IDT[0x08]=Task Gate",
                        "4": "(df_task_entry+0)", "6": "<df_tss+0>"})

    def test_x86_64_ist(self):
        out, serial, log = run_debugger("x86_64", "walk", "x86_64-ist")
        sym = nm("x86_64")
        self.assertIn("(0) Magic breakpoint", out)
        self.assertRegex(out, r"IDT\[0x08\]=64-Bit Interrupt Gate target=0x0008:0*%x"
                         % sym["isr_stub_8"])
        # The raw gate: IST field (bits 34:32) = 1.
        m = re.search(r"<idt\+80>:\s+0x([0-9a-f]+)", out)
        self.assertIsNotNone(m, out[-1500:])
        self.assertEqual((int(m.group(1), 16) >> 32) & 7, 1)
        # The dumps decode: IST1 = top of the #DF stack, just below the kernel
        # stack's guard page; IDT[8] uses IST 1.
        build = os.path.join(ROOT, "build", "x86_64")
        dec = subprocess.run([os.path.join(ROOT, "tools", "decode-tss64"),
                              os.path.join(build, "tss64.bin"), "--gate",
                              os.path.join(build, "idt8.bin")],
                             stdout=subprocess.PIPE, text=True, check=True).stdout
        self.assertIn("IST1  0x%016x" % sym["kernel_stack"], dec)
        self.assertIn("IST       1   RSP := TSS.IST1 (tss.ist[0])", dec)
        self.assertIn("offset    0x%016x" % sym["isr_stub_8"], dec)
        self.assertIn("physical address not available for linear 0x%016x" % sym["kernel_stack"], out)
        self.assertRegex(out, r"\(isr_stub_8\+0\): push 0x0+8")
        # On IST1 now: RSP just below its top; the CPU's frame names recurse.
        after_stub = out[out.index("(isr_stub_8+0): push"):]
        m = re.search(r"rsp: ([0-9a-f]{8})_([0-9a-f]{8})", after_stub)
        self.assertIsNotNone(m, after_stub[-2500:])
        rsp = int(m.group(1) + m.group(2), 16)
        self.assertTrue(sym["kernel_stack"] - 0x100 <= rsp < sym["kernel_stack"], hex(rsp))
        self.assertRegex(out, r"\| STACK 0x[0-9a-f]+ \[0x00000000:0x[0-9a-f]+\] \(recurse\+")
        note_printed(self, out)
        steps_in_order(self, out, "x86_64-ist",
                       {"1": "(0) Magic breakpoint", "2": "IDT[0x08]=64-Bit Interrupt Gate",
                        "5": "(isr_stub_8+0): push", "6": "| STACK"})

    def triple_fault(self, arch):
        out, serial, log = run_debugger(arch, "walk", "triple-fault")
        sym = nm(arch)
        self.assertIn("(0) Magic breakpoint", out)
        self.assertRegex(log, bochs.TRIPLE_FAULT)                       # Bochs's own word
        self.assertNotIn("FAULTLINE-RESULT", serial)                      # the kernel never ran again
        # Stopped at the faulting instruction, inside recurse, state intact.
        # The write that crossed into the guard page: the store into the
        # frame, or the push of a call (which one depends on how the frames
        # line up with the page in this build; lesson 06).
        self.assertRegex(out, r"\(recurse\+[0-9a-f]+\): (mov byte ptr ss:\[[er]bp-|call |push )")
        self.assertIn("physical address not available for linear 0x%016x" % sym["kernel_stack"], out)
        gate = "32-Bit Interrupt Gate" if arch == "i386" else "64-Bit Interrupt Gate"
        self.assertIn("IDT[0x08]=%s" % gate, out)
        note_printed(self, out)
        steps_in_order(self, out, "triple-fault",
                       {"1": "(0) Magic breakpoint", "2": "IDT[0x08]=", "4": "PTE:"})

    def test_triple_fault_i386(self):
        self.triple_fault("i386")

    def test_triple_fault_x86_64(self):
        self.triple_fault("x86_64")


class DebugBochs(unittest.TestCase):
    """What make debug-bochs SCENARIO=page_fault sets up, run to its end."""

    def check(self, arch, df_entry_hit):
        # handlers=df: the #PF finds no gate, #GP neither, so #DF is raised.
        # The magic breakpoint stops in scenario_page_fault, before the store
        # to 0xdeadbeef; "c" stops at the #DF entry's breakpoint, "c" again
        # at the reporter's.
        out, serial, log = run_debugger(arch, "debug",
                                        cmdline="scenario=page_fault handlers=df break=on",
                                        typed="c\nc\n")
        self.assertIn("(0) Magic breakpoint", out)
        note_printed(self, out)
        self.assertIn("It stops at the magic breakpoint (break=on) or a breakpoint.", out)
        after_break = out[out.index("(0) Magic breakpoint"):]
        self.assertRegex(after_break, r"^(?:.*\n){1,2}.*\(scenario_page_fault\+[0-9a-f]+\): mov ")
        self.assertRegex(after_break, r"Breakpoint \d+, .*\n.*\n?.*\(%s\+0\)" % df_entry_hit)
        self.assertRegex(after_break, r"Breakpoint \d+, .*\n.*\n?.*\(fault_report\+0\)")
        self.assertLess(after_break.index("(%s+0)" % df_entry_hit),
                        after_break.index("(fault_report+0)"))

    def test_i386_stops_in_the_df_task(self):
        self.check("i386", "df_task_entry")

    def test_x86_64_stops_at_the_ist_stub(self):
        self.check("x86_64", "isr_stub_8")


if __name__ == "__main__":
    unittest.main()
