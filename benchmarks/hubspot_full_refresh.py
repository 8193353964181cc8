"""HubSpot: a full refresh of the contacts stream (every property) from the fake HubSpot, and of
seven CRM streams read one at a time and three at a time (`num_worker`).

The connector runs as the platform runs it (its console script, config and catalog in files) in a
child process, against the fake HubSpot served by another child (`python -m sandbox.hubspot`), so
neither the fake's CPU nor its memory is counted. HubSpot's burst limit (190 requests per 10 s)
would cap any connector at 1,900 contacts/s; the fake is run without it, so the figure is the
connector's own. Requests are counted at the fake (its request log). Two account sizes show
whether memory stays flat as the account grows.
Targets: >= 5,000 records/s, <= 10.5 requests per 1,000 records, <= 150 MB peak RSS.

Run alone: `python -m benchmarks.hubspot_full_refresh 50000 200000`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, best_of, read_command, sandbox_process

SIZES = (50_000, 200_000)
CONCURRENT_STREAMS = frozenset(
    {"contacts", "companies", "deals", "tickets", "products", "line_items", "owners"}
)
UNLIMITED_BURST = 1_000_000_000
_API_REQUEST = re.compile(r'"(GET|POST) /(crm|account-info|oauth)/')


def measurements(sizes: tuple[int, ...], runs: int) -> list[Measurement]:
    """One measurement per account size (the number of contacts)."""
    results = []
    for contacts in sizes:
        arguments = ("--contacts", str(contacts), "--burst-limit", str(UNLIMITED_BURST), "--verbose")
        with tempfile.TemporaryDirectory(prefix="bench-hubspot-") as folder:
            log = Path(folder, "fake-hubspot.log")
            with sandbox_process("hubspot", *arguments, log=log) as fake:
                command = _command(Path(folder), fake)
                logged = len(log.read_text().splitlines())
                records = _count_records(command)
                logged_lines = log.read_text().splitlines()[logged:]
                requests = sum(1 for line in logged_lines if _API_REQUEST.search(line))
                case = f"hubspot {contacts:,} contacts"
                results.append(best_of(runs, case, command, records))
        print(f"{case}: {records:,} records, {requests * 1000 / records:.2f} requests per 1,000 records")
    return results


def concurrency_measurements(runs: int, workers: tuple[int, ...] = (1, 3)) -> list[Measurement]:
    """The CRM streams of a 2,000-contact account read with 1 and with 3 workers (`num_worker`),
    the fake answering every request 100 ms late (real HubSpot takes 100-300 ms) and holding
    HubSpot's own burst limit (190 requests per 10 s), which the workers share."""
    results = []
    arguments = ("--contacts", "2000", "--latency-ms", "100")
    with (
        tempfile.TemporaryDirectory(prefix="bench-hubspot-") as folder,
        sandbox_process("hubspot", *arguments, log=Path(folder, "fake-hubspot.log")) as fake,
    ):
        for num_worker in workers:
            command = _command(Path(folder), fake, CONCURRENT_STREAMS, num_worker)
            records = _count_records(command)
            case = f"hubspot {len(CONCURRENT_STREAMS)} streams, {num_worker} worker(s)"
            results.append(best_of(runs, case, command, records))
    return results


def _command(
    folder: Path, fake: dict[str, Any], streams: frozenset[str] = frozenset({"contacts"}), num_worker: int = 3
) -> list[str]:
    """`read` of `streams`, full refresh, as the connector discovers them."""
    credentials = {"credentials_title": "Private App Credentials", "access_token": fake["private_app_token"]}
    return read_command(
        folder,
        "source-hubspot",
        {"credentials": credentials, "api_base_url": fake["url"], "num_worker": num_worker},
        lambda stream: (
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            if stream["name"] in streams
            else None
        ),
    )


def _count_records(command: list[str]) -> int:
    """One untimed run, read line by line: the records it emits."""
    with subprocess.Popen(command, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None
        records = sum(1 for line in child.stdout if line.startswith(b'{"type":"RECORD"'))
    if child.returncode != 0:
        raise RuntimeError(f"the HubSpot connector failed (exit {child.returncode})")
    return records


if __name__ == "__main__":
    sizes = tuple(int(size) for size in sys.argv[1:]) or SIZES
    for m in measurements(sizes, runs=1) + concurrency_measurements(runs=1):
        print(f"{m.case}: {m.records_per_second:,.0f} records/s, peak RSS {m.peak_rss_mb:.1f} MB")
