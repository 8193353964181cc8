"""`python -m sandbox.bigquery --seed --rows 1000`: a local BigQuery to point a connector at, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from sandbox.bigquery import seed
from sandbox.bigquery.emulator import BigQueryEmulator, EmulatorNotInstalled


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so the `with` block below stops the emulator."""

    def exit_cleanly(signum: int, frame: FrameType | None) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, exit_cleanly)


def describe(emulator: BigQueryEmulator, arguments: argparse.Namespace) -> str:
    lines = [
        f"BigQuery emulator (local-bigquery) serving project {emulator.project!r}",
        f"  REST api_endpoint:    {emulator.rest_url}",
        f"  Storage Read (gRPC):  {emulator.grpc_target}  (plaintext)",
    ]
    if arguments.seed:
        tables = [seed.ALL_TYPES_TABLE, seed.ORDER_LINES_TABLE, seed.DAILY_SALES_TABLE, "events_YYYYMMDD x7"]
        if arguments.rows:
            tables.append(f"{seed.BIG_TABLE} ({arguments.rows:,} rows)")
        lines.append(f"  dataset {arguments.dataset!r}: {', '.join(tables)}; view {seed.ORDER_TOTALS_VIEW}")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bigquery", description=__doc__)
    parser.add_argument("--project", default="sandbox", help="project id the emulator serves")
    parser.add_argument("--dataset", default=seed.DATASET, help="dataset that --seed (re)creates")
    parser.add_argument("--seed", action="store_true", help="create the tables of sandbox.bigquery.seed")
    parser.add_argument("--rows", type=int, default=0, help="with --seed: also a big_table of this many rows")
    arguments = parser.parse_args(argv)
    if arguments.rows and not arguments.seed:
        parser.error("--rows needs --seed")

    stop_on_sigterm()
    try:
        with BigQueryEmulator(project=arguments.project) as emulator:
            if arguments.seed:
                seed.seed(emulator.client(), arguments.dataset, big_table_rows=arguments.rows)
            print(describe(emulator, arguments), flush=True)
            threading.Event().wait()
    except EmulatorNotInstalled as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
