"""GA4: a sync of the default reports of 2 properties over 365 days, from the fake GA4 Data API.

The connector runs as the platform runs it (its console script, config and catalog in files) in a
child process, against the fake GA4 served by another child (`python -m sandbox.ga4`). This
process stays small on purpose: a child's peak RSS, as the kernel reports it, starts from the
peak of the process that spawned it. Besides records/s and peak RSS, the figures issue 6 asks
for: requests and quota tokens per 1,000 rows (requests as the fake logged them, tokens as the
connector reports spending them) and calls to the token endpoint (one per sync is the goal).
Targets: >= 5,000 records/s, <= 150 MB peak RSS.

A second case reads one wide custom report (9 dimensions, 10 metrics) instead: its pages are
sized to the connector's memory budget (`page_memory_mb`), so it shows what that costs in
requests and quota tokens.

Run alone: `python -m benchmarks.ga4_sync [--page-memory-mb N]`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, best_of, read_command, sandbox_process

CASE = "ga4: 2 properties x 365 days"
WIDE_CASE = "ga4: wide report, 2 x 365 days"
DAYS = 365
WIDE_REPORT = {
    "name": "wide_report",
    "dimensions": [
        "date",
        "deviceCategory",
        "operatingSystem",
        "browser",
        "country",
        "region",
        "city",
        "sessionSource",
        "sessionMedium",
    ],
    "metrics": [
        "totalUsers",
        "newUsers",
        "sessions",
        "sessionsPerUser",
        "averageSessionDuration",
        "screenPageViews",
        "screenPageViewsPerSession",
        "bounceRate",
        "engagedSessions",
        "eventCount",
    ],
}
_SPENT = re.compile(r"quota tokens spent: (.*)\.$")
_API_REQUEST = re.compile(r'"(GET|POST) /v1(beta|alpha)/')


def ga4_default_reports(runs: int, **options: Any) -> list[Measurement]:
    """Every default report of both properties."""
    return [_sync(runs, CASE, lambda stream: True, options)]


def ga4_wide_report(runs: int, **options: Any) -> list[Measurement]:
    """Only the wide custom report, of both properties."""
    options = {**options, "custom_reports_array": [WIDE_REPORT]}
    return [_sync(runs, WIDE_CASE, lambda stream: stream.startswith("wide_report"), options)]


def _sync(runs: int, case: str, wanted: Callable[[str], bool], options: dict[str, Any]) -> Measurement:
    """Measure a read of the `wanted` streams with the config `options`, and print what it cost."""
    with tempfile.TemporaryDirectory(prefix="bench-ga4-") as name:
        folder, log = Path(name), Path(name, "fake-ga4.log")
        arguments = ("--properties", "2", "--days", str(DAYS), "--key-file", str(folder / "key.json"))
        with sandbox_process("ga4", *arguments, "--verbose", log=log) as fake:
            command = _command(folder, fake, wanted, options)
            logged = len(log.read_text().splitlines())
            records, tokens = _count(command)
            requests = log.read_text().splitlines()[logged:]
            measurement = best_of(runs, case, command, records)
    api_requests = sum(1 for line in requests if _API_REQUEST.search(line))
    token_calls = sum(1 for line in requests if '"POST /token ' in line)
    per_thousand = 1000 / records
    print(
        f"{case}: {records:,} rows; per 1,000 rows {api_requests * per_thousand:.2f} requests and "
        f"{tokens * per_thousand:.2f} quota tokens; {token_calls} token-endpoint call(s) per sync"
    )
    return measurement


def _command(
    folder: Path, fake: dict[str, Any], wanted: Callable[[str], bool], options: dict[str, Any]
) -> list[str]:
    """`read` of the `wanted` streams the connector discovers, incrementally."""
    today = datetime.now(UTC).date()
    config = {
        "credentials": {
            "auth_type": "Service",
            "credentials_json": Path(fake["service_account_key_file"]).read_text(),
        },
        "property_ids": fake["property_ids"],
        "date_ranges_start_date": (today - timedelta(days=DAYS - 1)).isoformat(),
        "api_endpoint": fake["url"],
        **options,
    }
    return read_command(
        folder,
        "source-google-analytics-data-api",
        config,
        lambda stream: (
            {"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append_dedup"}
            if wanted(stream["name"])
            else None
        ),
    )


def _count(command: list[str]) -> tuple[int, int]:
    """One untimed run, read line by line: the records it emits and the quota tokens it spent."""
    records, tokens = 0, 0
    with subprocess.Popen(command, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                records += 1
            elif line.startswith(b'{"type":"LOG"') and (
                spent := _SPENT.search(json.loads(line)["log"]["message"])
            ):
                tokens = sum(int(part.split(": ")[1].replace(",", "")) for part in spent.group(1).split(", "))
    if child.returncode != 0:
        raise RuntimeError(f"the GA4 connector failed (exit {child.returncode})")
    return records, tokens


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ga4_sync", description=__doc__)
    parser.add_argument(
        "--page-memory-mb", type=int, help="the connector's page_memory_mb (its default if absent)"
    )
    chosen = parser.parse_args().page_memory_mb
    options = {} if chosen is None else {"page_memory_mb": chosen}
    for m in ga4_default_reports(runs=1, **options) + ga4_wide_report(runs=1, **options):
        print(
            f"{m.case}: {m.seconds:.2f} s, {m.records_per_second:,.0f} records/s, "
            f"peak RSS {m.peak_rss_mb:.1f} MB"
        )
