"""Run one benchmark case in a child process and measure it from outside.

Each case is a command line whose stdout goes to /dev/null, so what we time is the work of producing
and serialising messages. Peak RSS comes from the kernel's accounting of the finished child
(``wait4``), so the measurement adds no overhead. A failing case is run again with its output kept,
because connectors report their errors on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    case: str
    records: int
    seconds: float
    peak_rss_mb: float

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds


def measure(case: str, command: list[str], records: int) -> Measurement:
    """Time one run of `command` and read its peak resident set size."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=sink)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        rerun = subprocess.run(command, capture_output=True, text=True)
        raise RuntimeError(f"benchmark case {case!r} failed ({child.returncode}): {rerun.stdout[-2000:]}")
    return Measurement(case, records, seconds, usage.ru_maxrss / 1024)


def best_of(runs: int, case: str, command: list[str], records: int) -> Measurement:
    """The fastest of several runs: the least disturbed by whatever else the machine is doing."""
    return min((measure(case, command, records) for _ in range(runs)), key=lambda m: m.seconds)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
