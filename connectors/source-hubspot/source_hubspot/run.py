"""The `source-hubspot` command: spec, check, discover and read, as the Airbyte protocol defines."""

import sys

from cdk_extensions.secrets import launch
from source_hubspot.source import SourceHubspot


def run() -> None:
    launch(SourceHubspot(), sys.argv[1:])
