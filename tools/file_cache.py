"""file_cache - keep the output of a slow host command beside the file it
describes, and use it again while that file is unchanged.

tools/run-scenario runs `nm -n` on the kernel and `qemu-system-* --version`
on every call: 35-40 ms of a 0.2 s boot. Both answers change only when the
file they read changes, so each is stored with the file's identity (path,
size, modification time in ns) on its first line, and read back while the
identity still matches. A cache that cannot be written (a read-only tree)
costs nothing but the command: it is simply run each time; nor is an empty
answer (the command failed) kept.
"""
import os
import tempfile


def stamp(path):
    """The identity line of path: what must match for a cached answer to hold."""
    st = os.stat(path)
    return "# %s %d %d" % (os.path.abspath(path), st.st_size, st.st_mtime_ns)


def fresh(cached_text, identity):
    """The cached answer in cached_text when its first line is identity, else None."""
    head, sep, body = cached_text.partition("\n")
    return body if sep and head == identity else None


def cached(path, cache_file, compute):
    """compute()'s text for path, from cache_file while path is unchanged."""
    identity = stamp(path)
    try:
        with open(cache_file, encoding="utf-8") as f:
            body = fresh(f.read(), identity)
        if body is not None:
            return body
    except (OSError, UnicodeDecodeError):
        pass
    text = compute()
    if not text:
        return text              # nothing learned (the command failed): ask again next time
    try:
        os.makedirs(os.path.dirname(cache_file) or ".", exist_ok=True)
        # Written whole, then renamed: a reader never sees half of it, even
        # with boots of the matrix starting side by side.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache_file) or ".",
                                   prefix=".cache-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(identity + "\n" + text)
        os.replace(tmp, cache_file)
    except OSError:
        pass
    return text
