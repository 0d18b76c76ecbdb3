"""schedule.py - which test group `make test` starts next (tools/run-tests).

The groups of `make test` are independent processes, so on a machine with N
cores N of them run side by side. Two rules decide the order:

  * longest first: a group that takes long and starts last makes everyone
    wait for it at the end (the classic "longest processing time" rule);
  * lanes: groups that write the same files (make run writes
    build/<arch>/serial-run.log and run.iso, make run-bochs bochs.log, make
    debug gdbinit and serial-debug.log, ...) share a lane, and a lane runs
    one group at a time. A lane is as long as everything left in
    it, so its first group is weighed by the whole lane.

How long a group takes is what it took last time (build/.cache/test-times.json,
written by run-tests), else the estimate it was declared with.

Pure functions; tests/test_schedule.py.
"""

import json
import os


class Group:
    """One test group: a name for the summary, steps run one after another
    (each (label, argv, counter)), an estimate in seconds and a lane (or None)."""

    def __init__(self, name, steps, estimate=1.0, lane=None):
        self.name = name
        self.steps = steps
        self.estimate = float(estimate)
        self.lane = lane

    def __repr__(self):
        return "Group(%r)" % self.name


def weight(group, pending):
    """A group's priority: its own time, or the time left in its lane (then,
    within the lane, its own time: longest first there too)."""
    if group.lane is None:
        return (group.estimate, group.estimate)
    return (sum(g.estimate for g in pending if g.lane == group.lane), group.estimate)


def next_group(pending, busy_lanes):
    """The group to start now: among those whose lane is free, the heaviest
    (ties: the one declared first). None when nothing can start."""
    best = None
    for g in pending:
        if g.lane is not None and g.lane in busy_lanes:
            continue
        if best is None or weight(g, pending) > weight(best, pending):
            best = g
    return best


def with_estimates(groups, seconds):
    """groups, each estimate replaced by seconds[name] where that is known."""
    for g in groups:
        if isinstance(seconds.get(g.name), (int, float)) and seconds[g.name] > 0:
            g.estimate = float(seconds[g.name])
    return groups


def load_times(path):
    """{group: seconds} from the last run, or {} (no file, or not ours)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, (int, float))} \
        if isinstance(data, dict) else {}


def save_times(path, seconds):
    """Write {group: seconds} whole or not at all."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = "%s.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump({k: round(v, 1) for k, v in sorted(seconds.items())}, f, indent=1)
    os.replace(tmp, path)
