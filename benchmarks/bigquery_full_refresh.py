"""The BigQuery source's full refresh of a generated table from the local emulator, end to end.

Each case runs `source-bigquery read` as the platform does (its own process, stdout to /dev/null)
on a `big_table` of N rows (id, name, NUMERIC amount, TIMESTAMP), read through the Storage Read
API. Records/s counts the whole command, start-up included, like the raw limit it is compared to.
Peak RSS is the connector's own (the emulator is another process). Two sizes show whether memory
stays flat as the table grows.

Run directly: `python -m benchmarks.bigquery_full_refresh 100000 1000000`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Measurement, best_of, read_command

STREAM = "big_table"
DATASET = "bench"


def measurements(sizes: list[int], runs: int) -> list[Measurement]:
    """One measurement per table size; none (with a note) when the emulator is not installed."""
    from sandbox.bigquery import seed
    from sandbox.bigquery.emulator import BigQueryEmulator

    emulator = BigQueryEmulator(project="bench")
    if reason := emulator.missing_installation():
        print(f"BigQuery benchmark skipped: {reason}", file=sys.stderr)
        return []
    results = []
    with emulator, tempfile.TemporaryDirectory(prefix="bench-bigquery-") as folder:
        client = emulator.client()
        client.create_dataset(DATASET)
        for rows in sizes:
            seed.seed_big_table(client, DATASET, rows)
            command = _read_command(emulator, Path(folder))
            results.append(best_of(runs, f"bigquery {rows:,} rows", command, rows))
    return results


def _read_command(emulator: object, folder: Path) -> list[str]:
    """`read` of the big table, full refresh, as the connector discovers it."""
    from sandbox.bigquery.emulator import BigQueryEmulator

    assert isinstance(emulator, BigQueryEmulator)
    config = {
        "project_id": emulator.project,
        "dataset_id": DATASET,
        "api_endpoint": emulator.rest_url,
        "storage_api_endpoint": f"http://{emulator.grpc_target}",
    }
    return read_command(
        folder,
        "source-bigquery",
        config,
        lambda stream: (
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            if stream["name"] == STREAM
            else None
        ),
    )


if __name__ == "__main__":
    for measurement in measurements([int(size) for size in sys.argv[1:]] or [100_000, 1_000_000], runs=1):
        rate, rss = measurement.records_per_second, measurement.peak_rss_mb
        print(f"{measurement.case}: {rate:,.0f} records/s, peak RSS {rss:.0f} MB")
