#!/usr/bin/env python3
"""The kernel's real VGA screens against tests/golden/ (tools/vga_screen.py).

GoldenScreens boots every golden screen on both arches on every engine (QEMU,
Bochs, KVM; two at a time), reads the VGA text buffer at 0xB8000 and compares
it, masked, text and colours, with its golden file; then checks that the
engines' screens are identical after masking. Where an engine has a known
deviation that stops a screen's scenario (tools/faultline_scenarios.py
DEVIATIONS), its test checks that deviation instead. An engine that cannot
run here (not installed, no /dev/kvm) skips its tests; a missing build fails
them. The other classes test the pure code
(decoding, masking, the golden format, the PNG encoder): no emulator needed.

  python3 -m unittest discover -s tests -p 'test_*.py'
  python3 tests/test_golden_screens.py -v
  tools/golden --update          # when a screen changed on purpose
"""

import os
import shutil
import struct
import sys
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import engines  # noqa: E402
import faultline_scenarios as fs  # noqa: E402
import vga_screen as vs  # noqa: E402


def vga_bytes(rows, attr=0x07, attrs=None):
    """A 4000-byte VGA dump holding rows (strings), attr everywhere unless
    attrs[(row, col)] says otherwise."""
    out = bytearray()
    for r in range(vs.ROWS):
        line = rows[r] if r < len(rows) else ""
        line = line.ljust(vs.COLS)[:vs.COLS]
        for c, ch in enumerate(line):
            out += bytes([ord(ch), (attrs or {}).get((r, c), attr)])
    return bytes(out)


PF = vs.screen_spec("page_fault")
SO = vs.screen_spec("stack_overflow")
MENU = vs.screen_spec("menu")
BAD = vs.screen_spec("bad_cmdline")


class DecodeTests(unittest.TestCase):
    def test_text_and_colours(self):
        data = vga_bytes([" faultline", "error  0x2"], attrs={(0, 1): 0x1F, (0, 0): 0x1F})
        s = vs.Screen.from_bytes(data)
        self.assertEqual(s.lines()[0], " faultline")
        self.assertEqual(s.lines()[1], "error  0x2")
        self.assertEqual(s.lines()[2], "")
        self.assertEqual(s.fg[0][:3], ".f7")      # blank cells: '.', else the fg digit
        self.assertEqual(s.bg[0][:3], "110")
        self.assertEqual(len(s.text), 25)
        self.assertTrue(all(len(r) == 80 for r in s.text + s.fg + s.bg))

    def test_nul_is_blank_and_cp437(self):
        data = bytearray(vga_bytes(["ab"]))
        data[0] = 0
        data[2] = 0xC4                               # CP437 box drawing
        s = vs.Screen.from_bytes(bytes(data))
        self.assertEqual(s.text[0][:2], " \u2500")
        self.assertEqual(s.fg[0][0], ".")

    def test_short_dump_is_an_error(self):
        with self.assertRaises(ValueError):
            vs.Screen.from_bytes(b"\0" * 100)


