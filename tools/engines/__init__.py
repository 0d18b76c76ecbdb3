"""engines - the machines faultline's kernel runs on, one module each.

    qemu   QEMU's TCG, a software CPU                        (engines/qemu.py)
    bochs  Bochs, an instruction-level emulator with a debugger (engines/bochs.py)
    kvm    QEMU with KVM: the host kernel's hypervisor      (engines/kvm.py)

Every module here that defines ENGINE is an engine (the interface is in
base.py); this file finds them, so adding an engine is adding one file.

    import engines
    engines.names()            ("qemu", "bochs", "kvm")
    engines.get("kvm")         the Engine, or ToolError naming the valid ones
"""

import importlib
import pkgutil

from .base import ToolError

_registry = None


def _load():
    global _registry
    if _registry is None:
        found = []
        for info in pkgutil.iter_modules(__path__):
            module = importlib.import_module("%s.%s" % (__name__, info.name))
            engine = getattr(module, "ENGINE", None)
            if engine is not None:
                found.append(engine)
        found.sort(key=lambda e: (e.order, e.name))
        _registry = {e.name: e for e in found}
    return _registry


def names():
    return tuple(_load())


def all_engines():
    return tuple(_load().values())


def get(name):
    try:
        return _load()[name]
    except KeyError:
        raise ToolError("unknown emulator %r (valid: %s)" % (name, ", ".join(names())))


def parse_list(text, default=("qemu",)):
    """"qemu,bochs" -> ("qemu", "bochs"); "both" -> QEMU and Bochs (the two
    emulators); "all" -> every engine. ToolError on an unknown name."""
    if not text:
        return tuple(default)
    if text == "both":
        return ("qemu", "bochs")
    if text == "all":
        return names()
    wanted = tuple(w for w in text.replace(",", " ").split() if w)
    for w in wanted:
        get(w)
    return wanted
