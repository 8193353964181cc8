"""The BigQuery source: SPEC from the config model, `check`, `discover` and `read`.

The Google client libraries are heavy to import: they are imported only where a command needs
them, never at module import, so that `spec` stays fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from airbyte_cdk.models import AirbyteCatalog, ConnectorSpecification
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.spec import connector_spec, load_config
from source_bigquery.api import DEFAULT_BACKOFF, BigQueryApi
from source_bigquery.catalog import discover_tables
from source_bigquery.check import check_access
from source_bigquery.config import BigQueryConfig

DOCUMENTATION_URL = "https://cloud.google.com/bigquery/docs/reference/storage"


class SourceBigquery(AbstractSource):
    """One instance serves one command. `backoff` and `sleep` are for tests (see `BigQueryApi`)."""

    def __init__(
        self, *, backoff: BackoffPolicy = DEFAULT_BACKOFF, sleep: Callable[[float], None] = time.sleep
    ):
        super().__init__()
        self._backoff, self._sleep = backoff, sleep

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return connector_spec(BigQueryConfig, documentation_url=DOCUMENTATION_URL)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        api = self._api(config, logger)
        try:
            check_access(api, logger)
        finally:
            api.close()
        return True, None

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        api = self._api(config, logger)
        try:
            sources = discover_tables(api)
        finally:
            api.close()
        return AirbyteCatalog(streams=[source.airbyte_stream() for source in sources])

    def _api(self, config: Mapping[str, Any], logger: logging.Logger) -> BigQueryApi:
        bigquery = load_config(BigQueryConfig, config, logger=logger)
        return BigQueryApi(bigquery, backoff=self._backoff, sleep=self._sleep)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        load_config(BigQueryConfig, config, logger=self.logger)
        return []
