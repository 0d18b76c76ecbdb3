"""chain - the exceptions that led to a triple fault, read from the engine's
own log and told step by step.

A triple fault is the one fault the kernel cannot report: the machine shuts
down. But the engines saw every step:

  QEMU (TCG), with -d int: "check_exception old: 0xe new 0xe" each time an
      exception is raised (old: the exception whose delivery was under way,
      0xffffffff when none was; target/i386/tcg/excp_helper.c), and
      "1: v=08 e=0000 i=0 cpl=0 IP=0008:... SP=0010:..." each time the CPU
      starts delivering a vector, followed by a register dump (CR2=...).
  Bochs, with the debugger's `show dbg_all`: "CPU 0: Exception 0x0e - (#PF)
      page fault occurred (error_code=0x0002)" each time an exception is
      raised, "CPU 0: Interrupt 0x0e occurred (error_code=0x0002)" each time
      a delivery starts (bx_dbg_exception, bx_dbg_interrupt); its log has
      "3rd (14) exception with no resolution" and the CPU state at shutdown.

parse_qemu() and parse_bochs() turn those into one list of events, chain()
finds the steps from the last fault the kernel itself raised to the
shutdown, applying the exception-class rules of SDM Vol. 3A 6.15
("Interrupt 8", Tables 6-4 and 6-5) at each step, and describe() words them
with the kernel's symbols and stacks:

  #PF at recurse+0x24 writing 0x10efe0 (the kernel stack's guard page)
  -> delivering #PF: pushing its frame faulted (#PF) -> #DF (page fault, then page fault)
  -> delivering #DF: pushing its frame faulted (#PF) -> triple fault: shutdown

Pure functions: tests/test_chain.py feeds them real logs.
"""

import re

# Exception classes for the double-fault rule (SDM Vol. 3A 6.15, Table 6-4),
# as kernel/exceptions.c's table has them: #CP (21) is contributory in newer
# editions, #VE (20) is in the page-fault class. Every vector not named is
# benign.
CONTRIBUTORY = frozenset((0, 10, 11, 12, 13, 21))
PAGE_FAULT = 14
PAGE_FAULT_CLASS = frozenset((PAGE_FAULT, 20))
DOUBLE_FAULT = 8

