"""engines/kvm.py - QEMU with KVM (the engine "kvm"): the host kernel's
hypervisor runs the guest.

What "KVM" is depends on the module behind /dev/kvm, and it matters for what
this witness can show:
  * kvm_intel / kvm_amd: hardware virtualisation (VMX / SVM). The guest's
    instructions and, in the common case, its exception delivery run in the
    real CPU.
  * kvm_pvm: PVM, a shadow-paging hypervisor that needs no VMX or SVM. The
    guest runs in the host CPU's ring 3; every exception it raises traps to
    the host, and PVM and KVM's software deliver it into the guest (the
    #DF rules are KVM's kvm_multiple_exception). 32-bit protected-mode guests
    run only in KVM's instruction emulator. So under PVM, what the screen
    shows is KVM's software, not the CPU's microcode.
provider() says which one is here; the version string names it.

/dev/kvm can open and still be of no use: on an ARM64 Linux host it is the
ARM hypervisor, which runs ARM guests only, and KVM exists only on Linux
(macOS has HVF, which this engine does not drive). So the host comes first:
host_problem() refuses anything but Linux on x86 before the device is tried.

Evidence of a triple fault: KVM stops the vCPU and returns KVM_EXIT_SHUTDOWN
(8) from KVM_RUN (Linux Documentation/virt/kvm/api.rst); QEMU logs it with
the trace point kvm_run_exit ("reason 8") and then stops (-no-reboot). QEMU's
"-d cpu_reset" prints nothing for it, and "-d int" nothing at all: under KVM
QEMU does not deliver exceptions. When KVM cannot go on (its instruction
emulator meets an instruction it does not know), QEMU prints "KVM internal
error" and pauses the guest: failure() reports that, and the boot stops at
once.
"""

import fcntl
import os
import platform
import re

from .qemu import Qemu, qemu_version
import host

KVM_DEVICE = "/dev/kvm"
KVM_GET_API_VERSION = 0xAE00          # _IO(KVMIO, 0x00), Linux include/uapi/linux/kvm.h
KVM_API_VERSION = 12
KVM_EXIT_SHUTDOWN = 8
_SHUTDOWN = re.compile(r"kvm_run_exit cpu_index (\d+), reason %d\b" % KVM_EXIT_SHUTDOWN)

# The module that provides /dev/kvm -> (short name, what it means here).
PROVIDERS = (
    ("kvm_pvm", "pvm", "PVM (kvm_pvm): a shadow-paging hypervisor without VMX/SVM; "
                       "exceptions are delivered by KVM's software"),
    ("kvm_intel", "vmx", "Intel VMX (kvm_intel): hardware virtualisation"),
    ("kvm_amd", "svm", "AMD SVM (kvm_amd): hardware virtualisation"),
)
SYS_MODULE = "/sys/module"


def provider(sys_module=SYS_MODULE):
    """(module, short, description) of what provides /dev/kvm."""
    for module, short, what in PROVIDERS:
        if os.path.isdir(os.path.join(sys_module, module)):
            return module, short, what
    return "unknown", "unknown", "an unidentified KVM module"


def host_problem(system=None, machine=None):
    """None when this host's KVM could run an x86 guest, else one line
    saying why not (default: this host's platform.system() and machine())."""
    system = system or platform.system()
    machine = machine or platform.machine()
    if system != "Linux":
        return ("KVM is Linux's hypervisor and this host runs %s: use QEMU's TCG "
                "(--emulator qemu), which runs x86 guests on any host" % system)
    if not host.is_x86(machine):
        return ("this host's CPU is %s, not x86: its %s runs %s guests only; use QEMU's "
                "TCG (--emulator qemu), which runs x86 guests on any host"
                % (machine, KVM_DEVICE, machine))
    return None


def device_problem(path=KVM_DEVICE):
    """None when path opens read-write and answers KVM_GET_API_VERSION with
    12, else one line saying why KVM cannot run here."""
    if not os.path.exists(path):
        return ("%s does not exist: this CPU has no hardware virtualisation enabled, "
                "or this is a virtual machine without nested virtualisation" % path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        hint = " (add yourself to the kvm group)" if exc.errno == 13 else ""
        return "cannot open %s: %s%s" % (path, exc.strerror, hint)
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as exc:
        return "%s does not answer KVM_GET_API_VERSION: %s" % (path, exc.strerror)
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return "%s speaks KVM API %d, not %d" % (path, version, KVM_API_VERSION)
    return None


class Kvm(Qemu):
    name = "kvm"
    title = "KVM"
    order = 30
    accel = "kvm"
    # The fast machine: under nested KVM a -M pc boot spends 3.5-4.5 s in
    # SeaBIOS; microvm's qboot loads the multiboot kernel in about 0.3 s.
    default_machine = "microvm"
    # ... and so a -M pc boot (timer_irq needs SeaBIOS) gets a longer
    # bound: about 4.5 s alone here, past 10 s with both cores busy.
    machine_timeouts = {"pc": 30.0}
    # No "int": under KVM QEMU's -d int sees no exception the guest takes.
    log_items = "cpu_reset,guest_errors"
    failure_marker = b"KVM internal error"

    def __init__(self):
        super().__init__()
        self._problem = False

    def version(self):
        if self._version is None:
            self._version = "%s, KVM (%s, Linux %s)" % (
                qemu_version(), provider()[0], platform.release())
        return self._version

    def provider(self):
        """"pvm", "vmx", "svm" or "unknown": see PROVIDERS."""
        return provider()[1]

    def unavailable(self):
        # The host first: an ARM host's /dev/kvm opens and answers, but for
        # ARM guests. (Asked each time: it is cheap, and tests fake it.)
        problem = host_problem()
        if problem is None:
            if self._problem is False:
                self._problem = device_problem()
            problem = self._problem
        return problem and "KVM: " + problem

    def log_args(self, log_file):
        return super().log_args(log_file) + ["-trace", "kvm_run_exit"]

    def triple_fault(self, run):
        """KVM's own word, as QEMU logs it: KVM_RUN returned KVM_EXIT_SHUTDOWN."""
        m = _SHUTDOWN.search(run.get("log_text") or "")
        if m:
            return "KVM_EXIT_SHUTDOWN (QEMU trace: %s)" % m.group(0)
        return None

    def failure(self, run):
        return internal_error(run.get("stderr_text") or "")


def internal_error(stderr_text):
    """QEMU's "KVM internal error" report, summarised: the suberror, the
    instruction pointer and the bytes of the instruction KVM gave up on."""
    if "KVM internal error" not in stderr_text:
        return None
    suberror = re.search(r"KVM internal error\. Suberror: (\d+)", stderr_text)
    kind = "emulation failure" if "emulation failure" in stderr_text else "internal error"
    ip = re.search(r"\b(RIP|EIP)=([0-9a-f]+)", stderr_text)
    code = re.search(r"Code=.*?<([0-9a-f]{2})> ((?:[0-9a-f]{2} ?){0,5})", stderr_text)
    text = "KVM internal error (suberror %s: %s)" % (
        suberror.group(1) if suberror else "?", kind)
    if ip:
        text += " at %s=0x%x" % (ip.group(1), int(ip.group(2), 16))
    if code:
        text += ", instruction bytes %s %s" % (code.group(1), code.group(2).strip())
    return text


ENGINE = Kvm()
