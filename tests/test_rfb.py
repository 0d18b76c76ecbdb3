#!/usr/bin/env python3
"""tools/rfb.py, the VNC client that presses keys in headless Bochs: its
messages byte for byte as RFC 6143 lays them out, and its handshake against
a scripted server on a socket pair (RFB 3.3 as Bochs 2.7 speaks it, and
3.8), with no emulator. Well under a second.

  python3 -m unittest tests.test_rfb -v
"""

import os
import socket
import struct
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import rfb  # noqa: E402


class Encoding(unittest.TestCase):
    def test_key_event_layout(self):
        # type 4, down-flag, 2 bytes of padding, keysym big-endian (7.5.4).
        self.assertEqual(rfb.key_event(0xff0d, True), b"\x04\x01\x00\x00\x00\x00\xff\x0d")
        self.assertEqual(rfb.key_event(0xff0d, False), b"\x04\x00\x00\x00\x00\x00\xff\x0d")
        self.assertEqual(len(rfb.key_event(0x20, True)), 8)

    def test_press_is_down_then_up(self):
        self.assertEqual(rfb.key_press(0x68),
                         rfb.key_event(0x68, True) + rfb.key_event(0x68, False))

    def test_menu_keysyms(self):
        expected = {"up": 0xff52, "down": 0xff54, "enter": 0xff0d, "ret": 0xff0d,
                    "space": 0x20, "h": 0x68, "d": 0x64, "j": 0x6a, "k": 0x6b}
        for name, sym in expected.items():
            self.assertEqual(rfb.keysym(name), sym, name)
        self.assertEqual(rfb.keysym("Up"), 0xff52)
        self.assertEqual(rfb.keysym("x"), 0x78)
        self.assertEqual(rfb.keysym(0xff54), 0xff54)
        with self.assertRaises(rfb.RFBError):
            rfb.keysym("no-such-key")

    def test_versions(self):
        self.assertEqual(rfb.parse_version(b"RFB 003.003\n"), (3, 3))
        self.assertEqual(rfb.parse_version(b"RFB 003.008\n"), (3, 8))
        for bad in (b"RFB 003.008", b"HTTP/1.1 200\n", b"RFB 0x3.008\n"):
            with self.assertRaises(rfb.RFBError):
                rfb.parse_version(bad)
        self.assertEqual(rfb.choose_version((3, 3)), (3, 3))
        self.assertEqual(rfb.choose_version((3, 5)), (3, 3))     # RFC 6143 7.1.1
        self.assertEqual(rfb.choose_version((3, 7)), (3, 7))
        self.assertEqual(rfb.choose_version((3, 8)), (3, 8))
        self.assertEqual(rfb.choose_version((4, 1)), (3, 8))
        with self.assertRaises(rfb.RFBError):
            rfb.choose_version((2, 0))
        self.assertEqual(rfb.encode_version((3, 8)), b"RFB 003.008\n")

    def test_client_and_server_init(self):
        self.assertEqual(rfb.client_init(), b"\x01")            # shared
        self.assertEqual(rfb.client_init(shared=False), b"\x00")
        head = struct.pack(">HH16sI", 720, 530, bytes(16), 9)
        self.assertEqual(rfb.parse_server_init(head), (720, 530, 9))


def server_init(name=b"Bochs-RFB"):
    return struct.pack(">HH16sI", 720, 530, bytes(16), len(name)) + name


