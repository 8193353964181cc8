"""v1alpha runFunnelReport: how many users reach each step of a funnel.

A step's candidates are the active users of the facts that match its filter (dimension filters
via `funnelFieldFilter`, events via `funnelEventFilter`). In a closed funnel the users of step
n+1 are those of step n who also match step n+1 (`min`); `isDirectlyFollowedBy` keeps 80% of
them and `withinDurationFromPriorStep` 90%. An open funnel also lets half of the other
candidates of step n+1 enter there. The funnel table adds completion rate, abandonments and
abandonment rate per step (none for the last step), with a RESERVED_TOTAL row and the top
breakdown values; the visualization lists active users per step, per date when trended, split by
the next action's most frequent values when asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.ga4.catalog import Catalog
from sandbox.ga4.dataset import Fact
from sandbox.ga4.dates import parse_date_ranges
from sandbox.ga4.dimensions import PAGE
from sandbox.ga4.errors import ApiError, invalid_argument
from sandbox.ga4.fields import DimensionDef
from sandbox.ga4.filters import Predicate, compile_expression, field_filter, value_test
from sandbox.ga4.quota import report_tokens
from sandbox.ga4.report_request import DEFAULT_LIMIT, MAX_LIMIT, compile_dimension_filter
from sandbox.ga4.reporting import FakeProperty, ReportSettings, Served, sampling_metadatas
from sandbox.ga4.table import format_metric
from sandbox.ga4.wire import (
    FUNNEL_VISUALIZATION_TYPES,
    METRIC_TYPES,
    EnumEncoding,
    enum_value,
    int64,
    reject_unknown_fields,
)

RUN_FUNNEL_REPORT_FIELDS = (
    "property",
    "dateRanges",
    "funnel",
    "funnelBreakdown",
    "funnelNextAction",
    "funnelVisualizationType",
    "segments",
    "limit",
    "dimensionFilter",
    "returnPropertyQuota",
)
TOTAL = "RESERVED_TOTAL"
DIRECTLY_FOLLOWED_SHARE, WITHIN_DURATION_SHARE, OPEN_ENTRY_SHARE = 0.8, 0.9, 0.5
BREAKDOWN_LIMITS, NEXT_ACTION_LIMITS = (5, 15), (5, 5)  # (default, maximum)
TABLE_METRICS = [
    ("activeUsers", "TYPE_INTEGER"),
    ("funnelStepCompletionRate", "TYPE_FLOAT"),
    ("funnelStepAbandonments", "TYPE_INTEGER"),
    ("funnelStepAbandonmentRate", "TYPE_FLOAT"),
]
# Event parameters the fake can filter on, by the dimension that carries them.
EVENT_PARAMETERS = {
    "page_location": "pageLocation",
    "page_title": "pageTitle",
    "page_path": "pagePath",
    "item_id": "itemId",
    "item_name": "itemName",
    "item_category": "itemCategory",
    "item_brand": "itemBrand",
}


@dataclass(frozen=True)
class _Step:
    label: str  # "1. Name", the funnelStepName value
    matches: Predicate[Fact]
    share_of_previous: float  # of the previous step's users who go on to this one


def run_funnel_report(
    prop: FakeProperty, body: Mapping[str, Any], encoding: EnumEncoding, settings: ReportSettings
) -> Served:
    reject_unknown_fields(body, RUN_FUNNEL_REPORT_FIELDS)
    if body.get("segments"):
        raise invalid_argument("The sandbox's fake GA4 does not support funnel segments.")
    ranges = parse_date_ranges(body.get("dateRanges", []), prop.dataset.today())
    funnel = body.get("funnel") or {}
    steps = [_step(step, position, prop.catalog) for position, step in enumerate(funnel.get("steps", []))]
    if not steps:
        raise invalid_argument("A funnel needs at least one step.")
    is_open = bool(funnel.get("isOpenFunnel"))
    keep = compile_dimension_filter(body, prop.catalog.dimension)
    breakdown = _extra_dimension(
        body.get("funnelBreakdown"), "breakdownDimension", prop.catalog, BREAKDOWN_LIMITS
    )
    next_action = _extra_dimension(
        body.get("funnelNextAction"), "nextActionDimension", prop.catalog, NEXT_ACTION_LIMITS
    )
    if next_action and next_action[0].api_name != "eventName" and next_action[0].category != PAGE:
        raise invalid_argument("nextActionDimension supports eventName and Page / Screen dimensions only.")
    trended = (
        enum_value(body.get("funnelVisualizationType"), FUNNEL_VISUALIZATION_TYPES, "funnelVisualizationType")
        == FUNNEL_VISUALIZATION_TYPES["TRENDED_FUNNEL"]
    )
    limit = min(int64(body.get("limit"), "limit") or DEFAULT_LIMIT, MAX_LIMIT)
    users = prop.dataset.count_names.index("activeUsers")
    facts = [
        (fact, fact.counts[users], [step.matches(fact) for step in steps])
        for date_range in ranges
        for day in date_range.days()
        for fact in prop.dataset.facts(day)
        if keep is None or keep(fact)
    ]
    table_rows = _table_rows(facts, steps, is_open, breakdown)
    visualization_rows = _visualization_rows(facts, steps, is_open, trended, next_action)
    sampled = sampling_metadatas(prop, ranges, ReportSettings(sampled_above_days=settings.sampled_above_days))
    payload = {
        "funnelTable": _sub_report(
            ["funnelStepName", *([breakdown[0].api_name] if breakdown else [])],
            TABLE_METRICS,
            table_rows[:limit],
            encoding,
            sampled,
        ),
        "funnelVisualization": _sub_report(
            [
                "funnelStepName",
                *(["date"] if trended else []),
                *([next_action[0].api_name] if next_action else []),
            ],
            TABLE_METRICS[:1],
            visualization_rows[:limit],
            encoding,
            sampled,
        ),
        "kind": "analyticsData#runFunnelReport",
    }
    days = sum(date_range.length for date_range in ranges)
    tokens = 2 * report_tokens(days, len(steps) + bool(breakdown) + bool(next_action), 4, len(table_rows))
    return Served(payload, tokens)


# --- the funnel arithmetic ----------------------------------------------------------------------

FactRow = tuple[Fact, int, list[bool]]  # a fact, its active users, whether it matches each step


def _candidates(facts: Iterable[FactRow], step_count: int) -> list[int]:
    totals = [0] * step_count
    for _, users, matched in facts:
        for position in range(step_count):
            if matched[position]:
                totals[position] += users
    return totals


def _walk(candidates: Sequence[int], steps: Sequence[_Step], is_open: bool) -> tuple[list[int], list[int]]:
    """Users at each step and how many of them went on to the next one."""
    at_step, went_on = [candidates[0]], []
    for position in range(1, len(steps)):
        continuing = round(min(at_step[-1], candidates[position]) * steps[position].share_of_previous)
        entering = round((candidates[position] - continuing) * OPEN_ENTRY_SHARE) if is_open else 0
        went_on.append(continuing)
        at_step.append(continuing + max(0, entering))
    return at_step, [*went_on, 0]


def _table_rows(
    facts: Sequence[FactRow],
    steps: Sequence[_Step],
    is_open: bool,
    breakdown: tuple[DimensionDef, int] | None,
) -> list[list[str]]:
    groups: dict[str, list[FactRow]] = {TOTAL: list(facts)}
    if breakdown:
        by_value: dict[str, list[FactRow]] = defaultdict(list)
        for row in facts:
            by_value[breakdown[0].value_of(row[0])].append(row)
        first_step = {value: _candidates(rows, 1)[0] for value, rows in by_value.items()}
        top = sorted(by_value, key=lambda value: (-first_step[value], value))[: breakdown[1]]
        groups.update({value: by_value[value] for value in top})
    walks = {value: _walk(_candidates(rows, len(steps)), steps, is_open) for value, rows in groups.items()}
    table = []
    for position, step in enumerate(steps):
        for value, (at_step, went_on) in walks.items():
            users, completed = at_step[position], went_on[position]
            abandoned = users - completed if position < len(steps) - 1 else 0
            table.append(
                [
                    step.label,
                    *([value] if breakdown else []),
                    format_metric(users, "TYPE_INTEGER"),
                    format_metric(completed / users if users else 0.0, "TYPE_FLOAT"),
                    format_metric(abandoned, "TYPE_INTEGER"),
                    format_metric(abandoned / users if users else 0.0, "TYPE_FLOAT"),
                ]
            )
    return table


def _visualization_rows(
    facts: Sequence[FactRow],
    steps: Sequence[_Step],
    is_open: bool,
    trended: bool,
    next_action: tuple[DimensionDef, int] | None,
) -> list[list[str]]:
    periods: dict[str, list[FactRow]] = defaultdict(list)
    for row in facts:
        periods[row[0].day.strftime("%Y%m%d") if trended else ""].append(row)
    rows = []
    for position, step in enumerate(steps):
        for period, period_facts in sorted(periods.items()):
            users = _walk(_candidates(period_facts, len(steps)), steps, is_open)[0][position]
            prefix = [step.label, *([period] if trended else [])]
            if next_action is None:
                rows.append([*prefix, format_metric(users, "TYPE_INTEGER")])
                continue
            for value, share in _next_actions(period_facts, position, next_action):
                rows.append([*prefix, value, format_metric(round(users * share), "TYPE_INTEGER")])
    return rows


def _next_actions(
    facts: Sequence[FactRow], position: int, next_action: tuple[DimensionDef, int]
) -> list[tuple[str, float]]:
    """The most frequent values of the next-action dimension among what a step's users did
    that was not the step itself, with each value's share."""
    weights: dict[str, int] = defaultdict(int)
    for fact, users, matched in facts:
        if not matched[position]:
            weights[next_action[0].value_of(fact)] += users
    total = sum(weights.values())
    top = sorted(weights, key=lambda value: (-weights[value], value))[: next_action[1]]
    return [(value, weights[value] / total) for value in top]


