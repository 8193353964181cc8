"""What the report methods share: the property they read, and how a table becomes a response."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.ga4.catalog import Catalog
from sandbox.ga4.dataset import Fact, PropertyDataset
from sandbox.ga4.dates import DateRange
from sandbox.ga4.properties import PropertyProfile
from sandbox.ga4.report_request import ReportQuery
from sandbox.ga4.table import AGGREGATE_ROWS, Grouper, ReportRow, Table, page
from sandbox.ga4.wire import EnumEncoding


@dataclass(frozen=True)
class FakeProperty:
    profile: PropertyProfile
    dataset: PropertyDataset
    catalog: Catalog


@dataclass(frozen=True)
class ReportSettings:
    """Data-quality effects, off by default so reports are exact.

    sampled_above_days: date ranges longer than this report `samplingMetadatas`.
    other_row_above: more rows than this (per report) roll the smallest into an "(other)" row.
    """

    sampled_above_days: int | None = None
    other_row_above: int | None = None


@dataclass(frozen=True)
class Served:
    """A report's response body and what it cost."""

    payload: dict[str, Any]
    tokens: int
    thresholded_requests: int = 0


def group_facts(
    prop: FakeProperty,
    ranges: Iterable[DateRange],
    query: ReportQuery,
    key_of: Callable[[DateRange], Callable[[Fact], tuple[str, ...]]],
) -> list[ReportRow]:
    """Sum the facts of every day of every range by the key `key_of(range)` computes."""
    grouper = Grouper()
    keep = query.dimension_filter
    for date_range in ranges:
        key = key_of(date_range)
        for day in date_range.days():
            for fact in prop.dataset.facts(day):
                if keep is None or keep(fact):
                    grouper.add(key(fact), fact.counts)
    return grouper.rows()


def finish_table(table: Table, query: ReportQuery, encoding: EnumEncoding) -> dict[str, Any]:
    """Filter, order, aggregate and page a table into the response's headers, rows and counts."""
    table = table.filtered(query.metric_filter)
    if not query.keep_empty_rows:
        table = table.without_empty_rows()
    table = table.ordered(query.order_bys)
    body: dict[str, Any] = {
        "dimensionHeaders": table.dimension_headers(),
        "metricHeaders": table.metric_headers(encoding),
    }
    rows = page(table.rows, query.offset, query.limit)
    if rows:
        body["rows"] = table.rows_json(rows)
    for aggregation in query.aggregations:
        if table.rows and aggregation in AGGREGATE_ROWS:
            aggregated = table.aggregate(aggregation, keep_dimensions=("dateRange",))
            body[AGGREGATE_ROWS[aggregation][0]] = table.rows_json(aggregated)
    if table.rows:
        body["rowCount"] = len(table.rows)
    return body


def response_metadata(
    prop: FakeProperty,
    *,
    currency_code: str | None = None,
    thresholded: bool = False,
    data_loss_from_other_row: bool = False,
    sampled: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "currencyCode": currency_code or prop.profile.currency_code,
        "timeZone": prop.profile.time_zone,
    }
    if data_loss_from_other_row:
        metadata["dataLossFromOtherRow"] = True
    if thresholded:
        metadata["subjectToThresholding"] = True
    if sampled:
        metadata.update(sampled)
    return metadata


def sampling_metadatas(
    prop: FakeProperty, ranges: Iterable[DateRange], settings: ReportSettings
) -> dict[str, Any]:
    """`samplingMetadatas` (one per range) when a range is longer than the sampling threshold.

    The sample is half of the events of the range; int64 counts travel as strings.
    """
    limit = settings.sampled_above_days
    ranges = list(ranges)
    if limit is None or all(date_range.length <= limit for date_range in ranges):
        return {}
    events_per_day = prop.dataset.facts_per_day * 1_000
    return {
        "samplingMetadatas": [
            {
                "samplesReadCount": str(date_range.length * events_per_day // 2),
                "samplingSpaceSize": str(date_range.length * events_per_day),
            }
            for date_range in ranges
        ]
    }
