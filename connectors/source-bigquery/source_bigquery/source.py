"""The BigQuery source: its SPEC and the validation of its config. Streams come in a later version.

The Google client libraries are heavy to import; they will be imported only where a command
needs them, never at module import, so that `spec` stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airbyte_cdk.models import ConnectorSpecification
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream

from cdk_extensions.spec import connector_spec, load_config
from source_bigquery.config import BigQueryConfig

DOCUMENTATION_URL = "https://cloud.google.com/bigquery/docs/reference/storage"
CONNECTION_CHECK_PENDING = (
    "The configuration is valid, but this version of the connector cannot test the connection to "
    "BigQuery yet."
)


class SourceBigquery(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return connector_spec(BigQueryConfig, documentation_url=DOCUMENTATION_URL)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        load_config(BigQueryConfig, config, logger=logger)
        return False, CONNECTION_CHECK_PENDING

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        load_config(BigQueryConfig, config, logger=self.logger)
        return []