# --- parsing ------------------------------------------------------------------------------------


def _step(body: Mapping[str, Any], position: int, catalog: Catalog) -> _Step:
    if "filterExpression" not in body:
        raise invalid_argument(f"Funnel step {position + 1} needs a filterExpression.")
    share = DIRECTLY_FOLLOWED_SHARE if body.get("isDirectlyFollowedBy") else 1.0
    if body.get("withinDurationFromPriorStep"):
        share *= WITHIN_DURATION_SHARE
    return _Step(
        label=f"{position + 1}. {body.get('name') or ''}".rstrip(),
        matches=compile_expression(body["filterExpression"], _step_leaf(catalog), f"steps[{position}]"),
        share_of_previous=share,
    )


def _step_leaf(catalog: Catalog) -> Callable[[str, Mapping[str, Any]], Predicate[Fact]]:
    fields = field_filter(lambda name: catalog.dimension(name).value_of, leaf_kind="funnelFieldFilter")

    def leaf(kind: str, body: Mapping[str, Any]) -> Predicate[Fact]:
        if kind != "funnelEventFilter":
            return fields(kind, body)
        event_name = body.get("eventName")
        parameters = body.get("funnelParameterFilterExpression")
        matches_parameters = (
            compile_expression(parameters, _parameter_leaf(catalog), "funnelParameterFilterExpression")
            if parameters
            else None
        )
        return lambda fact: (
            (event_name is None or fact.event.event_name == event_name)
            and (matches_parameters is None or matches_parameters(fact))
        )

    return leaf


