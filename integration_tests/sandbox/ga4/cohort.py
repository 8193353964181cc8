"""Cohort reports: runReport with a `cohortSpec` (users grouped by their first session date).

A cohort's members are the new users of the facts in its date range (split by any other
requested dimensions). In the n-th period after the cohort's start a share of them is active
again: all of them in period 0, then a retention curve that falls with n. Periods that have not
begun by the property's today have no rows. Other metrics of a cohort row are the members' own
counts scaled by the same retention.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sandbox.ga4.dates import DateRange, parse_date_range
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.quota import report_tokens
from sandbox.ga4.report_request import ReportQuery, parse_query
from sandbox.ga4.reporting import FakeProperty, Served, finish_table, group_facts, response_metadata
from sandbox.ga4.table import ReportRow, Table
from sandbox.ga4.wire import GRANULARITIES, EnumEncoding, enum_value

PERIODS = {  # granularity -> (days per period, the dimension that numbers the periods)
    GRANULARITIES["DAILY"]: (1, "cohortNthDay"),
    GRANULARITIES["WEEKLY"]: (7, "cohortNthWeek"),
    GRANULARITIES["MONTHLY"]: (30, "cohortNthMonth"),
}
NTH_DIMENSIONS = {dimension for _, dimension in PERIODS.values()}
COHORT_COUNT = "cohortTotalUsers"


def run_cohort_report(prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding) -> Served:
    spec = body["cohortSpec"]
    if body.get("dateRanges"):
        raise invalid_argument(
            "In a cohort request, dateRanges must be unspecified: each cohort has its dateRange."
        )
    cohorts = _cohorts(spec, prop)
    cohorts_range = spec.get("cohortsRange", {})
    granularity = enum_value(cohorts_range.get("granularity"), GRANULARITIES, "cohortsRange.granularity")
    if granularity not in PERIODS:
        raise invalid_argument("cohortsRange.granularity is required: DAILY, WEEKLY or MONTHLY.")
    period_days, nth_dimension = PERIODS[granularity]
    start_offset, end_offset = (
        int(cohorts_range.get("startOffset", 0)),
        int(cohorts_range.get("endOffset", 0)),
    )
    if not 0 <= start_offset <= end_offset:
        raise invalid_argument("cohortsRange needs 0 <= startOffset <= endOffset.")
    query = parse_query(
        body,
        prop.catalog,
        special_dimensions={"cohort", *NTH_DIMENSIONS},
        count_names=(*prop.dataset.count_names, COHORT_COUNT),
    )
    names = query.dimension_names
    if "cohort" not in names:
        raise invalid_argument("A cohort request must include the dimension cohort.")
    if NTH_DIMENSIONS.intersection(names) - {nth_dimension}:
        raise invalid_argument(f"With this granularity the period dimension is {nth_dimension}.")
    member_dimensions = [name for name in names if name not in ("cohort", nth_dimension)]
    accumulate = bool(spec.get("cohortReportSettings", {}).get("accumulate"))
    active = prop.dataset.count_names.index("activeUsers")
    new_users = prop.dataset.count_names.index("newUsers")
    today = prop.dataset.today()
    rows = []
    for cohort in cohorts:
        members = group_facts(
            prop,
            [cohort],
            query,
            lambda _range: (
                lambda fact: tuple(query.dimensions[name].value_of(fact) for name in member_dimensions)
            ),
        )
        for group in members:
            size = group.counts[new_users]
            accumulated = 0.0
            for nth in range(start_offset, end_offset + 1):
                if cohort.start + timedelta(days=nth * period_days) > today:
                    break
                share = _retention(prop.profile.property_id, cohort.name, nth)
                counts = [count * share for count in group.counts]
                accumulated += round(size * share)
                counts[active] = accumulated if accumulate else round(size * share)
                values = dict(zip(member_dimensions, group.dimension_values, strict=True))
                values.update({"cohort": cohort.name, nth_dimension: f"{nth:04d}"})
                rows.append(ReportRow(tuple(values[name] for name in names), [*counts, size]))
    table = Table.of(names, query.columns, (*prop.dataset.count_names, COHORT_COUNT), rows)
    if not query.order_bys:
        query = _ordered_by_dimensions(query, names)
    payload = finish_table(table, query, encoding)
    payload["metadata"] = response_metadata(prop, currency_code=body.get("currencyCode"))
    payload["kind"] = "analyticsData#runReport"
    days = sum(cohort.length + end_offset * period_days for cohort in cohorts)
    tokens = report_tokens(days, len(names), len(query.columns), len(payload.get("rows", [])))
    return Served(payload, tokens, thresholded_requests=int(query.thresholded))


def _cohorts(spec: Mapping[str, Any], prop: FakeProperty) -> list[DateRange]:
    cohorts = []
    for index, cohort in enumerate(spec.get("cohorts", [])):
        if cohort.get("dimension") != "firstSessionDate":
            raise invalid_argument("A cohort's dimension is required and only supports firstSessionDate.")
        if str(cohort.get("name", "")).startswith(("cohort_", "RESERVED_")):
            raise invalid_argument("A cohort name cannot begin with cohort_ or RESERVED_.")
        if "dateRange" not in cohort:
            raise invalid_argument("Each cohort needs a dateRange.")
        named = {**cohort["dateRange"], "name": cohort.get("name") or f"cohort_{index}"}
        cohorts.append(parse_date_range(named, prop.dataset.today(), f"cohort_{index}"))
    if not cohorts:
        raise invalid_argument("A cohortSpec needs at least one cohort.")
    return cohorts


def _retention(property_id: str, cohort_name: str, nth: int) -> float:
    """The share of a cohort active again in its n-th period (deterministic, falling with n)."""
    if nth == 0:
        return 1.0
    wobble = random.Random(f"{property_id}:{cohort_name}:{nth}").uniform(0.9, 1.1)
    return min(1.0, 0.45 * math.pow(nth, -0.6) * wobble)


def _ordered_by_dimensions(query: ReportQuery, names: list[str]) -> ReportQuery:
    """Cohort rows read best by cohort, then period: the default order here."""
    return replace(query, order_bys=[{"dimension": {"dimensionName": name}} for name in names])
