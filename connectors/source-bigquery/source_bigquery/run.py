"""The `source-bigquery` command: spec, check, discover and read, as the Airbyte protocol defines."""

import sys

from cdk_extensions.record_batches import RecordBatchEntrypoint
from cdk_extensions.secrets import launch
from source_bigquery.source import SourceBigquery


def launch_source(args: list[str], source: SourceBigquery | None = None) -> None:
    """Run one command with these arguments, printing its messages to stdout."""
    launch(source or SourceBigquery(), args, entrypoint_class=RecordBatchEntrypoint)


def run() -> None:
    launch_source(sys.argv[1:])
