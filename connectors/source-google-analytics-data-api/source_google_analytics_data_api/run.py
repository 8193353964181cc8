"""The `source-google-analytics-data-api` command: spec, check, discover and read."""

import sys

from cdk_extensions.secrets import launch
from source_google_analytics_data_api.source import SourceGoogleAnalyticsDataApi


def run() -> None:
    launch(SourceGoogleAnalyticsDataApi(), sys.argv[1:])