class MaskTests(unittest.TestCase):
    def masked_lines(self, rows, spec):
        return vs.mask_screen(vs.Screen.from_bytes(vga_bytes(rows)), spec).lines()

    def test_addresses_masked_kept_values_not(self):
        rows = ["error  0x0000000000000002  supervisor data write",
                "stack   kernel   the handler ran on [0x000000000010b000, 0x0010f000)",
                "  RIP    0x00000000001026d1  CS  0x0008  RFLAGS 0x0000000000000046",
                "  CR2    0x00000000deadbeef  CR3    0x000000000011a000",
                "  RAX 0x00000000deadbeef",
                "back-link 0x18 | busy: TSS 0x18=1, TSS 0x20=1",
                "IDT[8].IST = 1: the CPU switched to TSS.ist[0] = 0x109000"]
        got = self.masked_lines(rows, PF)
        self.assertEqual(got[0], rows[0])
        self.assertEqual(got[1], "stack   kernel   the handler ran on "
                                 "[0x################, 0x########)")
        self.assertEqual(got[2], "  RIP    0x################  CS  0x0008  "
                                 "RFLAGS 0x################")
        self.assertEqual(got[3], "  CR2    0x00000000deadbeef  CR3    0x################")
        self.assertEqual(got[4], "  RAX 0x################")      # a register, not CR2
        self.assertEqual(got[5], rows[5])
        self.assertEqual(got[6], "IDT[8].IST = 1: the CPU switched to TSS.ist[0] = 0x######")

    def test_cr2_kept_only_where_the_screen_says(self):
        rows = ["  CR2    0x0010af84  CR3    0x00114000"]
        self.assertEqual(self.masked_lines(rows, SO)[0],
                         "  CR2    0x########  CR3    0x########")

    def test_number_wrapped_onto_next_row_masked_whole(self):
        line = ("FAULTLINE-RESULT outcome=caught arch=i386 scenario=page_fault handlers=df df=sta"
                "ck vector=8 name=#DF error_code=0x0 stack=kernel ip=0x102a2e sp=0x10ee84 handle"
                "r_sp=0x10ee50 cr2=0xdeadbeef")
        rows = [line[:80], line[80:160], line[160:]]
        got = self.masked_lines(rows, PF)
        self.assertEqual("".join(got[:3]), line.replace("0x102a2e", "0x######")
                         .replace("0x10ee84", "0x######").replace("0x10ee50", "0x######"))
        self.assertTrue(got[2].endswith("_sp=0x###### cr2=0xdeadbeef"), got[2])

    def test_repeat_counts_masked(self):
        rows = ["trace  recurse+0x1c < recurse+0x1c (x111) < scenario_stack_overflow+0x9 <"]
        self.assertEqual(self.masked_lines(rows, SO)[0],
                         "trace  recurse+0x## < recurse+0x## (x###) < "
                         "scenario_stack_overflow+0x# <")

    def test_unmasked_screens_keep_numbers(self):
        rows = ["  scenario=page_fault          write to unmapped 0xdeadbeef (#PF)"]
        self.assertEqual(self.masked_lines(rows, MENU)[0], rows[0])

    def test_qemu_image_path_removed(self):
        rows = ["command line: faultline-qemu.elf scenario=bogus", "",
                "command line: scenario=bogus"]
        attrs = {(0, c): 0x0C for c in range(14, 40)}
        s = vs.mask_screen(vs.Screen.from_bytes(vga_bytes(rows, attrs=attrs)), BAD)
        self.assertEqual(s.lines()[0], "command line: scenario=bogus")
        self.assertEqual(s.lines()[2], "command line: scenario=bogus")
        self.assertEqual(len(s.text[0]), 80)
        # Colours move with their characters: "scenario=" was partly red.
        self.assertEqual(s.fg[0][:28], "7777777.77777." + "c" * 7 + "7" * 7)

    def test_masking_is_idempotent(self):
        rows = ["  RIP    0x00000000001026d1  CS  0x0008"]
        once = vs.mask_screen(vs.Screen.from_bytes(vga_bytes(rows)), PF)
        self.assertEqual(vs.mask_screen(once, PF), once)


class GoldenFormatTests(unittest.TestCase):
    def test_round_trip_and_diff(self):
        data = vga_bytes([" faultline i386", "error  0x00000002", "x"],
                         attrs={(0, c): 0x1F for c in range(80)})
        screen = vs.mask_screen(vs.Screen.from_bytes(data), PF)
        text = vs.golden_text("i386", PF, screen)
        self.assertTrue(text.startswith("# " + vs.GOLDEN_VERSION))
        header, back = vs.parse_golden(text)
        self.assertEqual(back, screen)
        self.assertEqual(vs.diff_screens(screen, back), "")
        other = vs.Screen.from_bytes(vga_bytes([" faultline i386", "error  0x00000003", "x"],
                                               attrs={(0, c): 0x4F for c in range(80)}))
        diff = vs.diff_screens(screen, other)
        self.assertIn("-error  0x00000002", diff)
        self.assertIn("+error  0x00000003", diff)
        self.assertIn("row 2 first differs at column 17", diff)
        self.assertIn("background", diff)

    def test_bad_file(self):
        with self.assertRaises(ValueError):
            vs.parse_golden("# x\n=== text\nonly one row\n")

    def test_every_golden_file_parses(self):
        for arch in fs.ARCHES:
            for spec in vs.golden_screens():
                screen, problem = vs.read_golden(arch, spec)
                self.assertIsNone(problem)
                self.assertEqual(vs.mask_screen(screen, spec), screen,
                                 "%s-%s is not masked" % (arch, spec.id))


