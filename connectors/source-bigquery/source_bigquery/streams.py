"""The CDK streams over BigQuery tables, views and date shards.

Full refresh reads a table through the Storage Read API: only the columns the configured catalog
keeps, rows filtered by BigQuery (the configured row filter, and the filter a table with
`require_partition_filter` demands), the session's streams read in parallel. Views, materialized
views and external tables are read through a query, whose result table is read the same way.
Without the Storage Read API, rows come page by page through REST (slower, said in a log line).

Incremental reads (`IncrementalTableStream`) run `WHERE cursor >= @cursor_start ORDER BY cursor`
and read the result in order, checkpointing after every page (see incremental.py). Date shards
whose cursor is their suffix are read shard by shard instead, checkpointed after each shard.

Records leave as `RecordBatch`es of ready RECORD lines (arrow_json.py): the connector's
entrypoint writes them as they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteTraceMessage,
    EstimateType,
    SyncMode,
    TraceType,
    Type,
)
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.streams.checkpoint import Cursor

from cdk_extensions.record_batches import RecordBatch
from source_bigquery.api import BigQueryApi
from source_bigquery.arrow_json import record_lines
from source_bigquery.catalog import SUFFIX_COLUMN, TableSource
from source_bigquery.cost import guard
from source_bigquery.incremental import ColumnCursor
from source_bigquery.queries import destination_table_id, run_query
from source_bigquery.reading import (
    CHUNK_ROWS,
    StorageUnavailable,
    chunks,
    open_session,
    page_query_result,
    page_table,
    read_session,
)
from source_bigquery.sql import CURSOR_PARAMETER, Select, row_restriction

if TYPE_CHECKING:
    from google.cloud.bigquery import QueryJob, SchemaField


@dataclass(frozen=True)
class _Layout:
    """How Arrow batches become the stream's records: these columns, then these constant values."""

    stream: str
    columns: Sequence[SchemaField]
    constants: Mapping[str, str]
    page_rows: int

    def batches(self, batch: pa.RecordBatch) -> Iterator[RecordBatch]:
        for chunk in chunks(batch, self.page_rows):
            if chunk.num_rows:
                yield self.records(chunk)

    def records(self, chunk: pa.RecordBatch) -> RecordBatch:
        return RecordBatch(
            self.stream, record_lines(chunk, self.columns, self.stream, self.constants), chunk.num_rows
        )


class TableStream(Stream):
    """One table, view or group of date shards (`TableSource`), read in full.

    `page_rows` is how many rows one RecordBatch (and, incrementally, one checkpoint) holds at most.
    """

    def __init__(self, api: BigQueryApi, source: TableSource, page_rows: int | None = None) -> None:
        self.api = api
        self.source = source
        self.page_rows = page_rows or CHUNK_ROWS

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def primary_key(self) -> list[str] | None:
        return list(self.source.primary_key) or None

    # Cached as the CDK's own, which asks for it with every record; a stream lives as long as the
    # source, so the cache holding it is no leak.
    @cache  # noqa: B019
    def get_json_schema(self) -> Mapping[str, Any]:
        return self.source.json_schema()

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        """One slice per date shard (its suffix); one slice for anything else."""
        if self.source.kind == "SHARDS":
            return [{"shard": suffix} for suffix in self.source.shard_suffixes]
        return [{}]

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[AirbyteMessage]:
        yield from self._full_refresh((stream_slice or {}).get("shard"))

    def read_fields(self) -> list[SchemaField]:
        """The columns to write: those of the configured catalog's schema (all when it names none)."""
        configured = (self.configured_json_schema or {}).get("properties")
        if not configured:
            return list(self.source.fields)
        return [field for field in self.source.fields if field.name in configured]

    def _full_refresh(self, shard: str | None) -> Iterator[AirbyteMessage]:
        source, fields = self.source, self.read_fields()
        table_id = f"{source.project}.{source.dataset}.{source.table}{shard or ''}"
        target = f"table `{table_id}`" if shard else source.target
        columns = [field for field in fields if field.name != SUFFIX_COLUMN or shard is None]
        constants = {SUFFIX_COLUMN: shard} if shard is not None and len(columns) < len(fields) else {}
        layout = _Layout(self.name, columns, constants, self.page_rows)
        query = Select(source, [field.name for field in columns])
        if source.read_through_query:
            job, estimate = run_query(self.api, query.sql(table_id=table_id), source.parameters, target)
            yield _estimate(self.name, None, estimate)
            yield from self._read_result(job, layout, target)
            return
        restriction = row_restriction(source)
        try:
            session = open_session(
                self.api, table_id, target, columns=[f.name for f in columns], row_restriction=restriction
            )
        except StorageUnavailable as reason:
            self.logger.info(
                f"Stream '{self.name}': the Storage Read API is not available ({reason}); reading {target} "
                "page by page through the REST API instead (slower)."
            )
            if restriction:  # tabledata.list cannot filter: let a query do it
                job, _estimate_bytes = run_query(self.api, query.sql(table_id=table_id), [], target)
                pages = page_query_result(self.api, job, target)
            else:
                pages = page_table(self.api, table_id, columns, target)
            for page in pages:
                yield from layout.batches(page)
            return
        guard(self.api.config.maximum_bytes_billed, session.estimated_bytes, f"Reading {target}")
        if shard is None or shard == source.shard_suffixes[0]:
            yield _estimate(self.name, session.estimated_rows, session.estimated_bytes)
        yield from read_session(self.api, session, target, layout.batches)

    def _read_result(self, job: QueryJob, layout: _Layout, target: str) -> Iterator[AirbyteMessage]:
        """The rows of a finished query, through the Storage Read API if there is one."""
        try:
            session = open_session(self.api, destination_table_id(job), target)
        except StorageUnavailable:
            for page in page_query_result(self.api, job, target):
                yield from layout.batches(page)
            return
        yield from read_session(self.api, session, target, layout.batches)


