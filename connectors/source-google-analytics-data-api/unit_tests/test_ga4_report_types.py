"""Every report type round-trips from config to records: filtered flat reports, pivot, cohort
(daily, weekly, monthly), funnel (table and visualization from one request) and realtime; and
records say when GA4 sampled, thresholded or rolled rows into "(other)"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
from airbyte_cdk.models import SyncMode
from ga4_harness import SMALL_PROPERTIES, Ga4Sandbox, key_of

from sandbox.ga4 import GA4Options, ReportSettings

FIRST, SECOND = SMALL_PROPERTIES.property_ids


def event_is(name: str) -> dict[str, Any]:
    return {
        "filter_type": "filter",
        "field_name": "eventName",
        "filter": {"filter_name": "stringFilter", "value": name, "matchType": ["EXACT"]},
    }


def read_report(
    sandbox: Ga4Sandbox, report: dict[str, Any], streams: list[str] | None = None, **options: Any
) -> tuple[dict[str, Any], Any]:
    """Discover and read one custom report of the first property; every record checked against its schema."""
    config = sandbox.service_account_config(custom_reports_array=[report], property_ids=[FIRST], **options)
    names = streams or [report["name"]]
    catalog = {stream.name: stream for stream in sandbox.discover(config).catalog.streams}
    modes = {
        name: SyncMode.incremental if catalog[name].source_defined_cursor else SyncMode.full_refresh
        for name in names
    }
    output = sandbox.read(config, modes)
    assert output.errors() == []
    for name in names:
        validator = jsonschema.Draft7Validator(catalog[name].json_schema)
        primary_key = [path[0] for path in catalog[name].source_defined_primary_key]
        rows = output.records(name)
        assert rows, f"{name} read nothing"
        assert len({key_of(row, primary_key) for row in rows}) == len(rows), f"{name} repeats a key"
        for row in rows:
            validator.validate(row)
    return catalog, output


def test_a_flat_report_applies_its_filters_and_order(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    report = {
        "name": "mobile_sessions",
        "dimensions": ["date", "deviceCategory", "country"],
        "metrics": ["sessions", "engagedSessions"],
        "dimensionFilter": {
            "filter_type": "andGroup",
            "expressions": [
                {
                    "field_name": "deviceCategory",
                    "filter": {"filter_name": "inListFilter", "values": ["mobile", "tablet"]},
                },
                {
                    "field_name": "country",
                    "filter": {"filter_name": "stringFilter", "value": "United States"},
                },
            ],
        },
        "metricFilter": {
            "filter_type": "filter",
            "field_name": "sessions",
            "filter": {
                "filter_name": "betweenFilter",
                "fromValue": {"value_type": "int64Value", "value": "20"},
                "toValue": {"value_type": "doubleValue", "value": 10_000.5},
            },
        },
        "orderBys": [{"field_name": "sessions", "desc": True}],
    }
    sandbox = ga4_sandbox()

    _catalog, output = read_report(sandbox, report)

    rows = output.records("mobile_sessions")
    assert {row["deviceCategory"] for row in rows} <= {"mobile", "tablet"}
    assert {row["country"] for row in rows} == {"United States"}
    assert all(20 <= row["sessions"] <= 10_000.5 for row in rows)
    (request,) = [r.json() for r in sandbox.fake.requests if r.path.endswith(":runReport")]
    assert request["orderBys"] == [{"metric": {"metricName": "sessions"}, "desc": True}]


def test_a_pivot_report_gives_the_rows_of_the_combinations_it_picked(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    report = {
        "name": "browsers_by_country",
        "dimensions": ["browser", "country"],
        "metrics": ["sessions"],
        "pivots": [
            {"fieldNames": ["browser"], "limit": 2, "metricAggregations": ["TOTAL"]},
            {"fieldNames": ["country"], "limit": 3, "orderBys": [{"field_name": "sessions", "desc": True}]},
        ],
    }
    sandbox = ga4_sandbox()

    catalog, output = read_report(sandbox, report)

    rows = output.records("browsers_by_country")
    assert len({row["browser"] for row in rows}) <= 2 and len({row["country"] for row in rows}) <= 3
    assert "RESERVED_TOTAL" not in {row["browser"] for row in rows}  # aggregates are not rows
    assert catalog["browsers_by_country"].json_schema["properties"]["sessions"]["type"] == ["null", "integer"]
    assert sandbox.request_counts()["runPivotReport"] == 1


@pytest.mark.parametrize(
    ("granularity", "period_dimension", "end_offset"),
    [("DAILY", "cohortNthDay", 10), ("WEEKLY", "cohortNthWeek", 4), ("MONTHLY", "cohortNthMonth", 1)],
)
def test_a_cohort_report_follows_its_cohorts_per_period(
    ga4_sandbox: Callable[..., Ga4Sandbox], granularity: str, period_dimension: str, end_offset: int
) -> None:
    sandbox = ga4_sandbox()
    first_week = sandbox.today - timedelta(days=50)
    cohorts = [
        {
            "name": "early",
            "dimension": "firstSessionDate",
            "dateRange": {
                "startDate": first_week.isoformat(),
                "endDate": (first_week + timedelta(days=6)).isoformat(),
            },
        },
        {
            "dimension": "firstSessionDate",
            "dateRange": {
                "startDate": (first_week + timedelta(days=7)).isoformat(),
                "endDate": (first_week + timedelta(days=13)).isoformat(),
            },
        },
    ]
    report = {
        "name": "retention",
        "dimensions": ["cohort", period_dimension],
        "metrics": ["cohortActiveUsers", "cohortTotalUsers"],
        "cohortSpec": {
            "enabled": "true",
            "cohorts": cohorts,
            "cohortsRange": {"granularity": granularity, "endOffset": end_offset},
        },
    }

    catalog, output = read_report(sandbox, report)

    rows = output.records("retention")
    assert catalog["retention"].supported_sync_modes == [SyncMode.full_refresh]
    assert {row["cohort"] for row in rows} == {"early", "cohort_1"}
    assert {row[period_dimension] for row in rows} == {f"{n:04d}" for n in range(end_offset + 1)}
    early = next(row for row in rows if row["cohort"] == "early")
    assert (early["startDate"], early["endDate"]) == (
        first_week.isoformat(),
        (first_week + timedelta(days=6)).isoformat(),
    )
    assert all(row["cohortActiveUsers"] <= row["cohortTotalUsers"] for row in rows)


@pytest.mark.parametrize("visualization", ["STANDARD_FUNNEL", "TRENDED_FUNNEL"])
def test_a_funnel_gives_its_table_and_its_visualization_from_one_request(
    ga4_sandbox: Callable[..., Ga4Sandbox], visualization: str
) -> None:
    report = {
        "name": "checkout",
        "report_type": "funnel",
        "funnel": {
            "steps": [
                {"name": "Viewed item", "filterExpression": event_is("view_item")},
                {"name": "Added to cart", "filterExpression": event_is("add_to_cart")},
                {
                    "name": "Purchased",
                    "filterExpression": event_is("purchase"),
                    "withinDurationFromPriorStep": "3600s",
                },
            ],
            "breakdownDimension": "deviceCategory",
            "nextActionDimension": "eventName",
            "nextActionLimit": 3,
            "funnelVisualizationType": visualization,
        },
    }
    sandbox = ga4_sandbox()

    catalog, output = read_report(sandbox, report, ["checkout", "checkout_visualization"])

    table, steps = output.records("checkout"), output.records("checkout_visualization")
    assert {row["funnelStepName"] for row in table} == {"1. Viewed item", "2. Added to cart", "3. Purchased"}
    assert "RESERVED_TOTAL" in {row["deviceCategory"] for row in table}
    assert all(isinstance(row["funnelStepCompletionRate"], float) for row in table)
    assert {len(row) for row in table} == {len(catalog["checkout"].json_schema["properties"])}
    assert ("date" in steps[0]) is (visualization == "TRENDED_FUNNEL")
    assert all(isinstance(row["activeUsers"], int) for row in steps)
    assert sandbox.request_counts()["runFunnelReport"] == 1
    (request,) = [r.json() for r in sandbox.fake.requests if r.path.endswith(":runFunnelReport")]
    assert request["funnel"]["steps"][2]["withinDurationFromPriorStep"] == "3600s"


def test_a_realtime_report_reads_the_last_minutes(ga4_sandbox: Callable[..., Ga4Sandbox]) -> None:
    report = {
        "name": "now",
        "report_type": "realtime",
        "dimensions": ["country"],
        "metrics": ["activeUsers"],
        "minuteRanges": [
            {"name": "last_5", "startMinutesAgo": 4, "endMinutesAgo": 0},
            {"name": "last_30", "startMinutesAgo": 29, "endMinutesAgo": 0},
        ],
    }
    sandbox = ga4_sandbox()

    catalog, output = read_report(sandbox, report)

    rows = output.records("now")
    assert catalog["now"].source_defined_primary_key == [["property_id"], ["country"], ["dateRange"]]
    assert {row["dateRange"] for row in rows} == {"last_5", "last_30"}
    assert rows[0]["startDate"] == rows[0]["endDate"] == sandbox.today.isoformat()
    assert sandbox.request_counts()["runRealtimeReport"] == 1


def test_records_say_when_ga4_sampled_thresholded_or_rolled_up_rows(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox(
        GA4Options(days=60, cardinality=4, reports=ReportSettings(sampled_above_days=30, other_row_above=40))
    )
    report = {"name": "by_age", "dimensions": ["date", "userAgeBracket"], "metrics": ["activeUsers"]}

    _catalog, output = read_report(sandbox, report, window_in_days=45)

    rows = output.records("by_age")
    qualities = [row["data_quality"] for row in rows]
    assert {quality["sampled"] for quality in qualities} == {True, False}  # the 45-day window, the rest
    assert {quality["sampling_share"] for quality in qualities} == {0.5, None}
    assert all(quality["subject_to_thresholding"] for quality in qualities)  # demographics
    assert any(quality["data_loss_from_other_row"] for quality in qualities)
    assert "(other)" not in {row["date"] for row in rows}  # a row without a date has no place here
