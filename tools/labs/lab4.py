"""Lab 4: a #PF handler with a decoded error code
(lessons/labs/lab4-page-fault-handler.md)."""

from .checks import HostProgram, Test, expect_screen, lesson

SCREEN = lesson("09-reading-the-fault-screen")

LAB = {"number": 4, "points": 40, "minutes": None, "title": "a #PF handler with a decoded error code",
       "doc": "lessons/labs/lab4-page-fault-handler.md", "lessons": (SCREEN,)}

PF_EXAMPLE = "supervisor data write, page not present"

PF_CHECKER = HostProgram("decode_pf_error", ("kernel/exceptions.c", "kernel/format.c"), r"""
#include <stdio.h>
#include <string.h>
#include "kernel/exceptions.h"

int main(void)
{
	char buf[256], small[12];

	for (int reported = 0; reported < 2; reported++) {
		for (unsigned code = 0; code < 32; code++) {
			memset(buf, 0, sizeof buf);
			decode_pf_error(code, reported, buf, sizeof buf);
			buf[sizeof buf - 1] = 0;
			printf("%u/%d\t%s\n", code, reported, buf);
		}
	}
	memset(small, 'Z', sizeof small);
	decode_pf_error(0x2, true, small, 11);
	printf("truncated\t%.11s\n", small);
	printf("canary\t%d\n", small[11] == 'Z');
	return 0;
}
""")


def pf_expected(code, fetch_reported=True):
    """decode_pf_error()'s contract (lessons/labs/lab4-page-fault-handler.md)."""
    who = "user" if code & 4 else "supervisor"
    access = ("instruction fetch" if code & 16 else
              "data write" if code & 2 else
              "data read" if fetch_reported else "read or instruction fetch")
    cause = "protection violation" if code & 1 else "page not present"
    return "%s %s, %s%s" % (who, access, cause, ", reserved bit set" if code & 8 else "")


def expect_pf_decodes(codes, truncation=False):
    """codes: (code, fetch_reported) pairs."""
    def check(out):
        for code, reported in codes:
            got, want = out.get("%d/%d" % (code, reported)), pf_expected(code, reported)
            if got != want:
                return "decode_pf_error(0x%x, %s) gave %r, expected %r" % (
                    code, "true" if reported else "false", got, want)
        if truncation and (out.get("truncated") != "supervisor" or out.get("canary") != "1"):
            return ("decode_pf_error(0x2, true, buf, 11) gave %r%s, expected \"supervisor\" "
                    "(at most size bytes, NUL included)"
                    % (out.get("truncated"),
                       "" if out.get("canary") == "1" else " and wrote past the buffer"))
        return None
    return check


PF_BASIC = tuple((c, True) for c in (0x0, 0x1, 0x2, 0x3))
# Every other code, and the reads a paging mode without I/D cannot tell from
# fetches (32-bit paging without CR4.SMEP: SDM Vol. 3A 4.7).
PF_OTHER = (tuple((c, True) for c in range(32) if (c, True) not in PF_BASIC)
            + tuple((c, False) for c in (0x0, 0x1, 0x2, 0x4, 0x5)))


def tests():
    t = [Test(4, arch, "page_fault screen: %s" % PF_EXAMPLE, 10,
              expect_screen("error  ", PF_EXAMPLE), (SCREEN,), boot=("page_fault", ""))
         for arch in ("i386", "x86_64")]
    t.append(Test(4, "host", "decode_pf_error: write and present bits, bounded buffer", 10,
                  expect_pf_decodes(PF_BASIC, truncation=True), (SCREEN,), kind="host",
                  host=PF_CHECKER))
    t.append(Test(4, "host", "decode_pf_error: user, fetch, reserved bits (32 codes)", 10,
                  expect_pf_decodes(PF_OTHER), (SCREEN,), kind="host", host=PF_CHECKER))
    return t