NAMES = {0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD",
         7: "#NM", 8: "#DF", 9: "#MF(9)", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP",
         14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM", 20: "#VE", 21: "#CP"}


def name(vector):
    return NAMES.get(vector, "vector %d" % vector)


def exception_class(vector):
    """"contributory", "page fault", "double fault" or "benign" (Table 6-4)."""
    if vector in CONTRIBUTORY:
        return "contributory"
    if vector in PAGE_FAULT_CLASS:
        return "page fault"
    if vector == DOUBLE_FAULT:
        return "double fault"
    return "benign"


def pair_rule(first, second):
    """What the CPU does when `second` is raised while delivering `first`:
    "double fault", "shutdown" or "serial" (SDM Vol. 3A 6.15, Table 6-5).
    After #DF it answers "shutdown" for any `second`, as
    exception_pair_outcome() in kernel/escalation.c does: Intel's "Interrupt
    8" says a contributory exception or page fault while delivering #DF
    means shutdown, AMD64 APM Vol. 2 8.2.9 says any third event does, and
    delivery itself can raise only #TS, #NP, #SS, #GP or #PF, on which both
    agree."""
    a, b = exception_class(first), exception_class(second)
    if a == "double fault":
        return "shutdown"
    if a == "contributory" and b == "contributory":
        return "double fault"
    if a == "page fault" and b in ("contributory", "page fault"):
        return "double fault"
    return "serial"


# --------------------------------------------------------------------------
# Events. Each is a dict:
#   {"kind": "raise", "vector", "error_code", "during"}   during: the vector
#        being delivered when it was raised, None when none was, or
#        "unknown" when the engine does not say (Bochs)
#   {"kind": "deliver", "vector", "error_code", "ip", "sp", "cr2", "software"}
#   {"kind": "shutdown", "ip", "cr2"}
# Numbers are ints; a field the engine did not log is None.
# --------------------------------------------------------------------------

_QEMU_CHECK = re.compile(r"^check_exception old: 0x([0-9a-f]+) new 0x([0-9a-f]+)")
_QEMU_DELIVER = re.compile(
    r"^\s*\d+: v=([0-9a-f]+) e=([0-9a-f]+) i=(\d) cpl=\d IP=[0-9a-f]+:([0-9a-f]+) "
    r"pc=[0-9a-f]+ SP=[0-9a-f]+:([0-9a-f]+)(?: CR2=([0-9a-f]+))?")
_QEMU_CR2 = re.compile(r"\bCR2=([0-9a-f]+)")
_QEMU_TRIPLE = re.compile(r"^Triple fault")


def parse_qemu(text):
    """Events from a QEMU log written with -d int (and cpu_reset)."""
    events = []
    pending = None          # the last delivery, whose dump may give CR2
    for line in text.splitlines():
        m = _QEMU_CHECK.match(line)
        if m:
            old = int(m.group(1), 16)
            events.append({"kind": "raise", "vector": int(m.group(2), 16), "error_code": None,
                           "during": None if old == 0xffffffff else old})
            pending = None
            continue
        m = _QEMU_DELIVER.match(line)
        if m:
            pending = {"kind": "deliver", "vector": int(m.group(1), 16),
                       "error_code": int(m.group(2), 16), "software": m.group(3) == "1",
                       "ip": int(m.group(4), 16), "sp": int(m.group(5), 16),
                       "cr2": int(m.group(6), 16) if m.group(6) else None}
            events.append(pending)
            continue
        if _QEMU_TRIPLE.match(line):
            events.append({"kind": "shutdown", "ip": None, "cr2": None})
            pending = None
            continue
        # The register dump after a delivery line: CR2 as it is when the
        # delivery starts (the #PF line carries it; #DF's dump gives the
        # address whose #PF turned into the #DF).
        if pending is not None and pending["cr2"] is None and line.startswith("CR0="):
            m = _QEMU_CR2.search(line)
            if m:
                pending["cr2"] = int(m.group(1), 16)
            pending = None
    return events


_BOCHS_EXCEPTION = re.compile(
    r"Exception 0x([0-9a-f]+)(?: - .*?)? occurr?ed \(error_code=0x([0-9a-f]+)\)")
_BOCHS_INTERRUPT = re.compile(r"Interrupt 0x([0-9a-f]+) occurr?ed \(error_code=0x([0-9a-f]+)\)")
_BOCHS_THIRD = re.compile(r"3rd \((\d+)\) exception with no resolution")
_BOCHS_IP = re.compile(r"\| [RE]IP=([0-9a-f]+)")
_BOCHS_CR2 = re.compile(r"\| CR0=0x[0-9a-f]+ CR2=0x([0-9a-f]+)")


def parse_bochs(debugger_text, log_text=""):
    """Events from Bochs's debugger output (after `show dbg_all`) and its log.
    Bochs does not say whether an exception was raised during a delivery:
    "during" is "unknown", and chain() works it out from the rules."""
    events = []
    for line in debugger_text.splitlines():
        m = _BOCHS_EXCEPTION.search(line)
        if m:
            events.append({"kind": "raise", "vector": int(m.group(1), 16),
                           "error_code": int(m.group(2), 16), "during": "unknown"})
            continue
        m = _BOCHS_INTERRUPT.search(line)
        if m:
            events.append({"kind": "deliver", "vector": int(m.group(1), 16),
                           "error_code": int(m.group(2), 16), "software": None,
                           "ip": None, "sp": None, "cr2": None})
    third = _BOCHS_THIRD.search(log_text or "")
    if third:
        # The CPU state Bochs dumps at the shutdown: the faulting instruction,
        # and CR2 of the last #PF.
        tail = log_text[third.start():]
        ip = _BOCHS_IP.search(tail) or _BOCHS_IP.search(log_text)
        cr2 = _BOCHS_CR2.search(tail) or _BOCHS_CR2.search(log_text)
        events.append({"kind": "shutdown", "ip": int(ip.group(1), 16) if ip else None,
                       "cr2": int(cr2.group(1), 16) if cr2 else None,
                       "vector": int(third.group(1))})
    return events


# --------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------

def _linked(events):
    """Decide, for each raise, the delivery it was raised in ("during"):
    1. QEMU's "old" names it, when it is not 0xffffffff (QEMU tracks only
       contributory exceptions, #PF and #DF there);
    2. an error code with the IDT bit (SDM Vol. 3A 6.13) is about a gate:
       raised while delivering the event just before it;
    3. a #PF, #SS or #TS right after a delivery began, when the pair rule
       predicts what came next (#DF, or the shutdown): raised during it.
    Anything else was raised by an instruction (during None). QEMU's
    error code of a raise is the one its delivery line shows."""
    events = [dict(e) for e in events]
    for i, e in enumerate(events):
        if e["kind"] != "raise":
            continue
        nxt = events[i + 1] if i + 1 < len(events) else None
        if e["error_code"] is None and nxt is not None and nxt["kind"] == "deliver" \
                and nxt["vector"] == e["vector"]:
            e["error_code"] = nxt["error_code"]
        if isinstance(e["during"], int):
            continue
        e["during"] = None
        prev = events[i - 1] if i > 0 else None
        if prev is None or prev["kind"] != "deliver":
            continue
        err = e["error_code"]
        if e["vector"] in (10, 11, 12, 13) and err is not None and err & 0x2:
            e["during"] = prev["vector"]
        elif e["vector"] in (10, 12, PAGE_FAULT) and nxt is not None:
            rule = pair_rule(prev["vector"], e["vector"])
            if (rule == "shutdown" and nxt["kind"] == "shutdown") or \
                    (rule == "double fault" and nxt["vector"] == DOUBLE_FAULT
                     and nxt["kind"] in ("raise", "deliver")):
                e["during"] = prev["vector"]
    return events


def chain(events):
    """The steps from the event that started it to the shutdown, or [] when
    the events hold no shutdown.

    Each step: {"vector", "name", "error_code", "ip", "cr2", "during",
    "rule", "became", "software"}: the exception raised (or, first, the
    event that started it all, which may be an `int3` or another software
    interrupt), the vector being delivered when it was raised (None for the
    first), the rule that applied ("first", "serial", "double fault",
    "shutdown"), and what the CPU delivered next (a vector, or
    "shutdown")."""
    events = _linked(events)
    end = next((i for i in range(len(events) - 1, -1, -1)
                if events[i]["kind"] == "shutdown"), None)
    return [] if end is None else _steps(events, end)


def chain_to_delivery(events, vector=DOUBLE_FAULT):
    """The steps that led to the last delivery of `vector` that went through
    (no exception raised during it): a caught #DF's chain, to hold against
    the "path" line the kernel printed. [] when there is none."""
    events = _linked(events)
    for i in range(len(events) - 1, -1, -1):
        e = events[i]
        if e["kind"] == "deliver" and e["vector"] == vector:
            nxt = events[i + 1] if i + 1 < len(events) else None
            if nxt is not None and nxt["kind"] == "raise" and nxt["during"] == vector:
                return []
            return _steps(events, i)
    return []


def _steps(events, end):
    """Walk back from events[end] (a shutdown, or a delivery that went
    through) along the links, then tell the steps forward."""
    seq, i = [], end - 1
    while i >= 0:
        e = events[i]
        prev = events[i - 1] if i > 0 else None
        seq.append(e)
        if e["kind"] == "raise":
            if e["vector"] == DOUBLE_FAULT and prev is not None and prev["kind"] == "raise":
                i -= 1                      # Bochs: the pair that made this #DF
                continue
            if e["during"] is None:
                break
            if prev is None or prev["kind"] != "deliver" or prev["vector"] != e["during"]:
                break
        else:                               # a delivery: of what was raised before it?
            if prev is None or prev["kind"] != "raise":
                break
            made_df = e["vector"] == DOUBLE_FAULT and prev["during"] is not None and \
                pair_rule(prev["during"], prev["vector"]) == "double fault"
            if prev["vector"] != e["vector"] and not made_df:
                break
        i -= 1
    seq.reverse()
    terminal = events[end]
    steps = []
    for j, e in enumerate(seq):
        if e["kind"] == "deliver" and j > 0:
            continue
        if e["kind"] == "raise" and e["vector"] == DOUBLE_FAULT and steps and \
                steps[-1]["became"] == DOUBLE_FAULT:
            continue                        # the #DF a pair became, not a step
        step = {"vector": e["vector"], "name": name(e["vector"]),
                "error_code": e["error_code"], "during": e.get("during"),
                "software": bool(e.get("software")), "ip": e.get("ip"), "cr2": e.get("cr2"),
                "rule": None, "became": None}
        step["rule"] = "first" if step["during"] is None else \
            pair_rule(step["during"], step["vector"])
        if e["kind"] == "deliver":          # a software interrupt started it
            step["became"] = e["vector"]
            step["started_by_delivery"] = True
        else:
            for nxt in seq[j + 1:] + [terminal]:
                if nxt["kind"] == "deliver":
                    step["became"] = nxt["vector"]
                    if step["ip"] is None:
                        step["ip"] = nxt["ip"]
                    if e["vector"] == PAGE_FAULT:
                        step["cr2"] = nxt["cr2"]   # CR2 as the next delivery begins
                    break
                if nxt["kind"] == "shutdown":
                    step["became"] = "shutdown"
                    if e["vector"] == PAGE_FAULT:
                        step["cr2"] = nxt["cr2"]
                    break
        steps.append(step)
    # Faults restore the IP of the instruction that started the chain, so
    # Bochs's IP at the shutdown is the first step's, when it logs none.
    if steps and steps[0]["ip"] is None:
        steps[0]["ip"] = terminal.get("ip")
    return steps


def path(steps):
    """The chain in the fault screen's "path" notation (kernel/escalation.c):
    "#PF -> frame push faults: #PF = #DF -> frame push faults: #PF -> shutdown"."""
    if not steps:
        return None
    out = steps[0]["name"]
    for step in steps[1:]:
        why = "no gate" if step["vector"] in (10, 11, 12, 13) and step["error_code"] is not None \
            and step["error_code"] & 0x2 else \
            "frame push faults" if step["vector"] == PAGE_FAULT else "delivery raised"
        out += " -> %s: %s" % (why, step["name"])
        if step["became"] == "shutdown":
            out += " -> shutdown"
        elif step["became"] == DOUBLE_FAULT and step["rule"] == "double fault":
            out += " = #DF"
    return out


def path_vectors(text):
    """"#PF -> no gate: #GP = #DF -> ..." -> "#PF > #GP=#DF > ...": the
    vectors of a path line, the reasons dropped, to compare paths."""
    if not text:
        return text
    parts = [p.strip() for p in text.split("->")]
    out = []
    for part in parts:
        part = part.split(":", 1)[-1].strip()
        out.append(part.replace(" = ", "="))
    return " > ".join(out)


# --------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------

def _pf_access(error_code):
    if error_code is None:
        return "at"
    if error_code & 0x10:
        return "fetching from"
    return "writing" if error_code & 0x2 else "reading"


def _pf_words(error_code):
    """A #PF error code's P and W/R and I/D bits in words (SDM Vol. 3A 4.7)."""
    what = "instruction fetch" if error_code & 0x10 else \
        "write" if error_code & 0x2 else "read"
    return "%s, %s" % (what, "protection violation" if error_code & 0x1 else "page not present")


def _selector_cause(error_code):
    """What a selector error code names (SDM Vol. 3A 6.13), or None."""
    if error_code is None or error_code & ~0xffff:
        return None
    index = error_code >> 3
    if error_code & 0x2:
        return "IDT[%d]" % index
    return "%s[%d] (selector 0x%x)" % ("LDT" if error_code & 0x4 else "GDT", index, error_code & ~7)


def _why(step, where):
    """Why the delivery of step["during"] failed, in a few words."""
    v, err = step["vector"], step["error_code"]
    if v == PAGE_FAULT:
        at = where(step["cr2"]) if step["cr2"] is not None else None
        what = "pushing its frame faulted (#PF" if step["cr2"] is None or \
            (at and "stack" in at) else "a memory access faulted (#PF"
        if step["cr2"] is not None:
            what += " at 0x%x%s" % (step["cr2"], ", " + at if at else "")
        return what + ")"
    if err is None:
        return "%s was raised (the engine logs no error code for it)" % name(v)
    cause = _selector_cause(err)
    if cause and cause.startswith("IDT["):
        said = err >> 3
        if said != step["during"]:
            # QEMU 7.2's x86_64 TCG: vector * 16 (tools/faultline_scenarios.py
            # DEVIATIONS, tcg-idt-index-x16). The entry it read is the vector's.
            return ("IDT[%d] is not a usable gate (%s, error 0x%x, whose index field "
                    "says %d: the engine's value, not the SDM's)" % (step["during"], name(v), err, said))
        return "%s is not a usable gate (%s, error 0x%x)" % (cause, name(v), err)
    if cause:
        return "%s could not be used (%s, error 0x%x)" % (cause, name(v), err)
    return "it raised %s" % name(v)


def describe(steps, symbolize=None, where=None):
    """Lines for people, one per step.

    symbolize(ip) -> "function+0xoff" or None; where(address) -> a phrase
    such as "the kernel stack's guard page", or None."""
    symbolize = symbolize or (lambda ip: None)
    where = where or (lambda addr: None)
    lines = []
    for n, step in enumerate(steps):
        nxt = step["became"]
        nxt_text = "triple fault: shutdown" if nxt == "shutdown" else \
            (name(nxt) if nxt is not None else "?")
        if step["during"] is None:
            text = step["name"]
            if step.get("started_by_delivery") and step["vector"] == 3:
                text += " (int3)"
            if step["ip"] is not None:
                text += " at %s" % (symbolize(step["ip"]) or "0x%x" % step["ip"])
            if step["vector"] == PAGE_FAULT and step["cr2"] is not None:
                text += " %s 0x%x" % (_pf_access(step["error_code"]), step["cr2"])
                at = where(step["cr2"])
                if at:
                    text += " (%s)" % at
            elif step["vector"] == PAGE_FAULT and step["error_code"] is not None:
                text += " (error 0x%x: %s)" % (step["error_code"], _pf_words(step["error_code"]))
            elif step["error_code"] is not None and step["error_code"] != 0:
                text += " (error 0x%x)" % step["error_code"]
            lines.append(text)
            continue
        rule = step["rule"]
        first, second = exception_class(step["during"]), exception_class(step["vector"])
        if rule == "double fault":
            because = " (%s, then %s: Table 6-5)" % (first, second)
        elif rule == "shutdown" and second in ("contributory", "page fault"):
            because = " (%s while delivering #DF: 6.15, Interrupt 8)" % \
                ("a page fault" if second == "page fault" else "a contributory exception")
        elif rule == "shutdown":
            because = " (%s while delivering #DF: AMD64 APM Vol. 2 8.2.9; Intel's 6.15 " \
                "names only contributory exceptions and page faults)" % name(step["vector"])
        else:
            because = " (%s, then %s: one after the other, Table 6-5)" % (first, second)
        lines.append("-> delivering %s: %s -> %s%s"
                     % (name(step["during"]), _why(step, where), nxt_text, because))
    return lines


def stack_regions(symbols, kernel_stack="kernel_stack", df_stack="df_stack",
                  page=0x1000, kernel_size=0x4000, df_size=0x2000, df_name="#DF stack"):
    """where() for describe(), from the kernel's symbols ((addr, type, name)
    tuples): page 0 and the guard page and body of each stack."""
    addrs = {name_: addr for addr, _kind, name_ in symbols}
    regions = [(0, page, "page 0: a NULL pointer")]
    for sym, size, label in ((kernel_stack, kernel_size, "the kernel stack"),
                             (df_stack, df_size, "the " + df_name)):
        if sym in addrs:
            base = addrs[sym]
            regions.append((base, base + page, "%s's guard page" % label))
            regions.append((base + page, base + page + size, label))

    def where(addr):
        for lo, hi, label in regions:
            if lo <= addr < hi:
                return label
        return None
    return where


# --------------------------------------------------------------------------
# What the manuals predict
# --------------------------------------------------------------------------

def model_path(first, gate_present, stack_unusable, df_switches_stack, max_steps=8):
    """The path the SDM's rules give, in the same notation, for a fault
    `first` when gate_present(v) says which IDT entries are usable, every
    push on the current stack faults (stack_unusable), and #DF's gate may
    switch to a stack of its own (df_switches_stack: IST1, a task gate).
    The same model as the kernel's escalation_chain() (kernel/escalation.c),
    which the engines' chains are checked against."""
    out = name(first)
    current = first
    for _ in range(max_steps):
        own_stack = current == DOUBLE_FAULT and df_switches_stack
        if not gate_present(current):
            why, raised = "no gate", 13
        elif stack_unusable and not own_stack:
            why, raised = "frame push faults", PAGE_FAULT
        else:
            return out                      # delivered
        out += " -> %s: %s" % (why, name(raised))
        rule = pair_rule(current, raised)
        if rule == "shutdown":
            return out + " -> shutdown"
        if rule == "double fault":
            out += " = #DF"
            raised = DOUBLE_FAULT
        current = raised
    return out