class Handshake(unittest.TestCase):
    """rfb.handshake against a scripted server: what it must send, when."""

    def converse(self, script):
        """Run handshake() on one end of a socket pair while `script`
        (a list of ("send", bytes) / ("expect", bytes)) plays the server."""
        client, server = socket.socketpair()
        client.settimeout(5)
        server.settimeout(5)
        seen = []

        def play():
            try:
                for what, data in script:
                    if what == "send":
                        server.sendall(data)
                    else:
                        got = b""
                        while len(got) < len(data):
                            chunk = server.recv(len(data) - len(got))
                            if not chunk:
                                break
                            got += chunk
                        seen.append(got)
            except OSError:
                pass
            finally:
                server.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=play)
        t.start()
        try:
            return rfb.handshake(client), seen, [d for w, d in script if w == "expect"]
        finally:
            t.join(5)
            client.close()
            server.close()

    def test_rfb33_as_bochs(self):
        result, seen, expected = self.converse([
            ("send", b"RFB 003.003\n"), ("expect", b"RFB 003.003\n"),
            ("send", struct.pack(">I", 1)), ("expect", b"\x01"),
            ("send", server_init())])
        self.assertEqual(result, ((3, 3), 720, 530, "Bochs-RFB"))
        self.assertEqual(seen, expected)

    def test_rfb38(self):
        result, seen, expected = self.converse([
            ("send", b"RFB 003.008\n"), ("expect", b"RFB 003.008\n"),
            ("send", b"\x02\x02\x01"), ("expect", b"\x01"),      # picks None
            ("send", struct.pack(">I", 0)), ("expect", b"\x01"),
            ("send", server_init(b"x"))])
        self.assertEqual(result, ((3, 8), 720, 530, "x"))
        self.assertEqual(seen, expected)

    def test_rfb37_has_no_security_result(self):
        result, seen, expected = self.converse([
            ("send", b"RFB 003.007\n"), ("expect", b"RFB 003.007\n"),
            ("send", b"\x01\x01"), ("expect", b"\x01"),
            ("expect", b"\x01"), ("send", server_init(b"y"))])
        self.assertEqual(result, ((3, 7), 720, 530, "y"))
        self.assertEqual(seen, expected)

    def test_refusals(self):
        with self.assertRaisesRegex(rfb.RFBError, "too many"):
            self.converse([("send", b"RFB 003.003\n"), ("expect", b"RFB 003.003\n"),
                           ("send", struct.pack(">I", 0) + struct.pack(">I", 8) + b"too many")])
        with self.assertRaisesRegex(rfb.RFBError, "only None"):
            self.converse([("send", b"RFB 003.003\n"), ("expect", b"RFB 003.003\n"),
                           ("send", struct.pack(">I", 2))])
        with self.assertRaisesRegex(rfb.RFBError, "not None"):
            self.converse([("send", b"RFB 003.008\n"), ("expect", b"RFB 003.008\n"),
                           ("send", b"\x01\x02")])


class ClientOverTCP(unittest.TestCase):
    """rfb.Client on a real port: it retries until the server listens,
    sends key strokes as 8-byte events, and drains what the server sends."""

    def test_keys_and_drain(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))            # a free port, not yet listening
        port = probe.getsockname()[1]
        received = []
        done = threading.Event()

        def serve():
            probe.listen(1)
            conn, _ = probe.accept()
            with conn:
                conn.sendall(b"RFB 003.003\n")
                conn.recv(12)
                conn.sendall(struct.pack(">I", 1))
                conn.recv(1)
                conn.sendall(server_init() + b"\x00" * 200000)   # unsolicited updates
                data = b""
                while len(data) < 16:
                    chunk = conn.recv(16 - len(data))
                    if not chunk:
                        break
                    data += chunk
                received.append(data)
            done.set()

        # The server starts listening only after the client's first tries.
        timer = threading.Timer(0.3, lambda: threading.Thread(target=serve).start())
        timer.start()
        try:
            with rfb.Client("127.0.0.1", port, timeout=5.0, retry_every=0.05) as c:
                self.assertEqual(c.version, (3, 3))
                c.press("down")
                self.assertTrue(done.wait(5))
        finally:
            timer.cancel()
            probe.close()
        self.assertEqual(received, [rfb.key_press(0xff54)])

    def test_no_server(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        try:
            with self.assertRaisesRegex(rfb.RFBError, "no RFB server"):
                rfb.Client("127.0.0.1", port, timeout=0.3, retry_every=0.05)
        finally:
            probe.close()


if __name__ == "__main__":
    unittest.main()
