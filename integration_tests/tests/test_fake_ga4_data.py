"""The fake GA4's data: deterministic, consistent across reports, late-arriving for recent days,
and shaped by filters, orders, empty rows, date ranges, (other) rows, cohorts and funnels."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from fake_ga4_client import alpha_client, beta_client, oauth_credentials, real_time_clock
from google.analytics.data_v1alpha import types as alpha
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta import types as beta

from sandbox.ga4 import FakeGA4, GA4Options, ReportSettings
from sandbox.pytest_plugin import FakeServerFactory

PROPERTY = "properties/400000001"
Row = tuple[str, ...]


def rows(
    client: BetaAnalyticsDataClient, *dimensions: str, metrics: tuple[str, ...] = ("sessions",), **fields: Any
) -> list[Row]:
    """A report's rows as tuples of dimension then metric values (last 30 days by default)."""
    fields.setdefault("date_ranges", [beta.DateRange(start_date="30daysAgo", end_date="today")])
    response = client.run_report(
        beta.RunReportRequest(
            property=PROPERTY,
            dimensions=[beta.Dimension(name=name) for name in dimensions],
            metrics=[beta.Metric(name=name) for name in metrics],
            limit=250_000,
            **fields,
        )
    )
    return [
        tuple(value.value for value in [*row.dimension_values, *row.metric_values]) for row in response.rows
    ]


def string_filter(
    field: str, match_type: str, value: str, case_sensitive: bool = False
) -> beta.FilterExpression:
    return beta.FilterExpression(
        filter=beta.Filter(
            field_name=field,
            string_filter=beta.Filter.StringFilter(
                match_type=beta.Filter.StringFilter.MatchType[match_type],
                value=value,
                case_sensitive=case_sensitive,
            ),
        )
    )


@pytest.fixture(scope="module")
def shared_client() -> Iterator[BetaAnalyticsDataClient]:
    """One fake for the tests that only read: the filter cases share its cached days."""
    with FakeGA4() as ga4:
        yield beta_client(ga4)
    assert not ga4.handler_errors


def hour_filter(**spec: Any) -> beta.FilterExpression:
    return beta.FilterExpression(filter=beta.Filter(field_name="hour", **spec))


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(
    fake_server: FakeServerFactory,
) -> None:
    clock = real_time_clock()
    first, again = (fake_server(FakeGA4, options=GA4Options(days=60), clock=clock) for _ in range(2))
    other = fake_server(FakeGA4, options=GA4Options(days=60, seed=7), clock=clock)

    def report(ga4: FakeGA4) -> list[Row]:
        last_week = [beta.DateRange(start_date="7daysAgo", end_date="today")]
        metrics = ("activeUsers", "purchaseRevenue")
        return rows(beta_client(ga4), "date", "country", "pagePath", metrics=metrics, date_ranges=last_week)

    assert report(first) == report(again)
    assert report(first) != report(other)


