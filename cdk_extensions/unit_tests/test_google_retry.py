"""call_with_retry around a Google REST call to a real local server, with a fake clock and sleep.

`run_report` does what the REST transports of the google clients do: POST, and turn an error
answer into an api_core exception with `from_http_response`.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from google.api_core import exceptions as google_exceptions
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import RetryInfo

from cdk_extensions.backoff import RETRY_LOGGER, BackoffPolicy
from cdk_extensions.errors import ApiFailure, ErrorRule, ErrorTaxonomy
from cdk_extensions.google_retry import call_with_retry
from sandbox.fake_server import FakeServer, Fault, Response
from sandbox.pytest_plugin import FakeServerFactory
from sandbox.virtual_clock import VirtualClock

REPORT_PATH = "/v1beta/properties/123:runReport"
REPORT = {"rows": [{"dimensionValues": [{"value": "2024-01-01"}], "metricValues": [{"value": "42"}]}]}
GA4_LIKE_ERRORS = ErrorTaxonomy(
    rules=[
        ErrorRule(FailureType.transient_error, "GA4 quota exhausted for {property_id}.", True, 429),
        ErrorRule(FailureType.transient_error, "GA4 server error {status}.", True, range(500, 600)),
        ErrorRule(FailureType.config_error, "No access to property {property_id}: {detail}", status=403),
    ],
    fallback=ErrorRule(FailureType.system_error, "Unexpected GA4 error {status}: {detail}"),
)


def google_error_body(
    code: int, status: str, message: str, details: list[Any] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message, "details": details or []}}


@pytest.fixture
def ga4(fake_server: FakeServerFactory) -> FakeServer:
    server = fake_server("ga4")
    server.add_route("POST", REPORT_PATH, lambda _request: Response.json(REPORT))
    return server


def run_report(server: FakeServer) -> Any:
    response = requests.post(f"{server.url}{REPORT_PATH}", json={"dateRanges": []}, timeout=5)
    if response.status_code >= 400:
        raise google_exceptions.from_http_response(response)
    return response.json()


def call(fn: Any, fake: VirtualClock, **policy_settings: Any) -> Any:
    settings = {"base_seconds": 1.0, "max_wait_seconds": 10.0, "max_attempts": 4, **policy_settings}
    policy = BackoffPolicy(**settings, random=lambda: 0.5, clock=fake)
    return call_with_retry(
        fn,
        policy=policy,
        taxonomy=GA4_LIKE_ERRORS,
        api_name="Google Analytics",
        context={"property_id": "123"},
        sleep=fake.sleep,
    )


def test_a_5xx_burst_is_retried_with_jittered_exponential_waits(
    ga4: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    ga4.faults.add(Fault.status(503, body=google_error_body(503, "UNAVAILABLE", "Try again."), times=2))
    fake = VirtualClock()
    with caplog.at_level(logging.INFO, logger=RETRY_LOGGER.name):
        assert call(lambda: run_report(ga4), fake) == REPORT
    assert fake.slept == [0.5, 1.0]
    assert [record.getMessage() for record in caplog.records if record.name == RETRY_LOGGER.name] == [
        "Retry 1/3 in 0.50s after ServiceUnavailable (request id: unknown).",
        "Retry 2/3 in 1.00s after ServiceUnavailable (request id: unknown).",
    ]


def test_the_retry_delay_in_a_rest_error_body_wins_over_jitter(ga4: FakeServer) -> None:
    retry_info = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7.500s"}
    body = google_error_body(429, "RESOURCE_EXHAUSTED", "Exhausted concurrent requests.", [retry_info])
    ga4.faults.add(Fault.status(429, body=body))
    fake = VirtualClock()
    assert call(lambda: run_report(ga4), fake) == REPORT
    assert fake.slept == [7.5]


def test_a_retry_after_header_is_honoured_up_to_the_cap(ga4: FakeServer) -> None:
    body = google_error_body(429, "RESOURCE_EXHAUSTED", "Slow down.")
    ga4.faults.add(Fault.status(429, body=body, retry_after=3))
    ga4.faults.add(Fault.status(429, body=body, retry_after=90))
    fake = VirtualClock()
    assert call(lambda: run_report(ga4), fake) == REPORT
    assert fake.slept == [3.0, 10.0]


def test_a_grpc_retry_info_detail_is_honoured() -> None:
    attempts: list[int] = []

    def quota_then_report() -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            # What from_grpc_error builds from a RESOURCE_EXHAUSTED status carrying RetryInfo.
            delay = RetryInfo(retry_delay=Duration(seconds=2, nanos=250_000_000))
            raise google_exceptions.ResourceExhausted("Quota exceeded.", details=[delay])
        return REPORT

    fake = VirtualClock()
    assert call(quota_then_report, fake) == REPORT
    assert fake.slept == [2.25]


def test_a_non_retryable_error_is_raised_at_once_through_the_taxonomy(ga4: FakeServer) -> None:
    body = google_error_body(403, "PERMISSION_DENIED", "User does not have sufficient permissions.")
    ga4.faults.add(Fault.status(403, body=body))
    fake = VirtualClock()
    with pytest.raises(AirbyteTracedException) as raised:
        call(lambda: run_report(ga4), fake)
    assert raised.value.failure_type == FailureType.config_error
    # api_core prefixes the message with the method and URL; the rule keeps it as the detail.
    assert raised.value.message.startswith("No access to property 123: POST http://127.0.0.1:")
    assert raised.value.message.endswith("User does not have sufficient permissions.")
    assert isinstance(raised.value.__cause__, google_exceptions.Forbidden)
    assert fake.slept == []
    assert len(ga4.requests) == 1


def test_a_describe_hook_decides_what_the_taxonomy_sees(ga4: FakeServer) -> None:
    """GA4 names the exhausted quota only in its message: the connector's describe makes it the reason."""
    body = google_error_body(429, "RESOURCE_EXHAUSTED", "Exhausted property tokens per day.")
    ga4.faults.add(Fault.status(429, body=body, times=10))
    taxonomy = ErrorTaxonomy(
        [
            ErrorRule(FailureType.transient_error, "{reason} used up.", status=429, reason="tokensPerDay"),
            ErrorRule(FailureType.transient_error, "Rate limited.", retry=True, status=429),
        ],
        fallback=ErrorRule(FailureType.system_error, "Unexpected."),
    )

    def describe(error: google_exceptions.GoogleAPICallError) -> ApiFailure:
        reason = "tokensPerDay" if "per day" in str(error.message) else None
        return ApiFailure(status=error.code, reason=reason, detail=str(error.message))

    fake = VirtualClock()
    with pytest.raises(AirbyteTracedException) as raised:
        call_with_retry(
            lambda: run_report(ga4),
            policy=BackoffPolicy(random=lambda: 0.5, clock=fake),
            taxonomy=taxonomy,
            sleep=fake.sleep,
            describe=describe,
        )
    assert raised.value.message == "tokensPerDay used up."
    assert fake.slept == []  # the hook's reason picked the rule that does not retry
    assert len(ga4.requests) == 1


