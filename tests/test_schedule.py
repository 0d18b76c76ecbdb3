"""tools/schedule.py: the order in which make test starts its groups; and
tools/run-tests' pure helpers (counting a group's results, exit statuses)
and labs.pristine.copy_builds (copying a build other groups are using)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import schedule  # noqa: E402
from schedule import Group  # noqa: E402
from labs import pristine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_run_tests():
    from importlib.machinery import SourceFileLoader
    import importlib.util
    loader = SourceFileLoader("faultline_run_tests", os.path.join(ROOT, "tools", "run-tests"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def order(groups, slots):
    """Simulate `slots` workers; the names in the order they start, and the
    finishing time of the last group."""
    pending, running, now, started = list(groups), [], 0.0, []
    while pending or running:
        busy = {g.lane for g, _ in running if g.lane}
        while len(running) < slots:
            g = schedule.next_group(pending, busy)
            if g is None:
                break
            pending.remove(g)
            running.append((g, now + g.estimate))
            started.append(g.name)
            if g.lane:
                busy.add(g.lane)
        running.sort(key=lambda r: r[1])
        _g, now = running.pop(0)
    return started, now


class Schedule(unittest.TestCase):
    def test_longest_first(self):
        gs = [Group("a", [], 1), Group("b", [], 5), Group("c", [], 3)]
        self.assertEqual(schedule.next_group(gs, set()).name, "b")
        self.assertEqual(order(gs, 1)[0], ["b", "c", "a"])

    def test_ties_go_to_the_first_declared(self):
        gs = [Group("a", [], 2), Group("b", [], 2)]
        self.assertEqual(schedule.next_group(gs, set()).name, "a")

    def test_a_busy_lane_waits(self):
        gs = [Group("x", [], 9, lane="L"), Group("y", [], 1)]
        self.assertEqual(schedule.next_group(gs, {"L"}).name, "y")
        self.assertIsNone(schedule.next_group(gs[:1], {"L"}))

    def test_a_lane_weighs_what_is_left_in_it(self):
        # Three 4 s groups in one lane (12 s in all) go before a 10 s group:
        # started last, the lane would end at 10 + 12 = 22 s instead of 12 s.
        gs = [Group("big", [], 10)] + [Group("l%d" % i, [], 4, lane="L") for i in range(3)]
        self.assertEqual(schedule.next_group(gs, set()).name, "l0")
        started, end = order(gs, 2)
        self.assertEqual(started[:2], ["l0", "big"])
        self.assertEqual(end, 12)

    def test_longest_first_within_a_lane(self):
        gs = [Group("l1", [], 1, lane="L"), Group("l5", [], 5, lane="L")]
        self.assertEqual(order(gs, 2)[0], ["l5", "l1"])

    def test_lanes_never_overlap(self):
        gs = [Group("l%d" % i, [], 1, lane="L") for i in range(3)]
        self.assertEqual(order(gs, 3)[1], 3)     # three slots, still one at a time

    def test_estimates_from_the_last_run(self):
        gs = [Group("a", [], 1), Group("b", [], 5)]
        schedule.with_estimates(gs, {"a": 7.5, "b": "x", "c": 3})
        self.assertEqual([g.estimate for g in gs], [7.5, 5.0])

    def test_times_file_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cache", "times.json")
            self.assertEqual(schedule.load_times(path), {})
            schedule.save_times(path, {"b": 2.04, "a": 1})
            self.assertEqual(schedule.load_times(path), {"a": 1, "b": 2.0})
            with open(path, "w") as f:
                f.write("[1, 2]")
            self.assertEqual(schedule.load_times(path), {})
            with open(path, "w") as f:
                f.write("not json")
            self.assertEqual(schedule.load_times(path), {})


class RunTests(unittest.TestCase):
    rt = load_run_tests()

    def test_unittest_counts_read_the_outer_run(self):
        nested = ("FAIL: test_x (tests.test_lessons.Lessons)\n"
                  "  quoted output of a nested run:\nRan 2 tests in 1.0s\n\nOK\n"
                  "----\nRan 9 tests in 60.0s\n\nFAILED (failures=1, skipped=2)\n")
        self.assertEqual(self.rt.unittest_counts(1, nested), (6, 1))
        self.assertEqual(self.rt.unittest_counts(0, "Ran 5 tests in 1s\n\nOK (skipped=1)\n"),
                         (4, 0))
        self.assertEqual(self.rt.unittest_counts(1, "Traceback: import error\n"), (0, 1))
        self.assertEqual(self.rt.skip_lines("tests.test_lessons", nested),
                         ["SKIP tests.test_lessons: 2 tests skipped (python3 -m unittest "
                          "tests.test_lessons -v says why)"])
        self.assertEqual(self.rt.skip_lines("tests.t", "Ran 2 tests\n\nOK\n"
                                            "SKIP kvm: no /dev/kvm\n"), ["SKIP kvm: no /dev/kvm"])

    def test_counted(self):
        self.assertEqual(self.rt.counted(0, "x\n3 passed, 0 failed\n"), (3, 0))
        self.assertEqual(self.rt.counted(1, "3 passed, 0 failed\n"), (3, 1))
        self.assertEqual(self.rt.counted(0, "no summary"), (0, 1))

    def test_exit_code(self):
        import subprocess
        for cmd, code in ((["true"], 0), (["sh", "-c", "exit 3"], 3),
                          (["sh", "-c", "kill -9 $$"], -9)):
            p = subprocess.Popen(cmd)
            _pid, status, _usage = os.wait4(p.pid, 0)
            p.returncode = 0
            self.assertEqual(self.rt.exit_code(status), code, cmd)

    def test_a_command_that_cannot_start_fails(self):
        status, text, cpu = self.rt.run_quiet(["/nonexistent/faultline-test"])
        self.assertEqual((status, cpu), (127, 0.0))
        self.assertIn("cannot run it", text)
        self.assertEqual(self.rt.counted(status, text), (0, 1))


class CopyBuilds(unittest.TestCase):
    def test_a_file_that_goes_away_is_skipped(self):
        with tempfile.TemporaryDirectory() as d:
            root, dest = os.path.join(d, "root"), os.path.join(d, "dest")
            for arch in ("i386", "x86_64"):
                os.makedirs(os.path.join(root, "build", arch, "obj"))
                for name in ("faultline.elf", "obj/a.o", "serial-run.log"):
                    with open(os.path.join(root, "build", arch, name), "w") as f:
                        f.write(name)
            real = pristine.shutil.copy2

            def flaky(src, dst, **kw):          # another group's make run removed it
                if src.endswith("serial-run.log"):
                    raise FileNotFoundError(src)
                return real(src, dst, **kw)
            pristine.shutil.copy2 = flaky
            try:
                pristine.copy_builds(dest, root)
            finally:
                pristine.shutil.copy2 = real
            for arch in ("i386", "x86_64"):
                with open(os.path.join(dest, "build", arch, "obj", "a.o")) as f:
                    self.assertEqual(f.read(), "obj/a.o")
                self.assertTrue(os.path.exists(os.path.join(dest, "build", arch,
                                                            "faultline.elf")))
                self.assertFalse(os.path.exists(os.path.join(dest, "build", arch,
                                                             "serial-run.log")))


if __name__ == "__main__":
    unittest.main()
