"""The fake GA4 speaks the Data API's REST JSON: proven with the official client for every
method, and by reading the raw JSON where the client would hide a mistake."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_ga4_client import access_token, alpha_client, beta_client, post_raw
from google.analytics.data_v1alpha import types as alpha
from google.analytics.data_v1beta import types as beta
from google.api_core import exceptions

from sandbox.ga4 import FakeGA4, GA4Options, ReportSettings
from sandbox.pytest_plugin import FakeServerFactory


def devices_report(**fields: Any) -> beta.RunReportRequest:
    """A devices report of the last 30 days; `fields` add to it or replace its parts."""
    report = {
        "dimensions": [beta.Dimension(name=name) for name in ("date", "deviceCategory", "browser")],
        "metrics": [beta.Metric(name=name) for name in ("activeUsers", "bounceRate", "purchaseRevenue")],
        "date_ranges": [beta.DateRange(start_date="30daysAgo", end_date="yesterday")],
    }
    return beta.RunReportRequest(**{**report, **fields})


def as_json(request: beta.RunReportRequest) -> dict[str, Any]:
    """The request's JSON as the REST transport writes it."""
    return json.loads(beta.RunReportRequest.to_json(request, always_print_fields_with_no_presence=False))


def property_name(ga4: FakeGA4, index: int = 0) -> str:
    return f"properties/{ga4.property_ids[index]}"


def rows_of(response: Any) -> list[tuple[list[str], list[str]]]:
    return [
        ([value.value for value in row.dimension_values], [value.value for value in row.metric_values])
        for row in response.rows
    ]


