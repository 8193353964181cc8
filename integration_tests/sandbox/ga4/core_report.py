"""runReport and batchRunReports: the flat report, with cohort requests handed to `cohort`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sandbox.ga4 import cohort
from sandbox.ga4.dataset import Fact
from sandbox.ga4.dates import DateRange, parse_date_ranges
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.quota import report_tokens
from sandbox.ga4.report_request import parse_query
from sandbox.ga4.reporting import (
    FakeProperty,
    ReportSettings,
    Served,
    finish_table,
    group_facts,
    response_metadata,
    sampling_metadatas,
)
from sandbox.ga4.table import Table
from sandbox.ga4.wire import EnumEncoding, reject_unknown_fields

RUN_REPORT_FIELDS = (
    "property",
    "dimensions",
    "metrics",
    "dateRanges",
    "dimensionFilter",
    "metricFilter",
    "offset",
    "limit",
    "metricAggregations",
    "orderBys",
    "currencyCode",
    "cohortSpec",
    "keepEmptyRows",
    "returnPropertyQuota",
    "comparisons",
)
MAX_BATCH_REQUESTS = 5


def run_report(
    prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding, settings: ReportSettings
) -> Served:
    reject_unknown_fields(body, RUN_REPORT_FIELDS)
    if "cohortSpec" in body:
        return cohort.run_cohort_report(prop, body, encoding)
    query = parse_query(
        body, prop.catalog, special_dimensions={"dateRange"}, count_names=prop.dataset.count_names
    )
    ranges = parse_date_ranges(body.get("dateRanges", []), prop.dataset.today())
    names = list(query.dimension_names)
    if len(ranges) > 1 and "dateRange" not in names:
        names.append("dateRange")  # several ranges: every row says which one it belongs to
    extractors = [None if name == "dateRange" else query.dimensions[name].value_of for name in names]

    def key_of(date_range: DateRange) -> Callable[[Fact], tuple[str, ...]]:
        return lambda fact: tuple(
            date_range.name if extract is None else extract(fact) for extract in extractors
        )

    rows = group_facts(prop, ranges, query, key_of)
    table = Table.of(names, query.columns, prop.dataset.count_names, rows)
    table, data_loss = table.with_other_row(settings.other_row_above, keep_dimensions=("dateRange",))
    payload = finish_table(table, query, encoding)
    payload["metadata"] = response_metadata(
        prop,
        currency_code=body.get("currencyCode"),
        thresholded=query.thresholded,
        data_loss_from_other_row=data_loss,
        sampled=sampling_metadatas(prop, ranges, settings),
    )
    payload["kind"] = "analyticsData#runReport"
    tokens = report_tokens(
        sum(date_range.length for date_range in ranges),
        len(names),
        len(query.columns),
        len(payload.get("rows", [])),
    )
    return Served(payload, tokens, thresholded_requests=int(query.thresholded))


def batch_run_reports(
    prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding, settings: ReportSettings
) -> Served:
    reject_unknown_fields(body, ("property", "requests"))
    requests = body.get("requests", [])
    if not 1 <= len(requests) <= MAX_BATCH_REQUESTS:
        raise invalid_argument(
            f"A batch is allowed 1 to {MAX_BATCH_REQUESTS} requests; this one has {len(requests)}."
        )
    for request in requests:
        if request.get("property") not in (None, "", f"properties/{prop.profile.property_id}"):
            raise invalid_argument(
                "The property of each request of a batch must be unspecified or the batch's."
            )
    served = [run_report(prop, request, encoding, settings) for request in requests]
    return Served(
        {"reports": [report.payload for report in served], "kind": "analyticsData#batchRunReports"},
        sum(report.tokens for report in served),
        sum(report.thresholded_requests for report in served),
    )
