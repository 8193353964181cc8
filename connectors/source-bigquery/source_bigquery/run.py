"""The `source-bigquery` command: spec, check, discover and read, as the Airbyte protocol defines."""

import sys

from cdk_extensions.secrets import launch
from source_bigquery.source import SourceBigquery


def run() -> None:
    launch(SourceBigquery(), sys.argv[1:])
