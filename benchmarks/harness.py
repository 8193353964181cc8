"""Run one benchmark case in a child process and measure it from outside.

Each case is a command line whose stdout goes to /dev/null, so what we time is the work of producing
and serialising messages. Peak RSS comes from the kernel's accounting of the finished child
(``wait4``), so the measurement adds no overhead. A failing case is run again with its output kept,
because connectors report their errors on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


@contextmanager
def sandbox_process(module: str, *args: str, log: Path) -> Iterator[dict[str, Any]]:
    """A sandbox command line (`python -m sandbox.<module>`) serving from a child process, so neither
    its CPU nor its memory is counted; yields the JSON line it announces itself with (URL,
    credentials). Its stderr, the request log when asked for with --verbose, goes to `log`."""
    with log.open("w") as log_file:
        child = subprocess.Popen(
            python_module(f"sandbox.{module}", *args), stdout=subprocess.PIPE, stderr=log_file, text=True
        )
        try:
            assert child.stdout is not None
            announcement: dict[str, Any] = json.loads(child.stdout.readline())
            yield announcement
        finally:
            child.terminate()
            child.wait(timeout=30)


def read_command(
    folder: Path,
    connector: str,
    config: dict[str, Any],
    configure: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[str]:
    """The command line of a `read` by `connector`'s console script, as the platform runs it.

    The config is written to `folder`, the streams are discovered with it, and the configured
    catalog holds what `configure` makes of each discovered stream (None leaves a stream out).
    """
    script = str(Path(sys.executable).parent / connector)
    config_path, catalog_path = folder / "config.json", folder / "catalog.json"
    config_path.write_text(json.dumps(config))
    discovered = subprocess.run(
        [script, "discover", "--config", str(config_path)], capture_output=True, check=True, text=True
    )
    messages = [json.loads(line) for line in discovered.stdout.split("\n") if line.strip()]
    (catalog,) = [message["catalog"] for message in messages if message["type"] == "CATALOG"]
    configured = [stream for stream in map(configure, catalog["streams"]) if stream is not None]
    catalog_path.write_text(json.dumps({"streams": configured}))
    return [script, "read", "--config", str(config_path), "--catalog", str(catalog_path)]
