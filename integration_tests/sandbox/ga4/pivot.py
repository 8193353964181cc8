"""runPivotReport: the flat table cut into pivots.

Each pivot picks its dimensions' value combinations (ordered by its orderBys, then `offset` and
`limit`); `pivotHeaders` list the picked combinations and their total count, and the rows are
the table's rows whose combinations were picked in every pivot, in the pivots' order. Pivot
`metricAggregations` add `aggregates` rows with that pivot's dimensions set to RESERVED_TOTAL
(or _MAX, _MIN).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.ga4.dates import parse_date_ranges
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.quota import report_tokens
from sandbox.ga4.report_request import MAX_LIMIT, parse_query
from sandbox.ga4.reporting import FakeProperty, ReportSettings, Served, group_facts, response_metadata
from sandbox.ga4.table import AGGREGATE_ROWS, Grouper, ReportRow, Table
from sandbox.ga4.wire import METRIC_AGGREGATIONS, EnumEncoding, enum_value, int64, reject_unknown_fields

RUN_PIVOT_REPORT_FIELDS = (
    "property",
    "dimensions",
    "metrics",
    "dateRanges",
    "pivots",
    "dimensionFilter",
    "metricFilter",
    "currencyCode",
    "cohortSpec",
    "keepEmptyRows",
    "returnPropertyQuota",
    "comparisons",
)


class _Pivot:
    def __init__(self, body: Mapping[str, Any], position: int) -> None:
        self.field_names: list[str] = list(body.get("fieldNames", []))
        self.order_bys: list[Mapping[str, Any]] = list(body.get("orderBys", []))
        self.offset = int64(body.get("offset"), f"pivots[{position}].offset")
        self.limit = int64(body.get("limit"), f"pivots[{position}].limit")
        self.aggregations = [
            enum_value(value, METRIC_AGGREGATIONS, f"pivots[{position}].metricAggregations")
            for value in body.get("metricAggregations", [])
        ]
        if not self.field_names:
            raise invalid_argument(f"pivots[{position}].fieldNames must name at least one dimension.")
        if self.limit <= 0:
            raise invalid_argument(f"pivots[{position}].limit is required and must be positive.")


def run_pivot_report(
    prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding, settings: ReportSettings
) -> Served:
    reject_unknown_fields(body, RUN_PIVOT_REPORT_FIELDS)
    if "cohortSpec" in body:
        raise invalid_argument("The sandbox's fake GA4 does not support cohort pivot reports.")
    query = parse_query(
        body, prop.catalog, special_dimensions={"dateRange"}, count_names=prop.dataset.count_names
    )
    ranges = parse_date_ranges(body.get("dateRanges", []), prop.dataset.today())
    pivots = [_Pivot(pivot, position) for position, pivot in enumerate(body.get("pivots", []))]
    names = _dimension_names(query.dimension_names, pivots, several_ranges=len(ranges) > 1)
    if math.prod(pivot.limit for pivot in pivots) > MAX_LIMIT:
        raise invalid_argument(f"The product of the pivots' limits must not exceed {MAX_LIMIT:,}.")
    extractors = [None if name == "dateRange" else query.dimensions[name].value_of for name in names]
    rows = group_facts(
        prop,
        ranges,
        query,
        lambda date_range: (
            lambda fact: tuple(date_range.name if get is None else get(fact) for get in extractors)
        ),
    )
    table = Table.of(names, query.columns, prop.dataset.count_names, rows).filtered(query.metric_filter)
    if not query.keep_empty_rows:
        table = table.without_empty_rows()
    headers, ranks = [], []
    for pivot in pivots:
        combinations, picked = _pick(table, pivot)
        ranks.append({combination: rank for rank, combination in enumerate(picked)})
        headers.append(
            {
                "pivotDimensionHeaders": [
                    {"dimensionValues": [{"value": value} for value in combination]} for combination in picked
                ],
                "rowCount": len(combinations),
            }
        )
    positions = [[names.index(name) for name in pivot.field_names] for pivot in pivots]

    def rank_in_every_pivot(row: ReportRow) -> list[int | None]:
        return [rank.get(_combination(row, p)) for p, rank in zip(positions, ranks, strict=True)]

    ranked = [(rank, row) for row in table.rows if None not in (rank := rank_in_every_pivot(row))]
    visible = [row for _, row in sorted(ranked, key=lambda pair: pair[0])]
    shown = table.with_rows(visible)
    payload: dict[str, Any] = {
        "pivotHeaders": headers,
        "dimensionHeaders": shown.dimension_headers(),
        "metricHeaders": shown.metric_headers(encoding),
    }
    if visible:
        payload["rows"] = shown.rows_json(visible)
    aggregates = [
        row
        for pivot in pivots
        for aggregation in pivot.aggregations
        if aggregation in AGGREGATE_ROWS and visible
        for row in shown.aggregate(aggregation, keep_dimensions=set(names) - set(pivot.field_names))
    ]
    if aggregates:
        payload["aggregates"] = shown.rows_json(aggregates)
    payload["metadata"] = response_metadata(
        prop, currency_code=body.get("currencyCode"), thresholded=query.thresholded
    )
    payload["kind"] = "analyticsData#runPivotReport"
    days = sum(date_range.length for date_range in ranges)
    tokens = report_tokens(days, len(names), len(query.columns), len(visible))
    return Served(payload, tokens, thresholded_requests=int(query.thresholded))


def _dimension_names(requested: list[str], pivots: Sequence[_Pivot], several_ranges: bool) -> list[str]:
    """The report's dimensions: the requested ones, plus dateRange when a pivot shows it."""
    in_pivots = [name for pivot in pivots for name in pivot.field_names]
    if not pivots:
        raise invalid_argument("A pivot report needs at least one pivot.")
    if len(set(in_pivots)) != len(in_pivots):
        raise invalid_argument("A dimension can appear in only one pivot.")
    names = [
        *requested,
        *(["dateRange"] if "dateRange" in in_pivots and "dateRange" not in requested else []),
    ]
    if set(in_pivots) != set(names):
        raise invalid_argument(
            f"Every dimension must be in exactly one pivot's fieldNames: {sorted(set(names))}."
        )
    if several_ranges and "dateRange" not in names:
        raise invalid_argument("With several date ranges, put dateRange in a pivot's fieldNames.")
    return names


def _combination(row: ReportRow, positions: Sequence[int]) -> tuple[str, ...]:
    return tuple(row.dimension_values[position] for position in positions)


def _pick(table: Table, pivot: _Pivot) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """All value combinations of the pivot's dimensions in its order, and the page it shows."""
    positions = [table.dimension_names.index(name) for name in pivot.field_names]
    grouper = Grouper()
    for row in table.rows:
        grouper.add(_combination(row, positions), row.counts)
    combined = Table.of(pivot.field_names, table.columns, table.count_names, grouper.rows())
    ordered = [row.dimension_values for row in combined.ordered(pivot.order_bys).rows]
    return ordered, ordered[pivot.offset : pivot.offset + pivot.limit]
