"""runRealtimeReport: the last 30 minutes, drawn from today's facts.

Each minute (of the clock, so reports move as time passes) a few of today's facts are active,
with a handful of users each; the draw is seeded by the property and the minute, so two reports
in the same minute agree.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from sandbox.ga4.dataset import Fact
from sandbox.ga4.errors import invalid_argument
from sandbox.ga4.fields import DimensionDef, MetricDef
from sandbox.ga4.quota import realtime_tokens
from sandbox.ga4.report_request import parse_query
from sandbox.ga4.reporting import FakeProperty, Served, finish_table
from sandbox.ga4.table import Grouper, Table
from sandbox.ga4.wire import EnumEncoding, reject_unknown_fields

RUN_REALTIME_REPORT_FIELDS = (
    "property",
    "dimensions",
    "metrics",
    "dimensionFilter",
    "metricFilter",
    "limit",
    "metricAggregations",
    "orderBys",
    "returnPropertyQuota",
    "minuteRanges",
)
MAX_MINUTES_AGO, MAX_MINUTE_RANGES = 29, 2


def run_realtime_report(
    prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding, now: float
) -> Served:
    reject_unknown_fields(body, RUN_REALTIME_REPORT_FIELDS)
    query = parse_query(
        body,
        prop.catalog,
        special_dimensions={"minutesAgo", "dateRange"},
        dimension_lookup=lambda name: _realtime_dimension(prop, name),
        metric_lookup=lambda name: _realtime_metric(prop, name),
        count_names=prop.dataset.count_names,
    )
    ranges = _minute_ranges(body.get("minuteRanges") or [{}])
    names = list(query.dimension_names)
    if len(ranges) > 1 and "dateRange" not in names:
        names.append("dateRange")
    grouper = Grouper()
    for range_name, start, end in ranges:
        for minutes_ago in range(end, start + 1):
            for fact, counts in _active_in_minute(prop, int(now // 60) - minutes_ago):
                if query.dimension_filter is None or query.dimension_filter(fact):
                    special = {"minutesAgo": f"{minutes_ago:02d}", "dateRange": range_name}
                    key = tuple(
                        special[name] if name in special else query.dimensions[name].value_of(fact)
                        for name in names
                    )
                    grouper.add(key, counts)
    table = Table.of(names, query.columns, prop.dataset.count_names, grouper.rows())
    payload = finish_table(table, query, encoding)
    payload["kind"] = "analyticsData#runRealtimeReport"
    return Served(payload, realtime_tokens(len(payload.get("rows", []))))


def _minute_ranges(bodies: list[Mapping[str, Any]]) -> list[tuple[str, int, int]]:
    """(name, startMinutesAgo, endMinutesAgo) of each range; the default is the last 30 minutes."""
    if len(bodies) > MAX_MINUTE_RANGES:
        raise invalid_argument(f"Requests are allowed up to {MAX_MINUTE_RANGES} minute ranges.")
    ranges = []
    for index, body in enumerate(bodies):
        start, end = int(body.get("startMinutesAgo", MAX_MINUTES_AGO)), int(body.get("endMinutesAgo", 0))
        if not 0 <= end <= start <= MAX_MINUTES_AGO:
            raise invalid_argument(
                f"Invalid minute range: need 0 <= endMinutesAgo <= startMinutesAgo <= {MAX_MINUTES_AGO}."
            )
        ranges.append((body.get("name") or f"date_range_{index}", start, end))
    return ranges


def _active_in_minute(prop: FakeProperty, minute: int) -> list[tuple[Fact, list[int]]]:
    """Today's facts active in one minute of the clock, with that minute's counts."""
    today = prop.dataset.facts(prop.dataset.today())
    if not today:
        return []
    rng = random.Random(f"{prop.profile.property_id}:minute:{minute}")
    names = prop.dataset.count_names
    active = []
    for fact in rng.sample(list(today), k=min(len(today), max(1, prop.dataset.facts_per_day // 8))):
        counts = [0] * len(names)
        users = 1 + rng.randrange(3)
        counts[names.index("activeUsers")] = users
        counts[names.index("screenPageViews")] = users * rng.randrange(1, 4)
        counts[names.index("eventCount")] = users * rng.randrange(2, 7)
        counts[names.index("keyEvents")] = users if fact.event.is_key_event else 0
        active.append((fact, counts))
    return active


def _realtime_dimension(prop: FakeProperty, name: str) -> DimensionDef:
    dimension = prop.catalog.dimension(name)
    if not dimension.realtime:
        raise invalid_argument(f"Field {name} is not a valid dimension for realtime reports.")
    return dimension


def _realtime_metric(prop: FakeProperty, name: str) -> MetricDef:
    metric = prop.catalog.metric(name)
    if not metric.realtime:
        raise invalid_argument(f"Field {name} is not a valid metric for realtime reports.")
    return metric
