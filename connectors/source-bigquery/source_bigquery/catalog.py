"""What can be read: every table and view of the configured datasets, and every custom query,
described as `TableSource`s.

Date-sharded tables (`events_20260101`, `events_20260102`, ...) become ONE source, `events_*`,
read shard by shard (`_TABLE_SUFFIX`); its records carry the shard's suffix in `_table_suffix`,
and its schema is the newest shard's, as BigQuery's wildcard queries use it.

Streams are named after their table when the config reads one dataset (as the official
connector names them), `dataset.table` when it reads several (names must be unique).
Per-table settings select columns and add a row filter; a setting naming an unknown table or
column is a config_error.

A custom query's columns come from its dry run, which also checks its SQL and parameters and
passes it through the cost guard; its primary key and cursor come from the config.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airbyte_cdk.models import AirbyteStream, FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_bigquery.api import BigQueryApi
from source_bigquery.config import TableSettings
from source_bigquery.cost import guard, readable
from source_bigquery.schema import canonical_type, is_cursor_candidate, stream_schema

if TYPE_CHECKING:
    from google.cloud.bigquery import SchemaField, Table
    from google.cloud.bigquery.table import TableListItem

    from source_bigquery.parameters import BoundParameter

SHARD_NAME = re.compile(r"^(?P<prefix>.+_)(?P<suffix>\d{8})$")
SUFFIX_COLUMN = "_table_suffix"
INGESTION_TIME = "_PARTITIONTIME"
METADATA_WORKERS = 8  # tables.get calls in flight while discovering
# Read through a query (the Storage Read API reads tables, not views or external data).
QUERIED_KINDS = {"VIEW", "MATERIALIZED_VIEW", "EXTERNAL"}

logger = logging.getLogger("airbyte")


@dataclass(frozen=True)
class Partitioning:
    """How a table is partitioned, and whether BigQuery insists every read filters on it."""

    column: str  # _PARTITIONTIME for ingestion-time partitioning
    column_type: str  # DATE, DATETIME, TIMESTAMP or INT64
    granularity: str  # DAY, HOUR, MONTH, YEAR, or RANGE for integer-range partitioning
    required_filter: bool

    def describe(self) -> str:
        unit = "integer ranges" if self.granularity == "RANGE" else self.granularity.lower()
        text = f"Partitioned by {unit} on `{self.column}`."
        if self.required_filter:
            text += " BigQuery requires a filter on it (require_partition_filter); the connector adds one."
        return text


@dataclass(frozen=True)
class TableSource:
    """One stream over a table, a view, or a group of date shards."""

    name: str
    project: str
    dataset: str
    table: str  # the table's id; for shards their common prefix ("events_")
    kind: str  # TABLE, VIEW, MATERIALIZED_VIEW, EXTERNAL, SNAPSHOT, CLONE, SHARDS, or QUERY
    fields: tuple[SchemaField, ...]  # the columns read (and, for shards, `_table_suffix` last)
    primary_key: tuple[str, ...] = ()
    partitioning: Partitioning | None = None
    shard_suffixes: tuple[str, ...] = ()
    row_filter: str | None = None
    num_rows: int | None = None
    num_bytes: int | None = None
    query: str | None = None  # a custom query's SQL
    parameters: tuple[BoundParameter, ...] = ()  # its parameters, bound (parameters.py)
    query_cursor: str | None = None  # the cursor column its config declares

    @property
    def table_id(self) -> str:
        """`project.dataset.table` (for shards, of the wildcard: `p.d.events_*`)."""
        return f"{self.project}.{self.dataset}.{self.table}{'*' if self.kind == 'SHARDS' else ''}"

    @property
    def target(self) -> str:
        """How error messages name it."""
        if self.kind == "QUERY":
            return f"custom query '{self.name}'"
        kind = {"SHARDS": "sharded table", "TABLE": "table"}.get(
            self.kind, self.kind.lower().replace("_", " ")
        )
        return f"{kind} `{self.table_id}`"

    @property
    def read_through_query(self) -> bool:
        return self.kind in QUERIED_KINDS or self.kind == "QUERY"

    @property
    def cursor_candidates(self) -> list[str]:
        """Columns a user may choose as cursor; for a custom query, the one its config declares."""
        candidates = [f.name for f in self.fields if is_cursor_candidate(f)]
        return [c for c in candidates if c == self.query_cursor] if self.kind == "QUERY" else candidates

    def cursor_field(self, name: str) -> SchemaField:
        """The column a user chose as cursor, or a config_error saying which could be."""
        chosen = next((f for f in self.fields if f.name == name), None)
        if chosen is None or not is_cursor_candidate(chosen):
            raise _config_error(
                f"Stream '{self.name}' cannot use `{name}` as its cursor: choose one of "
                f"{', '.join(self.cursor_candidates) or 'no column (it has none of an orderable type)'}."
            )
        return chosen

    def airbyte_stream(self) -> AirbyteStream:
        candidates = self.cursor_candidates
        return AirbyteStream(
            name=self.name,
            json_schema=self.json_schema(),
            supported_sync_modes=[SyncMode.full_refresh] + ([SyncMode.incremental] if candidates else []),
            source_defined_cursor=self.kind == "QUERY" and bool(candidates),
            default_cursor_field=[self.default_cursor] if self.default_cursor else None,
            source_defined_primary_key=[[column] for column in self.primary_key] or None,
            is_resumable=False,
        )

    def json_schema(self) -> dict[str, Any]:
        return stream_schema(self.fields, self.description())

    @property
    def default_cursor(self) -> str | None:
        """A sensible suggestion: the time partitioning column, else the first timestamp column."""
        candidates = self.cursor_candidates
        if self.kind == "QUERY":
            return candidates[0] if candidates else None
        if self.partitioning and self.partitioning.column in candidates:
            return self.partitioning.column
        timestamps = [
            f.name for f in self.fields if is_cursor_candidate(f) and canonical_type(f) == "TIMESTAMP"
        ]
        return timestamps[0] if timestamps else None

    def description(self) -> str:
        parts = [f"BigQuery {self.target}."]
        if self.kind == "QUERY" and self.num_bytes is not None:
            parts.append(f"Its dry run estimated {readable(self.num_bytes)} processed per sync.")
        if self.kind == "SHARDS":
            parts.append(
                f"{len(self.shard_suffixes)} shards ({self.shard_suffixes[0]} to {self.shard_suffixes[-1]}), "
                f"read shard by shard; `{SUFFIX_COLUMN}` says which."
            )
        if self.partitioning:
            parts.append(self.partitioning.describe())
        if self.row_filter:
            parts.append(f"Rows filtered by: {self.row_filter}.")
        candidates = self.cursor_candidates
        parts.append(
            f"Cursor candidates: {', '.join(candidates)}." if candidates else "No cursor candidates."
        )
        return " ".join(parts)


def discover_tables(api: BigQueryApi, only: set[str] | None = None) -> list[TableSource]:
    """The sources of the configured datasets (only those named in `only`, when given)."""
    settings = {setting.table: setting for setting in api.config.tables}
    dataset_ids = api.dataset_ids()
    several = len(dataset_ids) > 1
    listed = [(dataset_id, item) for dataset_id in dataset_ids for item in api.list_tables(dataset_id)]
    plans = _plan(listed, several)
    unknown = sorted(set(settings) - {plan.setting_key for plan in plans})
    if unknown:
        raise _config_error(
            "The per-table settings name tables that the configured datasets do not have: "
            f"{', '.join(unknown)}."
        )
    wanted = [plan for plan in plans if only is None or plan.name in only]
    with ThreadPoolExecutor(max_workers=METADATA_WORKERS) as pool:
        tables = list(pool.map(lambda plan: api.get_table(plan.metadata_table_id), wanted))
    sources = [
        plan.source(table, settings.get(plan.setting_key)) for plan, table in zip(wanted, tables, strict=True)
    ]
    for source in sources:
        if source.partitioning and source.partitioning.required_filter:
            logger.info(f"Stream '{source.name}': {source.partitioning.describe()}")
    return sources


def discover_queries(
    api: BigQueryApi, taken_names: set[str], only: set[str] | None = None
) -> list[TableSource]:
    """The configured custom queries, each dry-run (SQL, parameters and cost checked)."""
    from source_bigquery.parameters import bind
    from source_bigquery.queries import dry_run

    sources = []
    for index, query in enumerate(api.config.custom_queries):
        if query.name in taken_names:
            raise _config_error(
                f"Custom query '{query.name}' has the name of a table's stream: give it another name."
            )
        if only is not None and query.name not in only:
            continue
        parameters = tuple(bind(query, f"custom_queries[{index}]"))
        target = f"custom query '{query.name}'"
        estimate = dry_run(api, query.sql, parameters, target)
        guard(api.config.maximum_bytes_billed, estimate.bytes_processed, f"The {target}")
        columns = [field.name for field in estimate.schema]
        named = [*query.primary_key, *([query.cursor_field] if query.cursor_field else [])]
        unknown = [column for column in named if column not in columns]
        if unknown:
            raise _config_error(
                f"Custom query '{query.name}' names columns its result does not have: {', '.join(unknown)}. "
                f"Its columns are: {', '.join(columns)}."
            )
        sources.append(
            TableSource(
                name=query.name,
                project=api.billing_project,
                dataset="",
                table=query.name,
                kind="QUERY",
                fields=tuple(estimate.schema),
                primary_key=tuple(query.primary_key),
                num_bytes=estimate.bytes_processed,
                query=query.sql,
                parameters=parameters,
                query_cursor=query.cursor_field,
            )
        )
    return sources


@dataclass(frozen=True)
class _Plan:
    """A stream to describe, before its table's metadata is fetched."""

    name: str
    project: str
    dataset: str
    table: str
    kind: str
    shard_suffixes: tuple[str, ...] = ()

    @property
    def setting_key(self) -> str:
        return f"{self.dataset}.{self.table}{'*' if self.kind == 'SHARDS' else ''}"

    @property
    def metadata_table_id(self) -> str:
        newest = self.table + self.shard_suffixes[-1] if self.shard_suffixes else self.table
        return f"{self.project}.{self.dataset}.{newest}"

    def source(self, table: Table, setting: TableSettings | None) -> TableSource:
        from google.cloud.bigquery import SchemaField

        fields = _selected(self, table.schema, setting)
        primary_key = _primary_key(table)
        if self.kind == "SHARDS":
            fields = (*fields, SchemaField(SUFFIX_COLUMN, "STRING", mode="REQUIRED"))
            primary_key = (*primary_key, SUFFIX_COLUMN) if primary_key else ()
        selected = {f.name for f in fields}
        return TableSource(
            name=self.name,
            project=self.project,
            dataset=self.dataset,
            table=self.table,
            kind=self.kind,
            fields=fields,
            primary_key=primary_key if set(primary_key) <= selected else (),
            partitioning=_partitioning(table),
            shard_suffixes=self.shard_suffixes,
            row_filter=setting.row_filter if setting else None,
            num_rows=table.num_rows,
            num_bytes=table.num_bytes,
        )


