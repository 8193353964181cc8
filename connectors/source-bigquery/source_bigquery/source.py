"""The BigQuery source: SPEC from the config model, `check`, `discover` and `read`.

The Google client libraries are heavy to import: they are imported only where a command needs
them, never at module import, so that `spec` stays fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    ConnectorSpecification,
    FailureType,
    SyncMode,
)
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from cdk_extensions.backoff import BackoffPolicy
from cdk_extensions.record_batches import RecordBatchSource
from cdk_extensions.source_inputs import ValidatedInputs
from cdk_extensions.spec import connector_spec, load_config
from source_bigquery.api import DEFAULT_BACKOFF, BigQueryApi
from source_bigquery.catalog import TableSource, discover_queries, discover_tables
from source_bigquery.check import check_access
from source_bigquery.config import BigQueryConfig

DOCUMENTATION_URL = "https://cloud.google.com/bigquery/docs/reference/storage"


class SourceBigquery(ValidatedInputs, RecordBatchSource):
    """One instance serves one command. `backoff` and `sleep` are for tests (see `BigQueryApi`), and
    `page_rows`, the rows of one record batch and of one incremental checkpoint at most."""

    def __init__(
        self,
        *,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        page_rows: int | None = None,
    ):
        super().__init__()
        self._backoff, self._sleep = backoff, sleep
        self._page_rows = page_rows
        self._configured: dict[str, ConfiguredAirbyteStream] | None = None
        self._read_api: BigQueryApi | None = None

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
            sources = _all_sources(api)
        finally:
            api.close()
        return AirbyteCatalog(streams=[source.airbyte_stream() for source in sources])

    def _api(self, config: Mapping[str, Any], logger: logging.Logger) -> BigQueryApi:
        bigquery = load_config(BigQueryConfig, config, logger=logger)
        return BigQueryApi(bigquery, backoff=self._backoff, sleep=self._sleep)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        self._configured = {configured.stream.name: configured for configured in catalog.streams}
        try:
            yield from super().read(logger, config, catalog, state)
        finally:
            if self._read_api is not None:
                self._read_api.close()

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        """The streams to read: during `read`, only those of the configured catalog, each in its sync mode."""
        from source_bigquery.memory import release_freed_memory  # pyarrow: only `read` imports it

        release_freed_memory()
        api = self._read_api = self._api(config, logging.getLogger("airbyte"))
        only = set(self._configured) if self._configured is not None else None
        return [self._stream(api, source) for source in _all_sources(api, only)]

    def _stream(self, api: BigQueryApi, source: TableSource) -> Stream:
        from source_bigquery.streams import IncrementalTableStream, TableStream

        configured = (self._configured or {}).get(source.name)
        if configured is None or configured.sync_mode != SyncMode.incremental:
            return TableStream(api, source, self._page_rows)
        cursor = configured.cursor_field[0] if configured.cursor_field else source.default_cursor
        if cursor is None:
            raise AirbyteTracedException(
                message=f"Stream '{source.name}' is incremental but has no cursor: choose one of its cursor "
                f"candidates ({', '.join(source.cursor_candidates) or 'none'}).",
                failure_type=FailureType.config_error,
            )
        primary_key = [path[0] for path in configured.primary_key or []] or list(source.primary_key)
        return IncrementalTableStream(api, source, cursor, primary_key, self._page_rows)


def _all_sources(api: BigQueryApi, only: set[str] | None = None) -> list[TableSource]:
    """The tables, views and shards of the configured datasets, then the custom queries."""
    tables = discover_tables(api, only)
    return tables + discover_queries(api, taken_names={source.name for source in tables}, only=only)
