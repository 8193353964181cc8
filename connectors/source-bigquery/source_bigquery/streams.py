"""The CDK streams over BigQuery tables, views and date shards.

Full refresh reads a table through the Storage Read API: only the columns the configured catalog
keeps, rows filtered by BigQuery (the configured row filter, and the filter a table with
`require_partition_filter` demands), the session's streams read in parallel. Views, materialized
views and external tables are read through a query, whose result table is read the same way.
Without the Storage Read API, rows come page by page through REST (slower, said in a log line).

Records leave as `RecordBatch`es of ready RECORD lines (arrow_json.py): the connector's
entrypoint writes them as they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
from airbyte_cdk.sources.streams import Stream

from cdk_extensions.record_batches import RecordBatch
from source_bigquery.api import BigQueryApi
from source_bigquery.arrow_json import record_lines
from source_bigquery.catalog import INGESTION_TIME, SUFFIX_COLUMN, Partitioning, TableSource
from source_bigquery.reading import (
    Session,
    StorageUnavailable,
    chunks,
    destination_table_id,
    open_session,
    page_query_result,
    page_table,
    read_session,
    run_query,
)

if TYPE_CHECKING:
    from google.cloud.bigquery import SchemaField

# The lowest value of each partitioning column type: "column >= floor OR column IS NULL" keeps
# every row and is a filter BigQuery accepts for partition elimination.
PARTITION_FLOOR = {
    "DATE": "DATE '0001-01-01'",
    "DATETIME": "DATETIME '0001-01-01 00:00:00'",
    "TIMESTAMP": "TIMESTAMP '0001-01-01 00:00:00+00'",
    "INT64": "-9223372036854775808",
}


class TableStream(Stream):
    """One table, view or group of date shards (`TableSource`)."""

    def __init__(self, api: BigQueryApi, source: TableSource) -> None:
        self.api = api
        self.source = source

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def primary_key(self) -> list[str] | None:
        return list(self.source.primary_key) or None

    def get_json_schema(self) -> Mapping[str, Any]:
        return self.source.airbyte_stream().json_schema

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
        shard = (stream_slice or {}).get("shard")
        yield from self._full_refresh(self.read_fields(), shard)

    def read_fields(self) -> list[SchemaField]:
        """The columns to read: those of the configured catalog's schema (all when it names none)."""
        configured = (self.configured_json_schema or {}).get("properties")
        if not configured:
            return list(self.source.fields)
        return [field for field in self.source.fields if field.name in configured]

    # --- full refresh -----------------------------------------------------------------------------

    def _full_refresh(self, fields: Sequence[SchemaField], shard: str | None) -> Iterator[AirbyteMessage]:
        source = self.source
        table_id = f"{source.project}.{source.dataset}.{source.table}{shard or ''}"
        target = f"table `{table_id}`" if shard else source.target
        columns = [field for field in fields if field.name != SUFFIX_COLUMN or shard is None]
        constants = {SUFFIX_COLUMN: shard} if shard is not None and len(columns) < len(fields) else {}
        layout = _Layout(self.name, columns, constants)
        restriction = self._row_restriction()
        if source.read_through_query:
            job = run_query(self.api, _select(columns, table_id, restriction), [], target)
            yield from self._read_result(job, layout, target)
            return
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
                job = run_query(self.api, _select(columns, table_id, restriction), [], target)
                pages = page_query_result(self.api, job, target)
            else:
                pages = page_table(self.api, table_id, columns, target)
            for page in pages:
                yield from layout.batches(page)
            return
        if shard is None or shard == source.shard_suffixes[0]:
            yield self._estimate(session)
        yield from read_session(self.api, session, target, layout.batches)

    def _read_result(
        self, job: Any, layout: _Layout, target: str, *, ordered: bool = False
    ) -> Iterator[AirbyteMessage]:
        """The rows of a finished query, through the Storage Read API if there is one."""
        try:
            session = open_session(self.api, destination_table_id(job), target, ordered=ordered)
        except StorageUnavailable:
            for page in page_query_result(self.api, job, target):
                yield from layout.batches(page)
            return
        yield from read_session(self.api, session, target, layout.batches)

    def _row_restriction(self) -> str | None:
        """The configured row filter, and the partition filter BigQuery demands, as one condition."""
        conditions = [f"({self.source.row_filter})"] if self.source.row_filter else []
        partitioning = self.source.partitioning
        if partitioning and partitioning.required_filter:
            conditions.append(partition_filter(partitioning))
        return " AND ".join(conditions) or None

    def _estimate(self, session: Session) -> AirbyteMessage:
        estimate = AirbyteEstimateTraceMessage(
            name=self.name,
            type=EstimateType.STREAM,
            row_estimate=session.estimated_rows,
            byte_estimate=session.estimated_bytes,
        )
        trace = AirbyteTraceMessage(type=TraceType.ESTIMATE, emitted_at=time.time() * 1000, estimate=estimate)
        return AirbyteMessage(type=Type.TRACE, trace=trace)


@dataclass(frozen=True)
class _Layout:
    """How Arrow batches become the stream's records: these columns, then these constant values."""

    stream: str
    columns: Sequence[SchemaField]
    constants: Mapping[str, str]

    def batches(self, batch: pa.RecordBatch) -> Iterator[RecordBatch]:
        for chunk in chunks(batch):
            if chunk.num_rows:
                lines = record_lines(chunk, self.columns, self.stream, self.constants)
                yield RecordBatch(self.stream, lines, chunk.num_rows)


def partition_filter(partitioning: Partitioning) -> str:
    """A condition on the partitioning column that keeps every row."""
    column = partitioning.column if partitioning.column == INGESTION_TIME else quote(partitioning.column)
    return f"({column} IS NULL OR {column} >= {PARTITION_FLOOR[partitioning.column_type]})"


def quote(identifier: str) -> str:
    """A BigQuery identifier (column, or `project.dataset.table` path) quoted with backticks."""
    return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _select(columns: Sequence[SchemaField], table_id: str, condition: str | None) -> str:
    """`SELECT columns FROM table [WHERE condition]`: identifiers quoted, no value in it."""
    sql = f"SELECT {', '.join(quote(column.name) for column in columns)} FROM {quote(table_id)}"
    return f"{sql} WHERE {condition}" if condition else sql