class IncrementalTableStream(TableStream, CheckpointMixin):
    """A table, view or group of shards read from where the last sync stopped, on `cursor`."""

    def __init__(
        self,
        api: BigQueryApi,
        source: TableSource,
        cursor: str,
        primary_key: Sequence[str],
        page_rows: int | None = None,
    ) -> None:
        super().__init__(api, source, page_rows)
        self.column_cursor = ColumnCursor(source.name, source.cursor_field(cursor), primary_key)
        self._by_shard = source.kind == "SHARDS" and cursor == SUFFIX_COLUMN
        if not primary_key and not self._by_shard:
            self.logger.warning(
                f"Stream '{self.name}' has no primary key: rows sharing the last `{cursor}` value are read "
                "again by the next sync."
            )

    @property
    def cursor_field(self) -> str:
        return self.column_cursor.name

    @property
    def state_checkpoint_interval(self) -> int | None:
        """After every page; shard by shard, after every shard (the end of its slice)."""
        return None if self._by_shard else 1

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.column_cursor.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self.column_cursor.load_state(value)

    def get_cursor(self) -> Cursor | None:
        return None  # the column cursor owns the state

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        """Shards after the last one read, when the cursor is the shard suffix; else one slice."""
        if not self._by_shard:
            return [{}]
        done = self.column_cursor.mark.value
        return [{"shard": suffix} for suffix in self.source.shard_suffixes if done is None or suffix > done]

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[AirbyteMessage]:
        if self._by_shard:
            shard = (stream_slice or {})["shard"]
            yield from self._full_refresh(shard)
            self.column_cursor.mark.raise_to(shard)  # the whole shard is read: checkpoint past it
            return
        yield from self._sorted_read()

    def _sorted_read(self) -> Iterator[AirbyteMessage]:
        fields = self.read_fields()
        cursor = self.column_cursor
        needed = [
            *(f.name for f in fields),
            cursor.name,
            *cursor.primary_key,
        ]  # for the mark, even if not written
        query = Select(self.source, list(dict.fromkeys(needed)))
        start = cursor.start_parameter()
        conditions = [f"{query.column(cursor.name)} >= @{CURSOR_PARAMETER}"] if start else []
        sql = query.sql(conditions=conditions, order_by=[cursor.name, *cursor.primary_key])
        target = f"the incremental query of stream '{self.name}' on {self.source.target}"
        job, estimate = run_query(
            self.api, sql, [*self.source.parameters, *([start] if start else [])], target
        )
        yield _estimate(self.name, None, estimate)
        layout = _Layout(self.name, fields, {}, self.page_rows)
        try:
            session = open_session(self.api, destination_table_id(job), target, ordered=True)
            pages = read_session(self.api, session, target, lambda batch: iter([batch]))
        except StorageUnavailable:
            pages = page_query_result(self.api, job, target)
        for page in pages:
            for chunk in chunks(page, self.page_rows):
                admitted = cursor.admit(
                    chunk
                )  # before the batch is yielded: the CDK checkpoints right after it
                if admitted.num_rows:
                    yield layout.records(admitted)


def _estimate(stream: str, rows: int | None, size: int) -> AirbyteMessage:
    estimate = AirbyteEstimateTraceMessage(
        name=stream, type=EstimateType.STREAM, row_estimate=rows, byte_estimate=size
    )
    trace = AirbyteTraceMessage(type=TraceType.ESTIMATE, emitted_at=time.time() * 1000, estimate=estimate)
    return AirbyteMessage(type=Type.TRACE, trace=trace)
