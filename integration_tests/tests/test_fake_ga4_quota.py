"""Property quotas that really run out, answered like GA4: 429 RESOURCE_EXHAUSTED."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_ga4_client import beta_client, oauth_credentials, real_time_clock
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta import types as beta
from google.api_core import exceptions

from sandbox.fake_server import Fault
from sandbox.ga4 import FakeGA4, GA4Options, QuotaLimits, error_body
from sandbox.ga4.errors import ApiError
from sandbox.ga4.quota import QuotaCategory, QuotaLedger
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.virtual_clock import VirtualClock

FIRST, SECOND = "400000001", "400000002"


def report(
    property_id: str = FIRST, *dimensions: str, days: int = 7, **fields: object
) -> beta.RunReportRequest:
    """A report costing 1 + ceil(days / 30) * ceil(columns / 5) tokens (2 by default)."""
    return beta.RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[beta.Dimension(name=name) for name in dimensions or ("date",)],
        metrics=[beta.Metric(name="activeUsers")],
        date_ranges=[beta.DateRange(start_date=f"{days}daysAgo", end_date="yesterday")],
        return_property_quota=True,
        **fields,
    )


def started(fake_server: FakeServerFactory, clock: VirtualClock, **limits: int) -> FakeGA4:
    return fake_server(FakeGA4, options=GA4Options(quota=QuotaLimits(**limits)), clock=clock)


def run_until_exhausted(
    client: BetaAnalyticsDataClient, request: beta.RunReportRequest
) -> exceptions.GoogleAPICallError:
    for _ in range(100):
        try:
            client.run_report(request)
        except exceptions.TooManyRequests as error:
            return error
    raise AssertionError("the quota never ran out")


def test_hourly_tokens_run_out_and_come_back_the_next_hour(fake_server: FakeServerFactory) -> None:
    clock = real_time_clock()
    ga4 = started(fake_server, clock, tokens_per_hour=10)
    client = beta_client(ga4, oauth_credentials(ga4))  # user credentials refresh on the fake's clock

    remaining = [client.run_report(report()).property_quota.tokens_per_hour.remaining for _ in range(5)]
    error = run_until_exhausted(client, report())

    assert remaining == [8, 6, 4, 2, 0]
    assert error.code == 429
    assert "Exhausted property tokens per hour" in error.message
    assert error.reason == "RATE_LIMIT_EXCEEDED"
    assert error.details[0]["metadata"]["quota_limit"] == "tokensPerHour"
    assert client.run_report(report(SECOND)).row_count == 7  # quotas are per property
    clock.now += 3600
    assert client.run_report(report()).property_quota.tokens_per_hour.remaining == 8


def test_daily_tokens_come_back_at_midnight_pacific_time(fake_server: FakeServerFactory) -> None:
    clock = real_time_clock()
    ga4 = started(fake_server, clock, tokens_per_day=4)
    client = beta_client(ga4, oauth_credentials(ga4))
    client.run_report(report())
    client.run_report(report())

    pacific = datetime.fromtimestamp(clock.now, ZoneInfo("America/Los_Angeles"))
    midnight = datetime.combine(pacific.date() + timedelta(days=1), datetime.min.time(), pacific.tzinfo)
    clock.now = midnight.timestamp() - 1
    assert "Exhausted property tokens per day" in run_until_exhausted(client, report()).message
    clock.now += 1
    assert client.run_report(report()).property_quota.tokens_per_day.remaining == 2


def test_one_project_uses_up_its_hourly_share_while_others_go_on(fake_server: FakeServerFactory) -> None:
    ga4 = started(fake_server, real_time_clock(), tokens_per_project_per_hour=4)
    service_account_client = beta_client(ga4)  # project sandbox-project
    oauth_client = beta_client(ga4, oauth_credentials(ga4))  # project sandbox-oauth-project

    error = run_until_exhausted(service_account_client, report())

    assert "Exhausted property tokens for a project per hour" in error.message
    quota = oauth_client.run_report(report()).property_quota
    assert quota.tokens_per_project_per_hour.remaining == 2
    assert quota.tokens_per_hour.remaining == 40_000 - 6


def test_token_cost_grows_with_days_columns_and_rows(fake_ga4: FakeGA4) -> None:
    client = beta_client(fake_ga4)

    def cost(request: beta.RunReportRequest) -> tuple[int, int]:
        response = client.run_report(request)
        return response.property_quota.tokens_per_day.consumed, len(response.rows)

    small, _ = cost(report())
    wide, _ = cost(report(FIRST, "date", "country", "city", "browser", "deviceCategory", days=90))
    large, rows = cost(report(FIRST, "date", "pagePath", "country", days=365, limit=250_000))

    assert small == 1 + 1 * 1
    assert wide == 1 + 3 * 2
    assert rows > 10_000
    assert large == 1 + math.ceil(365 / 30) * 1 + rows // 5000


def test_potentially_thresholded_requests_have_their_own_hourly_quota(fake_server: FakeServerFactory) -> None:
    ga4 = started(fake_server, real_time_clock(), potentially_thresholded_requests_per_hour=3)
    client = beta_client(ga4)
    demographics = report(FIRST, "userAgeBracket")

    first = client.run_report(demographics)
    batch = client.batch_run_reports(
        beta.BatchRunReportsRequest(
            property=f"properties/{FIRST}", requests=[demographics, report(FIRST, "country")]
        )
    )
    error = run_until_exhausted(client, demographics)

    assert first.metadata.subject_to_thresholding
    assert first.property_quota.potentially_thresholded_requests_per_hour.consumed == 1
    assert not batch.reports[1].metadata.subject_to_thresholding
    assert batch.reports[0].property_quota.potentially_thresholded_requests_per_hour.remaining == 1
    assert "Exhausted potentially thresholded requests quota" in error.message
    assert client.run_report(report(FIRST, "country")).row_count > 0


def test_injected_server_errors_use_up_the_server_error_quota(fake_server: FakeServerFactory) -> None:
    ga4 = started(fake_server, real_time_clock(), server_errors_per_project_per_hour=2)
    client = beta_client(ga4)
    unavailable = error_body(503, "The service is currently unavailable.")
    ga4.faults.add(
        Fault.status(503, body=unavailable, path=rf"/v1beta/properties/{FIRST}:runReport", times=2)
    )

    for _ in range(2):
        with pytest.raises(exceptions.ServiceUnavailable, match="currently unavailable"):
            client.run_report(report())
    error = run_until_exhausted(client, report())

    assert "Exhausted server errors per project per hour quota" in error.message
    assert client.run_report(report(SECOND)).property_quota.server_errors_per_project_per_hour.remaining == 2
    realtime = beta.RunRealtimeReportRequest(
        property=f"properties/{FIRST}", metrics=[beta.Metric(name="activeUsers")]
    )
    client.run_realtime_report(realtime)  # another quota category


def test_a_429_fault_reads_as_the_api_s_resource_exhausted(fake_ga4: FakeGA4) -> None:
    message = "Exhausted concurrent requests quota."
    fake_ga4.faults.add(Fault.status(429, body=error_body(429, message), path=r".*:runReport"))

    with pytest.raises(exceptions.TooManyRequests, match=message) as raised:
        beta_client(fake_ga4).run_report(report())

    assert raised.value.response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert beta_client(fake_ga4).run_report(report()).row_count == 7


def test_concurrent_requests_are_limited_per_property_and_category() -> None:
    ledger = QuotaLedger(QuotaLimits(concurrent_requests=2), real_time_clock())

    with (
        ledger.admit(FIRST, "project", QuotaCategory.CORE),
        ledger.admit(FIRST, "project", QuotaCategory.CORE),
    ):
        with (
            pytest.raises(ApiError, match="Exhausted concurrent requests quota") as raised,
            ledger.admit(FIRST, "project", QuotaCategory.CORE),
        ):
            pass
        assert raised.value.code == 429
        with (
            ledger.admit(SECOND, "project", QuotaCategory.CORE),
            ledger.admit(FIRST, "project", QuotaCategory.REALTIME),
        ):
            pass
    with ledger.admit(FIRST, "project", QuotaCategory.CORE) as ticket:
        assert ticket.property_quota()["concurrentRequests"] == {"remaining": 2}
