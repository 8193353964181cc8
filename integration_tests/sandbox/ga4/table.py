"""The grouped table every report is cut from: sum counts by dimension values, then filter,
order, aggregate and page the rows, and write them as the API's JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import add
from typing import Any

from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.fields import MetricDef, Totals
from sandbox.ga4.wire import METRIC_AGGREGATIONS, METRIC_TYPES, ORDER_TYPES, EnumEncoding, enum_value

OTHER = "(other)"
AGGREGATE_ROWS = {  # MetricAggregation -> (response field, dimension value of its rows)
    METRIC_AGGREGATIONS["TOTAL"]: ("totals", "RESERVED_TOTAL"),
    METRIC_AGGREGATIONS["MAXIMUM"]: ("maximums", "RESERVED_MAX"),
    METRIC_AGGREGATIONS["MINIMUM"]: ("minimums", "RESERVED_MIN"),
}


@dataclass(frozen=True)
class MetricColumn:
    name: str  # as requested, possibly a retired name of the metric
    definition: MetricDef
    invisible: bool = False


@dataclass
class ReportRow:
    dimension_values: tuple[str, ...]
    counts: list[float]
    metric_values: list[float] = field(default_factory=list)


class Grouper:
    """Sums count vectors by key; the heart of every report."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, ...], list[float]] = {}

    def add(self, key: tuple[str, ...], counts: Sequence[float]) -> None:
        summed = self._groups.get(key)
        self._groups[key] = list(counts) if summed is None else list(map(add, summed, counts))

    def rows(self) -> list[ReportRow]:
        return [ReportRow(key, counts) for key, counts in self._groups.items()]

    def __len__(self) -> int:
        return len(self._groups)