def test_recent_days_change_as_late_data_arrives_and_older_days_never(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    last_ten_days = {"date_ranges": [beta.DateRange(start_date="9daysAgo", end_date="today")]}

    def by_date() -> dict[str, int]:
        return {
            date: int(users)
            for date, users in rows(client, "date", metrics=("activeUsers",), **last_ten_days)
        }

    before = by_date()
    fake_ga4.revise_recent_data()
    after_one = by_date()
    requests.post(f"{fake_ga4.url}/_sandbox/late-data:revise", timeout=10).raise_for_status()
    after_two = by_date()

    recent, older = sorted(before)[-3:], sorted(before)[:-3]
    assert all(before[day] < after_one[day] < after_two[day] for day in recent)
    assert all(before[day] == after_one[day] == after_two[day] for day in older)


def test_days_settle_as_the_clock_moves_on(fake_server: FakeServerFactory) -> None:
    clock = real_time_clock()
    ga4 = fake_server(FakeGA4, options=GA4Options(days=30), clock=clock)
    client = beta_client(ga4, oauth_credentials(ga4))
    today = {"date_ranges": [beta.DateRange(start_date="today", end_date="today")]}

    ((day, users_on_the_day),) = rows(client, "date", metrics=("activeUsers",), **today)
    clock.now += 3 * 86_400
    settled = dict(rows(client, "date", metrics=("activeUsers",)))

    assert int(settled[day]) > int(users_on_the_day)
    assert max(settled) > day  # new days arrived
    assert len(settled) == 30  # the history still spans 30 days


@pytest.mark.parametrize(
    ("expression", "keeps"),
    [
        (string_filter("country", "EXACT", "germany"), lambda r: r[0] == "Germany"),
        (string_filter("country", "EXACT", "germany", case_sensitive=True), lambda r: False),
        (string_filter("pagePath", "BEGINS_WITH", "/blog"), lambda r: r[1].startswith("/blog")),
        (string_filter("pagePath", "ENDS_WITH", "-5"), lambda r: r[1].endswith("-5")),
        (string_filter("country", "CONTAINS", "united"), lambda r: "United" in r[0]),
        (string_filter("country", "FULL_REGEXP", "united.*"), lambda r: r[0].startswith("United")),
        (string_filter("pagePath", "PARTIAL_REGEXP", r"page-\d$"), lambda r: re.search(r"page-\d$", r[1])),
        (
            beta.FilterExpression(
                filter=beta.Filter(
                    field_name="country", in_list_filter=beta.Filter.InListFilter(values=["Japan", "brazil"])
                )
            ),
            lambda r: r[0] in ("Japan", "Brazil"),
        ),
        (
            hour_filter(
                numeric_filter=beta.Filter.NumericFilter(
                    operation=beta.Filter.NumericFilter.Operation.LESS_THAN,
                    value=beta.NumericValue(int64_value=6),
                )
            ),
            lambda r: int(r[2]) < 6,
        ),
        (
            hour_filter(
                between_filter=beta.Filter.BetweenFilter(
                    from_value=beta.NumericValue(int64_value=9), to_value=beta.NumericValue(double_value=17.0)
                )
            ),
            lambda r: 9 <= int(r[2]) <= 17,
        ),
        (
            beta.FilterExpression(
                and_group=beta.FilterExpressionList(
                    expressions=[
                        string_filter("pagePath", "BEGINS_WITH", "/products"),
                        beta.FilterExpression(
                            not_expression=string_filter("country", "EXACT", "United States")
                        ),
                    ]
                )
            ),
            lambda r: r[1].startswith("/products") and r[0] != "United States",
        ),
        (
            beta.FilterExpression(
                or_group=beta.FilterExpressionList(
                    expressions=[
                        string_filter("country", "EXACT", "Japan"),
                        string_filter("pagePath", "EXACT", "/"),
                    ]
                )
            ),
            lambda r: r[0] == "Japan" or r[1] == "/",
        ),
    ],
    ids=[
        "exact, case-insensitive",
        "exact, case-sensitive",
        "begins with",
        "ends with",
        "contains",
        "full regexp",
        "partial regexp",
        "in list",
        "numeric",
        "between",
        "and + not",
        "or",
    ],
)
def test_dimension_filters_keep_exactly_the_matching_rows(
    shared_client: BetaAnalyticsDataClient, expression: beta.FilterExpression, keeps: Callable[[Row], Any]
) -> None:
    everything = rows(shared_client, "country", "pagePath", "hour")

    filtered = rows(shared_client, "country", "pagePath", "hour", dimension_filter=expression)

    assert filtered == [row for row in everything if keeps(row)]


def test_metric_filters_apply_to_aggregated_rows_and_order_bys_sort_them(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    by_country = rows(client, "country", metrics=("sessions", "bounceRate"))
    over_a_thousand = beta.FilterExpression(
        filter=beta.Filter(
            field_name="sessions",
            numeric_filter=beta.Filter.NumericFilter(
                operation=beta.Filter.NumericFilter.Operation.GREATER_THAN,
                value=beta.NumericValue(int64_value=1000),
            ),
        )
    )

    busy = rows(client, "country", metrics=("sessions", "bounceRate"), metric_filter=over_a_thousand)
    ascending = rows(
        client,
        "country",
        metrics=("sessions",),
        order_bys=[beta.OrderBy(metric=beta.OrderBy.MetricOrderBy(metric_name="sessions"))],
    )
    by_name_descending = rows(
        client,
        "country",
        order_bys=[
            beta.OrderBy(dimension=beta.OrderBy.DimensionOrderBy(dimension_name="country"), desc=True)
        ],
    )

    assert busy == [row for row in by_country if int(row[1]) > 1000] and 0 < len(busy) < len(by_country)
    assert [int(row[1]) for row in ascending] == sorted(int(row[1]) for row in by_country)
    assert [row[0] for row in by_name_descending] == sorted((row[0] for row in by_country), reverse=True)
    assert [int(row[1]) for row in by_country] == sorted((int(row[1]) for row in by_country), reverse=True)


def test_rows_with_only_zero_metrics_appear_only_when_kept(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)

    key_events = rows(client, "eventName", metrics=("keyEvents",))
    every_event = rows(client, "eventName", metrics=("keyEvents",), keep_empty_rows=True)
    retired_name = rows(client, "eventName", metrics=("conversions",))

    assert {row[0] for row in key_events} == {"purchase", "sign_up", "generate_lead"}
    assert {row for row in every_event if row[1] != "0"} == set(key_events)
    assert len(every_event) > len(key_events) and ("page_view", "0") in every_event
    assert retired_name == key_events


def test_every_report_agrees_on_the_totals(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)

    def total(*dimensions: str) -> int:
        return sum(int(row[-1]) for row in rows(client, *dimensions, metrics=("sessions",)))

    assert (
        total("date") == total("country") == total("deviceCategory", "browser") == total("pagePath", "hour")
    )


def test_several_date_ranges_add_the_date_range_dimension_and_totals_per_range(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)
    this_week = beta.DateRange(start_date="6daysAgo", end_date="today", name="this_week")
    last_week = beta.DateRange(start_date="13daysAgo", end_date="7daysAgo")

    response = client.run_report(
        beta.RunReportRequest(
            property=PROPERTY,
            dimensions=[beta.Dimension(name="country")],
            metrics=[beta.Metric(name="sessions")],
            date_ranges=[this_week, last_week],
            metric_aggregations=[beta.MetricAggregation.TOTAL],
        )
    )

    assert [header.name for header in response.dimension_headers] == ["country", "dateRange"]
    by_range: dict[str, set[Row]] = {}
    for row in response.rows:
        country, range_name = (value.value for value in row.dimension_values)
        by_range.setdefault(range_name, set()).add((country, row.metric_values[0].value))
    assert by_range["this_week"] == set(rows(client, "country", date_ranges=[this_week]))
    assert by_range["date_range_1"] == set(rows(client, "country", date_ranges=[last_week]))
    totals = {row.dimension_values[1].value: int(row.metric_values[0].value) for row in response.totals}
    assert totals == {name: sum(int(sessions) for _, sessions in pairs) for name, pairs in by_range.items()}


def test_many_rows_roll_into_an_other_row(fake_server: FakeServerFactory) -> None:
    ga4 = fake_server(FakeGA4, options=GA4Options(reports=ReportSettings(other_row_above=10)))
    client = beta_client(ga4)

    response = client.run_report(
        beta.RunReportRequest(
            property=PROPERTY,
            dimensions=[beta.Dimension(name="pagePath"), beta.Dimension(name="country")],
            metrics=[beta.Metric(name="sessions")],
            date_ranges=[beta.DateRange(start_date="30daysAgo", end_date="today")],
        )
    )

    values = [[value.value for value in row.dimension_values] for row in response.rows]
    assert response.row_count == 10 and ["(other)", "(other)"] in values
    assert response.metadata.data_loss_from_other_row
    assert sum(int(row.metric_values[0].value) for row in response.rows) == sum(
        int(row[-1]) for row in rows(client, "date")
    )


def test_cardinality_and_days_size_the_data(fake_server: FakeServerFactory) -> None:
    ga4 = fake_server(FakeGA4, options=GA4Options(days=20, cardinality=5))
    client = beta_client(ga4)

    assert len(rows(client, "pagePath")) == 5
    assert len(rows(client, "itemName", metrics=("itemsViewed",))) == 5
    assert (
        len(rows(client, "date", date_ranges=[beta.DateRange(start_date="60daysAgo", end_date="today")]))
        == 20
    )


def test_cohort_accumulation_never_decreases(fake_ga4: FakeGA4) -> None:
    spec = beta.CohortSpec(
        cohorts=[
            beta.Cohort(
                dimension="firstSessionDate",
                date_range=beta.DateRange(start_date="20daysAgo", end_date="20daysAgo"),
            )
        ],
        cohorts_range=beta.CohortsRange(granularity=beta.CohortsRange.Granularity.DAILY, end_offset=10),
        cohort_report_settings=beta.CohortReportSettings(accumulate=True),
    )

    cohort = rows(
        beta_client(fake_ga4),
        "cohort",
        "cohortNthDay",
        metrics=("cohortActiveUsers",),
        date_ranges=[],
        cohort_spec=spec,
    )

    assert [row[1] for row in cohort] == [f"{day:04d}" for day in range(11)]
    assert [int(row[2]) for row in cohort] == sorted(int(row[2]) for row in cohort)


def test_open_funnels_let_users_enter_at_later_steps_and_trended_ones_go_by_date(fake_ga4: FakeGA4) -> None:
    client = alpha_client(fake_ga4)

    def step(event: str, directly_followed: bool = False) -> alpha.FunnelStep:
        return alpha.FunnelStep(
            name=event,
            is_directly_followed_by=directly_followed,
            filter_expression=alpha.FunnelFilterExpression(
                funnel_event_filter=alpha.FunnelEventFilter(event_name=event)
            ),
        )

    def users_per_step(steps: list[alpha.FunnelStep], **fields: Any) -> list[int]:
        response = client.run_funnel_report(
            alpha.RunFunnelReportRequest(
                property=PROPERTY,
                date_ranges=[alpha.DateRange(start_date="30daysAgo", end_date="yesterday")],
                funnel=alpha.Funnel(steps=steps, **fields),
            )
        )
        return [int(row.metric_values[0].value) for row in response.funnel_table.rows]

    closed = users_per_step([step("page_view"), step("add_to_cart"), step("purchase")])
    opened = users_per_step([step("page_view"), step("add_to_cart"), step("purchase")], is_open_funnel=True)
    direct = users_per_step(
        [step("page_view"), step("add_to_cart", directly_followed=True), step("purchase")]
    )
    trended = client.run_funnel_report(
        alpha.RunFunnelReportRequest(
            property=PROPERTY,
            date_ranges=[alpha.DateRange(start_date="6daysAgo", end_date="yesterday")],
            funnel=alpha.Funnel(steps=[step("page_view"), step("purchase")]),
            funnel_visualization_type=alpha.RunFunnelReportRequest.FunnelVisualizationType.TRENDED_FUNNEL,
        )
    ).funnel_visualization

    assert closed[0] == opened[0] and closed[0] >= closed[1] >= closed[2]
    assert opened[1] >= closed[1] and opened[2] >= closed[2]
    assert direct[1] < closed[1]
    assert [header.name for header in trended.dimension_headers] == ["funnelStepName", "date"]
    assert len(trended.rows) == 2 * 6