def _plan(listed: Sequence[tuple[str, TableListItem]], several_datasets: bool) -> list[_Plan]:
    shards: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for dataset_id, item in listed:
        match = SHARD_NAME.match(item.table_id)
        if match and item.table_type == "TABLE":
            shards[(item.project, dataset_id, match["prefix"])].append(match["suffix"])
    sharded = {key for key, suffixes in shards.items() if len(suffixes) > 1}
    plans = []
    for dataset_id, item in listed:
        match = SHARD_NAME.match(item.table_id)
        if match and (item.project, dataset_id, match["prefix"]) in sharded:
            continue
        name = f"{dataset_id}.{item.table_id}" if several_datasets else item.table_id
        plans.append(_Plan(name, item.project, dataset_id, item.table_id, item.table_type or "TABLE"))
    for project, dataset_id, prefix in sorted(sharded):
        name = f"{dataset_id}.{prefix}*" if several_datasets else f"{prefix}*"
        suffixes = tuple(sorted(shards[(project, dataset_id, prefix)]))
        plans.append(_Plan(name, project, dataset_id, prefix, "SHARDS", suffixes))
    return plans


def _selected(
    plan: _Plan, schema: Iterable[SchemaField], setting: TableSettings | None
) -> tuple[SchemaField, ...]:
    columns = list(schema)
    if setting is None or not setting.columns:
        return tuple(columns)
    names = {column.name for column in columns}
    unknown = [name for name in setting.columns if name not in names]
    if unknown:
        raise _config_error(
            f"The settings of `{plan.setting_key}` select columns it does not have: {', '.join(unknown)}. "
            f"Its columns are: {', '.join(column.name for column in columns)}."
        )
    return tuple(column for column in columns if column.name in set(setting.columns))


def _primary_key(table: Table) -> tuple[str, ...]:
    constraints = table.table_constraints
    if constraints is None or constraints.primary_key is None:
        return ()
    return tuple(constraints.primary_key.columns)


def _partitioning(table: Table) -> Partitioning | None:
    required = bool(table.require_partition_filter)
    if table.time_partitioning is not None:
        column = table.time_partitioning.field
        if column is None:
            return Partitioning(INGESTION_TIME, "TIMESTAMP", table.time_partitioning.type_, required)
        column_type = next(canonical_type(f) for f in table.schema if f.name == column)
        return Partitioning(column, column_type, table.time_partitioning.type_, required)
    if table.range_partitioning is not None:
        return Partitioning(table.range_partitioning.field, "INT64", "RANGE", required)
    return None


def _config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.config_error
    )
