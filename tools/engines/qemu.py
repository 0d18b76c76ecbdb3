"""engines/qemu.py - QEMU with TCG, its software CPU (the engine "qemu").

TCG translates the guest's instructions and emulates exception delivery in
software (target/i386/tcg/seg_helper.c: do_interrupt_all, and
excp_helper.c for the double-fault rules). Its evidence of a triple fault is
its own log: `-d cpu_reset` writes "Triple fault" before the CPU reset that
-no-reboot turns into QEMU stopping.

Machines: "pc" is the PC a learner boots (BIOS, VGA, CD-ROM: the GRUB ISO);
"microvm" boots a multiboot kernel with -kernel in about half the time (a
minimal firmware instead of a PC BIOS: qboot in Debian's QEMU, a SeaBIOS
build upstream; no VGA device: the text buffer is plain memory; COM1 and
isa-debug-exit are there).
"""

import os
import re
import selectors
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

from . import base
import chain
import file_cache
import grub_iso

BINARIES = {"i386": "qemu-system-i386", "x86_64": "qemu-system-x86_64"}
BASE_ARGS = ["-m", "128M", "-display", "none", "-no-reboot", "-serial", "stdio"]
MACHINES = ("pc", "microvm")
EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def boot_image(build_dir):
    """What QEMU -kernel gets: faultline-qemu.elf (x86_64's ELF32 copy: QEMU's
    -kernel refuses ELF64) if present, else faultline.elf."""
    qemu_elf = os.path.join(build_dir, "faultline-qemu.elf")
    if os.path.exists(qemu_elf):
        return qemu_elf
    return os.path.join(build_dir, "faultline.elf")


def kargs_iso(build_dir):
    """The ISO whose GRUB reads the command line from a floppy (tools/mkkargs)."""
    return os.path.join(build_dir, "faultline-kargs.iso")


def split_args(args):
    if not args:
        return []
    return shlex.split(args) if isinstance(args, str) else list(args)


