"""How much CPU other processes took while a section ran: the honesty check on every number.

On a small shared machine a test suite started by someone else halves what a
benchmark sees, and the load average cannot tell, since it counts this
benchmark's own threads too. This reads the machine's busy CPU time from
``/proc/stat`` and subtracts this process's and its children's own, so what
is left is what others used, in cores on average over the section.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal), or ``None`` off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_busy_seconds() -> float:
    """CPU seconds used by this process and every child it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


@dataclass
class BackgroundMeter:
    """Start it before a section, read it after: the other processes' average cores meanwhile.

    Examples
    --------
    >>> meter = BackgroundMeter.start()
    >>> cores = meter.other_cores()
    >>> cores is None or cores >= 0
    True
    """

    wall: float
    machine: float | None
    own: float

    @classmethod
    def start(cls) -> "BackgroundMeter":
        return cls(time.perf_counter(), machine_busy_seconds(), own_busy_seconds())

    def other_cores(self) -> float | None:
        machine = machine_busy_seconds()
        wall = time.perf_counter() - self.wall
        if machine is None or self.machine is None or wall <= 0:
            return None
        others = (machine - self.machine) - (own_busy_seconds() - self.own)
        return max(others, 0.0) / wall