def test_giving_up_after_max_attempts_raises_the_last_error_through_the_taxonomy(ga4: FakeServer) -> None:
    ga4.faults.add(Fault.status(500, body=google_error_body(500, "INTERNAL", "Internal error."), times=10))
    fake = VirtualClock()
    with pytest.raises(AirbyteTracedException) as raised:
        call(lambda: run_report(ga4), fake, max_attempts=3)
    assert raised.value.failure_type == FailureType.transient_error
    assert raised.value.message == "GA4 server error 500."
    assert fake.slept == [0.5, 1.0]
    assert len(ga4.requests) == 3


def test_giving_up_when_the_next_wait_would_overrun_the_elapsed_budget(ga4: FakeServer) -> None:
    ga4.faults.add(Fault.status(502, body=google_error_body(502, "UNAVAILABLE", "Bad gateway."), times=10))
    fake = VirtualClock()
    with pytest.raises(AirbyteTracedException):
        # Jittered waits are 1, 2, 4 s: the first two fit in the 4 s budget, the third would not.
        call(lambda: run_report(ga4), fake, base_seconds=2.0, max_attempts=10, max_elapsed_seconds=4.0)
    assert fake.slept == [1.0, 2.0]


def test_a_connection_reset_is_retried(ga4: FakeServer) -> None:
    ga4.faults.add(Fault.reset())
    fake = VirtualClock()
    assert call(lambda: run_report(ga4), fake) == REPORT
    assert fake.slept == [0.5]


def test_an_unreachable_api_is_a_transient_error(ga4: FakeServer) -> None:
    ga4.faults.add(Fault.reset(after_partial_body=False, times=10))
    fake = VirtualClock()
    with pytest.raises(AirbyteTracedException) as raised:
        call(lambda: run_report(ga4), fake, max_attempts=2)
    assert raised.value.failure_type == FailureType.transient_error
    assert raised.value.message.startswith("Could not reach Google Analytics after 2 attempts")


def test_other_exceptions_pass_through_untouched() -> None:
    def broken() -> Any:
        raise KeyError("rows")

    with pytest.raises(KeyError):
        call(broken, VirtualClock())
