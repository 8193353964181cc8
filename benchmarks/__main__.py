"""`make bench`: print every benchmark's figures and keep them in .local/bench.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks import bigquery_full_refresh, hubspot_full_refresh
from benchmarks.ga4_sync import ga4_default_reports, ga4_wide_report
from benchmarks.harness import Measurement, best_of, python_module

RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def raw_limit() -> list[Measurement]:
    def command(case: str) -> list[str]:
        return python_module("benchmarks.raw_limit", case, str(RECORDS))

    return [best_of(RUNS, f"raw limit: {case}", command(case), RECORDS) for case in ("orjson", "cdk")]


def report(measurements: list[Measurement]) -> None:
    ceiling = measurements[0].records_per_second
    print(f"{'case':<32}{'records':>10}{'seconds':>9}{'records/s':>12}{'of orjson':>11}{'peak RSS MB':>13}")
    for m in measurements:
        share = m.records_per_second / ceiling
        print(
            f"{m.case:<32}{m.records:>10}{m.seconds:>9.2f}{m.records_per_second:>12,.0f}"
            f"{share:>10.0%}{m.peak_rss_mb:>13.1f}"
        )


def main() -> None:
    measurements = raw_limit() + ga4_default_reports(RUNS) + ga4_wide_report(RUNS)
    measurements += hubspot_full_refresh.measurements(hubspot_full_refresh.SIZES, RUNS)
    measurements += hubspot_full_refresh.concurrency_measurements(RUNS)
    measurements += bigquery_full_refresh.measurements(sorted({100_000, RECORDS}), RUNS)
    report(measurements)
    out = Path(".local/bench.json")
    out.parent.mkdir(exist_ok=True)
    rows = [m.__dict__ | {"records_per_second": m.records_per_second} for m in measurements]
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