class Qemu(base.Engine):
    name = "qemu"
    title = "QEMU TCG"
    order = 10
    accel = "tcg"
    default_machine = "pc"
    fast_machine = "microvm"      # no PC BIOS: about 0.04 s of CPU a boot instead of 0.11
    machine_timeouts = {}         # a machine whose boots need longer than default_timeout
    # -d: what QEMU's own log records. cpu_reset holds "Triple fault"; int
    # every exception raised and every delivery begun, with the registers:
    # the chain that led to a triple fault (tools/chain.py).
    log_items = "cpu_reset,guest_errors,int"
    # Bytes on stderr that mean the engine itself broke down mid-boot: the
    # boot stops at once instead of waiting for its timeout.
    failure_marker = None

    def __init__(self):
        self._version = None

    # ---- what it is --------------------------------------------------

    def version(self):
        if self._version is None:
            self._version = "%s, %s" % (qemu_version(), self.accel.upper())
        return self._version

    def boot_timeout(self, spec):
        """spec's own timeout, else the one for the machine it boots."""
        return spec.timeout or self.machine_timeouts.get(self.machine_for(spec),
                                                         self.default_timeout)

    def machine_for(self, spec):
        if spec.boot == "iso":
            return "pc"               # a CD needs a BIOS
        return spec.machine or self.default_machine

    def check(self, arch, boot="kernel", build_dir=None, kernel=None):
        if arch not in BINARIES:
            raise base.ToolError("unknown arch %r (valid: i386, x86_64)" % (arch,))
        why = self.unavailable()
        if why:
            raise base.ToolError(why)
        binary = BINARIES[arch]
        if shutil.which(binary) is None:
            raise base.ToolError("%s not found: %s" % (binary, base.setup_hint()))
        build_dir = build_dir or base.default_build_dir(arch)
        if kernel is None:
            image = boot_image(build_dir) if boot == "kernel" else kargs_iso(build_dir)
            if not os.path.exists(image):
                raise base.ToolError("%s not found: build it with `make ARCH=%s`"
                                     % (base.show_path(image), arch))
        elif not os.path.exists(kernel):
            raise base.ToolError("kernel image %s not found" % kernel)
        if boot == "iso" and kernel is not None:   # a custom kernel: an ISO is made
            grub_iso.check_tools()

    # ---- the command --------------------------------------------------

    def accel_args(self, arch):
        return ["-accel", self.accel]

    def log_args(self, log_file):
        return ["-d", self.log_items, "-D", str(log_file)]

    def command(self, arch, log_file, kernel=None, cmdline="", iso=None,
                emulator_args=None, machine="pc"):
        """The argv for one headless boot (kernel= for -kernel, iso= for -cdrom).

        emulator_args: a string (shell-split) or a list, appended last.
        """
        if arch not in BINARIES:
            raise ValueError("unknown arch %r" % (arch,))
        if (kernel is None) == (iso is None):
            raise ValueError("give exactly one of kernel= or iso=")
        if machine not in MACHINES or (iso is not None and machine != "pc"):
            raise ValueError("machine %r cannot boot this (a CD needs pc)" % (machine,))
        extra = split_args(emulator_args)
        for word in extra:
            if word in ("-accel", "-enable-kvm", "--enable-kvm") or "accel=" in word:
                raise ValueError("%r in the emulator arguments: choose the engine instead "
                                 "(--emulator qemu for TCG, --emulator kvm for KVM), so that "
                                 "the right evidence is read" % word)
        cmd = ([BINARIES[arch], "-M", machine] + self.accel_args(arch) + BASE_ARGS
               + ["-monitor", "none"] + self.log_args(log_file) + EXIT_DEVICE)
        if iso is not None:
            cmd += ["-cdrom", str(iso)]
        else:
            cmd += ["-kernel", str(kernel), "-append", cmdline]
        return cmd + extra

    def spec_command(self, spec, workdir, log_file, kernel_name=None):
        """The command for spec, making what it needs in workdir (a kargs
        floppy, or an ISO for a custom kernel)."""
        if spec.boot == "iso" and spec.kernel is None:
            # The build's kargs ISO, the command line on a floppy: the same
            # GRUB path as Bochs, with no grub-mkrescue per boot.
            floppy = os.path.join(workdir, "kargs.img")
            base.write_kargs_floppy(floppy, spec.cmdline)
            return self.command(spec.arch, log_file, iso=kargs_iso(spec.build_dir),
                                emulator_args=["-drive", "file=%s,if=floppy,format=raw,"
                                               "readonly=on" % floppy, "-boot", "d"]
                                + split_args(spec.emulator_args))
        if spec.boot == "iso":
            iso = grub_iso.make_iso(spec.kernel, spec.cmdline, workdir)
            return self.command(spec.arch, log_file, iso=iso,
                                emulator_args=spec.emulator_args)
        image = kernel_name or spec.kernel or boot_image(spec.build_dir)
        return self.command(spec.arch, log_file, kernel=image, cmdline=spec.cmdline,
                            emulator_args=spec.emulator_args, machine=self.machine_for(spec))

    # ---- running ------------------------------------------------------

    def run(self, spec):
        workdir = tempfile.mkdtemp(prefix="faultline-")
        try:
            log_file = os.path.join(workdir, "qemu.log")
            cmd = self.spec_command(spec, workdir, log_file)
            proc, run = self._boot(cmd, spec)
            base.reap(proc)
            run["exit_status"] = proc.returncode
            run["log_text"] = base.read_text(log_file)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return run

    def _boot(self, cmd, spec, cwd=None):
        """Start cmd and read COM1 (its stdout) and stderr until a complete
        result line arrives (then up to spec.grace more seconds for it to
        exit by itself), the engine exits or breaks down, or spec.timeout.
        Returns (proc, run) with proc still alive: the caller reaps it."""
        timeout = self.boot_timeout(spec)
        run = base.new_run(cmd)
        start = time.monotonic()
        deadline = start + timeout
        out, err = [], []
        proc = base.spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, bufsize=0, cwd=cwd)
        sel = selectors.DefaultSelector()
        try:
            for stream, sink in ((proc.stdout, out), (proc.stderr, err)):
                os.set_blocking(stream.fileno(), False)
                sel.register(stream.fileno(), selectors.EVENT_READ, sink)
            open_streams = 2
            pending = b""
            stop = False
            while open_streams and not stop:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run["timed_out"] = True
                    break
                for key, _ev in sel.select(min(remaining, 0.5)):
                    try:
                        data = os.read(key.fd, 65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(key.fd)
                        open_streams -= 1
                        continue
                    key.data.append(data)
                    if key.data is out:
                        # Only the unfinished last line carries over.
                        pending += data
                        if (b"FAULTLINE-RESULT " in pending
                                and base.has_complete_result_line(pending)):
                            run["result_seen"] = stop = True
                        pending = pending[pending.rfind(b"\n") + 1:]
                    elif self.failure_marker and self.failure_marker in b"".join(err):
                        stop = True
            run["seconds"] = round(time.monotonic() - start, 3)
            if run["result_seen"] and spec.grace:
                try:
                    proc.wait(timeout=spec.grace)
                except subprocess.TimeoutExpired:
                    pass
            elif not open_streams:
                try:                   # the emulator closed its output: it is exiting
                    proc.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    pass
        except BaseException:
            base.reap(proc)
            raise
        finally:
            sel.close()
        if self.failure_marker and proc.poll() is None and self.failure_marker in b"".join(err):
            time.sleep(0.05)           # the rest of the engine's report
        for stream, sink in ((proc.stdout, out), (proc.stderr, err)):
            sink.append(_drain(stream))
        run["serial_bytes"] = b"".join(out)
        run["stderr_text"] = b"".join(err).decode("utf-8", "replace")
        return proc, run

    # ---- the VGA text buffer -------------------------------------------

    def capture_vga(self, spec, screendump=False):
        """Boot, and once COM1 shows the result line (the kernel has halted:
        the screen is final) read the VGA buffer with the monitor's pmemsave
        (and, with screendump, the rendered screen as PPM)."""
        workdir = tempfile.mkdtemp(prefix="faultline-vga-")
        sock_path = os.path.join(workdir, "monitor.sock")
        vga_path = os.path.join(workdir, "vga.bin")
        ppm_path = os.path.join(workdir, "screen.ppm")
        log_file = os.path.join(workdir, "qemu.log")
        image = spec.kernel or boot_image(spec.build_dir)
        # The image is given relative to its directory (QEMU runs there), so
        # the path QEMU puts first on the command line is short and the same
        # on every host: the bad-command-line screen shows it.
        cmd = self.spec_command(spec, workdir, log_file, kernel_name=os.path.basename(image))
        cmd += ["-monitor", "unix:%s,server,nowait" % sock_path]
        proc = monitor = None
        run = base.new_run(cmd)
        try:
            proc, run = self._boot(cmd, spec, cwd=os.path.dirname(image))
            run["log_text"] = base.read_text(log_file)
            if not run["result_seen"]:
                return run
            deadline = time.monotonic() + 5.0
            monitor = Monitor(sock_path, deadline)
            out = monitor.command('pmemsave 0x%x %d "%s"' % (base.VGA_BASE, base.VGA_BYTES,
                                                              vga_path))
            if not _wait_file(vga_path, base.VGA_BYTES, deadline):
                run["error"] = "pmemsave wrote no %d-byte file%s" % (
                    base.VGA_BYTES, (": " + out) if out else "")
                return run
            run["vga"] = base.read_bytes(vga_path)[:base.VGA_BYTES]
            if screendump:
                out = monitor.command('screendump "%s"' % ppm_path)
                if not _wait_file(ppm_path, 16, deadline):
                    run["error"] = "screendump wrote no file%s" % ((": " + out) if out else "")
                    return run
                run["ppm"] = base.read_bytes(ppm_path)
            monitor.send("quit")
            try:
                proc.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                pass
        except OSError as exc:
            run["error"] = str(exc)
        finally:
            if monitor is not None:
                monitor.close()
            base.reap(proc)
            if proc is not None:
                run["exit_status"] = proc.returncode
            shutil.rmtree(workdir, ignore_errors=True)
        return run

    # ---- evidence ------------------------------------------------------

    def triple_fault(self, run):
        """QEMU's own words (-d cpu_reset): the "Triple fault" line."""
        for line in (run.get("log_text") or "").splitlines():
            if "Triple fault" in line:
                return line.strip()
        return None

    def chain_events(self, run):
        """-d int's check_exception and delivery lines (tools/chain.py)."""
        if "int" not in self.log_items.split(","):
            return None
        return chain.parse_qemu(run.get("log_text") or "")


def _drain(stream):
    chunks = []
    try:
        while True:
            try:
                data = os.read(stream.fileno(), 65536)
            except BlockingIOError:
                break
            if not data:
                break
            chunks.append(data)
    except (OSError, ValueError):
        pass
    finally:
        stream.close()
    return b"".join(chunks)


def _wait_file(path, size, deadline):
    while time.monotonic() < deadline:
        try:
            if os.path.getsize(path) >= size:
                return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


_version_cache = {}


def qemu_version(binary="qemu-system-x86_64"):
    """"QEMU 7.2.22" from `qemu-system-* --version`, or "QEMU (version unknown)"."""
    if binary not in _version_cache:
        def ask():
            try:
                return subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, timeout=10).stdout
            except (OSError, subprocess.TimeoutExpired):
                return ""
        path = shutil.which(binary)
        text = ""
        if path:
            # Asked once per QEMU binary (an upgrade changes the file): build/.cache/.
            path = os.path.realpath(path)
            text = file_cache.cached(path, os.path.join(base.REPO_ROOT, "build", ".cache",
                                                        os.path.basename(path) + ".version"),
                                     ask)
        m = re.search(r"version (\d+\.\d+(?:\.\d+)?)", text)
        _version_cache[binary] = "QEMU %s" % m.group(1) if m else "QEMU (version unknown)"
    return _version_cache[binary]


_PROMPT = b"(qemu) "
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


class Monitor:
    """A minimal client of QEMU's human monitor (HMP) on a unix socket."""

    def __init__(self, path, deadline):
        self.sock = None
        last = None
        while time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.sock = s
                break
            except OSError as exc:
                s.close()
                last = exc
                time.sleep(0.05)
        if self.sock is None:
            raise OSError("cannot connect to the QEMU monitor %s: %s" % (path, last))
        self.deadline = deadline
        self._read_prompt()

    def _read_prompt(self):
        buf = b""
        while not buf.endswith(_PROMPT):
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise OSError("the QEMU monitor did not answer in time")
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            if not data:
                raise OSError("the QEMU monitor closed the connection")
            buf += data
        return buf

    def command(self, line):
        """Run one command; its output (the echo and the prompt removed)."""
        self.sock.sendall(line.encode() + b"\n")
        buf = self._read_prompt()
        body = buf[:-len(_PROMPT)]
        if b"\r\n" in body:
            body = body.split(b"\r\n", 1)[1]     # drop the echoed command line
        return _ANSI.sub(b"", body).decode("utf-8", "replace").strip()

    def send(self, line):
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError:
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


ENGINE = Qemu()