def test_paging_with_offset_reads_every_row_once_and_row_count_says_how_many(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    whole = client.run_report(devices_report(property=property_name(fake_ga4), limit=250_000))

    pages, offset = [], 0
    while True:
        page = client.run_report(devices_report(property=property_name(fake_ga4), limit=100, offset=offset))
        assert page.row_count == whole.row_count
        pages.extend(rows_of(page))
        offset += 100
        if offset >= page.row_count:
            break

    assert whole.row_count > 300  # enough rows for several pages
    assert pages == rows_of(whole)
    assert len({tuple(dimensions) for dimensions, _ in pages}) == whole.row_count


def test_the_client_sends_integer_enums_and_int64_strings_and_parses_the_answer(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    order = beta.OrderBy(
        dimension=beta.OrderBy.DimensionOrderBy(
            dimension_name="date", order_type=beta.OrderBy.DimensionOrderBy.OrderType.NUMERIC
        ),
        desc=True,
    )
    response = client.run_report(
        devices_report(
            property=property_name(fake_ga4),
            limit=7,
            offset=3,
            order_bys=[order],
            metric_aggregations=[beta.MetricAggregation.TOTAL],
        )
    )

    sent = fake_ga4.requests[-1]
    assert sent.query == {"$alt": ["json;enum-encoding=int"]}
    assert sent.json()["limit"] == "7" and sent.json()["offset"] == "3"
    assert sent.json()["orderBys"][0]["dimension"]["orderType"] == 3
    assert sent.json()["metricAggregations"] == [1]
    assert [header.type_ for header in response.metric_headers] == [
        beta.MetricType.TYPE_INTEGER,
        beta.MetricType.TYPE_FLOAT,
        beta.MetricType.TYPE_CURRENCY,
    ]
    dates = [row.dimension_values[0].value for row in response.rows]
    assert dates == sorted(dates, reverse=True)
    assert len(response.rows) == 7
    assert [value.value for value in response.totals[0].dimension_values] == ["RESERVED_TOTAL"] * 3
    assert response.metadata.currency_code == "USD"
    assert response.metadata.time_zone == "America/Los_Angeles"


def test_raw_answers_use_the_request_enum_encoding_and_int64_strings(fake_server: FakeServerFactory) -> None:
    ga4 = fake_server(FakeGA4, options=GA4Options(reports=ReportSettings(sampled_above_days=10)))
    token = access_token(ga4)
    path = f"/v1beta/{property_name(ga4)}:runReport"

    numeric = post_raw(ga4, path, as_json(devices_report()), token).json()
    named = post_raw(ga4, path, as_json(devices_report()), token, integer_enums=False).json()

    assert [header["type"] for header in numeric["metricHeaders"]] == [1, 2, 9]
    assert [header["type"] for header in named["metricHeaders"]] == [
        "TYPE_INTEGER",
        "TYPE_FLOAT",
        "TYPE_CURRENCY",
    ]
    assert isinstance(numeric["rowCount"], int)  # int32: a JSON number
    sampling = numeric["metadata"]["samplingMetadatas"][0]
    assert isinstance(sampling["samplesReadCount"], str) and sampling["samplesReadCount"].isdigit()  # int64
    assert all(isinstance(value["value"], str) for row in numeric["rows"] for value in row["metricValues"])
    assert numeric["kind"] == "analyticsData#runReport"
    parsed = beta.RunReportResponse.from_json(post_raw(ga4, path, as_json(devices_report()), token).text)
    assert parsed.metadata.sampling_metadatas[0].samples_read_count == int(sampling["samplesReadCount"])


def test_an_empty_report_has_no_rows_and_no_row_count(fake_ga4: FakeGA4) -> None:
    request = devices_report(
        property=property_name(fake_ga4),
        date_ranges=[beta.DateRange(start_date="2015-08-14", end_date="2015-09-01")],
    )
    answer = post_raw(
        fake_ga4, f"/v1beta/{request.property}:runReport", as_json(request), access_token(fake_ga4)
    )

    assert answer.status_code == 200
    assert "rows" not in answer.json() and "rowCount" not in answer.json()
    assert beta_client(fake_ga4).run_report(request).row_count == 0


def test_batch_run_reports_answers_each_report(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    first = devices_report(limit=5, return_property_quota=True)
    second = beta.RunReportRequest(
        dimensions=[beta.Dimension(name="country")],
        metrics=[beta.Metric(name="sessions")],
        date_ranges=[beta.DateRange(start_date="7daysAgo", end_date="today")],
    )

    response = client.batch_run_reports(
        beta.BatchRunReportsRequest(property=property_name(fake_ga4), requests=[first, second])
    )

    assert response.kind == "analyticsData#batchRunReports"
    assert [len(report.rows) for report in response.reports] == [5, response.reports[1].row_count]
    assert response.reports[0].property_quota.tokens_per_day.consumed > 0
    assert "propertyQuota" not in fake_ga4.requests[-1].json()["requests"][1]
    with pytest.raises(exceptions.BadRequest, match="1 to 5 requests"):
        client.batch_run_reports(
            beta.BatchRunReportsRequest(property=property_name(fake_ga4), requests=[second] * 6)
        )


def test_pivot_report_picks_combinations_per_pivot(fake_ga4: FakeGA4) -> None:
    response = beta_client(fake_ga4).run_pivot_report(
        beta.RunPivotReportRequest(
            property=property_name(fake_ga4),
            dimensions=[beta.Dimension(name="country"), beta.Dimension(name="deviceCategory")],
            metrics=[beta.Metric(name="sessions")],
            date_ranges=[beta.DateRange(start_date="28daysAgo", end_date="yesterday")],
            pivots=[
                beta.Pivot(field_names=["country"], limit=4),
                beta.Pivot(
                    field_names=["deviceCategory"],
                    limit=2,
                    offset=1,
                    metric_aggregations=[beta.MetricAggregation.TOTAL],
                ),
            ],
        )
    )

    countries = [
        header.dimension_values[0].value for header in response.pivot_headers[0].pivot_dimension_headers
    ]
    devices = [
        header.dimension_values[0].value for header in response.pivot_headers[1].pivot_dimension_headers
    ]
    assert len(countries) == 4 and 4 < response.pivot_headers[0].row_count <= 16
    assert len(devices) == 2 and response.pivot_headers[1].row_count == 3
    assert {(row.dimension_values[0].value, row.dimension_values[1].value) for row in response.rows} <= {
        (country, device) for country in countries for device in devices
    }
    assert response.rows[0].dimension_values[0].value == countries[0]
    assert all(row.dimension_values[1].value == "RESERVED_TOTAL" for row in response.aggregates)


def test_realtime_report_reads_the_last_minutes(fake_ga4: FakeGA4) -> None:
    response = beta_client(fake_ga4).run_realtime_report(
        beta.RunRealtimeReportRequest(
            property=property_name(fake_ga4),
            dimensions=[beta.Dimension(name="minutesAgo"), beta.Dimension(name="country")],
            metrics=[beta.Metric(name="activeUsers"), beta.Metric(name="eventCount")],
            minute_ranges=[
                beta.MinuteRange(start_minutes_ago=29, end_minutes_ago=15, name="earlier"),
                beta.MinuteRange(start_minutes_ago=4, end_minutes_ago=0, name="now"),
            ],
            return_property_quota=True,
        )
    )

    assert [header.name for header in response.dimension_headers] == ["minutesAgo", "country", "dateRange"]
    for row in response.rows:
        minutes_ago, _country, range_name = (value.value for value in row.dimension_values)
        assert range_name == ("now" if int(minutes_ago) <= 4 else "earlier")
    assert response.row_count == len(response.rows) > 0
    assert response.property_quota.tokens_per_hour.consumed == 1
    with pytest.raises(exceptions.BadRequest, match="bounceRate is not a valid metric for realtime"):
        beta_client(fake_ga4).run_realtime_report(
            beta.RunRealtimeReportRequest(
                property=property_name(fake_ga4), metrics=[beta.Metric(name="bounceRate")]
            )
        )


def test_cohort_report_follows_each_cohort_week_by_week(fake_ga4: FakeGA4) -> None:
    response = beta_client(fake_ga4).run_report(
        beta.RunReportRequest(
            property=property_name(fake_ga4),
            dimensions=[beta.Dimension(name="cohort"), beta.Dimension(name="cohortNthWeek")],
            metrics=[beta.Metric(name="cohortActiveUsers"), beta.Metric(name="cohortTotalUsers")],
            cohort_spec=beta.CohortSpec(
                cohorts=[
                    beta.Cohort(
                        name="first_week",
                        dimension="firstSessionDate",
                        date_range=beta.DateRange(start_date="63daysAgo", end_date="57daysAgo"),
                    ),
                    beta.Cohort(
                        dimension="firstSessionDate",
                        date_range=beta.DateRange(start_date="14daysAgo", end_date="8daysAgo"),
                    ),
                ],
                cohorts_range=beta.CohortsRange(
                    granularity=beta.CohortsRange.Granularity.WEEKLY, end_offset=4
                ),
            ),
        )
    )

    rows = [[value.value for value in [*row.dimension_values, *row.metric_values]] for row in response.rows]
    first_week = [row for row in rows if row[0] == "first_week"]
    assert [row[1] for row in first_week] == ["0000", "0001", "0002", "0003", "0004"]
    assert first_week[0][2] == first_week[0][3]  # everyone is active in the week they arrived
    assert int(first_week[0][2]) > int(first_week[1][2]) > int(first_week[4][2])
    assert len({row[3] for row in first_week}) == 1
    assert [row[1] for row in rows if row[0] == "cohort_1"] == [
        "0000",
        "0001",
        "0002",
    ]  # later weeks: not yet


def test_metadata_lists_standard_and_the_property_s_own_custom_fields(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)

    first = client.get_metadata(name=f"{property_name(fake_ga4, 0)}/metadata")
    second = client.get_metadata(name=f"{property_name(fake_ga4, 1)}/metadata")
    universal = client.get_metadata(name="properties/0/metadata")

    def custom(metadata: Any) -> set[str]:
        return {
            field.api_name for field in [*metadata.dimensions, *metadata.metrics] if field.custom_definition
        }

    assert custom(first) == {
        "customEvent:article_author",
        "customUser:membership_level",
        "customEvent:reading_time",
    }
    assert custom(second) == {
        "customUser:membership_level",
        "customEvent:plan_tier",
        "customEvent:cart_value",
    }
    assert custom(universal) == set()
    key_events = next(metric for metric in first.metrics if metric.api_name == "keyEvents")
    assert key_events.type_ == beta.MetricType.TYPE_INTEGER and list(key_events.deprecated_api_names) == [
        "conversions"
    ]
    assert first.name == f"{property_name(fake_ga4)}/metadata"


def test_check_compatibility_marks_item_dimensions_with_event_metrics_incompatible(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)

    verdicts = client.check_compatibility(
        beta.CheckCompatibilityRequest(
            property=property_name(fake_ga4),
            dimensions=[beta.Dimension(name="itemName")],
            metrics=[beta.Metric(name="sessions")],
        )
    )
    incompatible_only = client.check_compatibility(
        beta.CheckCompatibilityRequest(
            property=property_name(fake_ga4),
            dimensions=[beta.Dimension(name="itemName")],
            metrics=[beta.Metric(name="itemsViewed")],
            compatibility_filter=beta.Compatibility.INCOMPATIBLE,
        )
    )

    by_name = {
        item.dimension_metadata.api_name: item.compatibility for item in verdicts.dimension_compatibilities
    }
    assert by_name["itemName"] == beta.Compatibility.INCOMPATIBLE
    assert by_name["country"] == beta.Compatibility.COMPATIBLE
    metric_verdicts = {
        item.metric_metadata.api_name: item.compatibility for item in verdicts.metric_compatibilities
    }
    assert metric_verdicts["sessions"] == beta.Compatibility.INCOMPATIBLE
    assert metric_verdicts["itemRevenue"] == beta.Compatibility.COMPATIBLE
    assert {item.metric_metadata.api_name for item in incompatible_only.metric_compatibilities} >= {
        "sessions"
    }
    assert "itemsViewed" not in {
        item.metric_metadata.api_name for item in incompatible_only.metric_compatibilities
    }
    with pytest.raises(exceptions.BadRequest, match="Please remove itemName"):
        client.run_report(
            beta.RunReportRequest(
                property=property_name(fake_ga4),
                dimensions=[beta.Dimension(name="itemName")],
                metrics=[beta.Metric(name="sessions")],
                date_ranges=[beta.DateRange(start_date="7daysAgo", end_date="today")],
            )
        )


def test_funnel_report_v1alpha_has_table_and_visualization(fake_ga4: FakeGA4) -> None:
    def event_step(name: str, event: str) -> alpha.FunnelStep:
        return alpha.FunnelStep(
            name=name,
            filter_expression=alpha.FunnelFilterExpression(
                funnel_event_filter=alpha.FunnelEventFilter(event_name=event)
            ),
        )

    response = alpha_client(fake_ga4).run_funnel_report(
        alpha.RunFunnelReportRequest(
            property=property_name(fake_ga4),
            date_ranges=[alpha.DateRange(start_date="30daysAgo", end_date="yesterday")],
            funnel=alpha.Funnel(steps=[event_step("View", "view_item"), event_step("Buy", "purchase")]),
            funnel_breakdown=alpha.FunnelBreakdown(
                breakdown_dimension=alpha.Dimension(name="deviceCategory"), limit=2
            ),
            funnel_next_action=alpha.FunnelNextAction(
                next_action_dimension=alpha.Dimension(name="eventName"), limit=3
            ),
            return_property_quota=True,
        )
    )

    table = response.funnel_table
    assert [header.name for header in table.dimension_headers] == ["funnelStepName", "deviceCategory"]
    assert [header.name for header in table.metric_headers] == [
        "activeUsers",
        "funnelStepCompletionRate",
        "funnelStepAbandonments",
        "funnelStepAbandonmentRate",
    ]
    rows = [[value.value for value in [*row.dimension_values, *row.metric_values]] for row in table.rows]
    assert [row[:2] for row in rows[:3]] == [
        ["1. View", "RESERVED_TOTAL"],
        ["1. View", "desktop"],
        ["1. View", "mobile"],
    ]
    viewed, bought = int(rows[0][2]), int(rows[3][2])
    assert rows[3][:2] == ["2. Buy", "RESERVED_TOTAL"] and 0 < bought <= viewed
    assert int(rows[0][4]) == viewed - bought
    visualization = response.funnel_visualization
    assert [header.name for header in visualization.dimension_headers] == ["funnelStepName", "eventName"]
    assert len(visualization.rows) == 2 * 3
    assert response.kind == "analyticsData#runFunnelReport"
    assert response.property_quota.tokens_per_day.consumed > 0


def test_errors_are_google_errors(fake_server: FakeServerFactory) -> None:
    ga4 = fake_server(FakeGA4, options=GA4Options(inaccessible_property_ids=frozenset({"400000002"})))
    client = beta_client(ga4)
    report = {
        "metrics": [beta.Metric(name="sessions")],
        "date_ranges": [beta.DateRange(start_date="today", end_date="today")],
    }

    for unknown_or_not_shared in ("properties/400000002", "properties/123"):
        with pytest.raises(
            exceptions.Forbidden, match="User does not have sufficient permissions for this property"
        ):
            client.run_report(beta.RunReportRequest(property=unknown_or_not_shared, **report))
    with pytest.raises(exceptions.BadRequest, match="Field pageViews is not a valid metric"):
        client.run_report(
            beta.RunReportRequest(property="properties/400000001", metrics=[beta.Metric(name="pageViews")])
        )
    typo = post_raw(ga4, "/v1beta/properties/400000001:runReport", {"dimensionz": []}, access_token(ga4))
    assert typo.status_code == 400
    assert 'Unknown name "dimensionz"' in typo.json()["error"]["message"]
    assert typo.json()["error"]["status"] == "INVALID_ARGUMENT"
    answer = post_raw(
        ga4, "/v1beta/properties/400000001:runReport", {"metrics": [{"name": "sessions"}]}, token=None
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert answer.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