@dataclass(frozen=True)
class Table:
    """Rows of a report with the metric columns computed from each row's summed counts."""

    dimension_names: list[str]
    columns: list[MetricColumn]
    count_names: Sequence[str]
    rows: list[ReportRow]

    @classmethod
    def of(
        cls,
        dimension_names: list[str],
        columns: list[MetricColumn],
        count_names: Sequence[str],
        rows: list[ReportRow],
    ) -> Table:
        table = cls(dimension_names, columns, count_names, rows)
        for row in rows:
            row.metric_values = table.metric_values(row.counts)
        return table

    def totals(self, counts: Sequence[float]) -> Totals:
        return Totals(self.count_names, counts)

    def metric_values(self, counts: Sequence[float]) -> list[float]:
        totals = self.totals(counts)
        return [column.definition.value_of(totals) for column in self.columns]

    def with_rows(self, rows: list[ReportRow]) -> Table:
        return Table(self.dimension_names, self.columns, self.count_names, rows)

    def without_empty_rows(self) -> Table:
        """GA4 drops rows whose metrics are all zero unless the request keeps empty rows."""
        return self.with_rows([row for row in self.rows if any(row.metric_values)])

    def filtered(self, keep: Callable[[ReportRow], bool] | None) -> Table:
        return self if keep is None else self.with_rows([row for row in self.rows if keep(row)])

    def with_other_row(self, max_rows: int | None, keep_dimensions: Sequence[str] = ()) -> tuple[Table, bool]:
        """Roll the smallest rows into one "(other)" row when there are more than `max_rows`.

        Returns the table and whether data was rolled up (`dataLossFromOtherRow`).
        """
        if max_rows is None or len(self.rows) <= max_rows:
            return self, False
        ranked = sorted(self.rows, key=lambda row: (-row.counts[0], row.dimension_values))
        kept, rolled = ranked[: max_rows - 1], ranked[max_rows - 1 :]
        grouper = Grouper()
        for row in rolled:
            key = tuple(
                value if name in keep_dimensions else OTHER
                for name, value in zip(self.dimension_names, row.dimension_values, strict=True)
            )
            grouper.add(key, row.counts)
        return Table.of(self.dimension_names, self.columns, self.count_names, kept + grouper.rows()), True

    def ordered(self, order_bys: Sequence[Mapping[str, Any]]) -> Table:
        """Sorted by the order-bys, the first one most significant (stable sorts, last key first)."""
        rows = sorted(self.rows, key=lambda row: row.dimension_values)
        if not order_bys:
            return self.with_rows(
                sorted(rows, key=lambda row: -row.metric_values[0] if row.metric_values else 0)
            )
        for order_by in reversed(order_bys):
            rows.sort(key=self._sort_key(order_by), reverse=bool(order_by.get("desc")))
        return self.with_rows(rows)

    def _sort_key(self, order_by: Mapping[str, Any]) -> Callable[[ReportRow], Any]:
        if "metric" in order_by:
            name = order_by["metric"].get("metricName")
            position = self._metric_position(name)
            return lambda row: row.metric_values[position]
        if "dimension" in order_by:
            name = order_by["dimension"].get("dimensionName")
            if name not in self.dimension_names:
                raise invalid_argument(
                    f"Dimension {name} in orderBys must be one of the request's dimensions."
                )
            position = self.dimension_names.index(name)
            order_type = enum_value(order_by["dimension"].get("orderType"), ORDER_TYPES, "orderType")
            return _dimension_sort_key(position, order_type)
        raise invalid_argument("An orderBy must set metric or dimension here.")

    def _metric_position(self, name: str) -> int:
        for position, column in enumerate(self.columns):
            if name in (column.name, column.definition.api_name):
                return position
        raise invalid_argument(f"Metric {name} in orderBys must be one of the request's metrics.")

    def aggregate(self, aggregation: int, keep_dimensions: Collection[str] = ()) -> list[ReportRow]:
        """Rows of a metric aggregation: the other dimensions read RESERVED_TOTAL (or _MAX, _MIN),
        one row per combination of the values of `keep_dimensions` (such as dateRange)."""
        reserved = AGGREGATE_ROWS[aggregation][1]
        groups: dict[tuple[str, ...], list[ReportRow]] = {}
        for row in self.rows:
            key = tuple(
                value if name in keep_dimensions else reserved
                for name, value in zip(self.dimension_names, row.dimension_values, strict=True)
            )
            groups.setdefault(key, []).append(row)
        if aggregation == METRIC_AGGREGATIONS["TOTAL"]:
            summed = {
                key: [math.fsum(column) for column in zip(*(r.counts for r in rows), strict=True)]
                for key, rows in groups.items()
            }
            return [ReportRow(key, counts, self.metric_values(counts)) for key, counts in summed.items()]
        pick = max if aggregation == METRIC_AGGREGATIONS["MAXIMUM"] else min
        return [
            ReportRow(
                key, [], [pick(column) for column in zip(*(r.metric_values for r in rows), strict=True)]
            )
            for key, rows in groups.items()
        ]

    # --- writing ----------------------------------------------------------------------------

    def dimension_headers(self) -> list[dict[str, str]]:
        return [{"name": name} for name in self.dimension_names]

    def metric_headers(self, encoding: EnumEncoding) -> list[dict[str, Any]]:
        return [
            {"name": column.name, "type": encoding.write(column.definition.metric_type, METRIC_TYPES)}
            for column in self.columns
            if not column.invisible
        ]

    def rows_json(self, rows: Iterable[ReportRow]) -> list[dict[str, Any]]:
        visible = [position for position, column in enumerate(self.columns) if not column.invisible]
        types = [self.columns[position].definition.metric_type for position in visible]
        return [
            {
                "dimensionValues": [{"value": value} for value in row.dimension_values],
                "metricValues": [
                    {"value": format_metric(row.metric_values[position], metric_type)}
                    for position, metric_type in zip(visible, types, strict=True)
                ],
            }
            for row in rows
        ]


def format_metric(value: float, metric_type: str) -> str:
    """Metric values are strings: integers without a fraction, money to the cent, others as doubles."""
    if metric_type == "TYPE_CURRENCY":
        value = round(value, 2)
    if metric_type == "TYPE_INTEGER" or float(value).is_integer():
        return str(round(value))
    return repr(float(value))


def page(rows: Sequence[ReportRow], offset: int, limit: int) -> Sequence[ReportRow]:
    return rows[offset : offset + limit]


def _dimension_sort_key(position: int, order_type: int) -> Callable[[ReportRow], Any]:
    if order_type == ORDER_TYPES["CASE_INSENSITIVE_ALPHANUMERIC"]:
        return lambda row: row.dimension_values[position].lower()
    if order_type == ORDER_TYPES["NUMERIC"]:
        return lambda row: _numeric_order(row.dimension_values[position])
    return lambda row: row.dimension_values[position]


def _numeric_order(value: str) -> tuple[int, float]:
    """Non-numeric values sort below every number, as the API documents."""
    try:
        return (1, float(value))
    except ValueError:
        return (0, 0.0)