class PngTests(unittest.TestCase):
    def ppm(self, w, h, pixel):
        rgb = b"".join(pixel(x, y) for y in range(h) for x in range(w))
        return b"P6\n# comment\n%d %d\n255\n" % (w, h) + rgb, rgb

    def test_palette_round_trip(self):
        ppm, rgb = self.ppm(9, 4, lambda x, y: b"\xaa\x00\x00" if (x + y) % 2 else b"\x00\x00\x00")
        png = vs.ppm_to_png(ppm)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(png[25], 3)                 # colour type: palette
        self.assertEqual(vs.decode_png(png), (9, 4, rgb))

    def test_truecolour_round_trip(self):
        ppm, rgb = self.ppm(300, 2, lambda x, y: bytes([x % 256, y, x // 256]))
        png = vs.ppm_to_png(ppm)
        self.assertEqual(png[25], 2)                 # colour type: RGB
        self.assertEqual(vs.decode_png(png), (300, 2, rgb))
        # The IHDR chunk as the PNG specification lays it out.
        self.assertEqual(struct.unpack(">I4sIIBBBBB", png[8:8 + 4 + 4 + 13]),
                         (13, b"IHDR", 300, 2, 8, 2, 0, 0, 0))
        self.assertEqual(struct.unpack(">I", png[29:33])[0],
                         zlib.crc32(png[12:29]) & 0xFFFFFFFF)

    def test_not_ppm(self):
        with self.assertRaises(ValueError):
            vs.parse_ppm(b"P3\n1 1\n255\n0 0 0\n")


# --------------------------------------------------------------------------
# The real screens
# --------------------------------------------------------------------------

def unavailable(emulator):
    """Why an engine cannot boot here (not installed, no /dev/kvm), or None."""
    engine = engines.get(emulator)
    why = engine.unavailable()
    if why:
        return why
    for binary in {"qemu": ("qemu-system-i386", "qemu-system-x86_64"),
                   "kvm": ("qemu-system-i386", "qemu-system-x86_64"),
                   "bochs": ("bochs",)}.get(emulator, ()):
        if not shutil.which(binary):
            return "%s is not installed" % binary
    return None


def blocked(emulator, arch, spec):
    """The known deviation that keeps this screen's scenario from running on
    this engine here, or None."""
    if not spec.starts or unavailable(emulator):
        return None
    return fs.column_deviation(emulator, engines.get(emulator).provider(), arch)


class GoldenScreens(unittest.TestCase):
    """One test per engine/arch/screen, and one agree test per arch/screen."""

    caps = None
    setup_error = None

    @classmethod
    def setUpClass(cls):
        tasks = [(e, a, s) for e in engines.names() if not unavailable(e)
                 for a in fs.ARCHES for s in vs.golden_screens()]
        try:
            cls.caps = vs.capture_many(tasks, jobs=2)
        except fs.ToolError as exc:
            cls.setup_error = str(exc)
            cls.caps = {}

    def capture(self, emulator, arch, spec):
        why = unavailable(emulator)
        if why:
            self.skipTest(why)
        if self.setup_error:
            self.fail(self.setup_error)
        return self.caps[(emulator, arch, spec.id)]

    def check_golden(self, emulator, arch, spec):
        if emulator in spec.deviates:
            self.skipTest("known deviation %s changes this screen on %s"
                          % (spec.deviates[emulator], emulator))
        cap = self.capture(emulator, arch, spec)
        deviation = blocked(emulator, arch, spec)
        if deviation:
            # The screen cannot appear: the engine must still deviate exactly so.
            self.assertIn("triple fault (%s" % engines.get(emulator).title, cap.error or "",
                          "known deviation %s (%s) not seen: has the engine changed?"
                          % (deviation["id"], deviation["seen"]))
            return
        problems = vs.check_capture(cap, spec)
        if problems:
            self.fail("\n".join(problems) + "\n(if the change is intended: tools/golden --update)")

    def check_agree(self, arch, spec):
        caps = [self.caps[(e, arch, spec.id)] for e in engines.names()
                if not self.setup_error and not unavailable(e) and not blocked(e, arch, spec)
                and e not in spec.deviates]
        if len(caps) < 2:
            self.skipTest("fewer than two engines can show this screen here")
        problems = [p for other in caps[1:] for p in vs.check_agree(caps[0], other, spec)]
        if problems:
            self.fail("\n".join(problems))


def _add_tests():
    for arch in fs.ARCHES:
        for spec in vs.golden_screens():
            slug = spec.id.replace("-", "_")
            for emulator in engines.names():
                def t(self, e=emulator, a=arch, s=spec):
                    self.check_golden(e, a, s)
                t.__doc__ = "%s/%s/%s matches tests/golden" % (emulator, arch, spec.id)
                setattr(GoldenScreens, "test_%s_%s_%s" % (emulator, arch, slug), t)

            def agree(self, a=arch, s=spec):
                self.check_agree(a, s)
            agree.__doc__ = "agree/%s/%s: the engines show the same screen" % (arch, spec.id)
            setattr(GoldenScreens, "test_agree_%s_%s" % (arch, slug), agree)


_add_tests()


if __name__ == "__main__":
    unittest.main()
