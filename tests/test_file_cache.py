"""tools/file_cache.py: an answer is reused only while the file it
describes is unchanged, and a failed answer is never kept."""
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import file_cache  # noqa: E402


class FileCache(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.path = os.path.join(self.dir.name, "kernel.elf")
        self.cache = os.path.join(self.dir.name, "sub", "kernel.elf.nm")
        with open(self.path, "w") as f:
            f.write("one")
        self.calls = []

    def compute(self, answer="symbols\n"):
        def run():
            self.calls.append(answer)
            return answer
        return run

    def test_fresh_needs_the_exact_identity(self):
        self.assertEqual(file_cache.fresh("# a 1 2\nbody\n", "# a 1 2"), "body\n")
        self.assertIsNone(file_cache.fresh("# a 1 3\nbody\n", "# a 1 2"))
        self.assertIsNone(file_cache.fresh("# a 1 2", "# a 1 2"))      # no body line
        self.assertIsNone(file_cache.fresh("", "# a 1 2"))

    def test_second_call_reads_the_cache(self):
        self.assertEqual(file_cache.cached(self.path, self.cache, self.compute()), "symbols\n")
        self.assertEqual(file_cache.cached(self.path, self.cache, self.compute("other")),
                         "symbols\n")
        self.assertEqual(self.calls, ["symbols\n"])

    def test_a_changed_file_is_asked_again(self):
        file_cache.cached(self.path, self.cache, self.compute())
        with open(self.path, "w") as f:
            f.write("a longer kernel")                    # size and mtime change
        st = os.stat(self.path)
        os.utime(self.path, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))
        self.assertEqual(file_cache.cached(self.path, self.cache, self.compute("new\n")),
                         "new\n")
        self.assertEqual(self.calls, ["symbols\n", "new\n"])

    def test_an_empty_answer_is_not_kept(self):
        self.assertEqual(file_cache.cached(self.path, self.cache, self.compute("")), "")
        self.assertFalse(os.path.exists(self.cache))
        file_cache.cached(self.path, self.cache, self.compute())
        self.assertEqual(self.calls, ["", "symbols\n"])

    def test_an_unwritable_cache_still_answers(self):
        blocker = os.path.join(self.dir.name, "file")
        with open(blocker, "w"):
            pass
        cache = os.path.join(blocker, "x.nm")             # a directory that cannot exist
        for _ in range(2):
            self.assertEqual(file_cache.cached(self.path, cache, self.compute()), "symbols\n")
        self.assertEqual(len(self.calls), 2)


if __name__ == "__main__":
    unittest.main()
