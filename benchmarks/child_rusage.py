"""Run one command as a grandchild of a small process and print its wall time and peak RSS as JSON.

Why a separate launcher: Linux charges a child's ``ru_maxrss`` with the
resident size of the process it was forked (or vforked) from, up to the
``exec``. Spawned straight from the benchmark, which holds torch, the
training data and 50 MB arrays, every child would "peak" at the benchmark's
own 1+ GB. Spawned from this launcher (a bare interpreter of ~10 MB), the
inherited part is negligible, and ``os.wait4`` returns the rusage of exactly
that one child.

Examples
--------
    python benchmarks/child_rusage.py usage.json gan-run --model generator.onnx --out x.png
    # usage.json: {"wall_s": 0.21, "peak_rss_mb": 78.4, "returncode": 0}

The figures go to a file, so the command's own stdout and stderr pass through untouched.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(report: str, command: list[str]) -> None:
    """Spawn ``command`` (``posix_spawnp``: no copy of this process), wait for it, write the figures to ``report``."""
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    with open(report, "w") as stream:
        json.dump({"wall_s": wall, "peak_rss_mb": usage.ru_maxrss * 1024 / 1e6,
                   "returncode": os.waitstatus_to_exitcode(status)}, stream)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