def _parameter_leaf(catalog: Catalog) -> Callable[[str, Mapping[str, Any]], Predicate[Fact]]:
    """Event and item parameters, read from the dimension that carries them (custom ones from
    `customEvent:<parameter>`); a parameter the fake does not model never matches."""

    def leaf(kind: str, body: Mapping[str, Any]) -> Predicate[Fact]:
        if kind != "funnelParameterFilter":
            raise invalid_argument(
                f'Invalid JSON payload received. Unknown name "{kind}": Cannot find field.'
            )
        parameter = body.get("eventParameterName") or body.get("itemParameterName") or ""
        name = EVENT_PARAMETERS.get(parameter, f"customEvent:{parameter}")
        try:
            value_of = catalog.dimension(name).value_of
        except ApiError:
            return lambda fact: False
        test = value_test(body, parameter)
        return lambda fact: test(value_of(fact))

    return leaf


def _extra_dimension(
    body: Mapping[str, Any] | None, key: str, catalog: Catalog, limits: tuple[int, int]
) -> tuple[DimensionDef, int] | None:
    """The breakdown or next-action dimension with its limit (default and maximum per the API)."""
    if not body:
        return None
    dimension = catalog.dimension((body.get(key) or {}).get("name", ""))
    limit = int64(body.get("limit"), f"{key}.limit", limits[0])
    if not 0 < limit <= limits[1]:
        raise invalid_argument(f"The limit of {key} must be between 1 and {limits[1]}.")
    return dimension, limit


def _sub_report(
    dimensions: list[str],
    metrics: list[tuple[str, str]],
    rows: list[list[str]],
    encoding: EnumEncoding,
    sampled: Mapping[str, Any],
) -> dict[str, Any]:
    split = len(dimensions)
    report: dict[str, Any] = {
        "dimensionHeaders": [{"name": name} for name in dimensions],
        "metricHeaders": [
            {"name": name, "type": encoding.write(kind, METRIC_TYPES)} for name, kind in metrics
        ],
        "metadata": dict(sampled),
    }
    if rows:
        report["rows"] = [
            {
                "dimensionValues": [{"value": value} for value in row[:split]],
                "metricValues": [{"value": value} for value in row[split:]],
            }
            for row in rows
        ]
    return report
