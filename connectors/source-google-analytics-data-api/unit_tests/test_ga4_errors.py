"""GA4's error table: which quota a 429 is about, what is retried, and what each failure tells the user.

The errors are those the official client raises for the fake's answers (REST transport), so
the messages and details are read exactly as in production.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from airbyte_cdk.models import FailureType
from ga4_harness import Ga4Sandbox
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.api_core.exceptions import GoogleAPICallError
from google.oauth2.credentials import Credentials

from sandbox.fake_server import Fault
from sandbox.ga4 import FakeGA4, error_body
from source_google_analytics_data_api.errors import GA4_ERRORS, Quota, describe_google_error, resets

NOW = datetime(2024, 3, 10, 17, 30, tzinfo=UTC)  # 09:30 in Los Angeles (PST, the day DST begins)
CONTEXT = {"property_id": "123", "report": "devices"}
REPORT_PATH = ".*:runReport"


def google_error(
    fake: FakeGA4, status: int, message: str, details: list[dict[str, object]] | None = None
) -> GoogleAPICallError:
    """What the official client raises when the API answers this error (every time: on a 401 the
    client renews its token and tries again, twice)."""
    body = error_body(status, message, details or [])
    fake.faults.add(Fault.status(status, body=body, path=REPORT_PATH, times=3))
    client = BetaAnalyticsDataClient(
        transport="rest", credentials=user_credentials(fake), client_options={"api_endpoint": fake.url}
    )
    with pytest.raises(GoogleAPICallError) as raised:
        client.run_report({"property": "properties/123"}, retry=None)
    return raised.value


def user_credentials(fake: FakeGA4) -> Credentials:
    client = fake.options.oauth_client
    return Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=fake.new_refresh_token(),
        client_id=client.client_id,
        client_secret=client.client_secret,
        token_uri=fake.token_uri,
    )


@pytest.mark.parametrize(
    ("message", "quota"),
    [
        (
            "Exhausted property tokens per day. These quota tokens will return in under 24 hours.",
            Quota.TOKENS_PER_DAY,
        ),
        (
            "Exhausted property tokens per hour. These quota tokens will return in under an hour.",
            Quota.TOKENS_PER_HOUR,
        ),
        ("Exhausted property tokens for a project per hour.", Quota.TOKENS_PER_PROJECT_PER_HOUR),
        ("Exhausted concurrent requests quota.", Quota.CONCURRENT_REQUESTS),
        ("Exhausted server errors per project per hour quota.", Quota.SERVER_ERRORS_PER_PROJECT_PER_HOUR),
        (
            "Exhausted potentially thresholded requests quota.",
            Quota.POTENTIALLY_THRESHOLDED_REQUESTS_PER_HOUR,
        ),
    ],
)
def test_the_quota_of_a_429_is_read_off_ga4s_message(fake_ga4: FakeGA4, message: str, quota: Quota) -> None:
    failure = describe_google_error(google_error(fake_ga4, 429, message), CONTEXT, NOW)

    assert failure.reason == quota.value
    rule = GA4_ERRORS.classify(failure)
    assert rule.failure_type == FailureType.transient_error
    assert rule.retry is (quota is Quota.CONCURRENT_REQUESTS)  # the others do not come back within a retry


def test_the_error_info_names_the_quota_when_the_message_does_not(fake_ga4: FakeGA4) -> None:
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "metadata": {"quota_limit": "tokensPerHour"},
    }

    failure = describe_google_error(google_error(fake_ga4, 429, "Quota exceeded.", [info]), CONTEXT, NOW)

    assert failure.reason == "tokensPerHour"


def test_a_daily_quota_says_which_property_and_when_it_resets(fake_ga4: FakeGA4) -> None:
    error = google_error(fake_ga4, 429, "Exhausted property tokens per day.")

    exception = GA4_ERRORS.to_exception(describe_google_error(error, CONTEXT, NOW))

    assert exception.message == (
        "Google Analytics property 123 has used up its quota of property tokens per day (tokensPerDay). "
        "It resets at 2024-03-11 00:00 Pacific time (2024-03-11 07:00 UTC); sync again then, and the sync "
        "continues from its saved state."
    )


def test_hourly_quotas_reset_at_the_next_hour() -> None:
    assert resets(Quota.TOKENS_PER_HOUR, NOW) == "within the hour (by 2024-03-10 18:00 UTC)"


@pytest.mark.parametrize(
    ("status", "message", "failure_type", "retry", "says"),
    [
        (
            400,
            "Field sessionz is not a valid metric.",
            FailureType.config_error,
            False,
            "rejected the request of report 'devices' for property 123: Field sessionz is not a valid metric",
        ),
        (
            401,
            "Request had invalid authentication credentials.",
            FailureType.config_error,
            False,
            "re-authenticate",
        ),
        (403, "User does not have sufficient permissions.", FailureType.config_error, False, "Viewer role"),
        (
            500,
            "Internal error.",
            FailureType.transient_error,
            True,
            "server error (HTTP 500) for property 123",
        ),
        (503, "The service is unavailable.", FailureType.transient_error, True, "server error (HTTP 503)"),
        (404, "Not found.", FailureType.system_error, False, "answered unexpectedly (HTTP 404"),
    ],
)
def test_every_other_failure_has_its_rule(
    fake_ga4: FakeGA4, status: int, message: str, failure_type: FailureType, retry: bool, says: str
) -> None:
    failure = describe_google_error(google_error(fake_ga4, status, message), CONTEXT, NOW)

    rule = GA4_ERRORS.classify(failure)
    assert (rule.failure_type, rule.retry) == (failure_type, retry)
    assert says in rule.render(failure)
    assert "http://127.0.0.1" not in rule.render(failure)  # the request line is not for users


def test_server_errors_and_busy_answers_are_retried_then_the_sync_goes_on(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    sandbox.fake.faults.add(
        Fault.status(503, body=error_body(503, "Unavailable."), path=REPORT_PATH, times=2)
    )
    concurrency = error_body(429, "Exhausted concurrent requests quota.")
    sandbox.fake.faults.add(Fault.status(429, body=concurrency, path=REPORT_PATH, times=1))

    output = sandbox.read(sandbox.service_account_config(), ["devices"])

    assert output.errors() == []
    assert output.statuses("devices")[-1].name == "COMPLETE"
    assert sandbox.requests_to(":runReport") == 4
    assert sandbox.clock.slept == [0.25, 0.5, 1.0]  # full jitter pinned at half of 0.5, 1, 2 seconds


def test_a_request_ga4_rejects_fails_the_stream_with_ga4s_reason(
    ga4_sandbox: Callable[..., Ga4Sandbox],
) -> None:
    sandbox = ga4_sandbox()
    reports = [{"name": "typo", "dimensions": ["date"], "metrics": ["sessionz"]}]

    output = sandbox.read(
        sandbox.service_account_config(custom_reports_array=reports), ["typo"], expect_failure=True
    )

    stream_error = output.errors()[0]
    assert stream_error.failure_type == FailureType.config_error
    first = sandbox.fake.property_ids[0]
    assert stream_error.message.startswith(
        f"Google Analytics rejected the request of report 'typo' for property {first}: "
        "Field sessionz is not a valid metric."
    )
    assert sandbox.requests_to(":runReport") == 1
