"""rfb - a minimal RFB (VNC) client that only presses keys (RFC 6143).

Headless Bochs shows its screen through its built-in VNC server (bochsrc's
`display_library: rfb`), and that server is also its keyboard: a KeyEvent
from a client becomes make and break codes on the emulated PS/2 keyboard.
tools/menu_session.py uses this to drive the kernel's menu in Bochs the way
QEMU's monitor `sendkey` drives it in QEMU.

What it does: the protocol version handshake (3.3, 3.7 or 3.8, whichever
is lower of the server's and 3.8), security type None only, ClientInit
(shared), reading ServerInit; then KeyEvent messages. It never asks for a
framebuffer update, but Bochs 2.7 sends FramebufferUpdates on its own
whenever its screen changes, from its simulation thread with blocking
writes: a client that stops reading would, once the socket buffers fill,
freeze the emulated machine. So a thread reads and discards everything the
server sends after ServerInit.

The message encoders and parsers are pure functions (tests/test_rfb.py).
Python 3 standard library only.
"""

import socket
import struct
import threading
import time

# X11 keysyms (RFC 6143 7.5.4 refers to X11's keysymdef.h) for the keys the
# kernel's menu reads; printable ASCII keysyms are the character's code.
KEYSYMS = {
    "up": 0xff52, "down": 0xff54, "left": 0xff51, "right": 0xff53,
    "enter": 0xff0d, "ret": 0xff0d, "return": 0xff0d,
    "escape": 0xff1b, "esc": 0xff1b, "tab": 0xff09, "backspace": 0xff08,
    "space": 0x20, "spc": 0x20,
}
for _c in "abcdefghijklmnopqrstuvwxyz0123456789":
    KEYSYMS[_c] = ord(_c)
del _c

KEY_EVENT = 4                       # client-to-server message type
SECURITY_INVALID, SECURITY_NONE = 0, 1
HIGHEST_VERSION = (3, 8)


class RFBError(Exception):
    pass


# ---- pure: encoding and parsing ------------------------------------------

def parse_version(data):
    """b"RFB 003.008\\n" -> (3, 8)."""
    if len(data) != 12 or not data.startswith(b"RFB ") or data[7:8] != b"." \
            or not data.endswith(b"\n"):
        raise RFBError("not an RFB ProtocolVersion: %r" % data)
    try:
        return int(data[4:7]), int(data[8:11])
    except ValueError:
        raise RFBError("not an RFB ProtocolVersion: %r" % data) from None


def choose_version(server):
    """The version to answer: 3.8 or 3.7 if the server offers at least that,
    else 3.3 (RFC 6143 7.1.1: other 3.x below 3.7, such as 3.5, are to be
    treated as 3.3)."""
    if server >= HIGHEST_VERSION:
        return HIGHEST_VERSION
    if server >= (3, 7):
        return (3, 7)
    if server >= (3, 3):
        return (3, 3)
    raise RFBError("server speaks RFB %d.%d, older than 3.3" % server)


def encode_version(version):
    return b"RFB %03d.%03d\n" % version


def key_event(keysym, down):
    """KeyEvent: type 4, down-flag, 2 bytes padding, the keysym (8 bytes)."""
    return struct.pack(">BBxxI", KEY_EVENT, 1 if down else 0, keysym)


def key_press(keysym):
    """A key pressed and released: what a person's key stroke sends."""
    return key_event(keysym, True) + key_event(keysym, False)


def keysym(key):
    """A key name from KEYSYMS, one printable character, or a keysym number."""
    if isinstance(key, int):
        return key
    name = key.lower() if len(key) > 1 else key
    if name in KEYSYMS:
        return KEYSYMS[name]
    if len(key) == 1 and 0x20 <= ord(key) <= 0x7e:
        return ord(key)
    raise RFBError("no keysym known for %r" % key)


def client_init(shared=True):
    """ClientInit: shared-flag 1 lets other viewers stay connected."""
    return b"\x01" if shared else b"\x00"


SERVER_INIT = struct.Struct(">HH16sI")   # width, height, PIXEL_FORMAT, name-length


def parse_server_init(head):
    """The fixed 24 bytes of ServerInit -> (width, height, name_length)."""
    width, height, _pixel_format, name_length = SERVER_INIT.unpack(head)
    return width, height, name_length


# ---- the connection --------------------------------------------------------

def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise RFBError("server closed the connection (%d of %d bytes read)"
                           % (len(data), n))
        data += chunk
    return data


def _read_reason(sock):
    length, = struct.unpack(">I", _read_exact(sock, 4))
    return _read_exact(sock, min(length, 4096)).decode("utf-8", "replace")


def handshake(sock):
    """Version, security None, ClientInit, ServerInit; returns
    (version, width, height, name)."""
    version = choose_version(parse_version(_read_exact(sock, 12)))
    sock.sendall(encode_version(version))
    if version == (3, 3):
        # 3.3: the server alone picks the type, as a 32-bit number.
        kind, = struct.unpack(">I", _read_exact(sock, 4))
        if kind == SECURITY_INVALID:
            raise RFBError("server refused: %s" % _read_reason(sock))
        if kind != SECURITY_NONE:
            raise RFBError("server wants security type %d; only None (1) is supported" % kind)
    else:
        count, = struct.unpack(">B", _read_exact(sock, 1))
        if count == 0:
            raise RFBError("server refused: %s" % _read_reason(sock))
        types = _read_exact(sock, count)
        if SECURITY_NONE not in types:
            raise RFBError("server offers security types %s, not None (1)" % list(types))
        sock.sendall(bytes([SECURITY_NONE]))
        # 3.7 sends no SecurityResult for None; 3.8 always does.
        if version == (3, 8):
            status, = struct.unpack(">I", _read_exact(sock, 4))
            if status != 0:
                raise RFBError("security handshake failed: %s" % _read_reason(sock))
    sock.sendall(client_init(shared=True))
    width, height, name_length = parse_server_init(_read_exact(sock, SERVER_INIT.size))
    name = _read_exact(sock, name_length).decode("utf-8", "replace")
    return version, width, height, name


class Client:
    """A connected, initialised RFB session that sends key strokes."""

    def __init__(self, host, port, timeout=10.0, retry_every=0.1):
        """Connect, retrying until `timeout` s have passed: the server may
        not listen yet (Bochs opens its port while it starts up)."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                sock = socket.create_connection(
                    (host, port), timeout=max(0.1, deadline - time.monotonic()))
                break
            except OSError as e:
                last = e
                if time.monotonic() + retry_every > deadline:
                    raise RFBError("no RFB server on %s:%d within %g s: %s"
                                   % (host, port, timeout, last)) from None
                time.sleep(retry_every)
        try:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            self.version, self.width, self.height, self.name = handshake(sock)
        except (OSError, RFBError):
            sock.close()
            raise
        sock.settimeout(None)
        self.sock = sock
        self._lock = threading.Lock()
        self.discarded = 0
        self._drain = threading.Thread(target=self._discard, name="rfb-drain", daemon=True)
        self._drain.start()

    def _discard(self):
        """Read and drop what the server sends (FramebufferUpdates), so its
        writes never block; ends when the socket closes."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                self.discarded += len(chunk)
        except OSError:
            return

    def send_key(self, key, down):
        with self._lock:
            self.sock.sendall(key_event(keysym(key), down))

    def press(self, key):
        """Press and release one key (a name from KEYSYMS, a character, or a
        keysym)."""
        with self._lock:
            self.sock.sendall(key_press(keysym(key)))

    def close(self):
        sock, self.sock = getattr(self, "sock", None), None
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        self._drain.join(timeout=2.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
