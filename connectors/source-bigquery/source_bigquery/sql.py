"""The SQL the connector writes: identifiers quoted, constants it chooses, never a value from data.

Values that vary (a cursor's last value, a custom query's parameters) are bound as named query
parameters (`@cursor_start`); the only text taken from the config is the user's own SQL (custom
queries, row filters), which is meant to be SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from source_bigquery.catalog import INGESTION_TIME, SUFFIX_COLUMN, Partitioning, TableSource

CURSOR_PARAMETER = (
    "_airbyte_cursor_start"  # custom queries may not declare it (the underscore keeps it apart)
)
# The lowest value of each partitioning column type: "column IS NULL OR column >= floor" keeps
# every row and is a filter BigQuery accepts for partition elimination.
PARTITION_FLOOR = {
    "DATE": "DATE '0001-01-01'",
    "DATETIME": "DATETIME '0001-01-01 00:00:00'",
    "TIMESTAMP": "TIMESTAMP '0001-01-01 00:00:00+00'",
    "INT64": "-9223372036854775808",
}
WILDCARD_SUFFIX = "_TABLE_SUFFIX"


def quote(identifier: str) -> str:
    """A BigQuery identifier (a column, or a `project.dataset.table` path) quoted with backticks."""
    return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`"


def partition_filter(partitioning: Partitioning) -> str:
    """A condition on the partitioning column that keeps every row."""
    column = partitioning.column if partitioning.column == INGESTION_TIME else quote(partitioning.column)
    return f"({column} IS NULL OR {column} >= {PARTITION_FLOOR[partitioning.column_type]})"


def row_restriction(source: TableSource) -> str | None:
    """The configured row filter and the partition filter BigQuery demands, as one condition."""
    conditions = [f"({source.row_filter})"] if source.row_filter else []
    if source.partitioning and source.partitioning.required_filter:
        conditions.append(partition_filter(source.partitioning))
    return " AND ".join(conditions) or None


@dataclass(frozen=True)
class Select:
    """`SELECT columns FROM table [WHERE ...] [ORDER BY ...]` over a source: a table, a wildcard
    for shards, or a custom query as a subquery."""

    source: TableSource
    columns: Sequence[str]

    def sql(
        self, *, table_id: str | None = None, conditions: Sequence[str] = (), order_by: Sequence[str] = ()
    ) -> str:
        restriction = row_restriction(self.source)
        where = [*conditions, *([restriction] if restriction else [])]
        selected = ", ".join(self._selected(column) for column in self.columns)
        origin = f"({self.source.query})" if self.source.query else quote(table_id or self.source.table_id)
        sql = f"SELECT {selected} FROM {origin}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order_by:
            sql += " ORDER BY " + ", ".join(self.column(c) for c in order_by)
        return sql

    def column(self, name: str) -> str:
        """How a column is referred to: a date shard's suffix is the wildcard's pseudo column."""
        return WILDCARD_SUFFIX if self._is_suffix(name) else quote(name)

    def _selected(self, name: str) -> str:
        return f"{WILDCARD_SUFFIX} AS {SUFFIX_COLUMN}" if self._is_suffix(name) else quote(name)

    def _is_suffix(self, name: str) -> bool:
        return self.source.kind == "SHARDS" and name == SUFFIX_COLUMN
